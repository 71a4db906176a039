"""Typed errors that say *where* something is wrong.

Every error a user can cause carries a :class:`Location` (file, line, column,
field). The faces (CLI, GUI) turn them into one-line messages; nobody shows a
traceback to a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source: any part may be unknown."""

    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str | None = None  # a dotted path such as "criteria[0].weight"

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about an input: an error that blocks it, or a warning."""

    severity: Severity
    message: str
    location: Location = Location()

    def format(self) -> str:
        """`FILE:LINE:COL: error|warning: message` — the compiler convention editors parse."""
        where = str(self.location)
        field = f" [{self.location.field}]" if self.location.field else ""
        return f"{where}: {self.severity.value}: {self.message}{field}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class LabelmateError(Exception):
    """Base of every error Labelmate raises on purpose."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location or Location()
        # Every finding behind the error, when there were several (e.g. a config).
        self.problems = problems or (Problem(Severity.ERROR, message, self.location),)

    def __str__(self) -> str:
        loc = self.location
        if loc.file is None and loc.line is None and loc.field is None:
            return self.message
        field = f" [{loc.field}]" if loc.field else ""
        return f"{loc}: {self.message}{field}"


class InputError(LabelmateError):
    """A file or value supplied by the user is malformed."""


class ConfigError(InputError):
    """A Label Studio labeling config is invalid."""


class RubricError(InputError):
    """A rubric file is invalid."""


class TaskDataError(InputError):
    """A task lacks data its labeling config needs, or carries data we refuse."""


class WorkspaceError(LabelmateError):
    """The workspace cannot be opened or changed."""


class WorkspaceLockedError(WorkspaceError):
    """Another Labelmate holds the workspace."""


class NotFoundError(LabelmateError):
    """A project, task or annotation does not exist."""
