"""Task lists as CSV/TSV (one row per task) or TXT (one line per task), as LS imports them.

LS reads CSV with pandas, which turns `007` into 7 (formats.md §2.2); a client's
ids and zip codes must survive, so every cell stays the string that was written.
The separator follows LS: tab for `.tsv`, otherwise `;` when the first line has
more semicolons than commas. Header mistakes (empty or duplicate names) make the
data keys ambiguous and stop the file; a ragged row only affects its own task.

A CSV/TSV *export* (Labelmate's `ls-csv`, or Label Studio's CSV export, §3.6) is
read back with its annotations. It is recognised when the project's config is
known and some column is named after one of its controls (and is not a data key
the config reads), or the file has both `annotator` and `annotation_id` columns
(an export whose annotations are all empty). Then, as in JSON_MIN (§3.5), each
row is one annotation:

* a control's column holds its results: a bare string is a single choice or text
  answer, a JSON list of objects is the control's result values (regions with
  percent coordinates and `original_width/height`, several choices, ratings…);
  an empty cell means no result from that control;
* `id` (the task id), `annotator` (a whole number is a Label Studio user id,
  anything else an email or name), `annotation_id`, `created_at`, `updated_at`,
  `lead_time`, `agreement` and `history` are bookkeeping, not data;
* rows sharing an `id` are one task with several annotations; a row with no
  annotator, annotation id or result is a task without annotations;
* every other column is task data, kept as the string written (a `_data_<name>`
  column, which exports use when a data key collides with a control `<name>`, is
  the data key `<name>`).

Any other CSV is a task list, read as described first.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location
from labelmate.core.labeling_interface import LabelingInterface
from labelmate.io.interchange import ImportedTask, ReadContext, ReadResult
from labelmate.io.label_studio.common import (
    PROGRESS_EVERY,
    first_data_key,
    media_of,
)
from labelmate.io.label_studio.read_min import MIN_KEYS, FlatRows
from labelmate.io.text_files import decode_utf8, read_bytes

DATA_PREFIX = "_data_"  # an exported data key that collides with a control's name
_USER_ID = re.compile(r"[0-9]+(?:\.0)?")  # pandas writes 7 as 7.0 in a column with gaps


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
    export: _ExportColumns | None = None
    flat: FlatRows | None = None
    rows = 0
    line = 1  # the line the next record starts on
    try:
        for row in reader:
            row_line, line = line, reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if header is None:
                header = _header(row, source, row_line)
                export = _ExportColumns.of(header, ctx.interface)
                if export is not None:
                    flat = FlatRows(source, ctx)
                    tasks = flat.tasks
                continue
            if flat is not None and export is not None:
                _export_row(flat, export, row, header, row_line)
            else:
                tasks.append(_row_task(len(tasks), row, header, source, row_line, ctx))
            rows += 1
            if ctx.progress is not None and rows % PROGRESS_EVERY == 0:
                ctx.progress(rows, None)
    except csv.Error as exc:
        raise InputError(f"cannot read CSV: {exc}", Location(source, line)) from None
    if header is None:
        raise InputError(
            "the file is empty: a header row with the data keys is needed", Location(source, 1)
        )
    if ctx.progress is not None:
        ctx.progress(rows, rows)
    return ReadResult(tasks)


@dataclass(frozen=True)
class _ExportColumns:
    """What each column of an export CSV holds (see the module docstring)."""

    results: frozenset[str]  # control names
    meta: frozenset[str]  # bookkeeping
    data: dict[str, str]  # column → data key

    @classmethod
    def of(cls, header: list[str], interface: LabelingInterface | None) -> _ExportColumns | None:
        """The columns of an export, or None for a plain task list."""
        if interface is None:
            return None
        controls = {c.name for c in interface.controls}
        read = interface.data_keys_read
        renamed = {h[len(DATA_PREFIX) :] for h in header if h.startswith(DATA_PREFIX)} & controls
        # A control column holds results, unless it is data the config reads (and
        # no `_data_` column says the data went elsewhere).
        results = frozenset(h for h in header if h in controls and (h in renamed or h not in read))
        meta = frozenset(h for h in header if h in MIN_KEYS) - read
        if not results and not {"annotator", "annotation_id"} <= meta:
            return None
        data = {}
        for h in header:
            if h in results or h in meta:
                continue
            name = h[len(DATA_PREFIX) :]
            data[h] = name if h.startswith(DATA_PREFIX) and name in renamed else h
        return cls(results, meta, data)


def _export_row(
    flat: FlatRows, columns: _ExportColumns, row: list[str], header: list[str], line: int
) -> None:
    where = f"line {line}"
    if len(row) > len(header):
        flat.refused(
            f"{where} has {len(row)} cells but the header has {len(header)}; the extra cells "
            "have no column (quote cells that contain the separator)"
        )
        return
    cells = dict(zip(header, row, strict=False))
    data = {key: cells.get(column, "") for column, key in columns.data.items()}
    fields: dict[str, Any] = {}
    for column in columns.meta:
        value = cells.get(column, "")
        if value:
            fields[column] = _meta_value(column, value)
    for column in columns.results:
        value = cells.get(column, "")
        if value:
            fields[column] = _result_value(value)
    task = flat.add(fields, where, data)
    if len(row) < len(header):
        task.warn(f"{where} has {len(row)} cells, the header {len(header)}; the rest are empty")


def _meta_value(column: str, value: str) -> Any:
    """Bookkeeping cells are text in a CSV; give back the types JSON_MIN has."""
    if column == "annotator" and _USER_ID.fullmatch(value):
        return int(value.split(".", 1)[0])
    if column == "lead_time":
        try:
            return float(value)
        except ValueError:
            return value  # reported as not a number by the row reader
    return value


def _result_value(value: str) -> Any:
    """A JSON list of result values, else the bare string (one choice or text answer)."""
    if value.startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, list) and decoded and all(isinstance(v, dict) for v in decoded):
            return decoded
    return value


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
