"""`labelmate rubric check FILE...`: every finding in compiler format, plus an exit code.

The CLI prints ``report.lines`` and exits with ``report.exit_code``; the GUI can show
``report.problems``. Exit codes follow linters' convention so scripts and CI can act on
them: 0 clean (warnings allowed unless ``strict``), 1 findings that fail the check,
2 a file could not be read at all — a usage problem rather than a rubric problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from labelmate.core.errors import Location, Problem, Severity
from labelmate.io.rubric_file import UnreadableRubricError, load_rubric

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2


@dataclass(frozen=True, slots=True)
class RubricCheckReport:
    """What ``check_rubric_files`` found, ready to print."""

    problems: list[Problem] = field(default_factory=list)
    exit_code: int = EXIT_OK
    unreadable: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """``FILE:LINE:COL: error|warning: message``, one per problem, in file/line order."""
        return [p.format() for p in self.problems]

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def warning_count(self) -> int:
        return sum(1 for p in self.problems if not p.is_error)


def _order(problem: Problem) -> tuple[str, int, int, str]:
    loc = problem.location
    return (loc.file or "", loc.line or 0, loc.column or 0, problem.message)


def check_rubric_files(paths: list[Path], strict: bool = False) -> RubricCheckReport:
    """Load, validate and lint each rubric file; ``strict`` makes warnings fail too."""
    if not paths:
        message = "no rubric files given"
        return RubricCheckReport([Problem(Severity.ERROR, message)], EXIT_UNREADABLE)
    problems: list[Problem] = []
    unreadable: list[str] = []
    for path in paths:
        try:
            loaded = load_rubric(path)
        except UnreadableRubricError as exc:
            unreadable.append(str(path))
            problems.append(
                Problem(Severity.ERROR, exc.message, exc.location or Location(str(path)))
            )
            continue
        problems.extend(loaded.problems)
    problems.sort(key=_order)
    if unreadable:
        code = EXIT_UNREADABLE
    elif any(p.is_error for p in problems) or (strict and problems):
        code = EXIT_FINDINGS
    else:
        code = EXIT_OK
    return RubricCheckReport(problems, code, unreadable)
