"""Tokens with character offsets, for formats that tag tokens instead of spans (CoNLL).

CoNLL tags *tokens*, our spans are *characters*, so an export needs a tokenizer
whose offsets point back into the original text. Label Studio's converter uses
NLTK's Treebank tokenizer (formats.md §7.1); annotators compare our file with
theirs, so the default here behaves like it on ordinary English, without NLTK:

* whitespace (any ``str.isspace`` character, so ``\\r\\n`` and NBSP too) separates
  tokens and never belongs to one;
* punctuation is split off words: ``London,`` → ``London`` ``,``; ``England.`` →
  ``England`` ``.``; a run of the same mark stays one token (``...``, ``--``, ``!!``);
* English clitics are split the Treebank way: ``Ada's`` → ``Ada`` ``'s``, ``don't`` →
  ``do`` ``n't`` (straight or curly apostrophe); other in-word apostrophes stay
  (``O'Neil``, ``rock'n'roll``);
* a hyphen, apostrophe or period *between* word characters joins (``iPhone-sized``,
  ``state-of-the-art``, ``3.14``, ``example.com`` are one token each, as in Treebank),
  a comma joins only between digits (``1,000``);
* a trailing period is split off unless the word is a dotted initialism (``U.S.``,
  ``e.g.`` stay whole; ``Mr.`` becomes ``Mr`` ``.`` — a documented simplification,
  Treebank only splits the period at the very end of the text);
* Chinese/Japanese ideographs and kana, which are written without spaces, become
  one token per character (a dictionary segmenter is out of scope; label-studio
  #1250 shows whitespace tokenization failing there). Hangul is spaced and tokenized
  like Latin; Thai and other unspaced scripts stay one token per whitespace chunk;
* an emoji is one token with its modifiers: skin tones, variation selectors,
  keycaps, ZWJ sequences (👩‍💻) and regional-indicator flag pairs (🇬🇧).

Offsets are Python code points, end-exclusive, like :class:`~labelmate.core.regions.Span`.
Any callable with the :class:`Tokenizer` signature can replace the default (e.g.
:func:`whitespace_tokenize` for text that is already tokenized, such as text read
back from CoNLL); :func:`check_tokens` tells whether a plugged-in tokenizer kept
the contract.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Token:
    """`text == original[start:end]`; offsets in code points, end-exclusive."""

    text: str
    start: int
    end: int


class Tokenizer(Protocol):
    """Splits a text into ordered, non-overlapping, non-empty tokens without whitespace."""

    def __call__(self, text: str) -> list[Token]: ...


_ZWJ = "\u200d"
_APOSTROPHES = "'\u2019"
_IN_WORD_JOINERS = frozenset("-\u2010\u2011'\u2019.")
_CONTRACTION = re.compile(r"(?:n['\u2019]t|['\u2019](?:s|m|d|ll|re|ve))\Z", re.IGNORECASE)
_LEADING_CONTRACTION = re.compile(r"['\u2019](?:s|m|d|ll|re|ve)(?!\w)", re.IGNORECASE)
_INITIALISM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
# Scripts written without spaces between words: one token per character.
_CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_word(ch: str) -> bool:
    """Letters, digits, marks, underscore: what a word is made of (CJK excluded)."""
    cat = unicodedata.category(ch)
    return (cat[0] in "LNM" or cat == "Pc" or ch == "\u200c") and not _is_cjk(ch)


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _extend_cluster(text: str, j: int, end: int) -> int:
    """Absorb what decorates the previous character: marks, skin tones, ZWJ sequences."""
    while j < end:
        ch = text[j]
        cat = unicodedata.category(ch)
        if ch == _ZWJ:
            j += 1
            if j < end and unicodedata.category(text[j]) == "So":
                j += 1
        elif cat[0] == "M" or cat == "Cf" or 0x1F3FB <= ord(ch) <= 0x1F3FF:
            j += 1
        else:
            break
    return j


def _scan_word(text: str, i: int, end: int) -> int:
    j = i + 1
    while j < end:
        ch = text[j]
        if _is_word(ch) or unicodedata.category(ch) == "Cf":
            j += 1
            continue
        nxt = text[j + 1] if j + 1 < end else ""
        joins = nxt != "" and _is_word(nxt)
        if ch == ",":
            joins = text[j - 1].isdigit() and nxt.isdigit()
        elif ch not in _IN_WORD_JOINERS:
            joins = False
        if not joins:
            break
        j += 1
    if j < end and text[j] == "." and _INITIALISM.fullmatch(text, i, j):
        j += 1
    return j


def _chunk_tokens(text: str, start: int, end: int) -> list[Token]:
    """Tokens of one whitespace-free chunk `text[start:end]`."""
    out: list[Token] = []
    i = start
    while i < end:
        ch = text[i]
        if _is_cjk(ch):
            j = _extend_cluster(text, i + 1, end)
        elif _is_word(ch) or unicodedata.category(ch) == "Cf":
            j = _scan_word(text, i, end)
            m = _CONTRACTION.search(text, i, j)
            if m and m.start() > i:
                out.append(Token(text[i : m.start()], i, m.start()))
                i = m.start()
        elif ch in _APOSTROPHES and (m := _LEADING_CONTRACTION.match(text, i, end)):
            j = m.end()
        elif unicodedata.category(ch) == "So":
            pair = _is_regional_indicator(ch) and i + 1 < end
            j = i + 2 if pair and _is_regional_indicator(text[i + 1]) else i + 1
            j = _extend_cluster(text, j, end)
        else:  # punctuation, symbols, controls, lone surrogates: runs of one character
            j = i + 1
            while j < end and text[j] == ch:
                j += 1
            j = _extend_cluster(text, j, end)
        out.append(Token(text[i:j], i, j))
        i = j
    return out


def _chunks(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        j = i
        while j < n and not text[j].isspace():
            j += 1
        if j > i:
            spans.append((i, j))
        i = j
    return spans


def tokenize(text: str) -> list[Token]:
    """The default tokenizer: Treebank-like, offsets into `text` (see the module doc)."""
    tokens: list[Token] = []
    for start, end in _chunks(text):
        tokens.extend(_chunk_tokens(text, start, end))
    return tokens


def whitespace_tokenize(text: str) -> list[Token]:
    """Split on whitespace only: for text that is already tokenized (e.g. read from CoNLL)."""
    return [Token(text[s:e], s, e) for s, e in _chunks(text)]


def check_tokens(text: str, tokens: list[Token]) -> str | None:
    """Why `tokens` break the :class:`Tokenizer` contract for `text`, or None if they keep it.

    Writers call this on a plugged-in tokenizer's output so a faulty tokenizer
    produces a message, not a corrupt file (a space inside a CoNLL token shifts its
    columns).
    """
    previous_end = 0
    for n, tok in enumerate(tokens, start=1):
        if not isinstance(tok, Token):
            return f"token {n} is not a Token: {tok!r}"
        if not 0 <= tok.start < tok.end <= len(text):
            return f"token {n} has offsets {tok.start}..{tok.end} outside 0..{len(text)}"
        if tok.start < previous_end:
            return f"token {n} ({tok.text!r}) overlaps or precedes the token before it"
        if text[tok.start : tok.end] != tok.text:
            return f"token {n} text {tok.text!r} differs from the text at its offsets"
        if any(ch.isspace() for ch in tok.text):
            return f"token {n} ({tok.text!r}) contains whitespace"
        previous_end = tok.end
    return None
