"""The `labelmate` command's subcommands, by area; `labelmate.cli` parses and dispatches.

- `data`: demo, import, export (and the progress line they share with portfolio)
- `checks`: rubric check, prompt lint, query draft / query lint
- `scoring`: agreement, score
- `portfolio`: portfolio, project

Each module adds its subcommands' parsers (`add_parsers`) and holds their handlers
(`run_*`). Use-cases are imported inside the handlers, so `labelmate --help` and
`labelmate open` import none of them. Shared here: the exit statuses, `open_gui` and
`print_report`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_UNREADABLE = 0, 1, 2


def open_gui(workspace: Path | None, project: str | None) -> int:
    from labelmate.gui.launch import display_problem

    problem = display_problem()
    if problem:
        print(f"labelmate: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    # We use no pydantic plugins; looking for them scans every installed package's
    # metadata, a noticeable part of start-up.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from labelmate.gui.launch import run_app

    return run_app(workspace, project)


def print_report(report: Any, as_json: bool) -> None:
    """A use-case report on stdout: its `to_json()` as JSON, or its `lines` (a list or
    a method) one per line. NaN never reaches the JSON: reports say null instead."""
    if as_json:
        import json

        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2, allow_nan=False))
        return
    lines = report.lines() if callable(report.lines) else report.lines
    for line in lines:
        print(line)
