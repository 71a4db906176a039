"""Read a rubric YAML file into a :class:`Rubric`, reporting every problem with its position.

Three passes, each reported as :class:`Problem` objects pointing at a line and column:

1. YAML syntax (:mod:`labelmate.io.yaml_source`) — fatal, one error;
2. the schema (pydantic) — pydantic's ``loc`` tuples are mapped back onto the YAML
   positions, union noise is collapsed to the member the author evidently meant, and
   messages are rewritten for people ("unknown field 'wieght' (did you mean 'weight'?)");
3. whole-rubric structure that pydantic cannot see: unknown metrics, rules that can
   never hold, levels or scale not strictly best first, duplicate ids, weight ≤ 0,
   rulings naming an unknown criterion.

Only an error-free rubric is linted (:mod:`labelmate.core.rubric_lint`) — warnings about
a rubric that does not load would mostly be noise — and only an error-free rubric is
handed out as ``LoadedRubric.rubric``, so nothing downstream scores with a broken one.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from labelmate.core.errors import Location, Problem, RubricError, Severity
from labelmate.core.metric_vocabulary import METRICS
from labelmate.core.rubric import (
    Adjudication,
    AllOf,
    AnyOf,
    Criterion,
    Level,
    Rubric,
    Rule,
    Ruling,
    ScaleLevel,
)
from labelmate.core.rubric import format_number as _num
from labelmate.core.rubric_lint import describe_criterion, iter_rules_with_paths, lint_rubric
from labelmate.io.yaml_source import YamlDocument, parse_yaml, show_value

DataPath = tuple[Hashable, ...]


class UnreadableRubricError(RubricError):
    """The rubric file cannot be read at all (missing, a directory, not UTF-8)."""


@dataclass(slots=True)
class LoadedRubric:
    """A rubric file's outcome: the rubric when it has no errors, and every finding."""

    source_name: str
    rubric: Rubric | None
    problems: list[Problem] = field(default_factory=list)
    document: YamlDocument | None = None

    def locate(self, path: DataPath) -> Location:
        """Where ``path`` was written; the nearest written ancestor when it was not."""
        if self.document is None:
            return Location(self.source_name)
        return self.document.locate(path)

    def locate_key(self, path: DataPath) -> Location:
        """Where the *key* of ``path`` was written (for "unknown field" and the like)."""
        if self.document is None:
            return Location(self.source_name)
        return self.document.locate(path, key=True)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def require(self) -> Rubric:
        """The rubric, or a :class:`RubricError` carrying the first error's location."""
        if self.rubric is not None:
            return self.rubric
        first = self.errors[0] if self.errors else Problem(Severity.ERROR, "rubric is invalid")
        raise RubricError(first.message, first.location)


def load_rubric(path: Path | str, *, lint: bool = True) -> LoadedRubric:
    """Read and check one rubric file. Raises :class:`UnreadableRubricError` if unreadable."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UnreadableRubricError("cannot read rubric: no such file", Location(name)) from None
    except IsADirectoryError:
        raise UnreadableRubricError("cannot read rubric: is a directory", Location(name)) from None
    except UnicodeDecodeError as exc:
        raise UnreadableRubricError(
            f"cannot read rubric: not UTF-8 text (byte {exc.start})", Location(name)
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UnreadableRubricError(f"cannot read rubric: {reason}", Location(name)) from None
    return parse_rubric_text(text.removeprefix("\ufeff"), name, lint=lint)


def parse_rubric_text(text: str, source_name: str, *, lint: bool = True) -> LoadedRubric:
    """Check rubric YAML text; never raises for any ``str`` (problems are returned)."""
    try:
        doc = parse_yaml(text, source_name, error_type=RubricError)
    except RubricError as exc:
        return LoadedRubric(source_name, None, [Problem(Severity.ERROR, exc.message, exc.location)])
    loaded = LoadedRubric(source_name, None, [], doc)
    if not isinstance(doc.data, dict):
        got = "an empty file" if doc.data is None else show_value(doc.data)
        loaded.problems.append(
            Problem(
                Severity.ERROR,
                f"a rubric must be a mapping with id, title, scale and criteria; got {got}",
                loaded.locate(()),
            )
        )
        return loaded
    try:
        rubric = Rubric.model_validate(doc.data)
    except ValidationError as exc:
        loaded.problems.extend(_schema_problems(exc, doc.data, loaded))
        return loaded
    except (RecursionError, ValueError, TypeError) as exc:  # defensive: never a traceback
        loaded.problems.append(Problem(Severity.ERROR, f"invalid rubric: {exc}", loaded.locate(())))
        return loaded
    loaded.problems.extend(_structure_problems(rubric, loaded))
    if not loaded.errors:
        loaded.rubric = rubric
        if lint:
            loaded.problems.extend(lint_rubric(rubric, loaded.locate))
    return loaded


# --- pass 2: pydantic errors → positioned, human messages ----------------------------

_COND_TAGS = {"AllOf": "all", "AnyOf": "any", "Rule": "rule"}
_SCALAR_TAGS = {"int", "str", "float", "bool", "none"}
_KIND = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
}
_UNION_KIND = {("version",): "a whole number or text", "equals": "true/false, a number or text"}
_COND_SHAPE = "a condition: {metric: ..., min/max/equals: ...}, {all: [...]} or {any: [...]}"


def _cond_tag(part: Any) -> str | None:
    if not isinstance(part, str):
        return None
    if part.startswith("function-after[") and part.endswith(", Rule]"):
        return "rule"
    return _COND_TAGS.get(part)


def _is_condition_slot(path: DataPath) -> bool:
    if not path:
        return False
    if path[-1] == "when":
        return True
    return len(path) >= 2 and path[-2] in ("all", "any") and isinstance(path[-1], int)


def _intended_condition(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    return "all" if "all" in value else "any" if "any" in value else "rule"


def _child(value: Any, part: Any) -> Any:
    if isinstance(value, dict):
        return value.get(part)
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    return None


def _normalise(loc: tuple[Any, ...], data: Any) -> tuple[DataPath, str | None] | None:
    """Strip pydantic's union tags from ``loc``; None drops errors of unintended members.

    The second item is "union" when the error is one of several alternatives for a
    scalar union or a non-mapping condition, to be reported once.
    """
    path: list[Hashable] = []
    value = data
    for part in loc:
        here = tuple(path)
        tag = _cond_tag(part) if _is_condition_slot(here) else None
        if tag is not None:
            intended = _intended_condition(value)
            if intended is None:
                return here, "condition"
            if tag != intended:
                return None
            continue
        if part in _SCALAR_TAGS and (here == ("version",) or (here and here[-1] == "equals")):
            return here, "union"
        path.append(part)
        value = _child(value, part)
    return tuple(path), None


def _model_at(path: DataPath, data: Any) -> type[BaseModel] | None:
    if not path:
        return Rubric
    if path == ("adjudication",):
        return Adjudication
    if _is_condition_slot(path):
        kind = _intended_condition(_value_at(data, path))
        return {"all": AllOf, "any": AnyOf, "rule": Rule}.get(kind or "")
    parents = {"criteria": Criterion, "levels": Level, "scale": ScaleLevel, "rulings": Ruling}
    if len(path) >= 2 and isinstance(path[-1], int):
        return parents.get(str(path[-2]))
    return None


def _value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        data = _child(data, part)
    return data


def _field_name(path: DataPath) -> str:
    if not path:
        return "the rubric"
    if isinstance(path[-1], int):
        owner = next((p for p in reversed(path) if not isinstance(p, int)), None)
        return f"item {path[-1] + 1} of '{owner}'" if owner is not None else "an item"
    return f"field '{path[-1]}'"


def _context(path: DataPath, data: Any) -> str:
    """ "criterion 'precision' level 3" — so a message names what the user calls it."""
    if len(path) < 2 or not isinstance(path[1], int):
        return "adjudication" if path[:1] == ("adjudication",) and len(path) > 1 else ""
    item = _value_at(data, path[:2])
    ident = item.get("id") if isinstance(item, dict) else None
    if path[0] == "criteria":
        out = f"criterion '{ident}'" if isinstance(ident, str) else f"criterion #{path[1] + 1}"
        if len(path) >= 4 and path[2] == "levels" and isinstance(path[3], int):
            level = _value_at(data, path[:4])
            score = level.get("score") if isinstance(level, dict) else None
            if isinstance(score, int | float) and not isinstance(score, bool):
                out += f" level {_num(score)}"
            else:
                out += f" level #{path[3] + 1}"
        return out
    if path[0] == "rulings":
        return f"ruling '{ident}'" if isinstance(ident, str) else f"ruling #{path[1] + 1}"
    if path[0] == "scale":
        return f"scale entry #{path[1] + 1}"
    return ""


def _schema_message(err: Any, path: DataPath, data: Any, union: str | None) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, _value_at(data, path)
    name = _field_name(path)
    if union == "condition":
        return f"{name} should be {_COND_SHAPE}, got {show_value(value)}"
    if union == "union":
        expected = _UNION_KIND.get(path, _UNION_KIND["equals"])
        return f"{name} should be {expected}, got {show_value(value)}"
    if kind == "missing":
        return f"missing required field '{path[-1]}'"
    if kind == "extra_forbidden":
        msg = f"unknown field '{path[-1]}'"
        model = _model_at(path[:-1], data)
        if model is not None:
            close = difflib.get_close_matches(str(path[-1]), list(model.model_fields), 1, 0.7)
            if close:
                msg += f" (did you mean '{close[0]}'?)"
        return msg
    if kind == "invalid_key":
        return f"field name {show_value(path[-1])} should be text"
    if kind in _KIND:
        return f"{name} should be {_KIND[kind]}, got {show_value(value)}"
    if kind == "literal_error":
        expected = ctx.get("expected", "one of the allowed values")
        return f"{name} should be {expected}, got {show_value(value)}"
    if kind == "string_pattern_mismatch":
        return (
            f"{name} should use lowercase letters, digits, '_', '.' or '-' and start with a "
            f"letter or digit, got {show_value(value)}"
        )
    if kind in ("too_short", "string_too_short"):
        return f"{name} should not be empty"
    comparisons = {
        "greater_than": ("greater than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in comparisons:
        words, key = comparisons[kind]
        return f"{name} should be {words} {ctx.get(key)}, got {show_value(value)}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return f"{name}: {err['msg']}"


def _schema_problems(exc: ValidationError, data: Any, loaded: LoadedRubric) -> list[Problem]:
    seen: set[tuple[DataPath, str]] = set()
    out: list[Problem] = []
    for err in exc.errors():
        normal = _normalise(tuple(err["loc"]), data)
        if normal is None:
            continue
        path, union = normal
        message = _schema_message(err, path, data, union)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        if err["type"] == "missing" and union is None:
            where = loaded.locate(path[:-1])
        elif err["type"] in ("extra_forbidden", "invalid_key") and union is None:
            where = loaded.locate_key(path)
        else:
            where = loaded.locate(path)
        ctx = _context(path, data)
        out.append(Problem(Severity.ERROR, f"{ctx}: {message}" if ctx else message, where))
    return out


# --- pass 3: whole-rubric structure ---------------------------------------------------


def _structure_problems(rubric: Rubric, loaded: LoadedRubric) -> list[Problem]:
    out: list[Problem] = []

    def error(message: str, path: DataPath) -> None:
        out.append(Problem(Severity.ERROR, message, loaded.locate(path)))

    def line_of(path: DataPath) -> str:
        line = loaded.locate(path).line
        return f" (first on line {line})" if line else ""

    first_score: dict[float, DataPath] = {}
    for i, step in enumerate(rubric.scale):
        here = ("scale", i, "score")
        if not math.isfinite(step.score):
            error(f"scale entry #{i + 1}: score must be a finite number", here)
        elif step.score in first_score:
            error(
                f"duplicate scale score {_num(step.score)}{line_of(first_score[step.score])}",
                here,
            )
        elif i and step.score > rubric.scale[i - 1].score:
            error(
                f"scale must be listed best first: score {_num(step.score)} comes after "
                f"{_num(rubric.scale[i - 1].score)}",
                here,
            )
        first_score.setdefault(step.score, here)

    first_id: dict[str, DataPath] = {}
    for i, crit in enumerate(rubric.criteria):
        base: DataPath = ("criteria", i)
        if crit.id in first_id:
            error(f"duplicate criterion id '{crit.id}'{line_of(first_id[crit.id])}", (*base, "id"))
        first_id.setdefault(crit.id, (*base, "id"))
        if not (math.isfinite(crit.weight) and crit.weight > 0):
            error(
                f"criterion '{crit.id}': weight must be a number greater than 0, "
                f"got {_num(crit.weight) if math.isfinite(crit.weight) else crit.weight}",
                (*base, "weight"),
            )
        out.extend(_level_problems(crit, base, loaded))

    ruling_ids: dict[str, DataPath] = {}
    for i, ruling in enumerate(rubric.rulings):
        if ruling.id in ruling_ids:
            error(
                f"duplicate ruling id '{ruling.id}'{line_of(ruling_ids[ruling.id])}",
                ("rulings", i, "id"),
            )
        ruling_ids.setdefault(ruling.id, ("rulings", i, "id"))
        if ruling.criterion is not None and ruling.criterion not in first_id:
            known = ", ".join(f"'{c}'" for c in first_id)
            error(
                f"ruling '{ruling.id}' names unknown criterion '{ruling.criterion}' "
                f"(criteria: {known})",
                ("rulings", i, "criterion"),
            )
    return out


def _level_problems(crit: Criterion, base: DataPath, loaded: LoadedRubric) -> list[Problem]:
    out: list[Problem] = []
    for j, level in enumerate(crit.levels):
        lpath = (*base, "levels", j)
        label = describe_criterion(crit, j)
        if not math.isfinite(level.score):
            out.append(
                Problem(
                    Severity.ERROR,
                    f"{label}: score must be a finite number",
                    loaded.locate((*lpath, "score")),
                )
            )
        elif j:
            prev = crit.levels[j - 1].score
            if level.score == prev:
                msg = (
                    f"{label}: two levels share score {_num(prev)}; each level needs its own score"
                )
            elif level.score > prev:
                msg = (
                    f"criterion '{crit.id}': levels must be listed best first, but level "
                    f"{_num(level.score)} comes after level {_num(prev)}"
                )
            else:
                msg = ""
            if msg:
                out.append(Problem(Severity.ERROR, msg, loaded.locate((*lpath, "score"))))
        for rule, rpath in iter_rules_with_paths(level.when, (*lpath, "when")):
            problem = _rule_problem(rule)
            if problem:
                out.append(
                    Problem(
                        Severity.ERROR, f"{label}: {problem}", loaded.locate((*rpath, "metric"))
                    )
                )
    return out


def _rule_problem(rule: Rule) -> str:
    """Why a rule can never hold (or names no metric we know); "" when it is sound."""
    spec = METRICS.get(rule.metric)
    if spec is None:
        close = difflib.get_close_matches(rule.metric, list(METRICS), 1, 0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown metric '{rule.metric}'{hint}"
    if spec.kind == "bool":
        if not isinstance(rule.equals, bool):
            return f"{rule.metric} is true or false: use 'equals: true' or 'equals: false'"
        return ""
    if isinstance(rule.equals, bool | str):
        return f"{rule.metric} is a number: compare it with min/max or a numeric 'equals'"
    bounds = [b for b in (rule.min, rule.max, rule.equals) if isinstance(b, float | int)]
    if any(not math.isfinite(b) for b in bounds):
        return f"rule on {rule.metric} needs finite bounds"
    return ""


# --- writing rulings back -------------------------------------------------------------

_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _ruling_block(rulings: list[Ruling], newline: str) -> str:
    """``rulings:`` and its list, in the block style of the shipped rubrics."""
    if not rulings:
        return f"rulings: []{newline}"
    items = [r.model_dump(exclude_none=True) for r in rulings]
    dumped = yaml.safe_dump(
        items, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    lines = ["rulings:"] + [f"  {line}" if line else line for line in dumped.splitlines()]
    return newline.join(lines) + newline


def with_rulings(yaml_text: str, rulings: Sequence[Ruling], source_name: str = "<rubric>") -> str:
    """Rubric YAML text whose top-level ``rulings:`` is exactly ``rulings``.

    The rest of the text is kept as written, comments included: an existing
    ``rulings:`` block (up to the next top-level key, leaving the comments and blank
    lines just above that key where they are) is replaced; without one, the block is
    appended at the end. Only a rubric whose top level is a flow mapping (``{id: ...}``)
    is written out anew, without its comments. The result must read back as a rubric
    without errors — a ruling naming an unknown criterion, say, raises RubricError —
    and reading it back gives ``rulings`` unchanged.
    """
    bom = "\ufeff" if yaml_text.startswith("\ufeff") else ""
    text = yaml_text.removeprefix("\ufeff")
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        root = None
    if not isinstance(root, yaml.MappingNode):
        loaded = parse_rubric_text(text, source_name, lint=False)
        loaded.require()  # raises with the first error's position
        raise RubricError("a rubric must be a mapping", Location(source_name))
    block = _ruling_block(list(rulings), newline)
    if root.flow_style:
        data = parse_yaml(text, source_name, error_type=RubricError).data
        data["rulings"] = [r.model_dump(exclude_none=True) for r in rulings]
        out = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    else:
        lines = _BREAK.split(text)
        breaks = _BREAK.findall(text)
        key_lines = [(k.start_mark.line, k.start_mark.column, k.value) for k, _ in root.value]
        at = next((line for line, _, key in key_lines if key == "rulings"), None)
        if at is None:
            ends_line = not text or _BREAK.match(text[-1]) is not None
            out = (text if ends_line else text + newline) + block
        else:
            following = [line for line, col, _ in key_lines if line > at]
            end = min(following) if following else len(lines)
            # Blank lines, top-level comments and document markers just above the next
            # key belong to it, not to the rulings.
            while end - 1 > at and (
                not lines[end - 1].strip()
                or lines[end - 1].startswith("#")
                or lines[end - 1].rstrip() in ("...", "---")
            ):
                end -= 1
            breaks.append("")  # the last line has no break after it
            head = "".join(lines[i] + breaks[i] for i in range(at))
            tail = "".join(lines[i] + breaks[i] for i in range(end, len(lines)))
            out = head + block + tail
    loaded = parse_rubric_text(out, source_name, lint=False)
    rubric = loaded.require()
    if list(rubric.rulings) != list(rulings):  # pragma: no cover - a bug, not user input
        raise RubricError("the rulings did not read back unchanged", Location(source_name))
    return bom + out
