"""The level one figure implies, and the `Hint` line every hint screen shows.

`Hint` is one line the canvas shows next to a region, or the Check report lists.
`implied_levels` is the generic "what level does this one figure imply?" helper,
usable for any metric (the image and text screens both use it). The private helpers
(`_hint`, `_implications`, `_show`, `_allowance`, `_severity`, `_wrong_label_hint`, …)
word a figure and the levels it implies into a hint; `hints`, `check_hints` and
`text_hints` share them.

The level a single figure implies is the best level that figure does not rule
out: the other metrics a level names are left unmeasured, so they cannot pull it
down (a 2 px padding on the top edge reads "Gold Standard" even while the left
edge is 7 px out — the left edge has its own hint, and the Check report gives the
level for the whole annotation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from labelmate.core.metric_vocabulary import METRICS
from labelmate.core.metrics.base import Measurement, Source
from labelmate.core.regions import RegionBase
from labelmate.core.rubric import Criterion, Rubric, Rule, iter_rules
from labelmate.core.rubric import format_number as _num
from labelmate.core.rubric_engine import CriterionResult, Evidence, evaluate

__all__ = [
    "Hint",
    "Implication",
    "Severity",
    "criteria_using",
    "implied_levels",
]

Severity = Literal["good", "info", "warning", "error"]
"""good: at the criterion's best level; warning: below it; error: at the worst level
or invalid; info: a figure no rubric level depends on."""


@dataclass(frozen=True, slots=True)
class Hint:
    """One line the canvas shows next to a region, or the Check report lists."""

    message: str
    severity: Severity
    source: Source
    region_ids: tuple[str, ...] = ()  # the drawn region(s) it is about
    criterion_id: str | None = None
    criterion_name: str | None = None
    level_name: str | None = None
    level_score: float | None = None
    kind: str = ""
    gold_region: RegionBase | None = None  # for "missed": the gold object to draw
    side: str | None = None  # for box edges: "top" | "right" | "bottom" | "left"
    value: float | None = None  # for edges: signed offset, + outside, − inside
    detail: str = ""  # the measurement's own explanation (a tooltip)


# --- the level one figure implies ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Implication:
    """The level of one criterion a figure implies, and the nearest better level's bar."""

    criterion_id: str
    criterion_name: str
    level_name: str
    level_score: float
    max_score: float
    severity: Severity
    better_level_name: str | None = None
    better_rule: Rule | None = None  # the rule on the figure's metric that level needs

    @property
    def text(self) -> str:
        """`Precision (Geometry): Needs Re-Annotation (Acceptable allows ≤ 6 px)`."""
        out = f"{self.criterion_name}: {self.level_name}"
        if self.better_level_name is not None and self.better_rule is not None:
            out += f" ({self.better_level_name} {_allowance(self.better_rule)})"
        return out


def criteria_using(rubric: Rubric, metrics: Iterable[str]) -> list[Criterion]:
    """The rule-based criteria whose levels name any of `metrics`, in rubric order."""
    wanted = set(metrics)
    return [
        c
        for c in rubric.criteria
        if not c.manual
        and any(r.metric in wanted for level in c.levels for r in iter_rules(level.when))
    ]


def implied_levels(rubric: Rubric, measurements: Mapping[str, Measurement]) -> list[Implication]:
    """The level each criterion that uses these metrics gets from these figures alone.

    Metrics a level also names but that are not given count as unknown (see
    `rubric_engine`), so the answer is the best level the figures do not rule out.
    A criterion the figures leave below every level (no `otherwise`) is left out.
    """
    criteria = criteria_using(rubric, measurements)
    if not criteria:
        return []
    result = evaluate(rubric, measurements, criteria=[c.id for c in criteria])
    out = []
    for criterion in criteria:
        found = _implication(criterion, result.criterion(criterion.id))
        if found is not None:
            out.append(found)
    return out


def _implication(criterion: Criterion, result: CriterionResult) -> Implication | None:
    if result.status == "proposed" and result.score is not None and result.level_name:
        score, name = result.score, result.level_name
    elif result.status == "not_measurable" and result.evidence:
        # Evaluation stopped at the first level the figures could not rule out; its
        # rules are the last evidence recorded.
        score, name = result.evidence[-1].level_score, result.evidence[-1].level_name
    else:
        return None
    failed = [e for e in result.evidence if e.passed is False and e.level_score > score]
    better = min(failed, key=lambda e: e.level_score) if failed else None
    return Implication(
        criterion_id=criterion.id,
        criterion_name=criterion.name,
        level_name=name,
        level_score=score,
        max_score=criterion.max_score,
        severity=_severity(criterion, score),
        better_level_name=better.level_name if better else None,
        better_rule=_rule_of(criterion, better) if better else None,
    )


def _severity(criterion: Criterion, score: float) -> Severity:
    scores = [level.score for level in criterion.levels]
    if score >= max(scores):
        return "good"
    return "error" if score <= min(scores) else "warning"


def _rule_of(criterion: Criterion, evidence: Evidence) -> Rule | None:
    for level in criterion.levels:
        if level.score == evidence.level_score:
            for rule in iter_rules(level.when):
                if rule.metric == evidence.metric and rule.describe() == evidence.threshold:
                    return rule
    return None


def _allowance(rule: Rule) -> str:
    """`allows ≤ 6 px`, `needs ≥ 0.75`, `needs polygon.valid = true`."""
    spec = METRICS.get(rule.metric)
    unit = f" {spec.unit}" if spec is not None and spec.unit else ""
    if rule.equals is not None:
        return f"needs {rule.describe()}"
    if rule.min is not None and rule.max is not None:
        return f"allows {_num(rule.min)}–{_num(rule.max)}{unit}"
    if rule.max is not None:
        return f"allows ≤ {_num(rule.max)}{unit}"
    return f"needs ≥ {_num(rule.min)}{unit}"  # type: ignore[arg-type]


def _show(value: float, implications: Sequence[Implication], *, ratio: bool = False) -> str:
    """A figure for a message: 7, 2.5, a ratio as 0.87 or 1.00 — with more digits
    when rounding would make it read as the bound it just misses (6.004 px ≠ 6 px)."""
    text = f"{value:.2f}"
    if not ratio:
        text = text.rstrip("0").rstrip(".")
    bounds = {
        b
        for i in implications
        if i.better_rule is not None
        for b in (i.better_rule.min, i.better_rule.max)
        if b is not None
    }
    if float(text) != value and float(text) in bounds:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text


def _implications(rubric: Rubric | None, *measurements: Measurement) -> list[Implication]:
    if rubric is None:
        return []
    return implied_levels(rubric, {m.metric: m for m in measurements})


def _hint(
    message: str,
    implications: Sequence[Implication],
    *,
    fallback: Severity,
    source: Source,
    region_ids: tuple[str, ...],
    kind: str,
    **fields,
) -> Hint:
    """A hint whose severity and criterion come from the worst implication, if any."""
    worst = min(implications, key=lambda i: i.level_score / i.max_score, default=None)
    if implications:
        message += " → " + "; ".join(i.text for i in implications)
    return Hint(
        message=message,
        severity=worst.severity if worst is not None else fallback,
        source=source,
        region_ids=region_ids,
        criterion_id=worst.criterion_id if worst else None,
        criterion_name=worst.criterion_name if worst else None,
        level_name=worst.level_name if worst else None,
        level_score=worst.level_score if worst else None,
        kind=kind,
        **fields,
    )


def _labels(region: RegionBase) -> str:
    return ", ".join(region.labels) if region.labels else "no label"


def _wrong_label_hint(region: RegionBase, target: RegionBase, rubric: Rubric | None) -> Hint:
    text = f"labelled {_labels(region)}, but gold {target.id} is {_labels(target)}"
    ids = (region.id, target.id)
    imps = _implications(
        rubric,
        Measurement("label.matches_gold", False, "gold", text, ids),
        Measurement("label.mismatches", 1, "gold", text, ids),
    )
    return _hint(
        text,
        imps,
        fallback="warning",
        source="gold",
        region_ids=(region.id,),
        kind="wrong-label",
        detail=text,
    )
