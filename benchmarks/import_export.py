"""Import and export speed and memory, against a floor measured in the same run.

Targets (2-core machine): importing 100,000 Label Studio text tasks takes at most
3x the bare floor (json.load plus one executemany into SQLite), with peak memory
under 500 MB; exporting 10,000 image tasks with 20 boxes each to COCO takes under
5 s. Each import runs in a fresh subprocess so its peak RSS is its own; the floor and the
import are each run `--repeat` times and the best run of each counts.

Run: .venv/bin/python benchmarks/import_export.py [--tasks 100000] [--images 10000]
The last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT_CONFIG = (
    '<View><Text name="review" value="$text"/>'
    '<Choices name="sentiment" toName="review" choice="single">'
    '<Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>'
    "</Choices></View>"
)
BOX_CONFIG = (
    '<View><Image name="image" value="$image"/><RectangleLabels name="box" toName="image">'
    '<Label value="Car"/><Label value="Truck"/><Label value="Pedestrian"/>'
    "</RectangleLabels></View>"
)
WORDS = [
    "the",
    "film",
    "was",
    "not",
    "too",
    "bad",
    "but",
    "the",
    "ending",
    "dragged",
    "and",
    "the",
    "cast",
    "felt",
    "tired",
]


def make_text_tasks(path: Path, count: int) -> None:
    rng = random.Random(7)
    tasks = [
        {"data": {"text": " ".join(rng.choices(WORDS, k=rng.randint(8, 40))), "ref_id": f"r{i}"}}
        for i in range(count)
    ]
    path.write_text(json.dumps(tasks), encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def phase_floor(tasks_file: Path, db_file: Path) -> dict[str, float]:
    start = time.perf_counter()
    with tasks_file.open(encoding="utf-8") as fh:
        tasks = json.load(fh)
    conn = sqlite3.connect(db_file, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, external_id TEXT, data TEXT)")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO tasks (external_id, data) VALUES (?, ?)",
        ((str(i), json.dumps(t["data"])) for i, t in enumerate(tasks)),
    )
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}


def phase_import(tasks_file: Path, workspace: Path, config: Path) -> dict[str, float]:
    from labelmate.usecases.import_tasks import ImportRequest, import_files

    start = time.perf_counter()
    report = import_files(
        ImportRequest(paths=[tasks_file], project="Bench", config=config), workspace
    )
    seconds = time.perf_counter() - start
    (file_report,) = report.files
    if file_report.failed:
        raise SystemExit("import failed: " + "; ".join(p.format() for p in file_report.problems))
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "imported": file_report.imported}


def setup_box_workspace(workspace: Path, images: int, boxes: int) -> None:
    from labelmate.core.models import Annotation, Project, Task
    from labelmate.core.regions import Box
    from labelmate.store import Workspace

    rng = random.Random(3)
    labels = ("Car", "Truck", "Pedestrian")
    with Workspace.open(workspace) as ws:
        project = ws.add_project(Project(name="Boxes", config_xml=BOX_CONFIG, media_root="/m"))
        tasks = ws.add_tasks(
            Task(
                project_id=project.id,
                external_id=f"img_{i:05d}.jpg",
                data={"image": f"img_{i:05d}.jpg"},
                media=f"img_{i:05d}.jpg",
                image_width=1280,
                image_height=720,
            )
            for i in range(images)
        )
        ws.add_annotations(
            Annotation(
                task_id=task.id,
                author="me",
                regions=[
                    Box(
                        control="box",
                        target="image",
                        labels=(rng.choice(labels),),
                        x=rng.uniform(0, 1100),
                        y=rng.uniform(0, 600),
                        width=rng.uniform(5, 150),
                        height=rng.uniform(5, 100),
                    )
                    for _ in range(boxes)
                ],
            )
            for task in tasks
        )


def phase_export(workspace: Path, out: Path) -> dict[str, float]:
    from labelmate.usecases.export import export_project

    start = time.perf_counter()
    report = export_project("Boxes", "coco", out, workspace=workspace)
    return {"seconds": time.perf_counter() - start, "regions": report.regions}


def run_phase(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"phase {args[0]} failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--boxes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase; best counts")
    parser.add_argument("--phase", nargs="+")
    args = parser.parse_args()
    if args.phase:
        name, *paths = args.phase
        p = [Path(x) for x in paths]
        result = {
            "floor": lambda: phase_floor(p[0], p[1]),
            "import": lambda: phase_import(p[0], p[1], p[2]),
            "export": lambda: phase_export(p[0], p[1]),
        }[name]()
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="labelmate-bench-") as tmp:
        root = Path(tmp)
        tasks_file, config = root / "tasks.json", root / "config.xml"
        make_text_tasks(tasks_file, args.tasks)
        config.write_text(TEXT_CONFIG)
        # Best of several fresh runs for both, so a busy moment on a shared machine
        # does not decide the ratio.
        floor = min(
            (run_phase("floor", str(tasks_file), str(root / f"floor{i}.sqlite"))
             for i in range(args.repeat)),
            key=lambda r: r["seconds"],
        )  # fmt: skip
        imported = min(
            (run_phase("import", str(tasks_file), str(root / f"ws{i}.labelmate"), str(config))
             for i in range(args.repeat)),
            key=lambda r: r["seconds"],
        )  # fmt: skip
        print(f"floor: json.load + executemany of {args.tasks:,} tasks: {floor['seconds']:.2f} s")
        print(
            f"import: {imported['imported']:,} tasks in {imported['seconds']:.2f} s "
            f"({imported['seconds'] / floor['seconds']:.2f}x the floor), "
            f"peak RSS {imported['peak_rss_mb']:.0f} MB (target: ≤ 3x, < 500 MB)"
        )
        setup_box_workspace(root / "boxes.labelmate", args.images, args.boxes)
        exported = run_phase("export", str(root / "boxes.labelmate"), str(root / "coco"))
        print(
            f"export: {args.images:,} images × {args.boxes} boxes to COCO in "
            f"{exported['seconds']:.2f} s (target: < 5 s)"
        )
        summary = {
            "area": "import_export",
            "tasks": args.tasks,
            "import_100k_s": round(imported["seconds"], 3),
            "import_floor_s": round(floor["seconds"], 3),
            "import_ratio": round(imported["seconds"] / floor["seconds"], 2),
            "import_peak_rss_mb": round(imported["peak_rss_mb"], 1),
            "export_coco_10k_s": round(exported["seconds"], 3),
            "export_regions": exported["regions"],
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
