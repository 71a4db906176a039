"""Code-point offsets ↔ Qt document positions (UTF-16 units, "\\r\\n" as one)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.text_offsets import ViewOffsets

# Checked against QTextDocument.setPlainText: characterCount() is 14.
EXAMPLE = "ab\r\ncd😀e\rf\u2028g\n"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _naive_view(text: str) -> list[int]:
    """The view position of every code-point offset, one character at a time."""
    out, pos = [], 0
    for i, ch in enumerate(text):
        out.append(pos)
        if ch == "\n" and i > 0 and text[i - 1] == "\r":
            continue  # the "\n" of a pair shares the pair's one position
        pos += 2 if ord(ch) > 0xFFFF else 1
    out.append(pos)
    # Between "\r" and "\n" the offset maps to the pair's position, like its start.
    for i in range(1, len(text)):
        if text[i - 1] == "\r" and text[i] == "\n":
            out[i] = out[i - 1]
    return out


def _boundaries(text: str) -> list[int]:
    """Code-point offsets a view has: all but those between "\\r" and "\\n"."""
    return [
        i for i in range(len(text) + 1) if not (0 < i < len(text) and text[i - 1 : i + 1] == "\r\n")
    ]


def test_the_documented_example_position_by_position():
    v = ViewOffsets(EXAMPLE)
    assert len(EXAMPLE) == 13 and _utf16_len(EXAMPLE) == 14
    assert v.view_length() == 13  # characterCount() 14 less the final block separator
    #          a  b  \r \n c  d  😀 e  \r f  2028 g   \n  end
    expected = [0, 1, 2, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13]
    assert [v.to_view(i) for i in range(len(EXAMPLE) + 1)] == expected
    # Position 6 is the second half of 😀 and snaps to its start (code point 6).
    back = [0, 1, 2, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13]
    assert [v.to_code_point(p) for p in range(v.view_length() + 1)] == back


def test_letters_and_line_breaks_land_where_the_document_shows_them():
    v = ViewOffsets(EXAMPLE)
    assert v.to_view(EXAMPLE.index("c")) == 3
    assert v.to_view(EXAMPLE.index("😀")) == 5
    assert v.to_view(EXAMPLE.index("e")) == 7
    assert v.to_view(EXAMPLE.index("g")) == 11
    # Selecting 😀 in the document (5–7) is the code-point span 6–7.
    assert (v.to_code_point(5), v.to_code_point(7)) == (6, 7)
    assert EXAMPLE[6:7] == "😀"


@pytest.mark.parametrize("text", ["", "plain ascii", "naïve café — “quoted” \u2028 and \r alone"])
def test_texts_without_astral_characters_or_crlf_map_by_identity(text):
    v = ViewOffsets(text)
    assert v.view_length() == len(text)
    for i in range(len(text) + 1):
        assert v.to_view(i) == i == v.to_code_point(i)
    assert "0 astral or CRLF" in repr(v)


def test_offsets_outside_the_text_are_refused():
    v = ViewOffsets(EXAMPLE)
    for bad in (-1, len(EXAMPLE) + 1):
        with pytest.raises(ValueError, match="outside"):
            v.to_view(bad)
    for bad in (-1, v.view_length() + 1):
        with pytest.raises(ValueError, match="outside"):
            v.to_code_point(bad)
    with pytest.raises(ValueError):
        ViewOffsets("plain").to_view(6)


def test_the_two_counting_rules_can_be_switched_off():
    utf16_only = ViewOffsets(EXAMPLE, crlf=False)
    assert utf16_only.view_length() == _utf16_len(EXAMPLE) == 14
    assert utf16_only.to_view(EXAMPLE.index("e")) == 8
    crlf_only = ViewOffsets(EXAMPLE, utf16=False)
    assert crlf_only.view_length() == 12
    assert crlf_only.to_view(EXAMPLE.index("e")) == 6
    neither = ViewOffsets(EXAMPLE, utf16=False, crlf=False)
    assert [neither.to_view(i) for i in range(14)] == list(range(14))


def test_a_megabyte_of_text_maps_correctly_far_from_the_start():
    chunk = "Zoë met Ada 😀 in London.\r\n"
    text = chunk * (1_000_000 // len(chunk))
    v = ViewOffsets(text)
    for i in (0, 12, 13, len(text) // 2, len(text) - 3, len(text)):
        expected = _utf16_len(text[:i]) - text[:i].count("\r\n")
        if 0 < i < len(text) and text[i - 1 : i + 1] == "\r\n":
            expected = v.to_view(i - 1)
        assert v.to_view(i) == expected
        assert v.to_code_point(v.to_view(i)) == i
    assert v.view_length() == _utf16_len(text) - text.count("\r\n")


def test_a_megabyte_of_plain_text_keeps_no_tables():
    v = ViewOffsets("plain words only. " * 60_000)
    assert len(v._at) == 0 and v.to_view(500_000) == 500_000


_PIECES = st.sampled_from(["a", " ", "\r", "\n", "\r\n", "😀", "é", "\u2028"])
TEXTS = st.lists(_PIECES, max_size=60).map("".join)


@given(TEXTS)
def test_round_trip_monotonic_and_the_length_rule(text):
    v = ViewOffsets(text)
    views = [v.to_view(i) for i in range(len(text) + 1)]
    assert views == _naive_view(text)
    assert all(a <= b for a, b in pairwise(views))
    bounds = _boundaries(text)
    for i in bounds:
        assert v.to_code_point(v.to_view(i)) == i
    on_bounds = [v.to_view(i) for i in bounds]
    assert all(a < b for a, b in pairwise(on_bounds))
    length = _utf16_len(text) - text.count("\r\n")
    assert v.to_view(len(text)) == v.view_length() == length


@given(TEXTS)
def test_every_view_position_maps_to_the_start_of_its_character(text):
    v = ViewOffsets(text)
    bounds = set(_boundaries(text))
    for pos in range(v.view_length() + 1):
        cp = v.to_code_point(pos)
        assert cp in bounds
        back = v.to_view(cp)
        assert back == pos or (back == pos - 1 and ord(text[cp]) > 0xFFFF)
