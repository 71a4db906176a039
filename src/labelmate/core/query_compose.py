"""Clarification queries: composing a draft's text from its rules.

:func:`_compose` turns a :class:`~labelmate.core.query_model.DraftBasis` and the rules
in tension into a :class:`~labelmate.core.query_model.Draft`: the criteria (one
``_Group`` each) with their relevant level descriptors, the region asked about, the
measured facts (at most :data:`MAX_FACTS`, real numbers from the measurements and the
Check hints), the conflict in one sentence, the options with their consequences and
exactly one question.

Used by :func:`labelmate.core.query_draft.draft_query`, by ``Draft.with_rules`` /
``Draft.without_rule`` and by :mod:`labelmate.core.query_render` (the example draft).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from labelmate.core.metrics.base import describe_region
from labelmate.core.query_model import (
    CriterionRef,
    Draft,
    DraftBasis,
    LevelRef,
    Option,
    TensionRule,
    _rule_fact,
)
from labelmate.core.query_wording import _and, _statement, _value, item_ref
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase, Span


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
