"""The `labelmate` command: argument parsing and printing, nothing else.

Every command calls a use-case; errors arrive typed (`LabelmateError`) and leave as
one line on stderr with a non-zero exit status, never as a traceback.

This module builds the top-level parser, runs `main` and dispatches; the subcommands'
parsers and handlers live in `labelmate.cli_commands`, by area.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from labelmate import __version__
from labelmate.cli_commands import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNREADABLE,
    checks,
    data,
    open_gui,
    portfolio,
    scoring,
)
from labelmate.cli_commands.data import READER_NAMES, WRITER_NAMES
from labelmate.core.errors import LabelmateError

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_UNREADABLE",
    "READER_NAMES",
    "WRITER_NAMES",
    "build_parser",
    "main",
]


def _workspace_option(default: object) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--workspace",
        type=Path,
        metavar="PATH",
        default=default,
        help="workspace file to use (default: workspace.labelmate in your user data folder)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labelmate",
        description="Offline companion for data annotators. With no command, opens the app.",
        parents=[_workspace_option(None)],
    )
    parser.add_argument("--version", action="version", version=f"labelmate {__version__}")
    parser.set_defaults(project=None)
    # Subcommands accept --workspace too; SUPPRESS keeps a value given before the
    # subcommand from being reset to the default by the subparser.
    ws = _workspace_option(argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_open = sub.add_parser(
        "open",
        parents=[ws],
        help="open the app (the default command)",
        description="Open the Labelmate window on a workspace.",
    )
    p_open.add_argument("--project", metavar="NAME", help="project to show first")

    # In this order in `labelmate --help`.
    data.add_parsers(sub, ws)  # demo, import, export
    checks.add_parsers(sub, ws)  # rubric, prompt, query
    scoring.add_parsers(sub, ws)  # agreement, score
    portfolio.add_parsers(sub, ws)  # portfolio, project
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except LabelmateError as exc:
        print(f"labelmate: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("labelmate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`labelmate score --json | head`): stop quietly, as Unix
        # tools do, and keep Python from complaining again when it flushes stdout.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in (None, "open"):
        return open_gui(args.workspace, args.project)
    if args.command == "demo":
        return data.run_demo(args)
    if args.command == "import":
        return data.run_import(args)
    if args.command == "export":
        return data.run_export(args)
    if args.command == "rubric":
        return checks.run_rubric_check(args.files, args.strict)
    if args.command == "prompt":
        return checks.run_prompt_lint(args.file, args.json, args.rules)
    if args.command == "query":
        return checks.run_query(args)
    if args.command == "agreement":
        return scoring.run_agreement(args)
    if args.command == "score":
        return scoring.run_score(args)
    if args.command == "portfolio":
        return portfolio.run_portfolio(args)
    if args.command == "project":
        return portfolio.run_project(args)
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects others
