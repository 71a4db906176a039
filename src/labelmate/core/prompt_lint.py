"""The system-prompt linter: the known pitfalls of a prompt, each with a rule and a line.

Pure: ``lint_prompt(text, rules)`` reads nothing from disk. The rules — severities, word
lists, thresholds, message templates — arrive as a :class:`LintRules` built from the
editable data file ``resources/prompt_lint.yaml`` by :mod:`labelmate.usecases.prompt_lint`,
whose comments explain every rule to the QA lead who edits it.

How a prompt is read (the data file's header says the same to its editors):

* Lines are split at ``\\r\\n``, ``\\r`` and ``\\n``; line and column are 1-based and
  count code points. Every finding lies on a line of the text (line 1 for a finding
  about the prompt as a whole, such as a missing role).
* Curly quotes and apostrophes read as straight ones, non-breaking spaces as spaces.
* Fenced code blocks (lines between ````` ``` ````` or ``~~~`` fences) are never linted.
* Few-shot examples are found first: an "Examples" heading opens an examples section,
  ``Example 1`` headings count one example each, and speaker turns (``User: …`` /
  ``Assistant: …``, ``Q:`` / ``A:``, ``Input:`` / ``Output:``, any speaker inside an
  examples section) form input/output pairs. Example lines are counted by
  ``examples-count`` and skipped by every other rule, so "You are welcome!" in a
  sample answer does not count as a role.
* A sentence ends at ``.``/``!``/``?`` followed by a space and a character that is not
  a lowercase letter (so "e.g. at most" stays one sentence), at ``;``, at a blank line,
  at a heading, at a bullet, and at a line break unless the next line starts with a
  lowercase letter (hard-wrapped prose).
* A phrase matches whole words in any case; spaces in it match any whitespace; ``*`` at
  the end of a word matches any ending (``bullet*``: bullet, bullets, bulleted).
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Iterable, Sequence
from functools import lru_cache

from labelmate.core.metrics.base import Measurement
from labelmate.core.prompt_rules import (
    MESSAGE_FIELDS,
    RULE_IDS,
    SEVERITIES,
    AcronymRule,
    ConflictPair,
    ConflictRule,
    ExamplesRule,
    Finding,
    FindingSeverity,
    LintRules,
    OverlongRule,
    PresenceRule,
    RuleSettings,
    VagueRule,
)
from labelmate.core.prompt_text import (
    _ACRONYM,
    _CAPS_WORD,
    _DIGIT,
    _NORMALISE,
    _QUOTED,
    _WORD,
    EXAMPLE,
    HEADING,
    TEXT,
    _count_examples,
    _Doc,
    _finditer,
    _mark_examples,
    _read,
    _search,
    _Sentence,
    _sentences,
    prompt_lines,
)

__all__ = [
    "MESSAGE_FIELDS",
    "RULE_IDS",
    "SEVERITIES",
    "AcronymRule",
    "ConflictPair",
    "ConflictRule",
    "ExamplesRule",
    "Finding",
    "FindingSeverity",
    "LintRules",
    "OverlongRule",
    "PresenceRule",
    "RuleSettings",
    "VagueRule",
    "count_examples",
    "counted_findings",
    "lint_prompt",
    "prompt_lines",
    "prompt_metrics",
]


# --- the rules ----------------------------------------------------------------------


def _fmt(template: str, **values: object) -> str:
    try:
        return string.Formatter().vformat(template, (), values)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return template  # a hand-built LintRules with a bad template; the loader forbids it


def _finding(rule_id: str, rule: RuleSettings, message: str, line: int, column: int = 1):
    return Finding(rule_id, rule.severity, message, line, column)


def _prose(doc: _Doc, kinds: Iterable[str] = (TEXT, HEADING)) -> str:
    """The linted lines' text with everything else blanked (offsets are preserved)."""
    wanted = set(kinds)
    chars = list(doc.text)
    for i, kind in enumerate(doc.kinds):
        if kind not in wanted:
            start, end = doc.line_span(i)
            chars[start:end] = " " * (end - start)
    return "".join(chars)


def _presence(rule_id: str, rule: PresenceRule, prose: str, out: list[Finding]) -> None:
    if rule.enabled and _search(rule.phrases, prose) is None:
        out.append(_finding(rule_id, rule, _fmt(rule.message), 1))


def _is_concrete(sentence: str, rules: LintRules) -> bool:
    vague = rules.vague_instruction
    return bool(
        _DIGIT.search(sentence)
        or _QUOTED.search(sentence)
        or _search(rules.no_output_format.phrases, sentence)
        or _search(vague.concrete_words, sentence)
    )


def _vague(doc: _Doc, sentences: Sequence[_Sentence], rules: LintRules, out: list[Finding]):
    rule = rules.vague_instruction
    if not rule.enabled:
        return
    for s in sentences:
        matches = list(_finditer(rule.phrases, doc.text, s.start, s.end))
        if not matches:
            continue
        rest = doc.text[s.start : s.end]
        for m in matches:
            a, b = m.start() - s.start, m.end() - s.start
            rest = rest[:a] + " " * (b - a) + rest[b:]
        if _is_concrete(rest, rules):
            continue
        seen: set[str] = set()
        for m in matches:
            phrase = " ".join(m.group().split())
            if phrase.lower() in seen:
                continue
            seen.add(phrase.lower())
            line, col = doc.position(m.start())
            out.append(
                _finding("vague-instruction", rule, _fmt(rule.message, phrase=phrase), line, col)
            )


def _negated(doc: _Doc, s: _Sentence, at: int, negations: tuple[str, ...]) -> bool:
    before = doc.text[max(s.start, at - 80) : at]
    words = before.split()[-3:]
    return bool(words) and _search(negations, " ".join(words)) is not None


def _conflicts(doc: _Doc, sentences: Sequence[_Sentence], rules: LintRules, out: list[Finding]):
    rule = rules.conflicting_instructions
    if not rule.enabled:
        return
    starts = [s.start for s in sentences]

    def index(m: re.Match[str]) -> int | None:
        """The sentence ``m`` lies in; None outside the linted prose."""
        k = bisect.bisect_right(starts, m.start()) - 1
        return k if k >= 0 and m.end() <= sentences[k].end else None

    conditional = {index(m) for m in _finditer(rule.condition_words, doc.text)}

    def first(phrases: tuple[str, ...]) -> re.Match[str] | None:
        for m in _finditer(phrases, doc.text):
            k = index(m)
            if k is None or k in conditional:
                continue
            if not _negated(doc, sentences[k], m.start(), rule.negations):
                return m
        return None

    for pair in rule.pairs:
        one, other = first(pair.one), first(pair.other)
        if one is None or other is None or one.start() == other.start():
            continue
        early, late = sorted((one, other), key=lambda m: m.start())
        early_line, _ = doc.position(early.start())
        line, col = doc.position(late.start())
        message = _fmt(
            rule.message,
            phrase=" ".join(late.group().split()),
            other=" ".join(early.group().split()),
            other_line=early_line,
        )
        out.append(_finding("conflicting-instructions", rule, message, line, col))


def _overlong(doc: _Doc, sentences: Sequence[_Sentence], rules: LintRules, out: list[Finding]):
    rule = rules.overlong
    if not rule.enabled:
        return
    instructions = [s for s in sentences if _is_instruction(doc, s)]
    chars = len(doc.text.strip())
    places: list[int] = []
    if len(instructions) > rule.max_instructions:
        places.append(instructions[rule.max_instructions].start)
    if chars > rule.max_chars:
        lead = len(doc.text) - len(doc.text.lstrip())
        places.append(lead + rule.max_chars)
    if not places:
        return
    line, _ = doc.position(min(places))
    message = _fmt(
        rule.message,
        instructions=len(instructions),
        chars=chars,
        max_instructions=rule.max_instructions,
        max_chars=rule.max_chars,
    )
    out.append(_finding("overlong", rule, message, line))


def _is_instruction(doc: _Doc, s: _Sentence) -> bool:
    """A sentence with at least two words that is not a bare label ("Facts:")."""
    body = doc.text[s.start : s.end].strip()
    return len(_WORD.findall(body)) >= 2 and not (body.endswith(":") and len(body) <= 40)


def _acronyms(doc: _Doc, rules: LintRules, out: list[Finding]) -> None:
    rule = rules.undefined_acronym
    if not rule.enabled:
        return
    allowed = {a.strip().upper() for a in rule.allowed}
    reported: set[str] = set()
    for i, kind in enumerate(doc.kinds):
        if kind not in (TEXT, HEADING):
            continue
        line = doc.lines[i]
        shouted = _shouted_spans(line)
        for m in _ACRONYM.finditer(line):
            token = m.group(1)
            if (
                token in reported
                or token.upper() in allowed
                or sum(c.isalpha() for c in token) < 2
                or any(a <= m.start() < b for a, b in shouted)
            ):
                continue
            reported.add(token)
            if _defined(doc.text, token, rule.definitions):
                continue
            out.append(
                _finding(
                    "undefined-acronym",
                    rule,
                    _fmt(rule.message, acronym=token),
                    i + 1,
                    m.start() + 1,
                )
            )


def _shouted_spans(line: str) -> list[tuple[int, int]]:
    """Runs of three or more all-capitals words: emphasis ("DO NOT SHARE IT"), not acronyms."""
    words = list(_CAPS_WORD.finditer(line))
    spans: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []
    for w in words:
        if run and line[run[-1].end() : w.start()].strip(" ,") == "":
            run.append(w)
        else:
            if len(run) >= 3:
                spans.append((run[0].start(), run[-1].end()))
            run = [w]
    if len(run) >= 3:
        spans.append((run[0].start(), run[-1].end()))
    return spans


@lru_cache(maxsize=1024)
def _definition_re(token: str, templates: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for template in templates:
        if "{acronym}" not in template:
            continue
        before, _, after = template.translate(_NORMALISE).partition("{acronym}")
        core = re.escape(token) + r"(?:'s|s)?"
        head = re.escape(before).replace(r"\ ", r"\s*")
        tail = re.escape(after).replace(r"\ ", r"\s*")
        if not before or before[-1] == " " or before[-1].isalnum():
            head += r"(?<![A-Za-z0-9])"
        if not after or after[0] == " " or after[0].isalnum():
            core += r"(?![A-Za-z0-9])"
        # Words in the template ("means", "stands for") match in any case.
        parts.append(f"{head}(?-i:{core}){tail}")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _defined(text: str, token: str, templates: tuple[str, ...]) -> bool:
    pattern = _definition_re(token, tuple(templates))
    return pattern is not None and pattern.search(text) is not None


def _examples(doc: _Doc, rules: LintRules, out: list[Finding]) -> None:
    rule = rules.examples_count
    if not rule.enabled:
        return
    count, starts = _count_examples(doc, rule)
    values = {"count": count, "min_examples": rule.min_examples, "max_examples": rule.max_examples}
    if count < rule.min_examples:
        line = starts[0] + 1 if starts else 1
        out.append(_finding("examples-count", rule, _fmt(rule.message_too_few, **values), line))
    elif count > rule.max_examples:
        line = starts[rule.max_examples] + 1
        out.append(_finding("examples-count", rule, _fmt(rule.message_too_many, **values), line))


# --- entry points -------------------------------------------------------------------


def lint_prompt(text: str, rules: LintRules) -> list[Finding]:
    """Every pitfall in ``text``, sorted by line, then rule id, then column."""
    doc = _read(text)
    _mark_examples(doc, rules.examples_count)
    prose = _prose(doc)
    # Format may be shown as well as told ("Output: a JSON object with …" reads as a
    # turn), so that rule also reads the example lines; never the code blocks.
    shown = _prose(doc, (TEXT, HEADING, EXAMPLE))
    out: list[Finding] = []
    _presence("no-role", rules.no_role, prose, out)
    _presence("no-tone", rules.no_tone, prose, out)
    _presence("no-output-format", rules.no_output_format, shown, out)
    _presence("no-edge-case-handling", rules.no_edge_case_handling, prose, out)
    sentences = _sentences(doc)
    _vague(doc, sentences, rules, out)
    _conflicts(doc, sentences, rules, out)
    _overlong(doc, sentences, rules, out)
    _acronyms(doc, rules, out)
    _examples(doc, rules, out)
    out.sort(key=lambda f: (f.line, f.rule, f.column, f.message))
    return out


def count_examples(text: str, rules: LintRules) -> int:
    """How many few-shot examples ``examples-count`` sees in ``text``."""
    doc = _read(text)
    _mark_examples(doc, rules.examples_count)
    return _count_examples(doc, rules.examples_count)[0]


def counted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The findings ``prompt.findings`` counts: errors and warnings, not info."""
    return [f for f in findings if f.severity in ("error", "warning")]


def prompt_metrics(text: str, rules: LintRules) -> dict[str, Measurement]:
    """``prompt.findings`` for a system prompt: its error and warning findings.

    Info findings (advice such as an undefined acronym) are listed in the detail but
    not counted, as the metric vocabulary states.
    """
    findings = lint_prompt(text, rules)
    counted = counted_findings(findings)
    if counted:
        listed = ", ".join(f"{f.rule} ({f.severity}, line {f.line})" for f in counted)
        detail = f"{len(counted)} pitfall{'s' if len(counted) != 1 else ''}: {listed}"
    else:
        detail = "the prompt linter found no errors or warnings"
    info = len(findings) - len(counted)
    if info:
        detail += f"; {info} info finding{'s' if info != 1 else ''} not counted"
    return {"prompt.findings": Measurement("prompt.findings", len(counted), "data", detail, ())}
