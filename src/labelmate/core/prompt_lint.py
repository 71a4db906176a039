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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from labelmate.core.metrics.base import Measurement

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


# --- reading the text ------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NORMALISE = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u202f": " "}
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_EXAMPLES_LINE = re.compile(
    r"^[\W_]*(?:few[- ]shot\s+|worked\s+|sample\s+)?(examples?)\b(.*)$", re.I
)
_TURN = re.compile(r"^[\s*_>]*([A-Za-z][A-Za-z0-9 .'-]{0,29}?)[\s*_]*:(?:[\s*_]*)(.*)$")
_QUOTED = re.compile(r'"[^"\n]+"|`[^`\n]+`')
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+(?=[^\sa-z])|;\s+")
_ACRONYM = re.compile(r"(?<![\w'\-/.@#$])([A-Z][A-Z0-9&]{1,7})(?:'s|s)?(?![\w'\-/@]|\.\w)")
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'&]+\b")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

TEXT, HEADING, CODE, BLANK, EXAMPLE = "text", "heading", "code", "blank", "example"


def prompt_lines(text: str) -> list[str]:
    """The lines findings are numbered against (``\\r\\n``, ``\\r``, ``\\n`` break)."""
    return _LINE_BREAK.split(text)


@dataclass(slots=True)
class _Doc:
    text: str  # normalised, same length as the input
    lines: list[str]
    starts: list[int]  # offset of each line in text
    kinds: list[str]
    turns: list[tuple[int, str, int]] = field(default_factory=list)  # line, label, section
    section_first: dict[int, str] = field(default_factory=dict)
    example_headings: list[int] = field(default_factory=list)  # "Example 2" lines

    def position(self, offset: int) -> tuple[int, int]:
        i = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        return i + 1, offset - self.starts[i] + 1

    def line_span(self, i: int) -> tuple[int, int]:
        return self.starts[i], self.starts[i] + len(self.lines[i])


def _read(text: str) -> _Doc:
    norm = text.translate(_NORMALISE)
    lines: list[str] = []
    starts: list[int] = []
    pos = 0
    for m in _LINE_BREAK.finditer(norm):
        lines.append(norm[pos : m.start()])
        starts.append(pos)
        pos = m.end()
    lines.append(norm[pos:])
    starts.append(pos)
    kinds: list[str] = []
    fence: str | None = None
    for line in lines:
        m = _FENCE.match(line)
        if fence is not None:
            kinds.append(CODE)
            if m and m.group(1) == fence:
                fence = None
        elif m:
            kinds.append(CODE)
            fence = m.group(1)
        elif not line.strip():
            kinds.append(BLANK)
        elif _MD_HEADING.match(line):
            kinds.append(HEADING)
        else:
            kinds.append(TEXT)
    return _Doc(norm, lines, starts, kinds)


def _label_key(label: str) -> str:
    return " ".join(label.lower().split())


def _mark_examples(doc: _Doc, rule: ExamplesRule) -> None:
    """Mark example lines (kind EXAMPLE) and record speaker turns and example headings."""
    inputs = {_label_key(x) for x in rule.input_labels}
    outputs = {_label_key(x) for x in rule.output_labels}
    known = inputs | outputs
    section = -1  # id of the examples section we are in, -1 outside
    sections = 0
    seen_labels: set[str] = set()
    in_turn = False
    content_seen = False  # the section has a line past its heading
    after_blank = False

    def open_section() -> None:
        nonlocal section, sections, seen_labels, in_turn, content_seen, after_blank
        sections += 1
        section, seen_labels = sections, set()
        in_turn = content_seen = after_blank = False

    for i, line in enumerate(doc.lines):
        kind = doc.kinds[i]
        if kind == BLANK:
            after_blank = True
            continue
        heading = _examples_heading(line, kind == HEADING) if kind in (TEXT, HEADING) else None
        if heading is not None:
            doc.kinds[i] = EXAMPLE
            if heading != "section":
                doc.example_headings.append(i)
            if heading == "inline":  # "Example: the user asks for X; reply Y."
                section, in_turn, after_blank = -1, False, False
            else:
                open_section()
            continue
        if kind == HEADING:
            section, in_turn = -1, False
            continue
        if kind == TEXT and not _BULLET.match(line):
            turn = _TURN.match(line)
            if turn:
                key = _label_key(turn.group(1))
                said = bool(turn.group(2).strip())
                inside = section >= 0 and (key in known or key in seen_labels or said)
                if key in known or inside:
                    if section >= 0:
                        seen_labels.add(key)
                        doc.section_first.setdefault(section, key)
                    doc.turns.append((i, key, section))
                    doc.kinds[i] = EXAMPLE
                    in_turn, content_seen, after_blank = True, True, False
                    continue
        if in_turn or section >= 0:
            if after_blank and kind == TEXT and (content_seen or section < 0):
                section, in_turn = -1, False  # a paragraph after the examples
            else:
                doc.kinds[i] = EXAMPLE
                content_seen = True
        after_blank = False


def _examples_heading(line: str, markdown: bool) -> str | None:
    """What an "Example…" line is, if it is one.

    "section": a heading over several examples ("Examples", "## Few-shot examples");
    "heading": a heading over one example ("Example 2:", "### Example: refund");
    "inline": one example on this line ("Example: the user asks for X; reply Y.");
    None: prose ("Examples help the model learn the format.").
    """
    m = _EXAMPLES_LINE.match(line)
    if not m:
        return None
    rest = m.group(2).strip(" \t*_:#")
    short = markdown or (len(rest.split()) <= 4 and not rest.endswith((".", "!", "?")))
    if m.group(1).lower() == "examples":
        return "section" if short else None
    return "heading" if short else "inline"


def _count_examples(doc: _Doc, rule: ExamplesRule) -> tuple[int, list[int]]:
    """How many examples, and the line index each starts on."""
    inputs = {_label_key(x) for x in rule.input_labels}
    outputs = {_label_key(x) for x in rule.output_labels}
    starts: list[int] = []
    for k, (line, label, section) in enumerate(doc.turns):
        nxt = doc.turns[k + 1] if k + 1 < len(doc.turns) else None
        if nxt is None or nxt[1] == label or label in outputs:
            continue
        if label in inputs or (section >= 0 and doc.section_first.get(section) == label):
            starts.append(line)
    if len(doc.example_headings) > len(starts):
        return len(doc.example_headings), doc.example_headings
    return len(starts), starts


# --- phrase matching ----------------------------------------------------------------


@lru_cache(maxsize=256)
def _phrases_re(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for a phrase list, longest phrase first.

    The word-start check of phrases that begin with a letter is hoisted in front of
    their alternation, so most positions of a long text are rejected by one test.
    """
    at_word: list[str] = []
    anywhere: list[str] = []
    for phrase in sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True):
        words = phrase.translate(_NORMALISE).split()
        body = r"\s+".join(
            re.escape(w[:-1]) + r"\w*" if w.endswith("*") and len(w) > 1 else re.escape(w)
            for w in words
        )
        last = words[-1]
        tail = r"(?!\w)" if (last[-1].isalnum() or last[-1] == "_") else ""
        starts_word = words[0][0].isalnum() or words[0][0] == "_"
        (at_word if starts_word else anywhere).append(f"{body}{tail}")
    branches = []
    if at_word:
        branches.append(r"(?<!\w)(?=\w)(?:" + "|".join(at_word) + ")")
    branches.extend(anywhere)
    if not branches:
        return None
    return re.compile("|".join(f"(?:{b})" for b in branches), re.IGNORECASE)


def _search(phrases: tuple[str, ...], text: str, pos: int = 0, end: int | None = None):
    pattern = _phrases_re(phrases)
    if pattern is None:
        return None
    return pattern.search(text, pos, len(text) if end is None else end)


def _finditer(phrases: tuple[str, ...], text: str, pos: int = 0, end: int | None = None):
    pattern = _phrases_re(phrases)
    if pattern is None:
        return iter(())
    return pattern.finditer(text, pos, len(text) if end is None else end)


# --- sentences ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    end: int


def _sentences(doc: _Doc) -> list[_Sentence]:
    """Sentences of the linted prose (TEXT lines), as offsets into ``doc.text``."""
    chunks: list[tuple[int, int]] = []
    prev_text = False
    for i, kind in enumerate(doc.kinds):
        if kind != TEXT:
            prev_text = False
            continue
        start, end = doc.line_span(i)
        stripped = doc.lines[i].lstrip()
        continues = prev_text and stripped[:1].islower() and not _BULLET.match(doc.lines[i])
        if continues:
            chunks[-1] = (chunks[-1][0], end)
        else:
            chunks.append((start + len(doc.lines[i]) - len(stripped), end))
        prev_text = True
    out: list[_Sentence] = []
    for start, end in chunks:
        pos = start
        bullet = _BULLET.match(doc.text[start:end])
        if bullet:
            pos = start + bullet.end()
        for m in _SENTENCE_END.finditer(doc.text, pos, end):
            if doc.text[pos : m.start()].strip():
                out.append(_Sentence(pos, m.start() + len(m.group().rstrip())))
            pos = m.end()
        if doc.text[pos:end].strip():
            out.append(_Sentence(pos, end))
    return out


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
