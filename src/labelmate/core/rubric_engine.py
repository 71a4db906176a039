"""Propose a rubric level per criterion from measurements, with the evidence for it.

Levels are tried best first (highest score first; ties keep file order) and the first
whose `when` holds wins; an `otherwise: true` level wins when it is reached. A rule
whose metric was not measured makes its condition *unknown* (three-valued logic: an
`any` with one true branch still holds, an `all` with one false branch still fails).
When the decision hinges on an unknown, the criterion is "not_measurable" — we never
fall through to a worse level just because a number is missing.

Evidence shows the matched level's rules and, for every better level that failed,
the rules that failed, so a user reads *why not* the better level:
"box.max_outside_px = 4.0 > 3 (level 5 needs ≤ 3)".

The total is sum(weight · score / max_score) / sum(weight) · 100 over scored
criteria; normalised scores are clamped to [0, 1] so odd scales cannot push it out
of 0–100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from labelmate.core.errors import InputError, Location
from labelmate.core.metrics.base import Measurement, Source, Value, fmt
from labelmate.core.rubric import AllOf, AnyOf, Condition, Criterion, Level, Rubric, Rule

Status = Literal["proposed", "manual", "unscored", "not_measurable"]


class ManualScoreError(InputError):
    """A manual score is not one of the criterion's level scores, or names no criterion."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule checked against one measurement, at one level."""

    level_score: float
    level_name: str
    metric: str
    value: Value | None  # None: the metric was not measured
    threshold: str  # Rule.describe(), e.g. "box.max_outside_px ≤ 3"
    passed: bool | None  # None: unknown (metric missing)
    matched_level: bool  # True for rules of the level that was chosen
    source: Source | None = None
    detail: str = ""
    message: str = ""  # one line for the user


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion_id: str
    name: str
    weight: float
    max_score: float
    status: Status
    score: float | None = None
    level_name: str | None = None
    descriptor: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    proposed_score: float | None = None  # what the rules said, kept when the user overrides
    missing_metrics: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        return self.score is not None


@dataclass(frozen=True, slots=True)
class RubricResult:
    rubric_id: str
    criteria: list[CriterionResult]
    total: float | None  # 0–100, None when nothing is scored
    complete: bool
    scored_weight: float
    total_weight: float

    def criterion(self, criterion_id: str) -> CriterionResult:
        for c in self.criteria:
            if c.criterion_id == criterion_id:
                return c
        raise KeyError(criterion_id)


# --- condition evaluation -----------------------------------------------------------


def _check(condition: Condition, values: Mapping[str, Measurement]) -> bool | None:
    """True, False or None (unknown because a metric is missing)."""
    if isinstance(condition, Rule):
        m = values.get(condition.metric)
        return None if m is None else condition.holds(m.value)
    # One false branch decides an `all`, one true branch an `any`: the rest need not
    # be checked (checking is free of side effects).
    decisive = isinstance(condition, AnyOf)
    unknown = False
    for child in _children(condition):
        result = _check(child, values)
        if result is decisive:
            return decisive
        unknown |= result is None
    return None if unknown else not decisive


def _children(condition: AllOf | AnyOf) -> list[Condition]:
    return condition.all if isinstance(condition, AllOf) else condition.any


def _leaf_rules(condition: Condition) -> list[Rule]:
    if isinstance(condition, Rule):
        return [condition]
    return [r for c in _children(condition) for r in _leaf_rules(c)]


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _bound(rule: Rule) -> str:
    """The test part of a rule: "≤ 3", "≥ 0.5", "between 1 and 2", "= true"."""
    if rule.equals is not None:
        shown = str(rule.equals).lower() if isinstance(rule.equals, bool) else rule.equals
        return f"= {shown}"
    if rule.min is not None and rule.max is not None:
        return f"between {_n(rule.min)} and {_n(rule.max)}"
    return f"≤ {_n(rule.max)}" if rule.max is not None else f"≥ {_n(rule.min)}"  # type: ignore[arg-type]


def _show(value: Value, rule: Rule) -> str:
    """The value as evidence text, precise enough that 3.0000001 never reads as 3.0."""
    text = fmt(value)
    if isinstance(value, float):
        for b in (rule.min, rule.max):
            if b is not None and value != b and float(text) == b:
                return repr(value)
    return text


def _message(rule: Rule, m: Measurement | None, passed: bool | None, tag: str, bound: str) -> str:
    """One line: "box.max_outside_px = 4.0 > 3 (level 5 needs ≤ 3)" (`bound`: `_bound(rule)`)."""
    if m is None:
        return f"{rule.metric} was not measured ({tag} needs {bound})"
    shown = _show(m.value, rule)
    if passed:
        return f"{rule.metric} = {shown} meets {bound} ({tag})"
    numeric = isinstance(m.value, int | float) and not isinstance(m.value, bool)
    if rule.equals is None and numeric:
        if rule.max is not None and m.value > rule.max:
            return f"{rule.metric} = {shown} > {_n(rule.max)} ({tag} needs {bound})"
        if rule.min is not None and m.value < rule.min:
            return f"{rule.metric} = {shown} < {_n(rule.min)} ({tag} needs {bound})"
    return f"{rule.metric} = {shown} ({tag} needs {bound})"


@dataclass(frozen=True, slots=True)
class _RulePlan:
    """A rule with the texts evidence repeats for it, written once per rubric."""

    rule: Rule
    threshold: str  # rule.describe()
    bound: str  # _bound(rule)

    @classmethod
    def of(cls, rule: Rule) -> _RulePlan:
        return cls(rule, rule.describe(), _bound(rule))


@dataclass(frozen=True, slots=True)
class _LevelPlan:
    level: Level
    name: str  # rubric.level_name(level)
    tag: str  # "level 5"
    rules: tuple[_RulePlan, ...]  # the leaf rules of `when`


def _evidence(
    plan: _LevelPlan,
    values: Mapping[str, Measurement],
    *,
    matched: bool,
    only_failed: bool,
) -> list[Evidence]:
    out = []
    level = plan.level
    for rp in plan.rules:
        rule = rp.rule
        m = values.get(rule.metric)
        passed = None if m is None else rule.holds(m.value)
        if only_failed and passed is not False:
            continue
        message = _message(rule, m, passed, plan.tag, rp.bound)
        if m is None:
            out.append(Evidence(level.score, plan.name, rule.metric, None, rp.threshold,
                                passed, matched, None, "", message))  # fmt: skip
        else:
            out.append(Evidence(level.score, plan.name, rule.metric, m.value, rp.threshold,
                                passed, matched, m.source, m.detail, message))  # fmt: skip
    return out


# --- criteria -----------------------------------------------------------------------


def _ordered_levels(criterion: Criterion) -> list[Level]:
    return sorted(criterion.levels, key=lambda lv: -lv.score)


def _is_automatic(criterion: Criterion) -> bool:
    return not criterion.manual and any(
        lv.when is not None or lv.otherwise for lv in criterion.levels
    )


@dataclass(frozen=True, slots=True)
class _CriterionPlan:
    criterion: Criterion
    automatic: bool  # `_is_automatic`
    base: dict[str, Any]  # id, name, weight and max score of every result
    levels: tuple[_LevelPlan, ...]  # best first

    @classmethod
    def of(cls, rubric: Rubric, criterion: Criterion) -> _CriterionPlan:
        base = {
            "criterion_id": criterion.id,
            "name": criterion.name,
            "weight": criterion.weight,
            "max_score": criterion.max_score,
        }
        levels = tuple(
            _LevelPlan(
                level,
                rubric.level_name(level),
                f"level {_n(level.score)}",
                tuple(_RulePlan.of(r) for r in _leaf_rules(level.when)) if level.when else (),
            )
            for level in _ordered_levels(criterion)
        )
        return cls(criterion, _is_automatic(criterion), base, levels)


def _propose(plan: _CriterionPlan, values: Mapping[str, Measurement]) -> CriterionResult:
    evidence: list[Evidence] = []
    base = plan.base
    for lp in plan.levels:
        level = lp.level
        if level.otherwise:
            return CriterionResult(
                **base,
                status="proposed",
                score=level.score,
                level_name=lp.name,
                descriptor=level.descriptor,
                evidence=evidence,
                proposed_score=level.score,
            )
        if level.when is None:
            continue  # a descriptive level the rules cannot decide
        verdict = _check(level.when, values)
        if verdict is True:
            evidence += _evidence(lp, values, matched=True, only_failed=False)
            return CriterionResult(
                **base,
                status="proposed",
                score=level.score,
                level_name=lp.name,
                descriptor=level.descriptor,
                evidence=evidence,
                proposed_score=level.score,
            )
        if verdict is None:
            missing = tuple(
                dict.fromkeys(rp.rule.metric for rp in lp.rules if rp.rule.metric not in values)
            )
            evidence += _evidence(lp, values, matched=False, only_failed=False)
            return CriterionResult(
                **base, status="not_measurable", evidence=evidence, missing_metrics=missing
            )
        evidence += _evidence(lp, values, matched=False, only_failed=True)
    # No level matched and none says `otherwise`: the rubric leaves a gap here.
    return CriterionResult(**base, status="unscored", evidence=evidence)


def _manual(
    rubric: Rubric, criterion: Criterion, score: float, proposed: CriterionResult | None
) -> CriterionResult:
    for level in criterion.levels:
        if level.score == score:
            return CriterionResult(
                criterion_id=criterion.id,
                name=criterion.name,
                weight=criterion.weight,
                max_score=criterion.max_score,
                status="manual",
                score=level.score,
                level_name=rubric.level_name(level),
                descriptor=level.descriptor,
                evidence=proposed.evidence if proposed else [],
                proposed_score=proposed.proposed_score if proposed else None,
                missing_metrics=proposed.missing_metrics if proposed else (),
            )
    allowed = ", ".join(_n(s) for s in sorted({lv.score for lv in criterion.levels}))
    raise ManualScoreError(
        f"score {_n(score)} is not a level of criterion '{criterion.id}' (allowed: {allowed})",
        Location(field=f"manual_scores.{criterion.id}"),
    )


def evaluate(
    rubric: Rubric,
    measurements: Mapping[str, Measurement | Value],
    manual_scores: Mapping[str, float] | None = None,
    criteria: Iterable[str] | None = None,
) -> RubricResult:
    """Score `rubric` from `measurements` (see `labelmate.core.metrics.measure`).

    manual_scores: criterion id → score chosen by the user. It scores manual criteria
    and overrides a proposal for rule-based ones (the proposal stays in
    `proposed_score` and the evidence). criteria: evaluate only these criterion ids.
    Raises ManualScoreError for a score that is not one of the criterion's levels or
    an id the rubric does not have. To score many measurement sets against one
    rubric, prepare it once with `RubricEvaluator`.
    """
    return RubricEvaluator(rubric).evaluate(measurements, manual_scores, criteria)


class RubricEvaluator:
    """A rubric prepared once for `evaluate`: levels ordered best first, level names,
    leaf rules and their texts. Scoring 10,000 tasks otherwise redid all of it per task.

    The rubric is read when the evaluator is made; make a new one for a changed rubric.
    """

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self._plans = [_CriterionPlan.of(rubric, c) for c in rubric.criteria]
        self._known = {c.id for c in rubric.criteria}

    def evaluate(
        self,
        measurements: Mapping[str, Measurement | Value],
        manual_scores: Mapping[str, float] | None = None,
        criteria: Iterable[str] | None = None,
    ) -> RubricResult:
        """As the module's `evaluate(rubric, measurements, manual_scores, criteria)`."""
        rubric, known = self.rubric, self._known
        manual_scores = dict(manual_scores or {})
        for cid in manual_scores:
            if cid not in known:
                raise ManualScoreError(
                    f"rubric '{rubric.id}' has no criterion '{cid}'",
                    Location(field=f"manual_scores.{cid}"),
                )
        wanted = None if criteria is None else set(criteria)
        if wanted is not None and (unknown := wanted - known):
            raise ManualScoreError(
                f"rubric '{rubric.id}' has no criterion {', '.join(sorted(unknown))}",
                Location(field="criteria"),
            )
        values = {k: _as_measurement(k, v) for k, v in measurements.items()}
        results: list[CriterionResult] = []
        for plan in self._plans:
            criterion = plan.criterion
            if wanted is not None and criterion.id not in wanted:
                continue
            proposed = _propose(plan, values) if plan.automatic else None
            if criterion.id in manual_scores:
                results.append(_manual(rubric, criterion, manual_scores[criterion.id], proposed))
            elif proposed is not None:
                results.append(proposed)
            else:
                results.append(CriterionResult(**plan.base, status="unscored"))
        return _totals(rubric.id, results)


def _as_measurement(metric: str, value: Measurement | Value) -> Measurement:
    """Accept bare values too (tests, hand-entered numbers): they count as data."""
    if isinstance(value, Measurement):
        return value
    return Measurement(metric, value, "data")


def _totals(rubric_id: str, results: list[CriterionResult]) -> RubricResult:
    total_weight = sum(r.weight for r in results)
    scored = [r for r in results if r.score is not None]
    scored_weight = sum(r.weight for r in scored)
    total: float | None = None
    if scored and scored_weight > 0:
        acc = 0.0
        for r in scored:
            assert r.score is not None
            norm = r.score / r.max_score if r.max_score > 0 else 0.0
            acc += r.weight * max(0.0, min(1.0, norm))
        total = max(0.0, min(100.0, acc / scored_weight * 100))
    return RubricResult(
        rubric_id=rubric_id,
        criteria=results,
        total=total,
        complete=all(r.score is not None for r in results),
        scored_weight=scored_weight,
        total_weight=total_weight,
    )
