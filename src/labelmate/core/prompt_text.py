"""How the prompt linter reads a prompt: lines, code blocks, examples, phrases, sentences.

The text structure every rule in :mod:`labelmate.core.prompt_lint` works on; its module
docstring states the reading conventions.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from labelmate.core.prompt_rules import ExamplesRule

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
