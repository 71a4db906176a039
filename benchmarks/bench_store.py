"""How fast the workspace is at what an annotator feels: import, paging, counting.

Run: .venv/bin/python benchmarks/bench_store.py [--tasks 20000]
Prints a human summary, then one JSON line (the last line) for CI to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from labelmate.core.models import Annotation, Project, Task, TaskStatus
from labelmate.core.regions import Box
from labelmate.store import Workspace


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median wall time in milliseconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=20_000)
    args = parser.parse_args()
    n = args.tasks
    with tempfile.TemporaryDirectory() as tmp, Workspace.open(Path(tmp) / "b.labelmate") as ws:
        project = ws.add_project(Project(name="Bench", config_xml="<View/>"))
        tasks = [
            Task(
                project_id=project.id,
                external_id=f"img-{i:06}",
                data={"image": f"images/{i:06}.jpg", "meta": {"camera": i % 7, "tags": ["a", "b"]}},
                media=f"images/{i:06}.jpg",
                image_width=1920,
                image_height=1080,
            )
            for i in range(n)
        ]
        insert_ms, added = timed(lambda: ws.add_tasks(tasks))
        assert isinstance(added, list)
        with ws.transaction():  # one import-like batch of status changes
            for t in added[::3]:
                ws.set_task_status(t.id, TaskStatus.DONE)
        offset = min(10_000, max(0, n - 200))
        page_ms, page = timed(lambda: ws.list_tasks(project.id, offset=offset, limit=200), 20)
        assert isinstance(page, list) and len(page) == min(200, n - offset)
        done_page_ms, _ = timed(
            lambda: ws.list_tasks(project.id, TaskStatus.DONE, offset=offset // 3, limit=200), 20
        )
        count_ms, done = timed(lambda: ws.count_tasks(project.id, TaskStatus.DONE), 20)
        box = Box(control="label", target="image", labels=("car",), x=1, y=2, width=3, height=4)
        edit_ms, _ = timed(
            lambda: ws.add_annotation(Annotation(task_id=added[0].id, author="me", regions=[box])),
            20,
        )
        size_mb = os.path.getsize(ws.path) / 1e6

    per_s = n / (insert_ms / 1000)
    print(f"store benchmark — {n:,} tasks")
    print(f"  bulk insert (one transaction):   {insert_ms:8.1f} ms  ({per_s:,.0f} tasks/s)")
    print(f"  list 200 at offset {offset:,}:      {page_ms:8.2f} ms")
    print(f"  list 200 'done' tasks, paged:    {done_page_ms:8.2f} ms")
    print(f"  count 'done' ({done:,}):           {count_ms:8.2f} ms")
    print(f"  one durable annotation save:     {edit_ms:8.2f} ms  (fsync included)")
    print(f"  file size before checkpoint:     {size_mb:8.1f} MB")
    print(
        json.dumps(
            {
                "area": "store",
                "tasks": n,
                "insert_ms": round(insert_ms, 1),
                "tasks_per_s": round(per_s),
                "page_200_at_offset_ms": round(page_ms, 3),
                "page_offset": offset,
                "status_page_ms": round(done_page_ms, 3),
                "count_by_status_ms": round(count_ms, 3),
                "annotation_save_ms": round(edit_ms, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
