"""Clarification queries: draft a rubric-referencing question, render it, lint it.

A professional never writes "I'm confused"; they write "On item #123 the object meets
the visibility threshold for 'Occluded', but its geometry violates the 'Minimum Pixels'
rule. Should I prioritise the bounding-box rules or the visibility rules?". This module
drafts that message from what Labelmate measured, and checks any message for the habits
that make a project manager write back instead of answering.

Pure: nothing here reads a file or imports Qt. The use-case
(:mod:`labelmate.usecases.query`) gathers the task's annotations, measures them and
hands in the measurements and hints; the templates and the lint word lists come from
the editable data file ``resources/query_templates.yaml``.

This module is the one other code imports from; the work is split by responsibility:

:mod:`labelmate.core.query_model`
    The draft's data model: :class:`Draft`, its parts and what it was composed from.
:mod:`labelmate.core.query_draft`
    Drafting: proposing the rules in tension, :func:`draft_query`.
:mod:`labelmate.core.query_compose`
    Composing a draft's criteria, facts, conflict, options and question from its rules.
:mod:`labelmate.core.query_wording`
    Wording helpers: numbers, bounds, lists, :func:`item_ref`.
:mod:`labelmate.core.query_render`
    Rendering: :func:`render` with a style's Jinja2 template.
:mod:`labelmate.core.query_lint`
    Lint: :func:`lint_query` and its rules (listed in that module's docstring).
"""

from __future__ import annotations

from labelmate.core.query_compose import MAX_FACTS
from labelmate.core.query_draft import UnknownCriterionError, candidate_rules, draft_query
from labelmate.core.query_lint import (
    LINT_RULE_IDS,
    MESSAGE_FIELDS,
    FindingSeverity,
    LintRuleSettings,
    QueryFinding,
    QueryLintRules,
    lint_query,
    rubric_names,
)
from labelmate.core.query_model import (
    CriterionRef,
    Draft,
    DraftBasis,
    LevelRef,
    Option,
    TensionRule,
)
from labelmate.core.query_render import (
    STYLE_NAMES,
    QueryTemplateError,
    QueryTemplates,
    StyleTemplate,
    compile_template,
    example_draft,
    render,
    template_context,
)
from labelmate.core.query_wording import item_ref

__all__ = [
    "LINT_RULE_IDS",
    "MAX_FACTS",
    "MESSAGE_FIELDS",
    "STYLE_NAMES",
    "CriterionRef",
    "Draft",
    "DraftBasis",
    "FindingSeverity",
    "LevelRef",
    "LintRuleSettings",
    "Option",
    "QueryFinding",
    "QueryLintRules",
    "QueryTemplateError",
    "QueryTemplates",
    "StyleTemplate",
    "TensionRule",
    "UnknownCriterionError",
    "candidate_rules",
    "compile_template",
    "draft_query",
    "example_draft",
    "item_ref",
    "lint_query",
    "render",
    "rubric_names",
    "template_context",
]
