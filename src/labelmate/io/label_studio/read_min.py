"""Label Studio JSON_MIN: one flat row per annotation, controls as top-level keys.

A row mixes task data, bookkeeping (`id`, `annotator`, …) and one key per control
name (formats.md §3.5). Only the labeling config says which keys are controls and
what a bare string under one means (a choice or a text answer), so reading needs
`ctx.interface`. Rows sharing a task `id` are one task with several annotations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location
from labelmate.core.labeling_interface import ControlTag
from labelmate.core.regions import RegionBase
from labelmate.io.interchange import ImportedAnnotation, ImportedTask, ReadContext, ReadResult
from labelmate.io.label_studio.common import (
    PROGRESS_EVERY,
    author_from_ls,
    external_id_of,
    image_size_from_media,
    media_of,
    number,
    parse_time,
    text_of,
)
from labelmate.io.label_studio.results import IMAGE_TYPES, declared_size, result_to_region

MIN_KEYS = frozenset(
    {
        "id",
        "annotator",
        "annotation_id",
        "created_at",
        "updated_at",
        "lead_time",
        "agreement",
        "history",
    }
)
_TASK_MARKERS = ("data", "annotations", "predictions", "completions")
_ANNOTATION_MARKERS = ("annotator", "annotation_id")


def is_json_min(rows: list[Any]) -> bool:
    """Flat rows with annotation bookkeeping and no `data`: the JSON_MIN export shape."""
    found = False
    for row in rows:
        if not isinstance(row, dict):
            continue
        if any(k in row for k in _TASK_MARKERS):
            return False
        if not found and any(k in row for k in _ANNOTATION_MARKERS):
            found = True
    return found


def read_json_min_rows(rows: list[Any], path: Path, ctx: ReadContext) -> ReadResult:
    if ctx.interface is None:
        raise InputError(
            "JSON_MIN needs the project's labeling config (--config) to tell control "
            "columns from data",
            Location(str(path)),
        )
    flat = FlatRows(str(path), ctx)
    for n, row in enumerate(rows):
        if not isinstance(row, dict):
            flat.refused(f"row {n + 1} must be a JSON object")
        else:
            flat.add(row, f"row {n + 1}")
        if ctx.progress is not None and (n + 1) % PROGRESS_EVERY == 0:
            ctx.progress(n + 1, len(rows))
    if ctx.progress is not None:
        ctx.progress(len(rows), len(rows))
    return ReadResult(flat.tasks)


class FlatRows:
    """Tasks from flat export rows (JSON_MIN, and LS CSV exports read as such rows).

    A row holds task data, bookkeeping (MIN_KEYS) and one key per control; rows
    sharing an `id` are one task with several annotations.
    """

    def __init__(self, source: str, ctx: ReadContext) -> None:
        assert ctx.interface is not None
        self.source = source
        self.ctx = ctx
        self.controls = {c.name: c for c in ctx.interface.controls}
        self.tasks: list[ImportedTask] = []
        self._by_id: dict[str, ImportedTask] = {}

    def refused(self, message: str) -> ImportedTask:
        task = ImportedTask(len(self.tasks), self.source, {})
        task.refuse(message)
        self.tasks.append(task)
        return task

    def add(
        self, row: dict[str, Any], where: str, data: dict[str, Any] | None = None
    ) -> ImportedTask:
        """The row's task (a new one, or the earlier one with its id), with the row's
        annotation added if it has one. `data` defaults to the keys that are neither
        controls nor bookkeeping."""
        controls = self.controls
        ext = external_id_of(row.get("id"))
        if data is None:
            data = {k: v for k, v in row.items() if k not in controls and k not in MIN_KEYS}
        task = self._by_id.get(ext) if ext is not None else None
        if task is None:
            media = media_of(data, self.ctx.interface)
            task = ImportedTask(len(self.tasks), self.source, data, ext, media)
            if not data:
                task.refuse(f"{where} has no task data")
            self.tasks.append(task)
            if ext is not None:
                self._by_id[ext] = task
        elif data != task.data:
            task.warn(f"{where} repeats task id {ext} with different data; the first is kept")
        if any(k in row for k in _ANNOTATION_MARKERS) or any(k in controls for k in row):
            annotation = _annotation(task, row, where, controls, self.ctx)
            if annotation is not None:
                task.annotations.append(annotation)
        return task


def _annotation(
    task: ImportedTask,
    row: dict[str, Any],
    where: str,
    controls: dict[str, ControlTag],
    ctx: ReadContext,
) -> ImportedAnnotation | None:
    regions: list[RegionBase] = []
    written = 0
    for name, control in controls.items():
        if name not in row:
            continue
        entries = row[name]
        if not isinstance(entries, list):
            entries = [entries]
        written += len(entries)
        for k, entry in enumerate(entries):
            field = f"{where}.{name}[{k}]"
            item = _pseudo_result(control, entry)
            if item is None:
                task.warn(f"value {str(entry)[:40]!r} does not fit a {control.tag}; dropped", field)
                continue
            size = _size_for(task, item, field, ctx)
            to_name = item["to_name"]
            text = text_of(task.data, ctx.interface, to_name) if item["type"] == "labels" else None
            region, messages = result_to_region(item, image_size=size, text=text)
            for message in messages:
                task.warn(message, field)
            if region is not None:
                regions.append(region)
    if written and not regions:
        # Stored empty, it would claim the task has nothing to label (as in read_json).
        task.warn(
            f"none of its {written} result(s) could be read; the annotation is not imported",
            where,
        )
        return None
    imported = ImportedAnnotation(regions=regions)  # type: ignore[arg-type]
    author, problem = author_from_ls(row.get("annotator"))
    imported.author = author
    if problem:
        task.warn(problem, f"{where}.annotator")
    lead = row.get("lead_time")
    if lead is not None:
        value = number(lead)
        if value is None or value < 0:
            task.warn(f"lead_time {str(lead)[:40]!r} is not a number ≥ 0; ignored", where)
        else:
            imported.lead_time = value
    for key in ("created_at", "updated_at"):
        stamp, problem = parse_time(row.get(key))
        if problem:
            task.warn(problem, f"{where}.{key}")
        setattr(imported, key, stamp)
    return imported


def _size_for(
    task: ImportedTask, item: dict[str, Any], field: str, ctx: ReadContext
) -> tuple[int, int] | None:
    """The size for an image entry; the task keeps the first one declared (or read)."""
    if not isinstance(item["type"], str) or item["type"] not in IMAGE_TYPES:
        return None
    declared = declared_size(item)
    if declared is not None:
        if task.image_size is None:
            task.image_size = declared
        return declared
    if task.image_size is None:
        size, reason = image_size_from_media(task.media, ctx)
        if size is None:
            task.warn(f"the image size could not be read ({reason})", field)
        task.image_size = size
    return task.image_size


def _pseudo_result(control: ControlTag, entry: Any) -> dict[str, Any] | None:
    """The full result item a JSON_MIN entry abbreviates (id, names and type restored)."""
    rtype = control.type
    item: dict[str, Any] = {
        "type": rtype,
        "from_name": control.name,
        "to_name": control.to_names[0] if control.to_names else control.name,
    }
    if isinstance(entry, str):
        if rtype == "choices":
            item["value"] = {"choices": [entry]}
        elif rtype == "textarea":
            item["value"] = {"text": [entry]}
        else:
            return None
        return item
    if not isinstance(entry, dict):
        return None
    value = dict(entry)
    for key in ("original_width", "original_height", "image_rotation"):
        if key in value:
            item[key] = value.pop(key)
    item["value"] = value
    return item
