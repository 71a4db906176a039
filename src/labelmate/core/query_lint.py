"""Clarification queries: lint — the habits that make a query hard to answer.

:func:`lint_query` checks any text (a draft being edited, a file) and returns
:class:`QueryFinding` objects. The rules, with their shipped severities:

``vague-without-reference`` (error)
    a vague phrase ("I'm confused", "what should I do", "please advise" …) in a
    sentence that names no rule or criterion;
``no-item-id`` (error)
    no item id: the text contains none of the known item ids, no ``#``-prefixed id
    (``#123``, ``#pcb-002``) and no "item"/"task" (words from the data file)
    followed by an id — a token with a digit, ``.``, ``_``, ``-``, ``:`` or ``/`` in
    it, or a quoted one (``item 42``, ``task pcb-002``, ``item "cat.jpg"``);
``no-rule-named`` (warning)
    no rule or criterion named: none of the rubric's names passed in, no metric of
    the vocabulary (``box.max_outside_px``), none of the data file's criterion words
    and no quoted name (``'Minimum Pixels'``);
``no-question`` (error)
    no sentence ends with "?";
``several-questions`` (warning)
    more than one sentence ends with "?" — ask one thing per message;
``over-long`` (info)
    more words than the data file's ``max_words``.

A text with an error finding fails (``labelmate query lint`` exits with 1). Every
drafted text passes with no error finding; the tests hold the drafter to that.

Re-exported by :mod:`labelmate.core.query`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from labelmate.core.metric_vocabulary import METRICS
from labelmate.core.rubric import Rubric, iter_rules

LINT_RULE_IDS = (
    "vague-without-reference",
    "no-item-id",
    "no-rule-named",
    "no-question",
    "several-questions",
    "over-long",
)

# The names each lint message may use; the loader rejects any other, so a finding's
# message always formats.
MESSAGE_FIELDS: dict[str, frozenset[str]] = {
    "vague-without-reference": frozenset({"phrase"}),
    "no-item-id": frozenset(),
    "no-rule-named": frozenset(),
    "no-question": frozenset(),
    "several-questions": frozenset({"count"}),
    "over-long": frozenset({"words", "max_words"}),
}

FindingSeverity = Literal["error", "warning", "info"]


# --- lint -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryFinding:
    """One habit that makes a query hard to answer. ``start``/``end``: the characters it
    is about, when it is about some (a vague phrase), for an editor to underline."""

    rule: str
    severity: FindingSeverity
    message: str
    start: int | None = None
    end: int | None = None

    def as_dict(self) -> dict[str, str]:
        """The three keys of ``labelmate query lint --json``."""
        return {"rule": self.rule, "severity": self.severity, "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class LintRuleSettings:
    """A lint rule as the data file states it. ``words`` is the rule's word list
    (vague phrases; the words before an item id; criterion words); ``limit`` its
    threshold (over-long: most words)."""

    severity: FindingSeverity
    message: str
    enabled: bool = True
    words: tuple[str, ...] = ()
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class QueryLintRules:
    """Every lint rule's settings, by rule id (all of ``LINT_RULE_IDS``)."""

    rules: Mapping[str, LintRuleSettings]

    def rule(self, rule_id: str) -> LintRuleSettings:
        return self.rules[rule_id]


_NORMALISE = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u202f": " "}
)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n")
_QUESTION_END = re.compile(r"\?+[\"')\]]*(?=\s|$)")
_QUOTED = re.compile(r"'[^'\n]{2,60}'(?!\w)|\"[^\"\n]{2,60}\"|`[^`\n]{2,60}`")
_HASH_ID = re.compile(r"(?<![\w&#])#(?=[\w.:/-]*[\d._:/-])[A-Za-z0-9][\w.:/-]*")
_WORD = re.compile(r"\S+")
_ID_CHARS = re.compile(r"[\d._:/-]")
_METRIC_NAMES = tuple(METRICS)


@lru_cache(maxsize=128)
def _phrases_re(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """Whole-word, any-case alternation; spaces match any whitespace.

    The word-start check of phrases that begin with a letter or digit is hoisted in
    front of their alternation, so most positions of a long text fail one cheap test.
    """
    at_word: list[str] = []
    anywhere: list[str] = []
    for phrase in sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True):
        words = phrase.translate(_NORMALISE).split()
        body = r"\s+".join(re.escape(w) for w in words)
        tail = r"(?!\w)" if words[-1][-1].isalnum() or words[-1][-1] == "_" else ""
        starts_word = words[0][0].isalnum() or words[0][0] == "_"
        (at_word if starts_word else anywhere).append(f"{body}{tail}")
    branches = []
    if at_word:
        branches.append(r"(?<![\w.])(?=\w)(?:" + "|".join(at_word) + ")")
    branches.extend(anywhere)
    if not branches:
        return None
    return re.compile("|".join(f"(?:{b})" for b in branches), re.IGNORECASE)


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: up to . ! ? before a space or the end, or a line
    break ("box.max_outside_px" and "e.g." stay inside their sentence)."""
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.end()].strip():
            out.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return out


def _names_a_rule(text: str, names: tuple[str, ...]) -> bool:
    if _QUOTED.search(text):
        return True
    pattern = _phrases_re(names)
    return pattern is not None and pattern.search(text) is not None


def _has_item_id(text: str, item_ids: Sequence[str], words: tuple[str, ...]) -> bool:
    lowered = text.casefold()
    if any(i and i.casefold() in lowered for i in item_ids):
        return True
    if _HASH_ID.search(text):
        return True
    pattern = _phrases_re(words)
    if pattern is None:
        return False
    for m in pattern.finditer(text):
        after = _WORD.search(text, m.end())
        if after is None or text[m.end() : after.start()].count("\n") > 1:
            continue
        token = after.group().rstrip(".,;:!?)")
        if token.startswith(("'", '"', "“", "`")) and len(token) > 2:
            return True
        if token.startswith("#"):
            token = token[1:]
        if token and token[0].isalnum() and _ID_CHARS.search(token):
            return True
    return False


def rubric_names(rubric: Rubric) -> tuple[str, ...]:
    """The names a query may cite a rubric by: criterion ids and names, the metrics its
    rules use, and its title."""
    names = [rubric.title]
    for c in rubric.criteria:
        names += [c.id, c.name]
        names += [r.metric for lv in c.levels for r in iter_rules(lv.when)]
    return tuple(dict.fromkeys(n for n in names if n.strip()))


def lint_query(
    text: str,
    rules: QueryLintRules,
    *,
    item_ids: Sequence[str] = (),
    names: Sequence[str] = (),
) -> list[QueryFinding]:
    """Findings for a query's text, in rule order (see the module docstring).

    item_ids: ids that count as naming the item (the draft's). names: the rubric's
    names (:func:`rubric_names`) — besides these, every metric of the vocabulary,
    the data file's criterion words and any quoted name count as naming a rule.
    Never raises for any ``str``.
    """
    norm = text.translate(_NORMALISE)
    findings: list[QueryFinding] = []
    named_rule = rules.rule("no-rule-named")
    all_names = (*names, *_METRIC_NAMES, *named_rule.words)
    sentences = _sentences(norm)

    def on(rule_id: str) -> LintRuleSettings | None:
        settings = rules.rules.get(rule_id)
        return settings if settings is not None and settings.enabled else None

    def add(rule_id: str, settings: LintRuleSettings, start=None, end=None, **values) -> None:
        try:
            message = settings.message.format(**values)
        except (KeyError, IndexError, ValueError):
            message = settings.message
        findings.append(QueryFinding(rule_id, settings.severity, message, start, end))

    if (s := on("vague-without-reference")) is not None:
        pattern = _phrases_re(s.words)
        if pattern is not None:
            for start, end in sentences:
                sentence = norm[start:end]
                if _names_a_rule(sentence, all_names):
                    continue
                for m in pattern.finditer(norm, start, end):
                    add(
                        "vague-without-reference",
                        s,
                        m.start(),
                        m.end(),
                        phrase=" ".join(text[m.start() : m.end()].split()),
                    )
    if (s := on("no-item-id")) is not None and not _has_item_id(norm, item_ids, s.words):
        add("no-item-id", s)
    if (s := on("no-rule-named")) is not None and not _names_a_rule(norm, all_names):
        add("no-rule-named", s)
    questions = len(_QUESTION_END.findall(norm))
    if (s := on("no-question")) is not None and questions == 0:
        add("no-question", s)
    if (s := on("several-questions")) is not None and questions > 1:
        add("several-questions", s, count=questions)
    if (s := on("over-long")) is not None and s.limit is not None:
        words = len(norm.split())
        if words > s.limit:
            add("over-long", s, words=words, max_words=s.limit)
    return findings
