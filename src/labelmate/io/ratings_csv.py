"""Read a ratings table from CSV for ``labelmate agreement``.

The layout::

    item,alice,bob,carol
    review-1,Positive,Positive,
    review-2,Negative,Neutral,Negative

The header's first cell names the item column (it may be empty, as pandas writes it);
every other header cell names a rater. One row per item; an empty cell is a missing
rating. Cells are trimmed of surrounding spaces; blank lines are skipped. The file is
UTF-8 (a byte-order mark is fine). Comma is the separator unless the header line holds
more tabs or semicolons than commas (spreadsheet exports in some locales).

Every problem is a :class:`RatingsCsvError` whose location names the file, line and
column (columns count cells, from 1).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from labelmate.core.agreement import RatingsTable
from labelmate.core.errors import InputError, Location

SEPARATORS = (",", "\t", ";")


class RatingsCsvError(InputError):
    """The ratings file cannot be read, or is not a ratings table."""


def read_ratings_csv(path: Path | str) -> RatingsTable:
    """The ratings table in ``path``. Raises RatingsCsvError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise RatingsCsvError("is a folder, not a CSV file", Location(file=str(path))) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RatingsCsvError(f"cannot read: {reason}", Location(file=str(path))) from None
    return parse_ratings_csv(data, str(path))


def parse_ratings_csv(data: bytes, source: str = "<ratings>") -> RatingsTable:
    """Parse CSV bytes into a ratings table. Raises RatingsCsvError, nothing else."""

    def fail(message: str, line: int | None = None, column: int | None = None) -> RatingsCsvError:
        return _error(source, message, line, column)

    if data.startswith(b"PK\x03\x04"):
        raise fail("looks like a spreadsheet workbook (.xlsx), not CSV; save it as CSV UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as CSV UTF-8",
            line,
            column,
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise fail("contains a NUL character; is this a text CSV file?", line)

    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    separator = max(SEPARATORS, key=lambda s: (first_line.count(s), s == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)

    header: list[str] | None = None
    header_line = 0
    raters: tuple[str, ...] = ()
    items: list[str] = []
    rows: list[tuple[str | None, ...]] = []
    lines: list[int] = []
    seen: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise fail(f"malformed CSV: {exc}", reader.line_num or start) from None
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if header is None:
            header, header_line = cells, start
            raters = _raters(header, separator, source, start)
            continue
        width = len(raters) + 1
        if len(cells) < width:
            raise fail(
                f"{len(cells)} cells, but the header (line {header_line}) has {width}; "
                "leave a missing rating empty but keep its separator",
                start,
            )
        for extra, cell in enumerate(cells[width:], start=width + 1):
            if cell:
                raise fail(
                    f"{cell!r} is beyond the last rater column; the header (line {header_line}) "
                    f"has {width} columns",
                    start,
                    extra,
                )
        item = cells[0]
        if not item:
            raise fail("the item cell is empty; every row needs an item id", start, 1)
        if item in seen:
            raise fail(f"item {item!r} appears twice (lines {seen[item]} and {start})", start, 1)
        seen[item] = start
        items.append(item)
        rows.append(tuple(cell or None for cell in cells[1:width]))
        lines.append(start)

    if header is None:
        raise fail("no header row; expected ITEM,RATER1,RATER2,... then one row per item", 1)
    return RatingsTable(
        raters=raters,
        items=tuple(items),
        rows=tuple(rows),
        source=source,
        row_lines=tuple(lines),
        first_column=2,
    )


def _error(
    source: str, message: str, line: int | None = None, column: int | None = None
) -> RatingsCsvError:
    return RatingsCsvError(message, Location(file=source, line=line, column=column))


def _raters(header: list[str], separator: str, source: str, line: int) -> tuple[str, ...]:
    names = list(header[1:])
    while names and not names[-1]:  # trailing separators, as some exporters write
        names.pop()
    if not names:
        raise _error(
            source,
            "the header names no raters; expected ITEM,RATER1,RATER2,... "
            f"(read as {_describe(separator)}-separated)",
            line,
        )
    columns: dict[str, int] = {}
    for column, name in enumerate(names, start=2):
        if not name:
            message = "this header cell is empty; every rater column needs a name"
            raise _error(source, message, line, column)
        if name in columns:
            raise _error(
                source,
                f"rater {name!r} appears twice (columns {columns[name]} and {column})",
                line,
                column,
            )
        columns[name] = column
    return tuple(names)


def _describe(separator: str) -> str:
    return {",": "comma", "\t": "tab", ";": "semicolon"}[separator]
