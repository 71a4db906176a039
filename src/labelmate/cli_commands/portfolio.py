"""`labelmate portfolio` and `project`: the portfolio and which projects may appear in it."""

from __future__ import annotations

import argparse
from pathlib import Path

from labelmate.cli_commands import EXIT_OK
from labelmate.cli_commands.data import ProgressLine


def add_parsers(sub: argparse._SubParsersAction, ws: argparse.ArgumentParser) -> None:
    p_portfolio = sub.add_parser(
        "portfolio",
        parents=[ws],
        help="build a job-application portfolio of your scored work (HTML, PDF, Markdown)",
        description="Build a portfolio from the shareable projects' finished self-score "
        "sessions: profile, summary figures, skills with evidence, annotated samples, "
        "progress charts and answered queries. Confidential projects never appear. "
        "Exit status: 0 written, 1 the options, template or profile cannot be used.",
    )
    p_portfolio.add_argument("--out", required=True, type=Path, metavar="DIR")
    p_portfolio.add_argument(
        "--template",
        default="classic",
        metavar="NAME|PATH",
        help="a shipped template (classic, compact) or your own template folder",
    )
    p_portfolio.add_argument(
        "--format", default="html", metavar="html,pdf,md", help="formats, comma-separated"
    )
    p_portfolio.add_argument(
        "--projects", metavar="A,B", help="only these projects (default: all shareable)"
    )
    p_portfolio.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="profile YAML (default: profile.yaml beside the workspace, as the app saves it)",
    )
    p_portfolio.add_argument(
        "--samples", type=int, default=12, metavar="N", help="samples to show (default 12)"
    )
    p_portfolio.add_argument(
        "--redact", action="store_true", help="replace task text with its length"
    )
    p_portfolio.add_argument(
        "--replace", action="store_true", help="replace the contents of a non-empty --out"
    )
    p_project = sub.add_parser(
        "project",
        help="list projects and mark them shareable or confidential",
        description="Only shareable projects appear in a portfolio. Imported client work "
        "starts confidential; the demo pack starts shareable.",
    )
    project_sub = p_project.add_subparsers(dest="project_command", metavar="COMMAND", required=True)
    project_sub.add_parser("list", parents=[ws], help="projects, sharing, tasks, sessions")
    for command, text in (
        ("share", "mark projects shareable: they may appear in a portfolio"),
        ("confidential", "mark projects confidential: they never appear in a portfolio"),
    ):
        p_share = project_sub.add_parser(command, parents=[ws], help=text, description=text)
        p_share.add_argument("names", nargs="+", metavar="NAME")


def run_portfolio(args: argparse.Namespace) -> int:
    from labelmate.usecases.portfolio import PortfolioOptions, export_portfolio, load_profile

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    renderer = None
    if "pdf" in formats:
        from labelmate.gui.portfolio_pdf import render_pdf

        renderer = render_pdf
    options = PortfolioOptions(
        out_dir=args.out,
        template=args.template,
        formats=formats,
        projects=[p.strip() for p in args.projects.split(",") if p.strip()]
        if args.projects
        else None,
        profile=load_profile(args.profile) if args.profile else None,
        redact=args.redact,
        samples=args.samples,
        replace=args.replace,
    )
    progress = ProgressLine("Portfolio")
    try:
        report = export_portfolio(
            options, workspace=args.workspace, pdf_renderer=renderer, progress=progress
        )
    finally:
        progress.finish()
    for line in report.lines():
        print(line)
    return EXIT_OK


def run_project(args: argparse.Namespace) -> int:
    from labelmate.usecases.projects import project_sharing, set_shareable
    from labelmate.usecases.workspace import open_workspace

    with open_workspace(args.workspace) as ws:
        if args.project_command == "list":
            rows = project_sharing(ws)
            if not rows:
                print("No projects yet. Run 'labelmate demo' to add the practice pack.")
            width = max((len(r.name) for r in rows), default=0)
            for r in rows:
                state = "shareable" if r.shareable else "confidential"
                print(
                    f"{r.name:<{width}}  {state:<12}  {r.tasks:>6} tasks  "
                    f"{r.finished_sessions} finished session(s)"
                )
            return EXIT_OK
        shareable = args.project_command == "share"
        for project in set_shareable(ws, args.names, shareable):
            print(f"{project.name}: {'shareable' if shareable else 'confidential'}")
    return EXIT_OK
