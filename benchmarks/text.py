"""Text screen speed, offscreen: a 1 MB text with thousands of spans.

Target: the screen stays responsive — opening the task and adding one span (saved to
the workspace, redrawn, hints refreshed) each take about 100 ms of main-thread time or
less, so selecting and labeling never stalls.

Run: .venv/bin/python benchmarks/text.py [--megabytes 1] [--spans 5000]
The last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CONFIG = """<View>
  <Labels name="entities" toName="doc">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/>
  </Labels>
  <Text name="doc" value="$text"/>
</View>"""
WORDS = [
    "the",
    "board",
    "met",
    "in",
    "Leeds",
    "on",
    "Tuesday",
    "😀",
    "and",
    "Ada",
    "Lovelace",
    "spoke",
    "for",
    "the",
    "Bank",
    "of",
    "England",
]


def make_text(megabytes: float) -> str:
    rng = random.Random(4)
    parts, size = [], 0
    while size < megabytes * 1_000_000:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + ".\r\n"
        parts.append(line)
        size += len(line.encode("utf-8"))
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--spans", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from labelmate.core.models import Annotation, AnnotationKind, Project, Task
    from labelmate.core.regions import Span
    from labelmate.gui.labeling.task_screen import TaskActions
    from labelmate.gui.labeling.text_screen import TextLabelingScreen
    from labelmate.store import Workspace

    app = QApplication.instance() or QApplication(sys.argv[:1])
    text = make_text(args.megabytes)
    rng = random.Random(8)
    starts = sorted(rng.sample(range(len(text) - 20), args.spans))
    spans = [
        Span(control="entities", target="doc", labels=(rng.choice(["PER", "ORG", "LOC"]),),
             start=s, end=s + 8, text=text[s : s + 8])
        for s in starts
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="labelmate-text-") as tmp:
        ws = Workspace.open(Path(tmp) / "ws.labelmate")
        project = ws.add_project(Project(name="Big", config_xml=CONFIG))
        (task,) = ws.add_tasks(
            [Task(project_id=project.id, external_id="big", data={"text": text})]
        )
        ws.add_annotation(Annotation(task_id=task.id, author="me", kind=AnnotationKind.MINE,
                                     regions=spans))  # fmt: skip
        holder = __import__("PySide6.QtWidgets", fromlist=["QWidget"]).QWidget()
        actions = TaskActions(holder)
        screen = TextLabelingScreen(ws, actions)
        screen.resize(1200, 800)
        screen.show()
        opens, adds = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            screen.open_task(project, task)
            app.processEvents()
            opens.append((time.perf_counter() - start) * 1000)
            screen.open_task(project, None)
        screen.open_task(project, task)
        view = screen.views["doc"]
        control = screen.session.context.interface.control("entities")
        for i in range(args.repeat):
            at = 100 + i * 50
            start = time.perf_counter()
            screen.add_span(view, at, at + 5, "PER", control)
            app.processEvents()
            adds.append((time.perf_counter() - start) * 1000)
        ws.close()
    summary = {
        "area": "text",
        "text_mb": args.megabytes,
        "spans": args.spans,
        "open_1mb_ms": round(statistics.median(opens), 1),
        "add_span_ms": round(statistics.median(adds), 1),
    }
    print(
        f"open a {args.megabytes:g} MB text with {args.spans} spans: {summary['open_1mb_ms']} ms; "
        f"add one span (saved, redrawn): {summary['add_span_ms']} ms"
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
