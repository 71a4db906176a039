"""Clarification queries: rendering a :class:`~labelmate.core.query_model.Draft` with a
style's Jinja2 template.

:func:`render` fills a style's Jinja2 template (sandboxed, autoescape *off*: the
output is plain text for a chat, an e-mail or a checklist, never HTML). Styles
``short`` (one paragraph), ``email`` (a ``Subject:`` line, a blank line, the body)
and ``checklist``; the names templates may use are listed in
:func:`template_context`.

Re-exported by :mod:`labelmate.core.query`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from labelmate.core.errors import InputError
from labelmate.core.query_compose import _compose, _rules_text
from labelmate.core.query_model import (
    CriterionRef,
    Draft,
    DraftBasis,
    LevelRef,
    TensionRule,
)

STYLE_NAMES = ("short", "email", "checklist")


class QueryTemplateError(InputError):
    """A style's template cannot be rendered (unknown style, a name it does not fill)."""


# --- rendering ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StyleTemplate:
    """One style: a Jinja2 body, an optional subject line, and whether to join lines."""

    name: str
    body: str
    subject: str | None = None
    one_paragraph: bool = False


@dataclass(frozen=True, slots=True)
class QueryTemplates:
    """The styles a draft can be rendered in, by name."""

    styles: Mapping[str, StyleTemplate]

    def style(self, name: str) -> StyleTemplate:
        try:
            return self.styles[name]
        except KeyError:
            known = ", ".join(self.styles)
            raise QueryTemplateError(f"unknown style '{name}' (styles: {known})") from None


def template_context(draft: Draft) -> dict[str, Any]:
    """The names a template may use.

    item ("item pcb-002"), item_id, region_id, target ("box m1 (Solder Bridge)"),
    project, rubric_id, rubric_title, criteria (id, name, level, score, levels with
    score/name/descriptor), rules (criterion_name, level_name, descriptor, rule, bound,
    measured, value_text, label, holds), rule_groups (the rules of one criterion level
    together: criterion_name, level_name, descriptor, rules, label), facts, conflict,
    options (text, consequence),
    choice (the proposed option or None), choice_number (1-based or None), question,
    topic ("Precision (Geometry) vs Completeness", "the Precision (Geometry) rule").
    """
    proposal = draft.proposal
    names = [c.name for c in draft.criteria]
    groups: dict[tuple[str, float], list[TensionRule]] = {}
    for rule in draft.rules:
        groups.setdefault((rule.criterion_id, rule.level_score), []).append(rule)
    rule_groups = [
        {
            "criterion_name": rules[0].criterion_name,
            "level_name": rules[0].level_name,
            "descriptor": rules[0].descriptor,
            "rules": _rules_text(rules),
            "label": f"{rules[0].criterion_name} '{rules[0].level_name}': {_rules_text(rules)}",
        }
        for rules in groups.values()
    ]
    return {
        "item": draft.item,
        "item_id": draft.item_id,
        "region_id": draft.region_id,
        "target": draft.target,
        "project": draft.project,
        "rubric_id": draft.rubric_id,
        "rubric_title": draft.rubric_title,
        "criteria": list(draft.criteria),
        "rules": list(draft.rules),
        "rule_groups": rule_groups,
        "facts": list(draft.facts),
        "conflict": draft.conflict,
        "options": list(draft.options),
        "choice": proposal,
        "choice_number": None if proposal is None else (draft.choice or 0) + 1,
        "question": draft.question,
        "topic": " vs ".join(names)
        if len(names) > 1
        else f"the {names[0]} rule"
        if names
        else "a rubric question",
    }


@lru_cache(maxsize=64)
def _compiled(source: str) -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        autoescape=False,  # plain text: a chat message, an e-mail, a checklist
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return env.from_string(source)


def compile_template(source: str) -> None:
    """Raise jinja2's ``TemplateSyntaxError`` if ``source`` is not a valid template."""
    _compiled(source)


def _fill(source: str, context: Mapping[str, Any], style: str, part: str) -> str:
    from jinja2 import TemplateError

    try:
        return _compiled(source).render(**context)
    except TemplateError as exc:
        raise QueryTemplateError(
            f"style '{style}': the {part} template failed: {exc}",
        ) from None


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return out.strip("\n")


def render(draft: Draft, style: str, templates: QueryTemplates) -> str:
    """The draft as plain text in ``style``.

    ``email`` (any style with a subject) is ``Subject: …``, a blank line and the body;
    a ``one_paragraph`` style has its whitespace collapsed to single spaces. Raises
    :class:`QueryTemplateError` for an unknown style or a template that fails.
    """
    spec = templates.style(style)
    context = template_context(draft)
    body = _fill(spec.body, context, style, "body")
    body = " ".join(body.split()) if spec.one_paragraph else _tidy(body)
    if spec.subject is None:
        return body
    subject = " ".join(_fill(spec.subject, context, style, "subject").split())
    return f"Subject: {subject}\n\n{body}"


def example_draft() -> Draft:
    """A small, complete draft (no rubric needed): for previews and for checking that
    edited templates render."""
    rule = TensionRule(
        criterion_id="precision",
        criterion_name="Precision (Geometry)",
        level_score=3,
        level_name="Acceptable",
        descriptor="Every edge within 6 px outside the outline",
        rule="box.max_outside_px ≤ 6",
        metric="box.max_outside_px",
        bound="≤ 6 px",
        value=7.0,
        holds=False,
        unit="px",
        source="gold",
        detail="box r1 (Scratch): left edge 7 px outside gold g1",
        region_ids=("r1", "g1"),
    )
    known = CriterionRef(
        id="precision",
        name="Precision (Geometry)",
        level="Needs Re-Annotation",
        score=1,
        levels=(
            LevelRef(3, "Acceptable", "Every edge within 6 px outside the outline"),
            LevelRef(1, "Needs Re-Annotation", "An edge lies more than 6 px outside"),
        ),
    )
    basis = DraftBasis(item_id="123", known=(known,), target="box r1 (Scratch)")
    return _compose(basis, (rule,), 0)
