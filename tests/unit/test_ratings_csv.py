"""Reading a ratings table from CSV: the layout, and errors that name file, line, column."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.agreement import RatingsTable
from labelmate.io.ratings_csv import RatingsCsvError, parse_ratings_csv, read_ratings_csv


def parse(text: str | bytes) -> RatingsTable:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_ratings_csv(data, "r.csv")


def error(text: str | bytes) -> str:
    with pytest.raises(RatingsCsvError) as info:
        parse(text)
    return str(info.value)


def test_reads_header_items_and_missing_cells():
    t = parse("item,alice,bob\nr1,Positive,\nr2, Negative , Neutral\n")
    assert t.raters == ("alice", "bob")
    assert t.items == ("r1", "r2")
    assert t.rows == (("Positive", None), ("Negative", "Neutral"))
    assert t.row_lines == (2, 3)
    assert t.source == "r.csv"


def test_bom_crlf_quotes_and_blank_lines():
    t = parse('\ufeffid,"Ann, senior",Bo\r\n\r\n"a,1","x, y",z\r\n\r\nb,,w\r\n')
    assert t.raters == ("Ann, senior", "Bo")
    assert t.items == ("a,1", "b")
    assert t.rows == (("x, y", "z"), (None, "w"))
    assert t.row_lines == (3, 5)


def test_a_quoted_newline_keeps_later_line_numbers_right():
    t = parse('item,a,b\nx,"two\nlines",1\ny,2,\n')
    assert t.rows[0] == ("two\nlines", "1")
    assert t.row_lines == (2, 4)


def test_pandas_style_empty_item_header_and_trailing_separators():
    t = parse(",a,b,\n0,1,2,\n1,2,2,\n")
    assert t.raters == ("a", "b")
    assert t.rows == (("1", "2"), ("2", "2"))


@pytest.mark.parametrize("separator", [";", "\t"])
def test_semicolon_and_tab_separated_files(separator):
    text = separator.join(["item", "a", "b"]) + "\n" + separator.join(["x", "1,5", "2"]) + "\n"
    t = parse(text)
    assert t.raters == ("a", "b")
    assert t.rows == (("1,5", "2"),)


def test_a_header_only_file_is_an_empty_table():
    t = parse("item,a,b\n")
    assert t.items == () and t.raters == ("a", "b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "r.csv:1: no header row"),
        ("\n\n", "r.csv:1: no header row"),
        ("item\nx\n", "r.csv:1: the header names no raters"),
        ("item,a,b,a\n", "r.csv:1:4: rater 'a' appears twice (columns 2 and 4)"),
        ("item,a,,b\n", "r.csv:1:3: this header cell is empty"),
        ("item,a,b\nx,1\n", "r.csv:2: 2 cells, but the header (line 1) has 3"),
        ("item,a,b\nx,1,2,3\n", "r.csv:2:4: '3' is beyond the last rater column"),
        ("item,a,b\n,1,2\n", "r.csv:2:1: the item cell is empty"),
        ("item,a\nx,1\ny,2\nx,3\n", "r.csv:4:1: item 'x' appears twice (lines 2 and 4)"),
        ('item,a\nx,"1"2\n', "r.csv:2: malformed CSV"),
        ('item,a\nx,"1\n', "r.csv:2: malformed CSV"),
    ],
)
def test_errors_name_the_line_and_column(text, expected):
    assert error(text).startswith(expected)


def test_not_utf8_names_the_byte_position():
    message = error(b"item,a\nx,caf\xe9\n")
    assert message.startswith("r.csv:2:6: not UTF-8 text (byte 0xe9)")


def test_a_workbook_or_binary_file_is_refused_clearly():
    assert "spreadsheet workbook" in error(b"PK\x03\x04\x14\x00rest")
    assert error(b"item,a\nx,\x00\n").startswith("r.csv:2: contains a NUL character")


def test_read_from_disk_and_unreadable_paths(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("item,a,b\nx,1,2\n", encoding="utf-8")
    assert read_ratings_csv(path).source == str(path)
    with pytest.raises(RatingsCsvError, match="cannot read"):
        read_ratings_csv(tmp_path / "missing.csv")
    with pytest.raises(RatingsCsvError, match="is a folder"):
        read_ratings_csv(tmp_path)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_table_or_the_typed_error(data):
    try:
        t = parse_ratings_csv(data, "fuzz.csv")
    except RatingsCsvError as exc:
        assert str(exc).startswith("fuzz.csv")
    else:
        assert isinstance(t, RatingsTable)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=',;\t"\n\r ab1.-é\ufeff', max_size=200))
def test_csv_like_text_gives_a_table_or_the_typed_error(text):
    try:
        t = parse_ratings_csv(text.encode("utf-8"), "fuzz.csv")
    except RatingsCsvError:
        return
    assert all(len(row) == len(t.raters) for row in t.rows)
    assert len(set(t.items)) == len(t.items)
