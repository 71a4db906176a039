"""`labelmate demo`, `import` and `export`: getting tasks into and out of a workspace."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from labelmate.cli_commands import EXIT_ERROR, EXIT_OK, open_gui

# Kept here, not imported from labelmate.io, so `--help` starts fast.
READER_NAMES = (
    "coco",
    "conll",
    "csv",
    "images",
    "jsonl",
    "labelme",
    "ls-json",
    "txt",
    "voc",
    "yolo",
)
WRITER_NAMES = ("ls-json", "ls-min", "ls-csv", "coco", "yolo", "voc", "labelme", "conll", "jsonl")


def add_parsers(sub: argparse._SubParsersAction, ws: argparse.ArgumentParser) -> None:
    p_demo = sub.add_parser(
        "demo",
        parents=[ws],
        help="add the demo practice pack to the workspace",
        description="Add the demo practice pack (PCB defect boxes, leaf polygons, movie-review "
        "sentiment, named entities, system prompts) with gold answers and rubrics. Generated "
        "offline and deterministically; running it again adds nothing twice.",
    )
    p_demo.add_argument("--open", action="store_true", help="open the app on the pack afterwards")

    p_import = sub.add_parser(
        "import",
        parents=[ws],
        help="import tasks and annotations into a project",
        description="Import Label Studio JSON / JSON_MIN, CSV/TSV, TXT, image folders, labelme, "
        "COCO, YOLO, VOC, CoNLL or doccano JSONL. The format is detected from the content. "
        "Each file is one transaction; re-importing adds nothing twice. Nothing is downloaded: "
        "URLs and paths outside the media root are refused per task.",
    )
    p_import.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p_import.add_argument("--project", required=True, metavar="NAME")
    p_import.add_argument(
        "--config",
        type=Path,
        metavar="CONFIG.xml",
        help="Label Studio labeling config (needed for a new project unless "
        "the format implies one)",
    )
    p_import.add_argument("--rubric", type=Path, metavar="RUBRIC.yaml")
    p_import.add_argument(
        "--as",
        dest="as_",
        default="mine",
        metavar="mine|gold|peer:NAME",
        help="whose work the annotations are (default: mine)",
    )
    p_import.add_argument(
        "--media-root",
        type=Path,
        metavar="DIR",
        help="folder media paths resolve in (default: the file's folder)",
    )
    p_import.add_argument("--format", choices=sorted(READER_NAMES), help="skip detection")

    p_export = sub.add_parser(
        "export",
        parents=[ws],
        help="export a project to Label Studio, COCO, YOLO, VOC, labelme, CoNLL or JSONL",
        description="Write a project's tasks and annotations in an outside format. Files are "
        "written to a temporary folder and moved into place, so a failure leaves no "
        "half-written file.",
    )
    p_export.add_argument("--project", required=True, metavar="NAME")
    p_export.add_argument("--format", required=True, choices=WRITER_NAMES)
    p_export.add_argument("--out", required=True, type=Path, metavar="DIR")
    p_export.add_argument(
        "--which",
        metavar="mine|gold|latest|author:NAME",
        help="which annotation per task (required when a one-annotation "
        "format meets a task with several)",
    )
    p_export.add_argument(
        "--replace",
        action="store_true",
        help="replace the contents of a non-empty --out folder (no stale files are left)",
    )
    p_export.add_argument(
        "--voc-one-based",
        action="store_true",
        help="VOC: write classic 1-based inclusive pixel coordinates",
    )


def run_demo(args: argparse.Namespace) -> int:
    from labelmate.usecases.demo import install_demo

    report = install_demo(args.workspace)
    for line in report.lines():
        print(line)
    if args.open:
        return open_gui(report.workspace, report.first_project)
    return EXIT_OK


class ProgressLine:
    """A self-overwriting progress line on a terminal's stderr, at most 5 times a second.

    Silent when stderr is not a terminal, so logs and pipes get only the summary.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = False
        self._last = 0.0

    def __call__(self, name: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if not sys.stderr.isatty() or (now - self._last < 0.2 and done != total):
            return
        self._last = now
        count = f"{done:,}/{total:,}" if total else f"{done:,}"
        print(f"\r{self.label} {Path(name).name}: {count}", end="", file=sys.stderr, flush=True)
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    from labelmate.usecases.import_tasks import ImportAs, ImportRequest, import_files

    request = ImportRequest(
        paths=args.paths,
        project=args.project,
        config=args.config,
        rubric=args.rubric,
        as_=ImportAs.parse(args.as_),
        media_root=args.media_root,
        format=args.format,
    )
    progress = ProgressLine("Importing")
    try:
        report = import_files(request, args.workspace, progress)
    finally:
        progress.finish()
    for line in report.lines():
        print(line)
    return EXIT_OK if report.ok else EXIT_ERROR


def run_export(args: argparse.Namespace) -> int:
    from labelmate.usecases.export import Which, export_project

    report = export_project(
        args.project,
        args.format,
        args.out,
        which=Which.parse(args.which) if args.which else None,
        workspace=args.workspace,
        options={"voc_one_based": args.voc_one_based, "replace": args.replace},
    )
    for line in report.lines():
        print(line)
    return EXIT_OK if report.ok else EXIT_ERROR
