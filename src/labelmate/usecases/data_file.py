"""What every editable data file loader shares: reading the text, and wording problems.

The prompt-lint rules and the query templates are YAML files a QA lead edits; both
report a mistake with the file, line, column and dotted field, in the same words.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.io.yaml_source import YamlDocument

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


def show(value: Any) -> str:
    """A value as a message quotes it: short strings, 'a list', 'nothing'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


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
