"""`labelmate rubric check`, `prompt lint` and `query draft|lint`: checking the texts an
annotator writes (rubrics, system prompts, clarification queries)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labelmate.cli_commands import EXIT_OK, print_report


def add_parsers(sub: argparse._SubParsersAction, ws: argparse.ArgumentParser) -> None:
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


def run_rubric_check(files: list[Path], strict: bool) -> int:
    from labelmate.usecases.rubric_check import check_rubric_files

    report = check_rubric_files(files, strict=strict)
    for line in report.lines:
        print(line)
    return report.exit_code


def run_prompt_lint(file: Path, as_json: bool, rules_file: Path | None) -> int:

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
    print_report(report, as_json)
    return report.exit_code


def run_query(args: argparse.Namespace) -> int:
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
        print_report(report, args.json)
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
