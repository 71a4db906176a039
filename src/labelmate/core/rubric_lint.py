"""Quality lint for a rubric that already loads: findings a QA lead would raise.

Pure: takes a :class:`Rubric` and a ``locate(path) -> Location`` callable (paths such
as ``("criteria", 0, "levels", 1, "descriptor")``) and returns WARNING problems. Hard
errors (unknown metric, levels out of order, ...) are the loader's job.

Rules, each because it makes scores disagree between annotators or silently wrong:

* **vague descriptor** — the descriptor uses a vague word (``VAGUE_WORDS``, whole
  word, any case) and states no measurable quantity. Measurable means a number (digits,
  with or without a unit such as px, %, chars) or a number word (``NUMBER_WORDS``), or
  an absolute quantifier (``ABSOLUTE_WORDS``: every, each, all, none, never, always,
  exactly). "no" is *not* absolute here: "no big errors" is as vague as it gets.
* **gap** — in a rule-based criterion whose levels are pure conjunctions (``all``, no
  ``any`` anywhere), for a numeric metric bounded in *every* rule level: values lying
  between two levels' intervals match no level and fall to ``otherwise``. That is
  sound whatever the other metrics are, since every level rejects such a value.
  Counts (kind "count") only have a gap if a whole number lies in it.
* **unreachable level** — first match wins, so a level is dead when its accepted set
  lies inside an earlier one: for single-metric criteria, inside the union of earlier
  intervals; otherwise inside one earlier level's box (all its bounds at least as wide).
* **overlap** — single-metric criteria only: a later level states a bound strictly
  inside an earlier level's interval ("min: 3" after "max: 5"), so its descriptor
  claims values the earlier level takes. ``max: 5`` then ``max: 10`` is the normal
  contiguous idiom and is *not* an overlap; neither is touching (``max: 5``/``min: 5``).
* **no worst case** — a rule-based criterion without an ``otherwise: true`` level;
  levels after one, and rule-less levels in a rule-based criterion, are flagged too.
* **unscorable criterion** — neither rules nor ``manual: true``.
* **off-scale score** — a level score that is not on the rubric's ``scale``.
* **region mismatch** — a metric whose region types miss the criterion's (or
  rubric's) ``applies_to``; a criterion ``applies_to`` outside the rubric's.
* **impossible bound** — a ratio bound outside 0–1, or a negative maximum on a
  non-negative metric (px, chars, counts).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from labelmate.core.errors import Location, Problem, Severity
from labelmate.core.metric_vocabulary import METRICS
from labelmate.core.rubric import AllOf, AnyOf, Condition, Criterion, Rubric, Rule
from labelmate.core.rubric import format_number as _num

Path = tuple[Hashable, ...]
Locate = Callable[[Path], Location]

VAGUE_WORDS = (
    "good", "great", "nice", "fine", "ok", "okay", "decent", "reasonable", "reasonably",
    "appropriate", "appropriately", "proper", "properly", "adequate", "adequately",
    "sufficient", "sufficiently", "enough", "mostly", "largely", "generally", "roughly",
    "approximately", "nearly", "almost", "close", "closely", "somewhat", "fairly",
    "slightly", "minor", "major", "some", "few", "several", "many", "most", "significant",
    "significantly", "tight", "snug", "loose", "sloppy", "poor", "bad", "big", "small",
    "acceptable", "clean", "neat", "well",
)  # fmt: skip
NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "half", "once", "twice",
)  # fmt: skip
ABSOLUTE_WORDS = ("every", "each", "all", "none", "never", "always", "exactly")

_VAGUE_RE = re.compile(r"\b(" + "|".join(VAGUE_WORDS) + r")\b", re.IGNORECASE)
_MEASURABLE_RE = re.compile(
    r"\d|\b(" + "|".join(NUMBER_WORDS + ABSOLUTE_WORDS) + r")\b", re.IGNORECASE
)
_INF = math.inf


def iter_rules_with_paths(condition: Condition | None, path: Path) -> list[tuple[Rule, Path]]:
    """Every rule in a condition tree with its data path (``path`` is the ``when`` path)."""
    if condition is None:
        return []
    if isinstance(condition, Rule):
        return [(condition, path)]
    key = "all" if isinstance(condition, AllOf) else "any"
    children = condition.all if isinstance(condition, AllOf) else condition.any
    out: list[tuple[Rule, Path]] = []
    for i, child in enumerate(children):
        out.extend(iter_rules_with_paths(child, (*path, key, i)))
    return out


def describe_criterion(crit: Criterion, level_index: int | None = None) -> str:
    """ "criterion 'precision' level 3" — how messages name a place in the rubric."""
    out = f"criterion '{crit.id}'"
    if level_index is not None:
        out += f" level {_num(crit.levels[level_index].score)}"
    return out


def is_vague(descriptor: str) -> list[str]:
    """The vague words of a descriptor that states no measurable quantity; else []."""
    if _MEASURABLE_RE.search(descriptor):
        return []
    return list(dict.fromkeys(m.group(0).lower() for m in _VAGUE_RE.finditer(descriptor)))


def lint_rubric(rubric: Rubric, locate: Locate) -> list[Problem]:
    """All quality warnings for ``rubric``, located through ``locate``."""
    out: list[Problem] = []

    def warn(message: str, path: Path) -> None:
        out.append(Problem(Severity.WARNING, message, locate(path)))

    scale = [s.score for s in rubric.scale]
    shown_scale = ", ".join(_num(s) for s in scale)
    rubric_types = {t.lower() for t in rubric.applies_to}
    for i, crit in enumerate(rubric.criteria):
        base: Path = ("criteria", i)
        types = {t.lower() for t in (crit.applies_to or rubric.applies_to)}
        if crit.applies_to and rubric_types and not types <= rubric_types:
            extra = ", ".join(sorted(types - rubric_types))
            warn(
                f"{describe_criterion(crit)}: applies_to names {extra}, which the rubric's "
                f"applies_to ({', '.join(rubric.applies_to)}) does not include",
                (*base, "applies_to"),
            )
        for j, level in enumerate(crit.levels):
            lpath = (*base, "levels", j)
            label = describe_criterion(crit, j)
            vague = is_vague(level.descriptor)
            if vague:
                words = ", ".join(f"'{w}'" for w in vague)
                warn(
                    f"{label}: descriptor is vague ({words}) and states no measurable "
                    "quantity; say what to check, e.g. 'at most 5 px outside' or "
                    "'every object labeled'",
                    (*lpath, "descriptor"),
                )
            if level.score not in scale:
                warn(
                    f"{label}: score {_num(level.score)} is not on the rubric's scale "
                    f"({shown_scale})",
                    (*lpath, "score"),
                )
            for rule, rpath in iter_rules_with_paths(level.when, (*lpath, "when")):
                spec = METRICS.get(rule.metric)
                if spec is None:
                    continue
                if types and not types & set(spec.region_types):
                    warn(
                        f"{label}: metric {rule.metric} measures "
                        f"{', '.join(spec.region_types)}, but the criterion applies to "
                        f"{', '.join(sorted(types))}",
                        (*rpath, "metric"),
                    )
                impossible = _impossible_bound(rule)
                if impossible:
                    warn(f"{label}: {impossible}", (*rpath, "metric"))
        out.extend(_criterion_shape(crit, base, locate))
        out.extend(_interval_findings(crit, base, locate))
    return out


def _impossible_bound(rule: Rule) -> str:
    spec = METRICS[rule.metric]
    if spec.kind == "ratio":
        if rule.min is not None and rule.min > 1:
            return f"{rule.metric} is a ratio from 0 to 1, so min {_num(rule.min)} never holds"
        if rule.max is not None and rule.max < 0:
            return f"{rule.metric} is a ratio from 0 to 1, so max {_num(rule.max)} never holds"
    non_negative = spec.kind in ("count", "ratio") or spec.unit in ("px", "px²", "chars")
    if non_negative and rule.max is not None and rule.max < 0:
        return f"{rule.metric} is never negative, so max {_num(rule.max)} never holds"
    return ""


def _criterion_shape(crit: Criterion, base: Path, locate: Locate) -> list[Problem]:
    out: list[Problem] = []
    has_rules = any(level.when is not None for level in crit.levels)
    if not has_rules and not crit.manual:
        out.append(
            Problem(
                Severity.WARNING,
                f"{describe_criterion(crit)} has no rules and is not 'manual: true', so it "
                "can never be scored; add 'when' rules to its levels or mark it manual",
                locate(base),
            )
        )
    if not has_rules or crit.manual:
        return out
    catch_all = next((j for j, lv in enumerate(crit.levels) if lv.otherwise), None)
    if catch_all is None:
        out.append(
            Problem(
                Severity.WARNING,
                f"{describe_criterion(crit)} has no level for the worst case: add a last "
                "level with 'otherwise: true' so every annotation gets a score",
                locate((*base, "levels")),
            )
        )
    for j, level in enumerate(crit.levels):
        lpath = (*base, "levels", j)
        if catch_all is not None and j > catch_all:
            msg = (
                f"{describe_criterion(crit, j)} can never match: level "
                f"{_num(crit.levels[catch_all].score)} above it has 'otherwise: true'"
            )
        elif level.when is None and not level.otherwise:
            msg = (
                f"{describe_criterion(crit, j)} has no 'when' rule in a rule-based "
                "criterion, so it is never chosen automatically"
            )
        else:
            continue
        out.append(Problem(Severity.WARNING, msg, locate(lpath)))
    return out


# --- interval reasoning ---------------------------------------------------------------


@dataclass(slots=True)
class _Bound:
    lo: float = -_INF
    hi: float = _INF
    lo_path: Path | None = None
    hi_path: Path | None = None

    def describe(self) -> str:
        if self.lo == self.hi:
            return f"equals {_num(self.lo)}"
        parts = []
        if self.lo > -_INF:
            parts.append(f"min {_num(self.lo)}")
        if self.hi < _INF:
            parts.append(f"max {_num(self.hi)}")
        return ", ".join(parts)

    def within(self, other: _Bound) -> bool:
        return other.lo <= self.lo and self.hi <= other.hi


def _flatten(condition: Condition, path: Path) -> list[tuple[Rule, Path]] | None:
    """The rules of a pure conjunction, or None if an ``any`` makes it unsound."""
    if isinstance(condition, AnyOf):
        return None
    if isinstance(condition, Rule):
        return [(condition, path)]
    out: list[tuple[Rule, Path]] = []
    for i, child in enumerate(condition.all):
        part = _flatten(child, (*path, "all", i))
        if part is None:
            return None
        out.extend(part)
    return out


def _level_box(rules: list[tuple[Rule, Path]]) -> dict[str, _Bound | bool] | None:
    """Per metric: a numeric interval, or the required boolean. None when unsatisfiable."""
    box: dict[str, _Bound | bool] = {}
    for rule, path in rules:
        spec = METRICS.get(rule.metric)
        if spec is None:
            continue
        if spec.kind == "bool":
            if box.get(rule.metric, rule.equals) != rule.equals:
                return None
            box[rule.metric] = bool(rule.equals)
            continue
        current = box.setdefault(rule.metric, _Bound())
        assert isinstance(current, _Bound)
        lo = rule.equals if isinstance(rule.equals, int | float) else rule.min
        hi = rule.equals if isinstance(rule.equals, int | float) else rule.max
        if lo is not None and lo > current.lo:
            current.lo, current.lo_path = (
                float(lo),
                (*path, "equals" if rule.equals is not None else "min"),
            )
        if hi is not None and hi < current.hi:
            current.hi, current.hi_path = (
                float(hi),
                (*path, "equals" if rule.equals is not None else "max"),
            )
        if current.lo > current.hi:
            return None
    return box


def _interval_findings(crit: Criterion, base: Path, locate: Locate) -> list[Problem]:
    if crit.manual:
        return []
    levels: list[tuple[int, dict[str, _Bound | bool]]] = []
    out: list[Problem] = []
    for j, level in enumerate(crit.levels):
        if level.when is None:
            continue
        rules = _flatten(level.when, (*base, "levels", j, "when"))
        if rules is None:
            return []  # an `any` somewhere: no sound claims for this criterion
        box = _level_box(rules)
        if box is None:
            out.append(
                _warn(
                    f"{describe_criterion(crit, j)} can never match: its rules "
                    "contradict each other",
                    locate((*base, "levels", j)),
                )
            )
            continue
        levels.append((j, box))
    if len(levels) < 2:
        return out
    out.extend(_unreachable(crit, base, levels, locate))
    numeric = [m for m, v in levels[0][1].items() if isinstance(v, _Bound)]
    for metric in numeric:
        if all(isinstance(box.get(metric), _Bound) for _, box in levels):
            out.extend(_gaps(crit, metric, levels, locate))
    single = _single_metric(levels)
    if single:
        out.extend(_overlaps(crit, single, levels, locate))
    return out


def _warn(message: str, where: Location) -> Problem:
    return Problem(Severity.WARNING, message, where)


def _single_metric(levels: list[tuple[int, dict[str, _Bound | bool]]]) -> str | None:
    """The one numeric metric every rule level bounds, when it bounds nothing else."""
    names = {tuple(box) for _, box in levels}
    if len(names) != 1 or len(next(iter(names))) != 1:
        return None
    metric = next(iter(names))[0]
    return metric if all(isinstance(box[metric], _Bound) for _, box in levels) else None


def _unreachable(
    crit: Criterion, base: Path, levels: list[tuple[int, dict[str, _Bound | bool]]], locate: Locate
) -> list[Problem]:
    out: list[Problem] = []
    single = _single_metric(levels)
    for k, (j, box) in enumerate(levels):
        reason = ""
        for i, earlier in levels[:k]:
            if all(_inside(box.get(m), need) for m, need in earlier.items()):
                reason = (
                    f"everything it accepts is already taken by level "
                    f"{_num(crit.levels[i].score)} above it (first match wins)"
                )
                break
        if not reason and single and k:
            mine = box[single]
            covered = _merge([b[single] for _, b in levels[:k]])  # type: ignore[misc]
            if isinstance(mine, _Bound) and any(mine.within(c) for c in covered):
                reason = (
                    f"the levels above it already take every value of {single} it accepts "
                    f"({mine.describe()}; first match wins)"
                )
        if reason:
            out.append(
                _warn(
                    f"{describe_criterion(crit, j)} can never match: {reason}",
                    locate((*base, "levels", j)),
                )
            )
    return out


def _inside(mine: _Bound | bool | None, need: _Bound | bool) -> bool:
    if isinstance(need, bool) or isinstance(mine, bool):
        return mine is need
    return mine is not None and mine.within(need)


def _merge(bounds: list[_Bound]) -> list[_Bound]:
    """Union of closed intervals as disjoint closed intervals (touching ones joined)."""
    merged: list[_Bound] = []
    for b in sorted(bounds, key=lambda b: b.lo):
        if merged and b.lo <= merged[-1].hi:
            merged[-1] = _Bound(merged[-1].lo, max(merged[-1].hi, b.hi))
        else:
            merged.append(_Bound(b.lo, b.hi))
    return merged


def _gaps(
    crit: Criterion, metric: str, levels: list[tuple[int, dict[str, _Bound | bool]]], locate: Locate
) -> list[Problem]:
    spec = METRICS[metric]
    bounds = [(j, box[metric]) for j, box in levels]
    merged = _merge([b for _, b in bounds if isinstance(b, _Bound)])
    out: list[Problem] = []
    for left, right in itertools.pairwise(merged):
        a, b = left.hi, right.lo
        if spec.kind == "count" and math.floor(a) + 1 >= b:
            continue  # no whole number strictly between a and b
        below = next(j for j, bd in bounds if isinstance(bd, _Bound) and bd.hi == a)
        above = next(j for j, bd in bounds if isinstance(bd, _Bound) and bd.lo == b)
        first, later = sorted((below, above))
        later_bound = dict(bounds)[later]
        assert isinstance(later_bound, _Bound)
        path = later_bound.hi_path if later == below else later_bound.lo_path
        unit = f" {spec.unit}" if spec.unit else ""
        first_b, later_b = dict(bounds)[first], later_bound
        assert isinstance(first_b, _Bound)
        out.append(
            _warn(
                f"{describe_criterion(crit, later)}: rule on {metric} leaves "
                f"{_num(a)}–{_num(b)}{unit} undefined between level "
                f"{_num(crit.levels[first].score)} ({first_b.describe()}) and level "
                f"{_num(crit.levels[later].score)} ({later_b.describe()})",
                locate(path or ("criteria",)),
            )
        )
    return out


def _overlaps(
    crit: Criterion, metric: str, levels: list[tuple[int, dict[str, _Bound | bool]]], locate: Locate
) -> list[Problem]:
    spec = METRICS[metric]
    unit = f" {spec.unit}" if spec.unit else ""
    out: list[Problem] = []
    for k, (j, box) in enumerate(levels):
        mine = box[metric]
        assert isinstance(mine, _Bound)
        for i, earlier in levels[:k]:
            theirs = earlier[metric]
            assert isinstance(theirs, _Bound)
            inside_lo = theirs.lo < mine.lo < theirs.hi
            inside_hi = theirs.lo < mine.hi < theirs.hi
            if not (inside_lo or inside_hi) or mine.within(theirs):
                continue
            lo, hi = max(mine.lo, theirs.lo), min(mine.hi, theirs.hi)
            path = mine.lo_path if inside_lo else mine.hi_path
            out.append(
                _warn(
                    f"{describe_criterion(crit, j)}: rule on {metric} ({mine.describe()}) "
                    f"overlaps level {_num(crit.levels[i].score)} ({theirs.describe()}) on "
                    f"{_num(lo)}–{_num(hi)}{unit}; first match wins, so those values score "
                    f"{_num(crit.levels[i].score)}",
                    locate(path or ("criteria",)),
                )
            )
            break
    return out
