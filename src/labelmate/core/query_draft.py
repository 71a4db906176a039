"""Clarification queries: the draft — proposing the rules in tension.

:func:`draft_query` evaluates the rubric on the measurements and proposes the
**rules in tension**: for every criterion below its best level, the rules of the
nearest better level that failed; for every criterion the user names, the rules
that decided its level (or, for a manual criterion, its level descriptors). From
those it composes a :class:`Draft`: the item and region, the criteria with their
relevant level descriptors, the rules, the measured facts (real numbers, from the
measurements and the Check hints), the conflict in one sentence, the options with
their consequences, the proposed choice (the first option unless told otherwise)
and exactly one question. ``Draft.with_rules`` / ``Draft.without_rule`` change the
rules and compose the rest again; ``Draft.candidates`` lists every rule that could
be added (:func:`candidate_rules`).

The work is split by responsibility:

:mod:`labelmate.core.query_model`
    The data model: :class:`Draft`, its parts and :class:`DraftBasis`.
:mod:`labelmate.core.query_wording`
    Wording helpers: numbers, bounds, lists, :func:`item_ref`.
:mod:`labelmate.core.query_compose`
    Composing the criteria, facts, conflict, options and question from the rules.
this module
    Proposing the rules in tension, :func:`candidate_rules` and :func:`draft_query`.

This module re-exports the draft's public names; :mod:`labelmate.core.query`
re-exports them in turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from labelmate.core.errors import InputError
from labelmate.core.hints import Hint
from labelmate.core.metrics.base import Measurement
from labelmate.core.query_compose import MAX_FACTS, _compose
from labelmate.core.query_model import (
    CriterionRef,
    Draft,
    DraftBasis,
    LevelRef,
    Option,
    TensionRule,
)
from labelmate.core.query_wording import _bound, _statement, _unit, item_ref
from labelmate.core.regions import RegionBase
from labelmate.core.rubric import Criterion, Level, Rubric, Rule, iter_rules
from labelmate.core.rubric_engine import RubricResult, evaluate

__all__ = [
    "MAX_FACTS",
    "CriterionRef",
    "Draft",
    "DraftBasis",
    "LevelRef",
    "Option",
    "TensionRule",
    "UnknownCriterionError",
    "candidate_rules",
    "draft_query",
    "item_ref",
]


class UnknownCriterionError(InputError):
    """A criterion named for a draft is not in the rubric."""


def _tension_rule(
    rubric: Rubric,
    criterion: Criterion,
    level: Level,
    rule: Rule,
    measurements: Mapping[str, Measurement],
) -> TensionRule:
    m = measurements.get(rule.metric)
    unit = _unit(rule.metric)
    return TensionRule(
        criterion_id=criterion.id,
        criterion_name=criterion.name,
        level_score=level.score,
        level_name=rubric.level_name(level),
        descriptor=_statement(level.descriptor),
        rule=rule.describe(),
        metric=rule.metric,
        bound=_bound(rule, unit),
        value=None if m is None else m.value,
        holds=None if m is None else rule.holds(m.value),
        unit=unit,
        source=None if m is None else m.source,
        detail="" if m is None else _statement(m.detail),
        region_ids=() if m is None else tuple(m.region_ids),
    )


def candidate_rules(rubric: Rubric, measurements: Mapping[str, Measurement]) -> list[TensionRule]:
    """Every rule of every level of every criterion, with what was measured for it —
    the list a user picks from to add a rule to a draft."""
    out = []
    for criterion in rubric.criteria:
        for level in criterion.levels:
            for rule in iter_rules(level.when):
                out.append(_tension_rule(rubric, criterion, level, rule, measurements))
    return out


def _level(criterion: Criterion, score: float) -> Level | None:
    return next((lv for lv in criterion.levels if lv.score == score), None)


def _propose(
    rubric: Rubric,
    result: RubricResult,
    measurements: Mapping[str, Measurement],
    named: Sequence[str],
) -> tuple[list[TensionRule], list[str]]:
    """The rules in tension, and the criteria to keep although they have no rule.

    A criterion below its best level: the rules of the nearest better level that
    failed. A named criterion: the rules of the level it got (at its best), of the
    level the figures could not decide (not measurable), or none (manual).
    """
    rules: list[TensionRule] = []
    pinned: list[str] = []
    for criterion in rubric.criteria:
        res = result.criterion(criterion.id)
        chosen: list[tuple[Level, Rule]] = []
        score = res.score if res.status == "proposed" else None
        below = score is not None and score < criterion.max_score
        if score is not None and below:
            failed = [e for e in res.evidence if e.passed is False and e.level_score > score]
            if failed:
                nearest = min(e.level_score for e in failed)
                wanted = {e.threshold for e in failed if e.level_score == nearest}
                level = _level(criterion, nearest)
                if level is not None:
                    chosen = [(level, r) for r in iter_rules(level.when) if r.describe() in wanted]
        elif criterion.id in named:
            if res.status == "proposed" and res.score is not None:
                level = _level(criterion, res.score)
                if level is not None:
                    chosen = [(level, r) for r in iter_rules(level.when)]
            elif res.status == "not_measurable" and res.evidence:
                level = _level(criterion, res.evidence[-1].level_score)
                if level is not None:
                    chosen = [(level, r) for r in iter_rules(level.when)]
        for level, rule in chosen:
            rules.append(_tension_rule(rubric, criterion, level, rule, measurements))
        if not chosen and (below or criterion.id in named):
            pinned.append(criterion.id)
    return rules, pinned


def _resolve_criteria(rubric: Rubric | None, wanted: Iterable[str]) -> tuple[str, ...]:
    """Criterion ids for the names a user gave (ids, or names in any case)."""
    names = [w.strip() for w in wanted if w and w.strip()]
    if not names:
        return ()
    if rubric is None:
        raise UnknownCriterionError(
            "the project has no rubric, so no criterion can be named",
        )
    out: list[str] = []
    for name in names:
        found = next(
            (c.id for c in rubric.criteria if name == c.id or name.casefold() == c.name.casefold()),
            None,
        )
        if found is None:
            known = ", ".join(c.id for c in rubric.criteria)
            raise UnknownCriterionError(
                f"rubric '{rubric.id}' has no criterion '{name}' (criteria: {known})",
            )
        if found not in out:
            out.append(found)
    return tuple(out)


def draft_query(
    item_id: str,
    rubric: Rubric | None,
    measurements: Mapping[str, Measurement],
    hints: Sequence[Hint] = (),
    *,
    regions: Sequence[RegionBase] = (),
    region_id: str | None = None,
    criteria: Iterable[str] = (),
    project: str | None = None,
    text: str | None = None,
    choice: int | None = 0,
) -> Draft:
    """Draft a query about ``item_id`` (a task's external id).

    measurements: ``labelmate.core.metrics.measure`` of the user's annotation (against
    gold where there is gold). hints: the Check hints (``check_hints`` /
    ``text_check_hints``); those that are not level lines become facts. regions: the
    user's regions (to name the region asked about). region_id: the region the query is
    about. criteria: criterion ids or names the user adds (``--criteria``); raises
    :class:`UnknownCriterionError` for one the rubric does not have. text: the task
    text, to quote a span. choice: the proposed option (default the first; None: none).
    """
    named = _resolve_criteria(rubric, criteria)
    result = evaluate(rubric, measurements) if rubric is not None else None
    rules: list[TensionRule] = []
    pinned: list[str] = list(named)
    if rubric is not None and result is not None:
        rules, extra = _propose(rubric, result, measurements, named)
        pinned += [c for c in extra if c not in pinned]
    basis = DraftBasis(
        item_id=item_id,
        region_id=region_id,
        project=project,
        rubric=rubric,
        result=result,
        measurements=dict(measurements),
        hints=tuple(hints),
        regions=tuple(regions),
        text=text,
        pinned=tuple(pinned),
        named=named,
    )
    return _compose(basis, tuple(rules), choice)
