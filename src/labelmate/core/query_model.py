"""Clarification queries: the draft's data model.

:class:`Draft` (a clarification query, ready to render) and its parts —
:class:`LevelRef`, :class:`CriterionRef`, :class:`TensionRule` (a rule in tension,
with what was measured for it), :class:`Option` — plus :class:`DraftBasis`, what a
draft was composed from. Every field is plain data; ``Draft.to_dict`` /
``Draft.from_dict`` are the JSON of ``labelmate query draft --json`` and of the query
log.

``Draft.with_rules`` / ``Draft.without_rule`` compose the draft again
(:mod:`labelmate.core.query_compose`) and ``Draft.candidates`` lists the rules that
could be added (:mod:`labelmate.core.query_draft`). Those modules build on this one,
so the three methods import them when called, not at import time.

Re-exported by :mod:`labelmate.core.query_draft` and :mod:`labelmate.core.query`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from labelmate.core.hints import Hint
from labelmate.core.metrics.base import Measurement, Source, Value
from labelmate.core.query_wording import _statement, _value, item_ref
from labelmate.core.regions import RegionBase
from labelmate.core.rubric import Rubric
from labelmate.core.rubric import format_number as _num
from labelmate.core.rubric_engine import RubricResult


@dataclass(frozen=True, slots=True)
class LevelRef:
    """A performance level as the query quotes it."""

    score: float
    name: str
    descriptor: str


@dataclass(frozen=True, slots=True)
class CriterionRef:
    """A criterion the query is about, with the level descriptors that matter to it."""

    id: str
    name: str
    level: str | None = None  # the level the annotation gets now, if decided
    score: float | None = None
    levels: tuple[LevelRef, ...] = ()
    named: bool = False  # the user asked for it (``--criteria``)


@dataclass(frozen=True, slots=True)
class TensionRule:
    """One rubric rule in tension, with what was measured for it.

    ``rule`` is the rule as the rubric states it (``box.max_outside_px ≤ 6``), ``bound``
    its test with the unit (``≤ 6 px``); ``holds`` is None when the metric was not
    measured.
    """

    criterion_id: str
    criterion_name: str
    level_score: float
    level_name: str
    descriptor: str
    rule: str
    metric: str
    bound: str
    value: Value | None = None
    holds: bool | None = None
    unit: str = ""
    source: Source | None = None
    detail: str = ""
    region_ids: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Identity within a draft: criterion, level and rule."""
        return f"{self.criterion_id}:{_num(self.level_score)}:{self.rule}"

    @property
    def label(self) -> str:
        """``Precision (Geometry) 'Acceptable': box.max_outside_px ≤ 6``."""
        return f"{self.criterion_name} '{self.level_name}': {self.rule}"

    @property
    def value_text(self) -> str:
        """``7 px``, ``0.72``, ``true``; ``not measured``."""
        if self.value is None:
            return "not measured"
        return _value(self.value, self.unit, self._bounds())

    @property
    def measured(self) -> str:
        """``box.max_outside_px = 7 px``."""
        return f"{self.metric} = {self.value_text}"

    def _bounds(self) -> tuple[float, ...]:
        return tuple(float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", self.bound))

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion_id,
            "criterion_name": self.criterion_name,
            "level": self.level_name,
            "level_score": self.level_score,
            "descriptor": self.descriptor,
            "rule": self.rule,
            "metric": self.metric,
            "bound": self.bound,
            "value": self.value,
            "unit": self.unit,
            "holds": self.holds,
            "source": self.source,
            "detail": self.detail,
            "region_ids": list(self.region_ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TensionRule:
        return cls(
            criterion_id=data["criterion"],
            criterion_name=data["criterion_name"],
            level_score=data["level_score"],
            level_name=data["level"],
            descriptor=data.get("descriptor", ""),
            rule=data["rule"],
            metric=data["metric"],
            bound=data.get("bound", ""),
            value=data.get("value"),
            holds=data.get("holds"),
            unit=data.get("unit", ""),
            source=data.get("source"),
            detail=data.get("detail", ""),
            region_ids=tuple(data.get("region_ids", ())),
        )


def _rule_fact(rule: TensionRule) -> str:
    where = rule.detail or rule.measured
    at = f"{rule.criterion_name} '{rule.level_name}'"
    if rule.holds is None:
        return f"{rule.metric} was not measured ({at} needs {rule.rule})"
    if rule.holds:
        return f"{where}: meets {at} ({rule.rule})"
    numeric = isinstance(rule.value, int | float) and not isinstance(rule.value, bool)
    if numeric and rule.bound.startswith("≤"):
        return f"{where}, above the {rule.bound[2:]} that {at} allows ({rule.rule})"
    if numeric and rule.bound.startswith("≥"):
        return f"{where}, below the {rule.bound[2:]} that {at} needs ({rule.rule})"
    return f"{where}: {rule.measured}, but {at} needs {rule.rule}"


@dataclass(frozen=True, slots=True)
class Option:
    """One way to resolve the conflict, and what it means for the scores."""

    text: str  # "Keep box m1 as it is"
    consequence: str  # "Precision (Geometry) stays 'Needs Re-Annotation' …"


@dataclass(frozen=True)
class DraftBasis:
    """What a draft was composed from, kept so rules can be added or removed later.

    Not part of a draft's JSON: a draft read back from a log has no basis beyond its
    own fields, and composing it again uses those.
    """

    item_id: str
    region_id: str | None = None
    project: str | None = None
    rubric: Rubric | None = None
    result: RubricResult | None = None
    measurements: Mapping[str, Measurement] = field(default_factory=dict)
    hints: tuple[Hint, ...] = ()
    regions: tuple[RegionBase, ...] = ()  # the user's regions
    text: str | None = None  # the task text spans index, for quoting them
    pinned: tuple[str, ...] = ()  # criterion ids kept even without a rule
    named: tuple[str, ...] = ()  # criterion ids the user named
    known: tuple[CriterionRef, ...] = ()  # criteria when there is no rubric (a read-back draft)
    target: str | None = None  # how the region was named, for a read-back draft
    rubric_id: str | None = None  # for a read-back draft (no rubric object)
    rubric_title: str | None = None
    facts: tuple[str, ...] = ()  # a read-back draft's facts, in their order
    rule_facts: frozenset[str] = frozenset()  # those of them its rules gave


@dataclass(frozen=True)
class Draft:
    """A clarification query, ready to render in any style.

    Every field is plain data (``to_dict`` gives the JSON of ``labelmate query draft
    --json``), so a query-log entry can be made from a draft and read back with
    ``Draft.from_dict``. ``choice`` is the index of the proposed option, or None.
    """

    item_id: str
    conflict: str
    question: str
    region_id: str | None = None
    target: str = "my annotation"  # how the text names what is asked about
    project: str | None = None
    rubric_id: str | None = None
    rubric_title: str | None = None
    criteria: tuple[CriterionRef, ...] = ()
    rules: tuple[TensionRule, ...] = ()
    facts: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    choice: int | None = 0
    basis: DraftBasis | None = field(default=None, compare=False, repr=False)

    @property
    def proposal(self) -> Option | None:
        """The option the user proposes, if any."""
        if self.choice is None or not 0 <= self.choice < len(self.options):
            return None
        return self.options[self.choice]

    @property
    def item(self) -> str:
        """How the text names the item: ``item pcb-002``, ``item #123``."""
        return item_ref(self.item_id)

    def with_choice(self, choice: int | None) -> Draft:
        """The same draft proposing option ``choice`` (None: no proposal)."""
        if choice is not None and not 0 <= choice < len(self.options):
            raise IndexError(f"option {choice} out of range (0–{len(self.options) - 1})")
        return replace(self, choice=choice)

    def with_rules(self, *rules: TensionRule) -> Draft:
        """The draft with ``rules`` added (a rule already there is kept once), composed
        again: criteria, facts, conflict, options and question follow the rules."""
        merged = {r.key: r for r in self.rules}
        for rule in rules:
            merged.setdefault(rule.key, rule)
        return self._recompose(tuple(merged.values()))

    def without_rule(self, rule: TensionRule | str) -> Draft:
        """The draft without ``rule`` (a rule or its ``key``), composed again."""
        key = rule.key if isinstance(rule, TensionRule) else rule
        if all(r.key != key for r in self.rules):
            raise KeyError(key)
        return self._recompose(tuple(r for r in self.rules if r.key != key))

    def candidates(self) -> list[TensionRule]:
        """Every rubric rule that could be added (those not in the draft yet)."""
        # Deferred: proposing (query_draft) builds on this module.
        from labelmate.core.query_draft import candidate_rules

        basis = self._basis()
        if basis.rubric is None:
            return []
        have = {r.key for r in self.rules}
        return [r for r in candidate_rules(basis.rubric, basis.measurements) if r.key not in have]

    def _recompose(self, rules: tuple[TensionRule, ...]) -> Draft:
        # Deferred: composing (query_compose) builds drafts, so it imports this module.
        from labelmate.core.query_compose import _compose

        return _compose(self._basis(), rules, self.choice)

    def _basis(self) -> DraftBasis:
        if self.basis is not None:
            return self.basis
        ruled = {r.criterion_id for r in self.rules}
        from_rules = {_statement(_rule_fact(r)) for r in self.rules}
        return DraftBasis(
            item_id=self.item_id,
            region_id=self.region_id,
            project=self.project,
            named=tuple(c.id for c in self.criteria if c.named),
            pinned=tuple(c.id for c in self.criteria if c.id not in ruled),
            known=self.criteria,
            target=self.target,
            rubric_id=self.rubric_id,
            rubric_title=self.rubric_title,
            facts=self.facts,
            rule_facts=frozenset(from_rules),
        )

    def to_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready values (``basis`` left out)."""
        return {
            "item_id": self.item_id,
            "region_id": self.region_id,
            "target": self.target,
            "project": self.project,
            "rubric_id": self.rubric_id,
            "rubric_title": self.rubric_title,
            "criteria": [
                {
                    "id": c.id,
                    "name": c.name,
                    "level": c.level,
                    "score": c.score,
                    "named": c.named,
                    "levels": [
                        {"score": lv.score, "name": lv.name, "descriptor": lv.descriptor}
                        for lv in c.levels
                    ],
                }
                for c in self.criteria
            ],
            "rules": [r.as_dict() for r in self.rules],
            "facts": list(self.facts),
            "conflict": self.conflict,
            "options": [{"text": o.text, "consequence": o.consequence} for o in self.options],
            "choice": self.choice,
            "question": self.question,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Draft:
        """A draft from ``to_dict`` output (e.g. a query-log entry)."""
        return cls(
            item_id=data["item_id"],
            conflict=data["conflict"],
            question=data["question"],
            region_id=data.get("region_id"),
            target=data.get("target", "my annotation"),
            project=data.get("project"),
            rubric_id=data.get("rubric_id"),
            rubric_title=data.get("rubric_title"),
            criteria=tuple(
                CriterionRef(
                    id=c["id"],
                    name=c["name"],
                    level=c.get("level"),
                    score=c.get("score"),
                    named=c.get("named", False),
                    levels=tuple(
                        LevelRef(lv["score"], lv["name"], lv["descriptor"])
                        for lv in c.get("levels", ())
                    ),
                )
                for c in data.get("criteria", ())
            ),
            rules=tuple(TensionRule.from_dict(r) for r in data.get("rules", ())),
            facts=tuple(data.get("facts", ())),
            options=tuple(Option(o["text"], o["consequence"]) for o in data.get("options", ())),
            choice=data.get("choice"),
        )
