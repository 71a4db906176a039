"""Label Studio exports: full JSON (`tasks.json`), JSON_MIN (`tasks_min.json`), CSV (`tasks.csv`).

Every image result carries `original_width/original_height` and `image_rotation: 0`
(formats.md §8.3), spans carry code-point offsets and their `text` (§8.10), and
coordinates are unrounded percent. Output is deterministic: tasks in the order
given, keys in a fixed order, CSV columns sorted as LS sorts them (§3.6).
JSON_MIN and CSV follow LS in leaving predictions and cancelled annotations out,
and differ in one place on purpose: a task whose only annotations were left out
still gets its data row (LS skips it), so no task silently disappears. In CSV a
data key named like a control becomes the column `_data_<key>`, as recent LS
exports write it, so the result column does not overwrite it; the CSV reader
(`read_tabular`) reads such a file back with its annotations.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labelmate.core.errors import Location, Problem, Severity
from labelmate.core.models import Annotation, AnnotationKind
from labelmate.io.interchange import ExportItem, WriteContext, WriteResult
from labelmate.io.label_studio.common import (
    PROGRESS_EVERY,
    author_to_ls,
    completed_by_to_ls,
    format_time,
    text_of,
)
from labelmate.io.label_studio.read_tabular import DATA_PREFIX
from labelmate.io.label_studio.results import IMAGE_TYPES, region_to_results
from labelmate.io.media import MediaResolver

JSON_FILE = "tasks.json"
MIN_FILE = "tasks_min.json"
CSV_FILE = "tasks.csv"


class _Converter:
    """Regions → result items for one export, collecting what could not be written."""

    def __init__(self, ctx: WriteContext) -> None:
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.regions = 0

    def results(self, item: ExportItem, task_id: int, ann: Annotation) -> list[dict[str, Any]]:
        size = _task_size(item)
        out: list[dict[str, Any]] = []
        for region in ann.regions:
            control = self.ctx.interface.control(region.control)
            text = None
            if region.type == "span":
                text = text_of(item.task.data, self.ctx.interface, region.target)
            try:
                out.extend(
                    region_to_results(
                        region,
                        image_size=size,
                        control_type=control.type if control is not None else None,
                        text=text,
                    )
                )
            except ValueError as exc:
                self.problems.append(
                    Problem(Severity.WARNING, f"region skipped: {exc}", _where(task_id))
                )
                continue
            self.regions += 1
        return out


def _task_size(item: ExportItem) -> tuple[int, int] | None:
    task = item.task
    if task.image_width and task.image_height:
        return task.image_width, task.image_height
    if item.image_path is not None:
        try:
            return MediaResolver(item.image_path.parent).image_size(item.image_path)
        except OSError:
            return None
    return None


def _where(task_id: int) -> Location:
    return Location(field=f"task {task_id}")


def _task_id(item: ExportItem, position: int) -> int:
    return int(item.task.id) if item.task.id is not None else position + 1


def _ann_id(ann: Annotation, position: int) -> int:
    return int(ann.id) if ann.id is not None else position + 1


def _progress(ctx: WriteContext, done: int, total: int) -> None:
    if ctx.progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
        ctx.progress(done, total)


def write_ls_json(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """The full export: tasks with data, annotations (incl. gold) and predictions."""
    conv = _Converter(ctx)
    tasks: list[dict[str, Any]] = []
    ann_counter = 0
    for position, item in enumerate(items):
        task_id = _task_id(item, position)
        annotations: list[dict[str, Any]] = []
        predictions: list[dict[str, Any]] = []
        for ann in item.annotations:
            ann_counter += 1
            result = conv.results(item, task_id, ann)
            if ann.kind is AnnotationKind.PREDICTION:
                predictions.append(
                    {
                        "id": _ann_id(ann, ann_counter - 1),
                        "model_version": ann.model_version or ann.author,
                        "score": ann.score,
                        "result": result,
                        "created_at": format_time(ann.created_at),
                    }
                )
                continue
            annotations.append(
                {
                    "id": _ann_id(ann, ann_counter - 1),
                    "completed_by": completed_by_to_ls(ann.author),
                    "result": result,
                    "was_cancelled": ann.was_cancelled,
                    "ground_truth": ann.kind is AnnotationKind.GOLD,
                    "created_at": format_time(ann.created_at),
                    "updated_at": format_time(ann.updated_at),
                    "lead_time": ann.lead_time,
                }
            )
        tasks.append(
            {
                "id": task_id,
                "data": item.task.data,
                "annotations": annotations,
                "predictions": predictions,
            }
        )
        _progress(ctx, position + 1, len(items))
    _write(ctx.out_dir / JSON_FILE, json.dumps(tasks, ensure_ascii=False, indent=2) + "\n")
    return WriteResult([Path(JSON_FILE)], conv.problems, len(tasks), conv.regions)


def _flat_rows(
    items: Sequence[ExportItem], ctx: WriteContext, data_prefix: str | None = None
) -> tuple[list[dict], _Converter]:
    """JSON_MIN rows: one per kept annotation, data-only for a task with none kept.

    With `data_prefix`, a data key that is also a control's name is written as
    prefix + key, so the control's results cannot overwrite it.
    """
    conv = _Converter(ctx)
    rows: list[dict[str, Any]] = []
    ann_counter = 0
    controls = {c.name for c in ctx.interface.controls} if data_prefix else set()
    for position, item in enumerate(items):
        task_id = _task_id(item, position)
        data = item.task.data
        if controls and not controls.isdisjoint(data):
            data = {(f"{data_prefix}{k}" if k in controls else k): v for k, v in data.items()}
        kept = 0
        for ann in item.annotations:
            ann_counter += 1
            if ann.kind is AnnotationKind.PREDICTION or ann.was_cancelled:
                continue
            kept += 1
            row: dict[str, Any] = dict(data)
            row["id"] = task_id
            for name, value in _by_control(conv.results(item, task_id, ann)).items():
                row[name] = value
            row["annotator"] = author_to_ls(ann.author)
            row["annotation_id"] = _ann_id(ann, ann_counter - 1)
            row["created_at"] = format_time(ann.created_at)
            row["updated_at"] = format_time(ann.updated_at)
            row["lead_time"] = ann.lead_time
            rows.append(row)
        if not kept:
            rows.append(dict(data))
        _progress(ctx, position + 1, len(items))
    return rows, conv


def _by_control(results: list[dict[str, Any]]) -> dict[str, Any]:
    """control name → the JSON_MIN value (LS `prettify_result`): a bare string when it can be."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    types: dict[str, str] = {}
    for item in results:
        value = dict(item["value"])
        if item["type"] in IMAGE_TYPES:
            value["original_width"] = item["original_width"]
            value["original_height"] = item["original_height"]
        grouped.setdefault(item["from_name"], []).append(value)
        types[item["from_name"]] = item["type"]
    out: dict[str, Any] = {}
    for name, values in grouped.items():
        only = values[0] if len(values) == 1 else None
        if only is not None and types[name] == "choices" and len(only.get("choices", [])) == 1:
            out[name] = only["choices"][0]
        elif only is not None and types[name] == "textarea" and len(only.get("text", [])) == 1:
            out[name] = only["text"][0]
        else:
            out[name] = values
    return out


def write_ls_min(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """JSON_MIN (formats.md §3.5): flat rows, percent coordinates, no predictions."""
    rows, conv = _flat_rows(items, ctx)
    _write(ctx.out_dir / MIN_FILE, json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    return WriteResult([Path(MIN_FILE)], conv.problems, len(items), conv.regions)


def write_ls_csv(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """CSV (formats.md §3.6): JSON_MIN rows, sorted columns, lists and objects as JSON text."""
    rows, conv = _flat_rows(items, ctx, data_prefix=DATA_PREFIX)
    columns = sorted({key for row in rows for key in row})
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=columns, restval="", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    _write(ctx.out_dir / CSV_FILE, buffer.getvalue())
    return WriteResult([Path(CSV_FILE)], conv.problems, len(items), conv.regions)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="")
