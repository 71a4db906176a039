"""The `labelmate` command: argument parsing and printing, nothing else.

Every command calls a use-case; errors arrive typed (`LabelmateError`) and leave as
one line on stderr with a non-zero exit status, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from labelmate import __version__
from labelmate.core.errors import LabelmateError

EXIT_OK, EXIT_ERROR, EXIT_UNREADABLE = 0, 1, 2
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

    p_rubric = sub.add_parser(
        "rubric",
        parents=[ws],
        help="work with rubric files",
        description="Work with rubric YAML files.",
    )
    rubric_sub = p_rubric.add_subparsers(dest="rubric_command", metavar="COMMAND", required=True)
    p_check = rubric_sub.add_parser(
        "check",
        parents=[ws],
        help="check rubric files for errors and vague or gappy rules",
        description="Print one line per problem as FILE:LINE:COL: error|warning: message. "
        "Exit status: 0 clean (warnings allowed), 1 errors (or warnings with --strict), "
        "2 a file could not be read.",
    )
    p_check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p_check.add_argument("--strict", action="store_true", help="treat warnings as failures")

    p_prompt = sub.add_parser(
        "prompt",
        parents=[ws],
        help="work with system prompts",
        description="Work with system prompts written for practice tasks.",
    )
    prompt_sub = p_prompt.add_subparsers(dest="prompt_command", metavar="COMMAND", required=True)
    p_lint = prompt_sub.add_parser(
        "lint",
        parents=[ws],
        help="check a system prompt for known pitfalls",
        description="Check a system prompt for vague instructions, a missing role, tone, "
        "output format or edge-case handling, too few or too many examples, conflicting "
        "instructions, an overlong prompt and undefined acronyms. Prints one line per "
        "finding as FILE:LINE:COL: error|warning|info: message [rule]. Exit status: 0 no "
        "errors (warnings and info allowed), 1 errors, 2 the prompt or the rules file "
        "could not be used.",
    )
    p_lint.add_argument("file", type=Path, metavar="FILE", help="the prompt, as UTF-8 text")
    p_lint.add_argument(
        "--json",
        action="store_true",
        help='print {"findings": [{"rule", "severity", "message", "line"}, ...]} instead',
    )
    p_lint.add_argument(
        "--rules",
        type=Path,
        metavar="RULES.yaml",
        help="linter rules to use instead of the shipped ones (a copy of prompt_lint.yaml)",
    )
    _add_query_parser(sub, ws)

    p_agreement = sub.add_parser(
        "agreement",
        parents=[ws],
        help="inter-annotator agreement statistics for a ratings table or a project",
        description="Compute percent agreement, Cohen's kappa (unweighted, linear, quadratic) "
        "and Scott's pi for two raters, Fleiss' kappa and Krippendorff's alpha from a CSV whose "
        "header is ITEM,RATER1,RATER2,... and which has one row per item; an empty cell is a "
        "missing rating. A statistic that does not apply is n/a (null in JSON) with the reason. "
        "Or, with --project and --control, compare the annotators of a workspace project (peer "
        "annotations by author, and yours) on one control: kappa for choices, exact and overlap "
        "F1 for spans, precision/recall/F1 and mean IoU for boxes and polygons, OKS for "
        "keypoints, as an annotator x annotator matrix. Exit status: 0 computed, 1 no such "
        "project or control, 2 the file could not be read or does not suit --level.",
    )
    p_agreement.add_argument("ratings", type=Path, metavar="RATINGS.csv", nargs="?")
    p_agreement.add_argument(
        "--level",
        choices=("nominal", "ordinal", "interval", "ratio"),
        default=None,
        help="how categories compare, for Krippendorff's alpha (default: nominal; CSV only)",
    )
    p_agreement.add_argument("--project", metavar="NAME", help="a workspace project, not a CSV")
    p_agreement.add_argument("--control", metavar="NAME", help="the control to compare")
    p_agreement.add_argument(
        "--iou",
        type=float,
        default=None,
        metavar="X",
        help="IoU at which boxes and polygons match (default: 0.5; --project only)",
    )
    p_agreement.add_argument("--json", action="store_true", help="print JSON instead")
    p_agreement.set_defaults(agreement_parser=p_agreement)

    p_score = sub.add_parser(
        "score",
        parents=[ws],
        help="propose rubric levels for a project's annotations, with the evidence",
        description="Score each task's annotation against the rubric: a level per criterion "
        "proposed by the rubric's rules from measurements against the gold annotation (or "
        "from the data alone where there is no gold), with the measured value, the "
        "threshold and the source as evidence. Manual criteria are left for the app. "
        "Exit status: 0 scored, 2 the project, rubric or options cannot be used.",
    )
    p_score.add_argument("--project", required=True, metavar="NAME")
    p_score.add_argument(
        "--rubric", type=Path, metavar="RUBRIC.yaml", help="use this rubric, not the project's"
    )
    p_score.add_argument("--sample", type=int, metavar="N", help="score a random sample of N tasks")
    p_score.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="seed for --sample, to draw the same sample again (default: a new one, printed)",
    )
    p_score.add_argument(
        "--which",
        default="mine",
        metavar="mine|gold|latest|author:NAME",
        help="which annotation of each task to score (default: mine)",
    )
    p_score.add_argument(
        "--json",
        action="store_true",
        help='print {"rubric", "tasks": [{"task", "total", "criteria": [...]}], "summary"}',
    )
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
        return _open_gui(args.workspace, args.project)
    if args.command == "demo":
        return _demo(args)
    if args.command == "import":
        return _import(args)
    if args.command == "export":
        return _export(args)
    if args.command == "rubric":
        return _rubric_check(args.files, args.strict)
    if args.command == "prompt":
        return _prompt_lint(args.file, args.json, args.rules)
    if args.command == "query":
        return _query(args)
    if args.command == "agreement":
        return _agreement(args)
    if args.command == "score":
        return _score(args)
    if args.command == "portfolio":
        return _portfolio(args)
    if args.command == "project":
        return _project(args)
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects others


def _open_gui(workspace: Path | None, project: str | None) -> int:
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


def _demo(args: argparse.Namespace) -> int:
    from labelmate.usecases.demo import install_demo

    report = install_demo(args.workspace)
    for line in report.lines():
        print(line)
    if args.open:
        return _open_gui(report.workspace, report.first_project)
    return EXIT_OK


class _ProgressLine:
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


def _import(args: argparse.Namespace) -> int:
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
    progress = _ProgressLine("Importing")
    try:
        report = import_files(request, args.workspace, progress)
    finally:
        progress.finish()
    for line in report.lines():
        print(line)
    return EXIT_OK if report.ok else EXIT_ERROR


def _export(args: argparse.Namespace) -> int:
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


def _portfolio(args: argparse.Namespace) -> int:
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
    progress = _ProgressLine("Portfolio")
    try:
        report = export_portfolio(
            options, workspace=args.workspace, pdf_renderer=renderer, progress=progress
        )
    finally:
        progress.finish()
    for line in report.lines():
        print(line)
    return EXIT_OK


def _project(args: argparse.Namespace) -> int:
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


def _rubric_check(files: list[Path], strict: bool) -> int:
    from labelmate.usecases.rubric_check import check_rubric_files

    report = check_rubric_files(files, strict=strict)
    for line in report.lines:
        print(line)
    return report.exit_code


def _prompt_lint(file: Path, as_json: bool, rules_file: Path | None) -> int:
    import json

    from labelmate.usecases.prompt_lint import (
        EXIT_UNREADABLE,
        PromptRulesError,
        UnreadablePromptError,
        lint_file,
        load_lint_rules,
    )

    try:
        rules = load_lint_rules(rules_file)
        report = lint_file(file, rules)
    except (PromptRulesError, UnreadablePromptError) as exc:
        for problem in exc.problems:
            print(f"labelmate: {problem.format()}", file=sys.stderr)
        return EXIT_UNREADABLE
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines:
            print(line)
    return report.exit_code


def _agreement(args: argparse.Namespace) -> int:
    import json

    from labelmate.core.errors import InputError
    from labelmate.usecases.agreement import EXIT_OK, EXIT_UNREADABLE, agreement_from_csv

    usage = args.agreement_parser.error  # prints the usage and exits 2
    if (args.ratings is None) == (args.project is None):
        usage("give either RATINGS.csv or --project NAME --control NAME (exactly one)")
    if args.project is not None:
        if args.control is None:
            usage("--project needs --control NAME (the control to compare)")
        if args.level is not None:
            usage("--level applies to a ratings CSV, not to --project")
        return _agreement_in_project(args)
    if args.control is not None or args.iou is not None:
        usage("--control and --iou go with --project, not with a ratings CSV")
    try:
        report = agreement_from_csv(args.ratings, args.level or "nominal")
    except InputError as exc:
        print(f"labelmate: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        for line in report.lines():
            print(line)
    return EXIT_OK


def _agreement_in_project(args: argparse.Namespace) -> int:
    import json

    from labelmate.usecases.agreement import agreement_in_workspace

    report = agreement_in_workspace(
        args.project,
        args.control,
        0.5 if args.iou is None else args.iou,
        workspace=args.workspace,
    )
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        for line in report.lines():
            print(line)
    return EXIT_OK


def _add_query_parser(sub: argparse._SubParsersAction, ws: argparse.ArgumentParser) -> None:
    p_query = sub.add_parser(
        "query",
        parents=[ws],
        help="draft and check clarification queries to a project manager",
        description="Draft rubric-referencing clarification queries, and check any query "
        "for the habits that make one hard to answer.",
    )
    query_sub = p_query.add_subparsers(dest="query_command", metavar="COMMAND", required=True)
    templates = argparse.ArgumentParser(add_help=False)
    templates.add_argument(
        "--templates",
        type=Path,
        metavar="TEMPLATES.yaml",
        help="templates and lint rules to use instead of the shipped ones "
        "(a copy of query_templates.yaml)",
    )
    p_draft = query_sub.add_parser(
        "draft",
        parents=[ws, templates],
        help="draft a query about a task from what Labelmate measured",
        description="Draft a clarification query about one task: the rules in tension (the "
        "criteria below their best level, plus --criteria), the measured facts, the conflict, "
        "the options with their consequences, your proposed choice and one question. Exit "
        "status: 0 drafted, 1 an unknown project, task, region or criterion, 2 the templates "
        "file could not be used.",
    )
    p_draft.add_argument("--project", required=True, metavar="NAME")
    p_draft.add_argument("--task", required=True, metavar="EXTERNAL_ID")
    p_draft.add_argument("--region", metavar="ID", help="the region the query is about")
    p_draft.add_argument(
        "--criteria",
        metavar="a,b",
        default="",
        help="criterion ids (or names) to bring into the query besides those below their best",
    )
    p_draft.add_argument(
        "--style", choices=("short", "email", "checklist"), default="short", help="(default: short)"
    )
    p_draft.add_argument(
        "--json", action="store_true", help='print the draft\'s fields and its "text" as JSON'
    )
    p_qlint = query_sub.add_parser(
        "lint",
        parents=[ws, templates],
        help="check a query for vague phrasing, a missing item id, rule or question",
        description="Check a clarification query: vague phrasing without a rule reference, "
        "no item id, no concrete question (errors); no rule or criterion named, several "
        "questions (warnings); over-long (info). Prints one line per finding as FILE: "
        "severity: message [rule]. Exit status: 0 no errors, 1 errors, 2 the query or the "
        "templates file could not be used.",
    )
    p_qlint.add_argument("file", type=Path, metavar="FILE", help="the query, as UTF-8 text")
    p_qlint.add_argument(
        "--json",
        action="store_true",
        help='print {"findings": [{"rule", "severity", "message"}, ...]} instead',
    )


def _query(args: argparse.Namespace) -> int:
    import json

    from labelmate.usecases import query

    try:
        settings = query.load_query_settings(args.templates)
        if args.query_command == "lint":
            report = query.lint_file(args.file, settings)
    except (query.QuerySettingsError, query.UnreadableQueryError) as exc:
        for problem in exc.problems:
            print(f"labelmate: {problem.format()}", file=sys.stderr)
        return query.EXIT_UNREADABLE
    if args.query_command == "lint":
        if args.json:
            print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            for line in report.lines:
                print(line)
        return report.exit_code
    draft = query.draft_for_task(
        args.project,
        args.task,
        workspace=args.workspace,
        region_id=args.region,
        criteria=[c for c in args.criteria.split(",") if c.strip()],
    )
    text = query.render_draft(draft, args.style, settings)
    for finding in query.lint_text(text, draft=draft, settings=settings).findings:
        if finding.severity == "error":
            print(f"labelmate: the drafted query: {finding.message}", file=sys.stderr)
    if args.json:
        print(json.dumps({**draft.to_dict(), "text": text}, ensure_ascii=False, indent=2))
    else:
        print(text)
    return EXIT_OK


def _score(args: argparse.Namespace) -> int:
    import json

    from labelmate.usecases.score import score_project
    from labelmate.usecases.workspace import open_workspace

    if args.seed is not None and args.sample is None:
        print("labelmate: --seed draws a sample; give --sample N too", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        with open_workspace(args.workspace) as ws:
            report = score_project(
                ws,
                args.project,
                rubric_path=args.rubric,
                sample=args.sample,
                seed=args.seed,
                which=args.which,
            )
            if args.json:
                print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
            else:
                for line in report.lines():
                    print(line)
    except LabelmateError as exc:
        print(f"labelmate: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK
