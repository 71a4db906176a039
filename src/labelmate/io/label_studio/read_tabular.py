"""Task lists as CSV/TSV (one row per task) or TXT (one line per task), as LS imports them.

LS reads CSV with pandas, which turns `007` into 7 (formats.md §2.2); a client's
ids and zip codes must survive, so every cell stays the string that was written.
The separator follows LS: tab for `.tsv`, otherwise `;` when the first line has
more semicolons than commas. Header mistakes (empty or duplicate names) make the
data keys ambiguous and stop the file; a ragged row only affects its own task.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from labelmate.core.errors import InputError, Location
from labelmate.io.interchange import ImportedTask, ReadContext, ReadResult
from labelmate.io.label_studio.common import (
    PROGRESS_EVERY,
    first_data_key,
    media_of,
)
from labelmate.io.text_files import decode_utf8, read_bytes


def separator_for(path: Path, first_line: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_csv(path: Path, ctx: ReadContext) -> ReadResult:
    """One task per row; the header row names the data keys; every value a string."""
    text = decode_utf8(read_bytes(path), path)
    source = str(path)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator_for(path, first_line))
    tasks: list[ImportedTask] = []
    header: list[str] | None = None
    line = 1  # the line the next record starts on
    try:
        for row in reader:
            row_line, line = line, reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if header is None:
                header = _header(row, source, row_line)
                continue
            tasks.append(_row_task(len(tasks), row, header, source, row_line, ctx))
            if ctx.progress is not None and len(tasks) % PROGRESS_EVERY == 0:
                ctx.progress(len(tasks), None)
    except csv.Error as exc:
        raise InputError(f"cannot read CSV: {exc}", Location(source, line)) from None
    if header is None:
        raise InputError(
            "the file is empty: a header row with the data keys is needed", Location(source, 1)
        )
    if ctx.progress is not None:
        ctx.progress(len(tasks), len(tasks))
    return ReadResult(tasks)


def _header(row: list[str], source: str, line: int) -> list[str]:
    seen: dict[str, int] = {}
    for column, name in enumerate(row, start=1):
        if not name.strip():
            raise InputError(
                f"header cell {column} is empty: every column needs a name (it becomes the "
                "data key)",
                Location(source, line, column),
            )
        if name in seen:
            raise InputError(
                f"header name {name!r} appears in columns {seen[name]} and {column}; "
                "data keys must be unique",
                Location(source, line, column),
            )
        seen[name] = column
    return row


def _row_task(
    index: int, row: list[str], header: list[str], source: str, line: int, ctx: ReadContext
) -> ImportedTask:
    data = dict(zip(header, row, strict=False))
    task = ImportedTask(index, source, data, media=media_of(data, ctx.interface))
    where = f"line {line}"
    if len(row) > len(header):
        task.refuse(
            f"{where} has {len(row)} cells but the header has {len(header)}; the extra cells "
            "have no data key (quote cells that contain the separator)"
        )
    elif len(row) < len(header):
        for name in header[len(row) :]:
            data[name] = ""
        task.warn(f"{where} has {len(row)} cells, the header {len(header)}; the rest are empty")
    return task


def read_txt(path: Path, ctx: ReadContext) -> ReadResult:
    """One task per non-empty line, under the config's first data key (`text` without one)."""
    text = decode_utf8(read_bytes(path), path)
    key = first_data_key(ctx.interface)
    source = str(path)
    tasks: list[ImportedTask] = []
    for raw_line in text.split("\n"):
        value = raw_line[:-1] if raw_line.endswith("\r") else raw_line
        if not value.strip():
            continue
        data = {key: value}
        tasks.append(ImportedTask(len(tasks), source, data, media=media_of(data, ctx.interface)))
        if ctx.progress is not None and len(tasks) % PROGRESS_EVERY == 0:
            ctx.progress(len(tasks), None)
    if ctx.progress is not None:
        ctx.progress(len(tasks), len(tasks))
    return ReadResult(tasks)
