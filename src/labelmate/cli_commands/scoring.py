"""`labelmate agreement` and `score`: measuring annotations, between annotators and
against a rubric."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labelmate.cli_commands import EXIT_OK, EXIT_UNREADABLE, print_report
from labelmate.core.errors import LabelmateError


def add_parsers(sub: argparse._SubParsersAction, ws: argparse.ArgumentParser) -> None:
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


def run_agreement(args: argparse.Namespace) -> int:

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
    print_report(report, args.json)
    return EXIT_OK


def _agreement_in_project(args: argparse.Namespace) -> int:

    from labelmate.usecases.agreement import agreement_in_workspace

    report = agreement_in_workspace(
        args.project,
        args.control,
        0.5 if args.iou is None else args.iou,
        workspace=args.workspace,
    )
    print_report(report, args.json)
    return EXIT_OK


def run_score(args: argparse.Namespace) -> int:

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
            print_report(report, args.json)
    except LabelmateError as exc:
        print(f"labelmate: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK
