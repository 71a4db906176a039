"""Clarification queries: the draft — its data model, proposing the rules in tension,
and composing the text from them.

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
be added.

Re-exported by :mod:`labelmate.core.query`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from labelmate.core.errors import InputError
from labelmate.core.hints import Hint
from labelmate.core.metric_vocabulary import METRICS
from labelmate.core.metrics.base import Measurement, Source, Value, describe_region
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase, Span
from labelmate.core.rubric import Criterion, Level, Rubric, Rule, iter_rules
from labelmate.core.rubric_engine import RubricResult, evaluate


class UnknownCriterionError(InputError):
    """A criterion named for a draft is not in the rubric."""


# --- the draft ------------------------------------------------------------------------


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
        return _compose(self._basis(), tuple(merged.values()), self.choice)

    def without_rule(self, rule: TensionRule | str) -> Draft:
        """The draft without ``rule`` (a rule or its ``key``), composed again."""
        key = rule.key if isinstance(rule, TensionRule) else rule
        if all(r.key != key for r in self.rules):
            raise KeyError(key)
        return _compose(self._basis(), tuple(r for r in self.rules if r.key != key), self.choice)

    def candidates(self) -> list[TensionRule]:
        """Every rubric rule that could be added (those not in the draft yet)."""
        basis = self._basis()
        if basis.rubric is None:
            return []
        have = {r.key for r in self.rules}
        return [r for r in candidate_rules(basis.rubric, basis.measurements) if r.key not in have]

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


# --- wording helpers ------------------------------------------------------------------


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _value(value: Value, unit: str, bounds: Sequence[float] = ()) -> str:
    """7 px, 0.72, true — more digits when rounding would make it read as a bound."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = str(value)
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        if float(text) != value and float(text) in bounds:
            text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def _bound(rule: Rule, unit: str) -> str:
    """``≤ 6 px``, ``≥ 0.5``, ``between 1 and 2 px``, ``= true``."""
    u = f" {unit}" if unit else ""
    if rule.equals is not None:
        shown = str(rule.equals).lower() if isinstance(rule.equals, bool) else rule.equals
        return f"= {shown}"
    if rule.min is not None and rule.max is not None:
        return f"between {_num(rule.min)} and {_num(rule.max)}{u}"
    if rule.max is not None:
        return f"≤ {_num(rule.max)}{u}"
    return f"≥ {_num(rule.min)}{u}"  # type: ignore[arg-type]


def _statement(text: str) -> str:
    """A piece of generated text that must not read as a question or end a sentence:
    "?" dropped (one question per message), trailing stops and spaces trimmed."""
    return " ".join(text.replace("?", "").split()).rstrip(" .;:")


def _and(items: Sequence[str], word: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def item_ref(item_id: str) -> str:
    """How a message names an item: ``item #123`` for a number, ``item pcb-002`` for an
    id without spaces, ``item "board 1.png"`` otherwise."""
    if item_id.isdigit():
        return f"item #{item_id}"
    if item_id and not any(ch.isspace() for ch in item_id) and '"' not in item_id:
        return f"item {item_id}"
    return f'item "{item_id}"'


def _unit(metric: str) -> str:
    spec = METRICS.get(metric)
    return spec.unit if spec is not None else ""


# --- proposing rules ------------------------------------------------------------------


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


# --- composing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Group:
    """The draft's view of one criterion: its reference and its rules in the draft."""

    ref: CriterionRef
    rules: tuple[TensionRule, ...]

    @property
    def violated(self) -> tuple[TensionRule, ...]:
        return tuple(r for r in self.rules if r.holds is False)

    @property
    def kind(self) -> str:
        if self.violated:
            return "violated"
        if self.rules and all(r.holds is True for r in self.rules):
            return "met"
        return "open"

    @property
    def level_name(self) -> str:
        """The level the rules in question belong to."""
        rules = self.violated or self.rules
        return rules[0].level_name if rules else (self.ref.level or "")


def _criterion_ref(basis: DraftBasis, cid: str, rules: Sequence[TensionRule]) -> CriterionRef:
    named = cid in basis.named
    if basis.rubric is not None:
        try:
            criterion = basis.rubric.criterion(cid)
        except KeyError:
            criterion = None
        if criterion is not None:
            current = None
            if basis.result is not None:
                try:
                    current = basis.result.criterion(cid)
                except KeyError:
                    current = None
            score = current.score if current is not None else None
            scores = {r.level_score for r in rules}
            if score is not None:
                scores.add(score)
            levels = [
                lv for lv in criterion.levels if not scores or not rules or lv.score in scores
            ]
            return CriterionRef(
                id=cid,
                name=criterion.name,
                level=current.level_name if current is not None else None,
                score=score,
                levels=tuple(
                    LevelRef(lv.score, basis.rubric.level_name(lv), _statement(lv.descriptor))
                    for lv in levels
                ),
                named=named,
            )
    known = next((c for c in basis.known if c.id == cid), None)
    if known is not None:
        return replace(known, named=named)
    first = rules[0]
    return CriterionRef(
        id=cid,
        name=first.criterion_name,
        levels=tuple(
            dict.fromkeys(LevelRef(r.level_score, r.level_name, r.descriptor) for r in rules)
        ),
        named=named,
    )


def _groups(basis: DraftBasis, rules: Sequence[TensionRule]) -> list[_Group]:
    order: list[str] = []
    if basis.rubric is not None:
        order = [c.id for c in basis.rubric.criteria]
    else:
        order = [c.id for c in basis.known]
    wanted = list(dict.fromkeys([*basis.pinned, *(r.criterion_id for r in rules)]))
    wanted.sort(key=lambda c: order.index(c) if c in order else len(order))
    out = []
    for cid in wanted:
        mine = tuple(r for r in rules if r.criterion_id == cid)
        if not mine and cid not in basis.pinned:
            continue
        out.append(_Group(_criterion_ref(basis, cid, mine), mine))
    return out


def _region(basis: DraftBasis, rules: Sequence[TensionRule]) -> RegionBase | None:
    by_id = {r.id: r for r in basis.regions}
    if basis.region_id is not None:
        return by_id.get(basis.region_id)
    for wanted in (False, None, True):  # a violated rule's region first
        for rule in rules:
            if rule.holds is wanted:
                for rid in rule.region_ids:
                    if rid in by_id:
                        return by_id[rid]
    return None


def _geometry_fact(region: RegionBase, text: str | None) -> str:
    name = describe_region(region)
    if isinstance(region, Box):
        w, h = region.width, region.height
        return f"{name} is {_value(w, '')} × {_value(h, '')} px = {_value(w * h, 'px²')}"
    if isinstance(region, Polygon):
        from labelmate.core.geometry import polygon_shape

        try:
            area = float(polygon_shape(region).area)
        except (ValueError, TypeError):
            return f"{name} has {len(region.points)} vertices"
        return f"{name} has {len(region.points)} vertices and an area of {_value(area, 'px²')}"
    if isinstance(region, Keypoint):
        return f"{name} is at ({_value(region.x, '')}, {_value(region.y, '')})"
    if isinstance(region, Span):
        quoted = ""
        content = (
            text[region.start : region.end]
            if text is not None and region.end <= len(text)
            else region.text
        )
        if content:
            short = " ".join(content.split())
            short = short if len(short) <= 40 else short[:39] + "…"
            quoted = f" “{short}”"
        return f"{name}{quoted} covers characters {region.start}–{region.end}"
    return ""


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


def _hint_facts(
    basis: DraftBasis, groups: Sequence[_Group], rules: Sequence[TensionRule]
) -> list[str]:
    ids = {g.ref.id for g in groups}
    out = []
    for hint in basis.hints:
        if hint.kind == "level":
            continue
        if basis.region_id is not None and basis.region_id not in hint.region_ids:
            continue
        if hint.criterion_id is not None and hint.criterion_id not in ids:
            continue
        if hint.criterion_id is None and not rules:
            continue
        out.append(_statement(hint.message.split(" → ")[0]))
    return out


MAX_FACTS = 6


def _measures(rules: Sequence[TensionRule]) -> str:
    """``box.max_outside_px = 7 px, needs ≤ 6 px``."""
    return "; ".join(
        f"{r.measured}, needs {r.bound}" if r.holds is False else r.rule for r in rules
    )


def _rules_text(rules: Sequence[TensionRule]) -> str:
    return _and([r.rule for r in rules])


def _compose(basis: DraftBasis, rules: tuple[TensionRule, ...], choice: int | None) -> Draft:
    groups = _groups(basis, rules)
    region = _region(basis, rules)
    item = item_ref(basis.item_id)
    if region is not None:
        target, short = describe_region(region), f"{region.type} {region.id}"
    elif basis.target is not None:
        target = basis.target
        short = target.split(" (")[0]
    elif basis.region_id is not None:
        target = short = f"region {basis.region_id}"
    else:
        target = short = "my annotation"

    facts: list[str] = []
    if region is not None:
        facts.append(_geometry_fact(region, basis.text))
    from_rules = [_statement(_rule_fact(r)) for r in rules]
    if basis.facts:  # a read-back draft: keep its facts, follow only the rules' own
        facts += [f for f in basis.facts if f not in basis.rule_facts or f in from_rules]
    facts += from_rules
    facts += _hint_facts(basis, groups, rules)
    facts = [f for f in dict.fromkeys(_statement(f) for f in facts) if f][:MAX_FACTS]

    violated = [g for g in groups if g.kind == "violated"]
    met = [g for g in groups if g.kind == "met"]
    open_ = [g for g in groups if g.kind == "open"]

    conflict = _conflict(item, target, violated, met, open_)
    options = _options(short, violated, met, open_)
    question = _question(item, short, violated, met, open_, basis)
    if choice is not None and not 0 <= choice < len(options):
        choice = 0 if options else None
    rubric = basis.rubric
    return Draft(
        item_id=basis.item_id,
        region_id=basis.region_id
        if basis.region_id is not None
        else (region.id if region else None),
        target=target,
        project=basis.project,
        rubric_id=rubric.id if rubric is not None else basis.rubric_id,
        rubric_title=rubric.title if rubric is not None else basis.rubric_title,
        criteria=tuple(g.ref for g in groups),
        rules=rules,
        facts=tuple(facts),
        conflict=conflict,
        options=tuple(options),
        choice=choice,
        question=question,
        basis=basis,
    )


def _met_phrase(g: _Group) -> str:
    return f"{g.ref.name} '{g.level_name}' ({_rules_text(g.rules)})"


def _violated_phrase(g: _Group) -> str:
    return f"{g.ref.name} '{g.level_name}' ({_measures(g.violated)})"


def _open_phrase(g: _Group) -> str:
    if g.rules:
        return f"{g.ref.name} could not be measured ({_rules_text(g.rules)})"
    return f"{g.ref.name} is scored by hand"


def _conflict(
    item: str, target: str, violated: list[_Group], met: list[_Group], open_: list[_Group]
) -> str:
    """One sentence: what the target meets, what it falls short of, what is undecided."""
    clauses = []
    if met:
        clauses.append("meets " + _and([_met_phrase(g) for g in met]))
    if violated:
        clause = "falls short of " + _and([_violated_phrase(g) for g in violated])
        now = [f"'{g.ref.level}'" for g in violated if g.ref.level]
        if len(violated) == 1 and now:
            clause += f", which makes it {now[0]}"
        clauses.append(clause)
    if not clauses:
        clauses = ["is not decided by the rules" if open_ else "meets every rule I checked"]
    body = " but ".join(clauses)
    if open_:
        body += ", while " + _and([_open_phrase(g) for g in open_])
    return _statement(f"On {item}, {target} {body}") + "."


def _options(
    short: str, violated: list[_Group], met: list[_Group], open_: list[_Group]
) -> list[Option]:
    others = met + open_
    keep_text = f"Keep {short} as it is"
    if violated and others:
        keep_text = f"Prioritise {_and([g.ref.name for g in others])}: keep {short} as it is"
    keep_parts = [f"{g.ref.name} stays '{g.level_name}'" for g in met]
    keep_parts += [
        f"{g.ref.name} stays '{g.ref.level}' ({_rules_text(g.violated)} not met)"
        if g.ref.level
        else f"{g.ref.name}: {_rules_text(g.violated)} not met"
        for g in violated
    ]
    if not violated and not met and open_:
        return [
            Option(f"Score {short} '{lv.name}' on {g.ref.name}", _statement(lv.descriptor))
            for g in open_[:1]
            for lv in g.ref.levels
        ] or [Option(keep_text, "the scores stay as they are")]
    options = [Option(keep_text, "; ".join(keep_parts) or "the scores stay as they are")]
    for g in violated:
        text = f"Change {short} until {_rules_text(g.violated)}"
        if others or len(violated) > 1:
            text = f"Prioritise {g.ref.name}: change {short} until {_rules_text(g.violated)}"
        parts = [f"{g.ref.name} reaches '{g.level_name}'"]
        parts += [f"{o.ref.name} must still meet {_rules_text(o.rules)}" for o in met]
        options.append(Option(text, "; ".join(parts)))
    if not violated and met:
        options.append(
            Option(
                f"Change {short}",
                "; ".join(f"{g.ref.name} may drop below '{g.level_name}'" for g in met),
            )
        )
    return options


def _question(
    item: str,
    short: str,
    violated: list[_Group],
    met: list[_Group],
    open_: list[_Group],
    basis: DraftBasis,
) -> str:
    """Exactly one question, answerable in a word."""
    groups = violated + met + open_
    names = [g.ref.name for g in groups]
    if len(groups) == 2:
        return f"Should I prioritise the {names[0]} rules or the {names[1]} rules?"
    if len(groups) > 2:
        return f"Which criterion should I prioritise on {item}: {_and(names, 'or')}?"
    if violated:
        g = violated[0]
        return f"Should I keep {short} as it is, or change it until {_rules_text(g.violated)}?"
    if met:
        g = met[0]
        return f"Does {short} meet {g.ref.name} '{g.level_name}' as it is?"
    if open_:
        g = open_[0]
        levels = [f"'{lv.name}'" for lv in g.ref.levels]
        if levels:
            return f"Which {g.ref.name} level applies to {short}: {_and(levels, 'or')}?"
        return f"Which {g.ref.name} level applies to {short}?"
    title = basis.rubric.title if basis.rubric is not None else basis.rubric_title
    if title is None:
        return f"Is {short} on {item} right as it is under the rubric?"
    return f"Is {short} on {item} right as it is under '{_statement(title)}'?"
