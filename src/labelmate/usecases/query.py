"""Clarification queries: draft one from a task, lint one, turn an answer into a ruling.

The templates and the lint rules live in an editable data file (shipped:
``resources/query_templates.yaml``). ``load_query_settings`` reads and validates it —
every mistake is a :class:`~labelmate.core.errors.Problem` naming the file, line, column
and field (``lint.no-question.severity``), templates included (a syntax error, or a name
a draft does not have, found by rendering an example draft in every style).

Drafting gathers what the labeling screens show: the task's latest *mine* annotation
and its latest gold, measured with :func:`labelmate.core.metrics.measure`, the Check
hints (:func:`~labelmate.core.hints.check_hints` for images,
:func:`~labelmate.core.text_hints.text_check_hints` for text) and the project's rubric
(:class:`~labelmate.usecases.labeling.ProjectContext`), and hands them to
:func:`labelmate.core.query.draft_query`. ``draft_from_session`` is the GUI's entry (a
task open for labeling), ``draft_for_task`` the command line's.

A ruling is a project manager's answer kept with the rubric: ``answer_to_ruling`` builds
one from a draft (or a question) and the answer; ``rubric_text_with_ruling`` writes it
into rubric YAML text (``labelmate.io.rubric_file.with_rulings``), comments kept.

Exit codes of ``labelmate query lint`` follow ``labelmate prompt lint``: 0 no error
finding, 1 at least one error finding, 2 the query or the templates file could not be
used at all.
"""

from __future__ import annotations

import re
import string
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from labelmate.core.errors import (
    InputError,
    LabelmateError,
    NotFoundError,
    Problem,
)
from labelmate.core.models import AnnotationKind, Task
from labelmate.core.query import (
    LINT_RULE_IDS,
    MESSAGE_FIELDS,
    STYLE_NAMES,
    Draft,
    LintRuleSettings,
    QueryFinding,
    QueryLintRules,
    QueryTemplateError,
    QueryTemplates,
    StyleTemplate,
    compile_template,
    draft_query,
    example_draft,
    lint_query,
    render,
    rubric_names,
)
from labelmate.core.regions import Box, Choices, Rating, RegionBase, Span, TextAnswer
from labelmate.core.rubric import Rubric, Ruling
from labelmate.io.yaml_source import YamlDocument, parse_yaml
from labelmate.paths import resource_path
from labelmate.usecases.data_file import FileWords, problem, read_text, schema_problem, show

if TYPE_CHECKING:
    from labelmate.core.metrics.image_edges import GrayImage
    from labelmate.usecases.labeling import LabelingSession

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2

SETTINGS_FILE_NAME = "query_templates.yaml"
IOU_THRESHOLD = 0.5  # as the Check and the metrics use by default


class QuerySettingsError(InputError):
    """The templates file cannot be read or is invalid; ``problems`` has every mistake."""


class UnreadableQueryError(InputError):
    """The query file cannot be read (missing, a directory, not UTF-8 text)."""


@dataclass(frozen=True, slots=True)
class QuerySettings:
    """What the data file holds: the styles and the lint rules."""

    templates: QueryTemplates
    lint: QueryLintRules


# --- the data file --------------------------------------------------------------------


def shipped_settings_path() -> Path:
    return resource_path(SETTINGS_FILE_NAME)


def load_query_settings(path: Path | str | None = None) -> QuerySettings:
    """The settings in ``path`` (None: the shipped file). Raises QuerySettingsError."""
    if path is None:
        return _shipped_settings()
    path = Path(path)
    return parse_query_settings(read_text(path, "templates file", QuerySettingsError), str(path))


@lru_cache(maxsize=1)
def _shipped_settings() -> QuerySettings:
    path = shipped_settings_path()
    return parse_query_settings(read_text(path, "templates file", QuerySettingsError), str(path))


Severity3 = Literal["error", "warning", "info"]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Text = Annotated[str, StringConstraints(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Style(_Model):
    body: Text
    subject: Text | None = None
    one_paragraph: bool = False


class _Rule(_Model):
    severity: Severity3
    enabled: bool = True
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Vague(_Rule):
    phrases: list[Phrase] = Field(min_length=1)


class _ItemId(_Rule):
    words: list[Phrase] = Field(min_length=1)


class _RuleNamed(_Rule):
    criterion_words: list[Phrase] = []


class _OverLong(_Rule):
    max_words: int = Field(ge=1)


class _Lint(_Model):
    vague_without_reference: _Vague = Field(alias="vague-without-reference")
    no_item_id: _ItemId = Field(alias="no-item-id")
    no_rule_named: _RuleNamed = Field(alias="no-rule-named")
    no_question: _Rule = Field(alias="no-question")
    several_questions: _Rule = Field(alias="several-questions")
    over_long: _OverLong = Field(alias="over-long")


class _File(_Model):
    version: Literal[1]
    styles: dict[str, _Style]
    lint: _Lint


_RULE_MODELS: dict[str, type[_Model]] = {
    "vague-without-reference": _Vague,
    "no-item-id": _ItemId,
    "no-rule-named": _RuleNamed,
    "no-question": _Rule,
    "several-questions": _Rule,
    "over-long": _OverLong,
}


def parse_query_settings(text: str, source_name: str = "<templates>") -> QuerySettings:
    """Validate templates-file YAML text and build the settings. Raises QuerySettingsError."""
    doc = parse_yaml(text, source_name, error_type=QuerySettingsError)
    problems = _problems(doc)
    if problems:
        first = problems[0]
        raise QuerySettingsError(first.message, first.location, tuple(problems))
    parsed = _File.model_validate(doc.data)
    settings = _build(parsed)
    problems = _render_problems(doc, settings)
    if problems:
        first = problems[0]
        raise QuerySettingsError(first.message, first.location, tuple(problems))
    return settings


def _fields_of(path: tuple[Hashable, ...]) -> list[str]:
    if not path:
        return list(_File.model_fields)
    if path == ("lint",):
        return list(LINT_RULE_IDS)
    if len(path) == 2 and path[0] == "lint" and path[1] in _RULE_MODELS:
        return list(_RULE_MODELS[str(path[1])].model_fields)
    if len(path) == 2 and path[0] == "styles":
        return list(_Style.model_fields)
    return []


def _where(path: tuple[Hashable, ...]) -> str:
    if len(path) >= 2 and path[0] == "lint" and isinstance(path[1], str):
        return f"rule '{path[1]}': "
    if len(path) >= 2 and path[0] == "styles" and isinstance(path[1], str):
        return f"style '{path[1]}': "
    return ""


_WORDS = FileWords("lint", LINT_RULE_IDS, "the templates file", _where, _fields_of)


def _problems(doc: YamlDocument) -> list[Problem]:
    if not isinstance(doc.data, dict):
        got = "an empty file" if doc.data is None else show(doc.data)
        return [
            problem(
                doc,
                (),
                f"the templates file must be a mapping with version, styles and lint; got {got}",
            )
        ]
    try:
        parsed = _File.model_validate(doc.data)
    except ValidationError as exc:
        out = [schema_problem(doc, err, _WORDS) for err in exc.errors()]
        return sorted(out, key=lambda p: (p.location.line or 0, p.location.column or 0))
    return _meaning_problems(doc, parsed)


def _meaning_problems(doc: YamlDocument, parsed: _File) -> list[Problem]:
    """What the schema cannot see: the three styles, template syntax, message names."""
    out: list[Problem] = []
    for name in STYLE_NAMES:
        if name not in parsed.styles:
            out.append(
                problem(
                    doc,
                    ("styles",),
                    f"style '{name}' is missing; keep the styles {', '.join(STYLE_NAMES)}",
                    key=True,
                )
            )
    for name, style in parsed.styles.items():
        parts = [("body", style.body)] + ([("subject", style.subject)] if style.subject else [])
        for part, source in parts:
            bad = _syntaxproblem(source)
            if bad:
                out.append(problem(doc, ("styles", name, part), f"style '{name}': {part}: {bad}"))
    for rule_id in LINT_RULE_IDS:
        settings = getattr(parsed.lint, rule_id.replace("-", "_"))
        bad = _messageproblem(settings.message, MESSAGE_FIELDS[rule_id])
        if bad:
            out.append(problem(doc, ("lint", rule_id, "message"), f"rule '{rule_id}': {bad}"))
    return out


def _syntaxproblem(source: str) -> str:
    from jinja2 import TemplateSyntaxError

    try:
        compile_template(source)
    except TemplateSyntaxError as exc:
        return f"template line {exc.lineno}: {exc.message}"
    return ""


def _messageproblem(template: str, allowed: frozenset[str]) -> str:
    names = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"message has unbalanced braces ({exc}); write {{{{ or }}}} for a literal brace"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed:
            shown = "{" + name + "}" if name else "{}"
            return f"message uses {shown}, which this rule does not fill (it fills: {names})"
        if spec or conversion:
            return (
                f"message uses {{{name}}} with a format spec or conversion; write just {{{name}}}"
            )
    return ""


def _render_problems(doc: YamlDocument, settings: QuerySettings) -> list[Problem]:
    """Render an example draft in every style: a name a draft lacks shows up here."""
    out = []
    sample = example_draft()
    for name in settings.templates.styles:
        try:
            render(sample, name, settings.templates)
        except QueryTemplateError as exc:
            out.append(problem(doc, ("styles", name), exc.message))
    return out


def _build(parsed: _File) -> QuerySettings:
    styles = {
        name: StyleTemplate(name, s.body, s.subject, s.one_paragraph)
        for name, s in parsed.styles.items()
    }
    lint = parsed.lint

    def rule(m: _Rule, words: Iterable[str] = (), limit: int | None = None) -> LintRuleSettings:
        return LintRuleSettings(
            severity=m.severity,
            message=" ".join(m.message.split()),
            enabled=m.enabled,
            words=tuple(words),
            limit=limit,
        )

    rules = {
        "vague-without-reference": rule(
            lint.vague_without_reference, lint.vague_without_reference.phrases
        ),
        "no-item-id": rule(lint.no_item_id, lint.no_item_id.words),
        "no-rule-named": rule(lint.no_rule_named, lint.no_rule_named.criterion_words),
        "no-question": rule(lint.no_question),
        "several-questions": rule(lint.several_questions),
        "over-long": rule(lint.over_long, limit=lint.over_long.max_words),
    }
    return QuerySettings(QueryTemplates(styles), QueryLintRules(rules))


# --- lint -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryLintReport:
    """The findings for one query, ready to print or to show beside the editor."""

    source: str
    findings: list[QueryFinding] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.error_count else EXIT_OK

    @property
    def lines(self) -> list[str]:
        """``FILE: severity: message [rule]``, one per finding."""
        return [f"{self.source}: {f.severity}: {f.message} [{f.rule}]" for f in self.findings]

    def to_json(self) -> dict[str, list[dict[str, str]]]:
        """``{"findings": [{"rule", "severity", "message"}, ...]}``."""
        return {"findings": [f.as_dict() for f in self.findings]}


def lint_text(
    text: str,
    *,
    draft: Draft | None = None,
    rubric: Rubric | None = None,
    settings: QuerySettings | None = None,
    source: str = "<query>",
) -> QueryLintReport:
    """Lint a query (the editor's live check). With a draft, its item id counts as
    naming the item; with a rubric (or the draft's), its names count as naming a rule."""
    settings = settings or load_query_settings()
    if rubric is None and draft is not None and draft.basis is not None:
        rubric = draft.basis.rubric
    names: tuple[str, ...] = rubric_names(rubric) if rubric is not None else ()
    if draft is not None:
        names += tuple(c.name for c in draft.criteria) + tuple(r.metric for r in draft.rules)
    item_ids = (draft.item_id,) if draft is not None else ()
    findings = lint_query(text, settings.lint, item_ids=item_ids, names=names)
    return QueryLintReport(source, findings)


def read_query(path: Path | str) -> str:
    """The query file's text (UTF-8, a leading BOM dropped); raises UnreadableQueryError."""
    return read_text(Path(path), "query", UnreadableQueryError)


def lint_file(path: Path | str, settings: QuerySettings | None = None) -> QueryLintReport:
    """Lint a query file. Raises UnreadableQueryError when it cannot be read."""
    return lint_text(read_query(path), settings=settings, source=str(path))


# --- drafting -------------------------------------------------------------------------


def _task_text(context: Any, task: Task) -> str | None:
    """The text spans index: the value of the config's first Text-like object."""
    for obj in context.interface.objects:
        if obj.tag in ("Text", "HyperText", "Paragraphs") and obj.data_key:
            value = task.data.get(obj.data_key)
            if isinstance(value, str):
                return value
    return None


def _is_text_task(regions: Sequence[RegionBase], gold: Sequence[RegionBase] | None) -> bool:
    every = [*regions, *(gold or ())]
    text_kinds = (Span, Choices, TextAnswer, Rating)
    return bool(every) and all(isinstance(r, text_kinds) for r in every)


def _focus(
    region_id: str | None,
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase] | None,
) -> tuple[list[RegionBase], list[RegionBase] | None]:
    """With a region: that region, and the gold object it matches (none: an extra one;
    a classification region keeps the gold of its control)."""
    if region_id is None:
        return list(mine), None if gold is None else list(gold)
    region = next((r for r in mine if r.id == region_id), None)
    if region is None:
        known = ", ".join(r.id for r in mine) or "none"
        raise NotFoundError(
            f"the annotation has no region '{region_id}' (regions: {known})",
        )
    if gold is None:
        return [region], None
    if isinstance(region, Choices | TextAnswer | Rating):
        return [region], [g for g in gold if g.control == region.control]
    from labelmate.core.metrics.objects import match_all

    same = [r for r in mine if r.control == region.control and r.type == region.type]
    ref = [g for g in gold if g.control == region.control and g.type == region.type]
    at = same.index(region)
    for match in match_all(same, ref, IOU_THRESHOLD).values():
        for pair in match.pairs:
            if pair.mine == at:
                return [region], [ref[pair.gold]]
    return [region], []


def draft_from_regions(
    *,
    item_id: str,
    rubric: Rubric | None,
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase] | None,
    text: str | None = None,
    image: GrayImage | None = None,
    region_id: str | None = None,
    criteria: Iterable[str] = (),
    project: str | None = None,
) -> Draft:
    """Measure ``mine`` (against ``gold`` when there is gold), run the Check and draft."""
    from labelmate.core.hints import check_hints
    from labelmate.core.metrics import measure
    from labelmate.core.text_hints import text_check_hints

    focus_mine, focus_gold = _focus(region_id, mine, gold)
    measured = measure(focus_mine, focus_gold, text=text, image=image if gold is None else None)
    if _is_text_task(mine, gold):
        hints = text_check_hints(mine, text, gold, rubric)
    else:
        hints = check_hints(mine, gold, rubric, image=image if gold is None else None)
    return draft_query(
        item_id,
        rubric,
        measured,
        hints,
        regions=mine,
        region_id=region_id,
        criteria=criteria,
        project=project,
        text=text,
    )


def draft_from_session(
    session: LabelingSession,
    *,
    region_id: str | None = None,
    criteria: Iterable[str] = (),
    text: str | None = None,
    image: GrayImage | None = None,
) -> Draft:
    """A draft about the task open in ``session`` (the GUI's "Draft query" action).

    text: the task text the screen shows (default: read from the task data). image: the
    screen's luminance image, to estimate box snugness when there is no gold.
    """
    context = session.context
    return draft_from_regions(
        item_id=session.task.external_id,
        rubric=context.rubric,
        mine=session.regions,
        gold=session.gold,
        text=text if text is not None else _task_text(context, session.task),
        image=image,
        region_id=region_id,
        criteria=criteria,
        project=context.project.name,
    )


def _load_gray(path: Path | None) -> GrayImage | None:
    if path is None or not path.is_file():
        return None
    try:
        from PIL import Image

        from labelmate.core.metrics.image_edges import GrayImage

        with Image.open(path) as img:
            gray = img.convert("L")
            return GrayImage(gray.width, gray.height, gray.tobytes())
    except (OSError, ValueError):
        return None


def draft_for_task(
    project: str,
    task: str,
    *,
    workspace: Path | None = None,
    region_id: str | None = None,
    criteria: Iterable[str] = (),
) -> Draft:
    """A draft about the task with external id ``task`` in ``project`` (``labelmate query
    draft``). Raises NotFoundError for an unknown project, task or region, and
    UnknownCriterionError for a criterion the rubric does not have."""
    from labelmate.usecases.labeling import ProjectContext
    from labelmate.usecases.workspace import open_workspace

    with open_workspace(workspace) as ws:
        found = ws.project_by_name(project)
        if found is None or found.id is None:
            names = ", ".join(f"'{p.name}'" for p in ws.list_projects()) or "none"
            raise NotFoundError(
                f"no project '{project}' in the workspace (projects: {names})",
            )
        ids = ws.task_identities(found.id)
        if task not in ids:
            raise NotFoundError(f"project '{found.name}' has no task '{task}'")
        stored = ws.get_task(ids[task][0])
        assert stored.id is not None
        annotations = ws.annotations_for_task(stored.id)
    mine = [a for a in annotations if a.kind == AnnotationKind.MINE and not a.was_cancelled]
    gold = [a for a in annotations if a.kind == AnnotationKind.GOLD]
    context = ProjectContext.of(found)
    if context.project.rubric_yaml and context.rubric is None:
        raise LabelmateError(
            f"the rubric of project '{found.name}' has errors: {context.problems[0]}"
            if context.problems
            else f"the rubric of project '{found.name}' cannot be used"
        )
    regions = tuple(mine[-1].regions) if mine else ()
    gold_regions = tuple(gold[-1].regions) if gold else None
    image = None
    if gold_regions is None and any(isinstance(r, Box) for r in regions):
        image = _load_gray(context.media_path(stored))
    return draft_from_regions(
        item_id=stored.external_id,
        rubric=context.rubric,
        mine=regions,
        gold=gold_regions,
        text=_task_text(context, stored),
        image=image,
        region_id=region_id,
        criteria=criteria,
        project=found.name,
    )


def render_draft(draft: Draft, style: str = "short", settings: QuerySettings | None = None) -> str:
    """The draft's text in ``style`` (short, email, checklist or a style of the file)."""
    settings = settings or load_query_settings()
    return render(draft, style, settings.templates)


# --- rulings --------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40] or "ruling"


def answer_to_ruling(
    query: Draft | str,
    answer: str,
    *,
    criterion: str | None = None,
    decided_on: date | str | None = None,
    source: str | None = None,
    existing: Iterable[Ruling | str] = (),
) -> Ruling:
    """A ruling from a query and the project manager's answer.

    query: the draft (its conflict and question become the ruling's question, so the
    ruling keeps the item, the rules and the numbers it was about) or the question text.
    criterion: the criterion the ruling belongs to (default: the draft's first criterion
    that falls short, else its first criterion). decided_on: default today. existing:
    rulings (or ids) already in the rubric, so the new id is unique.
    """
    answer = " ".join(answer.split())
    if not answer:
        raise InputError("a ruling needs an answer")
    if isinstance(query, Draft):
        question = f"{query.conflict} {query.question}".strip()
        if criterion is None:
            short = [r.criterion_id for r in query.rules if r.holds is False]
            ids = short or [c.id for c in query.criteria]
            criterion = ids[0] if ids else None
        base = _slug(f"{query.item_id}-{criterion or 'query'}")
    else:
        question = " ".join(query.split())
        base = _slug(f"{criterion or 'ruling'}-{question[:30]}")
    if not question:
        raise InputError("a ruling needs the question it answers")
    taken = {r.id if isinstance(r, Ruling) else r for r in existing}
    ruling_id, n = base, 2
    while ruling_id in taken:
        ruling_id, n = f"{base}-{n}", n + 1
    if decided_on is None:
        decided_on = date.today()
    return Ruling(
        id=ruling_id,
        criterion=criterion,
        question=question,
        answer=answer,
        decided_on=decided_on.isoformat() if isinstance(decided_on, date) else decided_on,
        source=source,
    )


def rubric_text_with_ruling(yaml_text: str, ruling: Ruling, source_name: str = "<rubric>") -> str:
    """Rubric YAML text with ``ruling`` added to its ``rulings:`` (replacing a ruling
    with the same id), the rest of the text and its comments kept. Raises RubricError
    when the text is not a valid rubric, or the ruling names an unknown criterion."""
    from labelmate.io.rubric_file import parse_rubric_text, with_rulings

    loaded = parse_rubric_text(yaml_text, source_name, lint=False)
    rubric = loaded.require()
    rulings = [r for r in rubric.rulings if r.id != ruling.id] + [ruling]
    return with_rulings(yaml_text, rulings, source_name)
