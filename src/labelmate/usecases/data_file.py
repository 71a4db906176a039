"""What every editable data file loader shares: reading the text, and wording problems.

The prompt-lint rules and the query templates are YAML files a QA lead edits; both
report a mistake with the file, line, column and dotted field, in the same words.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.io.yaml_source import YamlDocument
from labelmate.io.yaml_source import show_value as show

# pydantic error types → what the field should have been, for a person.
KIND = {
    "string_type": "text",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
}


def read_text(path: Path, what: str, error: type[InputError]) -> str:
    """UTF-8 text of a data file (a BOM dropped); `error` names `what` and the reason."""
    where = Location(str(path))
    try:
        return path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise error(f"cannot read {what}: no such file", where) from None
    except IsADirectoryError:
        raise error(f"cannot read {what}: is a directory", where) from None
    except UnicodeDecodeError as exc:
        raise error(f"cannot read {what}: not UTF-8 text (byte {exc.start})", where) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or type(exc).__name__}", where) from None


def problem(
    doc: YamlDocument, path: tuple[Hashable, ...], message: str, key: bool = False
) -> Problem:
    """An error at `path` in the file (at its key with `key`), naming the dotted field."""
    loc = doc.locate(path, key=key)
    dotted = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path)
    dotted = dotted.replace(".[", "[")
    return Problem(
        Severity.ERROR, message, Location(loc.file, loc.line, loc.column, dotted or None)
    )


def value_at(data: Any, path: tuple[Hashable, ...]) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def field_name(path: tuple[Hashable, ...], whole: str) -> str:
    """How a message names the field at `path` ("item 2 of 'pairs'"); `whole` for ()."""
    if not path:
        return whole
    if isinstance(path[-1], int):
        owner = next((p for p in reversed(path) if not isinstance(p, int)), "list")
        return f"item {path[-1] + 1} of '{owner}'"
    return f"'{path[-1]}'"


@dataclass(frozen=True)
class FileWords:
    """What a data file's schema messages call things.

    `section` is the mapping that must list every rule (`rules`, `lint`); `rule_ids`
    are its keys; `whole` names the file ("the rules file"); `where` says which
    entry a path is in ("rule 'no-role': "); `fields_of` lists the fields allowed at
    a path, for "did you mean".
    """

    section: str
    rule_ids: Sequence[str]
    whole: str
    where: Callable[[tuple[Hashable, ...]], str]
    fields_of: Callable[[tuple[Hashable, ...]], list[str]]


def schema_problem(doc: YamlDocument, err: Any, words: FileWords) -> Problem:
    """One pydantic error as a problem at its line, worded for the person editing."""
    path = tuple(err["loc"])
    kind, ctx = err["type"], err.get("ctx") or {}
    value = value_at(doc.data, path)
    where = words.where(path)
    name = field_name(path, words.whole)
    if kind == "missing":
        if path[:-1] == (words.section,):
            message = (
                f"rule '{path[-1]}' is missing; keep every rule listed "
                "(write 'enabled: false' to turn one off)"
            )
        else:
            message = f"{where}missing required field '{path[-1]}'"
        return problem(doc, path[:-1], message, key=True)
    if kind == "extra_forbidden":
        what = "rule" if path[:-1] == (words.section,) else "field"
        message = f"{where if what == 'field' else ''}unknown {what} '{path[-1]}'"
        close = difflib.get_close_matches(str(path[-1]), words.fields_of(path[:-1]), 1, 0.6)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        elif what == "rule":
            message += f" (rules: {', '.join(words.rule_ids)})"
        return problem(doc, path, message, key=True)
    if kind in KIND:
        message = f"{where}{name} should be {KIND[kind]}, got {show(value)}"
        if kind == "string_type" and isinstance(value, bool):
            message += " (YAML reads a bare yes/no/on/off as true/false: put the word in quotes)"
        return problem(doc, path, message)
    if kind == "literal_error":
        expected = ctx.get("expected", "one of the allowed values")
        return problem(doc, path, f"{where}{name} should be {expected}, got {show(value)}")
    if kind == "greater_than_equal":
        return problem(
            doc, path, f"{where}{name} should be at least {ctx.get('ge')}, got {show(value)}"
        )
    if kind in ("too_short", "string_too_short"):
        noun = "list at least one entry" if kind == "too_short" else "not be empty"
        return problem(doc, path, f"{where}{name} should {noun}")
    return problem(doc, path, f"{where}{name}: {err.get('msg', 'invalid value')}")
