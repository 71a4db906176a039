"""YAML text → plain Python values plus the source position of every key and value.

Users edit rubrics (and later other YAML files) by hand, so every problem we report
must name a line and column. PyYAML's constructed objects forget where they came
from, so we compose the node graph with the safe loader and build the values
ourselves, recording positions under a *path* such as
``("criteria", 0, "levels", 1, "when")``.

Deliberate choices, each because a hand-written file should fail loudly and
precisely rather than be guessed at:

* duplicate mapping keys are an error (PyYAML silently keeps the last one);
* ``<<`` merge keys, complex keys and non-standard tags (``!!binary``, ``!foo``)
  are errors;
* timestamps stay text (``decided_on: 2024-05-01`` is the string ``"2024-05-01"``),
  and a scalar PyYAML resolves as a number but cannot convert (``0x_``) stays text;
* aliases are followed, but nesting deeper than ``MAX_DEPTH`` or more than
  ``MAX_NODES`` values (the "billion laughs" bomb) is refused.

Every line/column is 1-based and clamped to lie inside the text, counted with the
same line breaks PyYAML uses (``\\n``, ``\\r\\n``, ``\\r``, NEL, LS, PS).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from labelmate.core.errors import InputError, Location

Path = tuple[Hashable, ...]
Position = tuple[int, int]  # (line, column), both 1-based

MAX_DEPTH = 100
MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("null", "bool", "int", "float", "str")}
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


@dataclass(slots=True)
class YamlDocument:
    """Parsed YAML: the plain value and where each part of it was written."""

    source_name: str
    text: str
    data: Any
    value_positions: dict[Path, Position] = field(default_factory=dict)
    key_positions: dict[Path, Position] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> Position | None:
        """Exact position of the value (or, with ``key``, of the key) at ``path``."""
        table = self.key_positions if key else self.value_positions
        return table.get(tuple(path))

    def locate(self, path: Path, *, key: bool = False) -> Location:
        """Location of ``path``; falls back to the nearest ancestor that has one.

        A path that does not exist in the text (a defaulted field, a pydantic
        union tag) still lands on the closest thing the user wrote.
        """
        path = tuple(path)
        if key and path in self.key_positions:
            line, col = self.key_positions[path]
            return Location(self.source_name, line, col)
        while True:
            if path in self.value_positions:
                line, col = self.value_positions[path]
                return Location(self.source_name, line, col)
            if not path:
                return Location(self.source_name, 1, 1)
            path = path[:-1]


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def clamp_position(text: str, line: int, column: int) -> Position:
    """Pull a 1-based (line, column) back inside ``text`` (end-of-stream marks overshoot)."""
    starts = _line_starts(text)
    lines = len(starts)
    # A trailing line break does not open a line the user can see.
    if lines > 1 and starts[-1] == len(text):
        lines -= 1
    past_end = line > lines
    line = min(max(line, 1), lines)
    begin = starts[line - 1]
    end = starts[line] if line < len(starts) else len(text)
    content = _LINE_BREAK.sub("", text[begin:end])
    column = len(content) + 1 if past_end else min(max(column, 1), len(content) + 1)
    return line, column


def _index_to_position(text: str, index: int) -> Position:
    starts = _line_starts(text)
    line = max(bisect.bisect_right(starts, index) - 1, 0)
    return clamp_position(text, line + 1, index - starts[line] + 1)


class _Builder:
    """Turns a composed node graph into plain values, recording positions."""

    def __init__(self, doc: YamlDocument, error_type: type[InputError]) -> None:
        self.doc = doc
        self.error_type = error_type
        self.constructor = SafeConstructor()
        self.count = 0

    def pos(self, node: Node) -> Position:
        mark = node.start_mark
        return clamp_position(self.doc.text, mark.line + 1, mark.column + 1)

    def fail(self, message: str, node: Node) -> InputError:
        line, col = self.pos(node)
        return self.error_type(message, Location(self.doc.source_name, line, col))

    def build(self, node: Node, path: Path, depth: int, stack: tuple[int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"the document expands to more than {MAX_NODES} values", node)
        if depth > MAX_DEPTH:
            raise self.fail(f"the document is nested more than {MAX_DEPTH} levels deep", node)
        if id(node) in stack:
            raise self.fail("an alias refers to a value that contains it", node)
        if path not in self.doc.value_positions:
            self.doc.value_positions[path] = self.pos(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        stack = (*stack, id(node))
        if isinstance(node, SequenceNode):
            if node.tag != f"{_TAG}seq":
                raise self.fail(f"unsupported YAML tag '{node.tag}'", node)
            return [
                self.build(child, (*path, i), depth + 1, stack)
                for i, child in enumerate(node.value)
            ]
        if isinstance(node, MappingNode):
            if node.tag != f"{_TAG}map":
                raise self.fail(f"unsupported YAML tag '{node.tag}'", node)
            return self.mapping(node, path, depth, stack)
        raise self.fail("unsupported YAML node", node)  # pragma: no cover - PyYAML has 3 kinds

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == f"{_TAG}timestamp":
            return node.value
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(f"unsupported YAML tag '{node.tag}'", node)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            return node.value  # resolved as a number but not one Python can read

    def mapping(self, node: MappingNode, path: Path, depth: int, stack: tuple[int, ...]) -> Any:
        out: dict[Hashable, Any] = {}
        first_seen: dict[Hashable, Position] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                raise self.fail(
                    "merge keys ('<<') are not supported; write the fields out", key_node
                )
            if not isinstance(key_node, ScalarNode):
                raise self.fail(
                    "a mapping key must be a plain value, not a list or mapping", key_node
                )
            key = self.scalar(key_node)
            key_pos = self.pos(key_node)
            if key in first_seen:
                line = first_seen[key][0]
                raise self.fail(f"duplicate key '{key}' (first written on line {line})", key_node)
            first_seen[key] = key_pos
            child_path = (*path, key)
            self.doc.key_positions.setdefault(child_path, key_pos)
            if _is_empty_scalar(value_node):
                # `weight:` with nothing after it: point at the key, not wherever
                # PyYAML's empty node happens to start (often the next line).
                self.doc.value_positions.setdefault(child_path, key_pos)
            out[key] = self.build(value_node, child_path, depth + 1, stack)
        return out


def _is_empty_scalar(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.value == "" and node.style is None


def _syntax_error(
    exc: yaml.YAMLError, text: str, source_name: str, error_type: type[InputError]
) -> InputError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem, context = exc.problem or "", exc.context or ""
        if context.startswith("while") and exc.context_mark is not None:
            started, _ = clamp_position(
                text, exc.context_mark.line + 1, exc.context_mark.column + 1
            )
            detail = f"{problem} ({context} started on line {started})"
        else:
            detail = ", ".join(part for part in (context, problem) if part) or "invalid YAML"
        message = f"YAML syntax error: {detail}"
        if mark is None:
            return error_type(message, Location(source_name, 1, 1))
        line, col = clamp_position(text, mark.line + 1, mark.column + 1)
        return error_type(message, Location(source_name, line, col))
    if isinstance(exc, yaml.reader.ReaderError):
        line, col = _index_to_position(text, exc.position)
        return error_type(
            f"YAML syntax error: character U+{exc.character:04X} is not allowed in YAML text",
            Location(source_name, line, col),
        )
    return error_type(f"YAML syntax error: {exc}", Location(source_name, 1, 1))


def parse_yaml(
    text: str, source_name: str, *, error_type: type[InputError] = InputError
) -> YamlDocument:
    """Parse one YAML document from ``text``.

    Raises ``error_type`` (an :class:`InputError`) with a 1-based line and column for
    syntax errors, duplicate keys and the refused constructs listed in the module
    docstring. Never raises anything else for any ``str`` input.
    """
    doc = YamlDocument(source_name=source_name, text=text, data=None)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, source_name, error_type) from None
    except RecursionError:
        raise error_type(
            f"the document is nested too deeply (more than {MAX_DEPTH} levels)",
            Location(source_name, 1, 1),
        ) from None
    if root is None:
        return doc
    doc.data = _Builder(doc, error_type).build(root, (), 0, ())
    return doc


def show_value(value: Any) -> str:
    """A YAML value as an error message quotes it: short strings, 'a list', 'nothing'."""
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
