"""`labelmate prompt lint FILE`: the system-prompt linter's rules file, and linting a file.

The rules live in an editable data file (shipped: ``resources/prompt_lint.yaml``).
``load_lint_rules`` reads and validates it — every mistake is a :class:`Problem` naming
the file, line, column and field (``rules.no-role.severity``) — and builds the
:class:`~labelmate.core.prompt_lint.LintRules` the pure linter takes. ``lint_file`` and
``lint_text`` return a :class:`LintReport` the CLI prints and the prompt editor shows.

Exit codes follow ``labelmate rubric check``: 0 no error finding (warnings and info
allowed), 1 at least one error finding, 2 the prompt or the rules file could not be
used at all — a usage problem rather than a prompt problem.
"""

from __future__ import annotations

import string
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from labelmate.core.errors import InputError, Problem
from labelmate.core.prompt_lint import (
    MESSAGE_FIELDS,
    RULE_IDS,
    AcronymRule,
    ConflictPair,
    ConflictRule,
    ExamplesRule,
    Finding,
    LintRules,
    OverlongRule,
    PresenceRule,
    VagueRule,
    lint_prompt,
)
from labelmate.io.yaml_source import YamlDocument, parse_yaml
from labelmate.paths import resource_path
from labelmate.usecases.data_file import FileWords, problem, read_text, schema_problem, show

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2

RULES_FILE_NAME = "prompt_lint.yaml"


class PromptRulesError(InputError):
    """The linter's rules file cannot be read or is invalid; ``problems`` has every mistake."""


class UnreadablePromptError(InputError):
    """The prompt file cannot be read (missing, a directory, not UTF-8 text)."""


# --- the report ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LintReport:
    """The findings for one prompt, ready to print or to show beside the editor."""

    source: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.error_count else EXIT_OK

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def lines(self) -> list[str]:
        """``FILE:LINE:COL: severity: message [rule]``, one per finding, in line order."""
        return [
            f"{self.source}:{f.line}:{f.column}: {f.severity}: {f.message} [{f.rule}]"
            for f in self.findings
        ]

    def to_json(self) -> dict[str, list[dict[str, str | int]]]:
        """``{"findings": [{"rule", "severity", "message", "line"}, ...]}``."""
        return {"findings": [f.as_dict() for f in self.findings]}


def read_prompt(path: Path | str) -> str:
    """The prompt file's text (UTF-8, a leading BOM dropped); raises UnreadablePromptError."""
    return read_text(Path(path), "prompt", UnreadablePromptError)


def lint_text(text: str, rules: LintRules | None = None, source: str = "<prompt>") -> LintReport:
    """Lint prompt text (the editor's live linter); ``rules`` defaults to the shipped ones."""
    return LintReport(source, lint_prompt(text, rules or load_lint_rules()))


def lint_file(path: Path | str, rules: LintRules | None = None) -> LintReport:
    """Lint a prompt file. Raises UnreadablePromptError when it cannot be read."""
    return lint_text(read_prompt(path), rules, str(path))


# --- the rules file -----------------------------------------------------------------


def shipped_rules_path() -> Path:
    return resource_path(RULES_FILE_NAME)


def load_lint_rules(path: Path | str | None = None) -> LintRules:
    """The rules in ``path`` (None: the shipped file). Raises PromptRulesError."""
    if path is None:
        return _shipped_rules()
    path = Path(path)
    return parse_lint_rules(read_text(path, "rules file", PromptRulesError), str(path))


@lru_cache(maxsize=1)
def _shipped_rules() -> LintRules:
    path = shipped_rules_path()
    return parse_lint_rules(read_text(path, "rules file", PromptRulesError), str(path))


# The schema. Strict: YAML already gives booleans and numbers their types, so a string
# where a number belongs is a mistake to report, not to convert.

Severity3 = Literal["error", "warning", "info"]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Settings(_Model):
    severity: Severity3
    enabled: bool = True
    message: Message


class _Presence(_Settings):
    phrases: list[Phrase] = Field(min_length=1)


class _Vague(_Settings):
    phrases: list[Phrase] = Field(min_length=1)
    concrete_words: list[Phrase] = []


class _Examples(_Model):
    severity: Severity3
    enabled: bool = True
    min_examples: int = Field(ge=0)
    max_examples: int = Field(ge=0)
    message_too_few: Message
    message_too_many: Message
    input_labels: list[Phrase] = Field(min_length=1)
    output_labels: list[Phrase] = Field(min_length=1)


class _Pair(_Model):
    one: list[Phrase] = Field(min_length=1)
    other: list[Phrase] = Field(min_length=1)


class _Conflicts(_Settings):
    pairs: list[_Pair]
    condition_words: list[Phrase] = []
    negations: list[Phrase] = []


class _Overlong(_Settings):
    max_instructions: int = Field(ge=1)
    max_chars: int = Field(ge=1)


class _Acronyms(_Settings):
    allowed: list[Phrase] = []
    definitions: list[Phrase] = Field(min_length=1)


class _Rules(_Model):
    vague_instruction: _Vague = Field(alias="vague-instruction")
    no_role: _Presence = Field(alias="no-role")
    no_tone: _Presence = Field(alias="no-tone")
    no_output_format: _Presence = Field(alias="no-output-format")
    no_edge_case_handling: _Presence = Field(alias="no-edge-case-handling")
    examples_count: _Examples = Field(alias="examples-count")
    conflicting_instructions: _Conflicts = Field(alias="conflicting-instructions")
    overlong: _Overlong
    undefined_acronym: _Acronyms = Field(alias="undefined-acronym")


class _RulesFile(_Model):
    version: Literal[1]
    rules: _Rules


_MODELS: dict[str, type[_Model]] = {
    "vague-instruction": _Vague,
    "no-role": _Presence,
    "no-tone": _Presence,
    "no-output-format": _Presence,
    "no-edge-case-handling": _Presence,
    "examples-count": _Examples,
    "conflicting-instructions": _Conflicts,
    "overlong": _Overlong,
    "undefined-acronym": _Acronyms,
}


def parse_lint_rules(text: str, source_name: str = "<rules>") -> LintRules:
    """Validate rules-file YAML text and build the rules. Raises PromptRulesError."""
    doc = parse_yaml(text, source_name, error_type=PromptRulesError)
    problems = _problems(doc)
    if problems:
        first = problems[0]
        raise PromptRulesError(first.message, first.location, tuple(problems))
    parsed = _RulesFile.model_validate(doc.data)
    return _build(parsed.rules)


def _problems(doc: YamlDocument) -> list[Problem]:
    if not isinstance(doc.data, dict):
        got = "an empty file" if doc.data is None else show(doc.data)
        return [
            problem(doc, (), f"the rules file must be a mapping with version and rules; got {got}")
        ]
    try:
        parsed = _RulesFile.model_validate(doc.data)
    except ValidationError as exc:
        out = [schema_problem(doc, err, _WORDS) for err in exc.errors()]
        return sorted(out, key=lambda p: (p.location.line or 0, p.location.column or 0))
    return _meaning_problems(doc, parsed.rules)


def _where(path: tuple[Hashable, ...]) -> str:
    """ "rule 'no-role': " — how a message names the rule it is about."""
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], str):
        return f"rule '{path[1]}': "
    return ""


def _fields_of(path: tuple[Hashable, ...]) -> list[str]:
    if not path:
        return list(_RulesFile.model_fields)
    if path == ("rules",):
        return list(RULE_IDS)
    if len(path) >= 2 and path[0] == "rules" and path[1] in _MODELS:
        if len(path) == 2:
            return list(_MODELS[str(path[1])].model_fields)
        if path[2] == "pairs":
            return list(_Pair.model_fields)
    return []


_WORDS = FileWords("rules", RULE_IDS, "the rules file", _where, _fields_of)


def _meaning_problems(doc: YamlDocument, rules: _Rules) -> list[Problem]:
    """What the schema cannot see: message names, example bounds, definition patterns."""
    out: list[Problem] = []
    for rule_id in RULE_IDS:
        settings = getattr(rules, rule_id.replace("-", "_"))
        for (owner, field_name), allowed in MESSAGE_FIELDS.items():
            if owner != rule_id:
                continue
            template = getattr(settings, field_name)
            bad = _templateproblem(template, allowed)
            if bad:
                out.append(problem(doc, ("rules", rule_id, field_name), f"rule '{rule_id}': {bad}"))
    ex = rules.examples_count
    if ex.min_examples > ex.max_examples:
        out.append(
            problem(
                doc,
                ("rules", "examples-count", "min_examples"),
                f"rule 'examples-count': min_examples ({ex.min_examples}) is more than "
                f"max_examples ({ex.max_examples})",
            )
        )
    for i, template in enumerate(rules.undefined_acronym.definitions):
        if template.count("{acronym}") != 1:
            out.append(
                problem(
                    doc,
                    ("rules", "undefined-acronym", "definitions", i),
                    f"rule 'undefined-acronym': definition {template!r} must contain "
                    "{acronym} exactly once",
                )
            )
    return out


def _templateproblem(template: str, allowed: frozenset[str]) -> str:
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


def _t(items: list[str]) -> tuple[str, ...]:
    return tuple(items)


def _build(r: _Rules) -> LintRules:
    def presence(m: _Presence) -> PresenceRule:
        return PresenceRule(
            severity=m.severity, enabled=m.enabled, message=m.message, phrases=_t(m.phrases)
        )

    v, ex, c, o, a = (
        r.vague_instruction,
        r.examples_count,
        r.conflicting_instructions,
        r.overlong,
        r.undefined_acronym,
    )
    return LintRules(
        vague_instruction=VagueRule(
            severity=v.severity,
            enabled=v.enabled,
            message=v.message,
            phrases=_t(v.phrases),
            concrete_words=_t(v.concrete_words),
        ),
        no_role=presence(r.no_role),
        no_tone=presence(r.no_tone),
        no_output_format=presence(r.no_output_format),
        no_edge_case_handling=presence(r.no_edge_case_handling),
        examples_count=ExamplesRule(
            severity=ex.severity,
            enabled=ex.enabled,
            min_examples=ex.min_examples,
            max_examples=ex.max_examples,
            message_too_few=ex.message_too_few,
            message_too_many=ex.message_too_many,
            input_labels=_t(ex.input_labels),
            output_labels=_t(ex.output_labels),
        ),
        conflicting_instructions=ConflictRule(
            severity=c.severity,
            enabled=c.enabled,
            message=c.message,
            pairs=tuple(ConflictPair(one=_t(p.one), other=_t(p.other)) for p in c.pairs),
            condition_words=_t(c.condition_words),
            negations=_t(c.negations),
        ),
        overlong=OverlongRule(
            severity=o.severity,
            enabled=o.enabled,
            message=o.message,
            max_instructions=o.max_instructions,
            max_chars=o.max_chars,
        ),
        undefined_acronym=AcronymRule(
            severity=a.severity,
            enabled=a.enabled,
            message=a.message,
            allowed=_t(a.allowed),
            definitions=_t(a.definitions),
        ),
    )
