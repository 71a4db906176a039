"""The prompt linter's vocabulary: rule ids, message fields, findings and rule settings.

Plain frozen dataclasses, built from ``resources/prompt_lint.yaml`` by
:mod:`labelmate.usecases.prompt_lint` and read by :mod:`labelmate.core.prompt_lint`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FindingSeverity = Literal["error", "warning", "info"]
SEVERITIES: tuple[FindingSeverity, ...] = ("error", "warning", "info")

RULE_IDS = (
    "vague-instruction",
    "no-role",
    "no-tone",
    "no-output-format",
    "no-edge-case-handling",
    "examples-count",
    "conflicting-instructions",
    "overlong",
    "undefined-acronym",
)

# The names each message template may use, per (rule id, message field). The loader
# rejects a template naming anything else, so a finding's message always formats.
MESSAGE_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("vague-instruction", "message"): frozenset({"phrase"}),
    ("no-role", "message"): frozenset(),
    ("no-tone", "message"): frozenset(),
    ("no-output-format", "message"): frozenset(),
    ("no-edge-case-handling", "message"): frozenset(),
    ("examples-count", "message_too_few"): frozenset({"count", "min_examples", "max_examples"}),
    ("examples-count", "message_too_many"): frozenset({"count", "min_examples", "max_examples"}),
    ("conflicting-instructions", "message"): frozenset({"phrase", "other", "other_line"}),
    ("overlong", "message"): frozenset({"instructions", "chars", "max_instructions", "max_chars"}),
    ("undefined-acronym", "message"): frozenset({"acronym"}),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One pitfall: which rule, how bad, what to do about it, and where (1-based)."""

    rule: str
    severity: FindingSeverity
    message: str
    line: int
    column: int = 1

    def as_dict(self) -> dict[str, str | int]:
        """The four keys of ``labelmate prompt lint --json``."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "line": self.line,
        }


# --- the rules object ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSettings:
    """What every rule has: a severity, an on/off switch and a message template."""

    severity: FindingSeverity = "warning"
    enabled: bool = True
    message: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenceRule(RuleSettings):
    """Fires (once, on line 1) when none of ``phrases`` occurs outside the examples."""

    phrases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VagueRule(RuleSettings):
    """A vague phrase in a sentence that says nothing concrete.

    Concrete: besides the vague phrase itself, the sentence has a digit, quoted text
    ("…", “…” or `…`), an output-format phrase (``no-output-format``'s list) or one of
    ``concrete_words`` (number words, audience words, "for example", "about" …).
    """

    phrases: tuple[str, ...] = ()
    concrete_words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ExamplesRule(RuleSettings):
    """Too few (fewer than ``min_examples``) or too many few-shot examples."""

    min_examples: int = 1
    max_examples: int = 3
    message_too_few: str = ""
    message_too_many: str = ""
    input_labels: tuple[str, ...] = ()
    output_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConflictPair:
    """Two sets of phrases that contradict each other."""

    one: tuple[str, ...]
    other: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ConflictRule(RuleSettings):
    """Both sides of a pair, each in a sentence with no condition word and not negated."""

    pairs: tuple[ConflictPair, ...] = ()
    condition_words: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OverlongRule(RuleSettings):
    """More than ``max_instructions`` instructions or ``max_chars`` characters."""

    max_instructions: int = 40
    max_chars: int = 8000


@dataclass(frozen=True, slots=True, kw_only=True)
class AcronymRule(RuleSettings):
    """An all-capitals token (2–8 letters or digits) that is neither allowed nor defined."""

    allowed: tuple[str, ...] = ()
    definitions: tuple[str, ...] = ()  # templates with {acronym}


@dataclass(frozen=True, slots=True, kw_only=True)
class LintRules:
    """Every rule's settings, as the data file states them."""

    vague_instruction: VagueRule
    no_role: PresenceRule
    no_tone: PresenceRule
    no_output_format: PresenceRule
    no_edge_case_handling: PresenceRule
    examples_count: ExamplesRule
    conflicting_instructions: ConflictRule
    overlong: OverlongRule
    undefined_acronym: AcronymRule

    def rule(self, rule_id: str) -> RuleSettings:
        """The settings of the rule called ``rule_id`` (``KeyError`` for an unknown id)."""
        if rule_id not in RULE_IDS:
            raise KeyError(rule_id)
        return getattr(self, rule_id.replace("-", "_"))
