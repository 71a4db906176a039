"""Label Studio JSON: task lists (import or full export) and JSON_MIN, told apart by content.

A file is a list of tasks or one task object (formats.md §2.1). A task without
`data` is its own data (minus the keys LS reserves for tasks). Annotations (or the
legacy `completions`) and predictions become `ImportedAnnotation`s with regions in
pixels; a task whose results do not declare the image size gets it from the image
through `ctx.media`. Files from 100,000-task projects are common, so a task with
no annotations costs one small object and no validation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location
from labelmate.core.models import AnnotationKind
from labelmate.io.interchange import ImportedAnnotation, ImportedTask, ReadContext, ReadResult
from labelmate.io.label_studio.common import (
    PROGRESS_EVERY,
    author_from_ls,
    external_id_of,
    image_size_from_media,
    media_getter,
    number,
    parse_time,
    text_of,
)
from labelmate.io.label_studio.read_min import is_json_min, read_json_min_rows
from labelmate.io.label_studio.result_list import results_to_regions
from labelmate.io.label_studio.results import declared_size, needs_image_size
from labelmate.io.text_files import decode_utf8, read_bytes

# Keys LS keeps at task level; when a task has no `data`, everything else is data.
TASK_KEYS = frozenset(
    {
        "id",
        "data",
        "annotations",
        "completions",
        "predictions",
        "drafts",
        "meta",
        "file_upload",
        "agreement",
        "created_at",
        "updated_at",
        "inner_id",
        "total_annotations",
        "cancelled_annotations",
        "total_predictions",
        "comment_count",
        "unresolved_comment_count",
        "last_comment_updated_at",
        "project",
        "updated_by",
        "comment_authors",
    }
)


def load_json(path: Path) -> Any:
    """The parsed document; every way a file can fail becomes an InputError with a location."""
    text = decode_utf8(read_bytes(path), path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", Location(str(path), exc.lineno, exc.colno)
        ) from None
    except RecursionError:
        raise InputError("JSON is nested too deeply to read", Location(str(path), 1, 1)) from None


def read_label_studio_json(path: Path, ctx: ReadContext) -> ReadResult:
    """Tasks from an LS JSON file: import list, full export, single task or JSON_MIN."""
    doc = load_json(path)
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise InputError(
            f"expected a list of tasks (or one task object), got a JSON {_json_type(doc)}",
            Location(str(path), 1, 1),
        )
    if is_json_min(doc):
        return read_json_min_rows(doc, path, ctx)
    source = str(path)
    total = len(doc)
    media = media_getter(ctx.interface)
    tasks: list[ImportedTask] = []
    for index, raw in enumerate(doc):
        tasks.append(read_task(index, raw, source, ctx, media))
        if ctx.progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            ctx.progress(index + 1, total)
    if ctx.progress is not None:
        ctx.progress(total, total)
    return ReadResult(tasks)


def read_task(
    index: int,
    raw: Any,
    source: str,
    ctx: ReadContext,
    media: Callable[[Mapping[str, Any]], str | None] | None = None,
) -> ImportedTask:
    """One task object → ImportedTask; every problem lands on the task, nothing raises.

    `media` is `media_getter(ctx.interface)`, made once by a caller reading many tasks.
    """
    if not isinstance(raw, dict):
        task = ImportedTask(index, source, {})
        task.refuse(f"a task must be a JSON object, got a {_json_type(raw)}")
        return task
    data = raw.get("data")
    if data is None or data == {}:
        data = {k: v for k, v in raw.items() if k not in TASK_KEYS}
    if not isinstance(data, dict):
        task = ImportedTask(index, source, {})
        task.refuse(f"'data' must be an object, got a {_json_type(data)}", "data")
        return task
    raw_id = raw.get("id")
    media_ref = (media or media_getter(ctx.interface))(data)
    task = ImportedTask(index, source, data, external_id_of(raw_id), media_ref)
    if raw_id is not None and task.external_id is None:
        task.warn(f"task id {str(raw_id)[:40]!r} is not a number or string; ignored", "id")
    if not data:
        task.refuse("task has no data")
        return task
    annotations = raw.get("annotations")
    ann_key = "annotations"
    if annotations is None and "completions" in raw:
        annotations, ann_key = raw["completions"], "completions"
    predictions = raw.get("predictions")
    if not annotations and not predictions:
        if annotations not in (None, []) or predictions not in (None, []):
            _check_list(task, annotations, ann_key)
            _check_list(task, predictions, "predictions")
        return task
    groups = [(ann_key, annotations, False), ("predictions", predictions, True)]
    for key, items, _ in groups:
        if not _check_list(task, items, key):
            return task
    _image_size(task, groups, ctx)

    def text_for(to_name: Any) -> str | None:
        return text_of(data, ctx.interface, to_name) if isinstance(to_name, str) else None

    for key, items, is_prediction in groups:
        for j, ann in enumerate(items or ()):
            imported = _annotation(task, ann, f"{key}[{j}]", is_prediction, text_for)
            if imported is not None:
                task.annotations.append(imported)
    return task


def _check_list(task: ImportedTask, items: Any, key: str) -> bool:
    if items is None or isinstance(items, list):
        return True
    task.refuse(f"'{key}' must be a list, got a {_json_type(items)}", key)
    return False


def _image_size(task: ImportedTask, groups: list[tuple[str, Any, bool]], ctx: ReadContext) -> None:
    """The size the results declare; the image's own size when some result needs one."""
    sizes: dict[tuple[int, int], int] = {}
    needy = 0
    for _, items, _ in groups:
        for ann in items or ():
            result = ann.get("result") if isinstance(ann, dict) else None
            if not isinstance(result, list):
                continue
            for item in result:
                size = declared_size(item)
                if size is not None:
                    sizes[size] = sizes.get(size, 0) + 1
                elif needs_image_size(item):
                    needy += 1
    if sizes:
        task.image_size = next(iter(sizes))
        if len(sizes) > 1:
            listed = ", ".join(f"{w}×{h}" for w, h in sizes)
            task.warn(
                f"results disagree about the image size ({listed}); each result is converted "
                f"with its own, and the task keeps {task.image_size[0]}×{task.image_size[1]}"
            )
    if needy and task.image_size is None:
        size, reason = image_size_from_media(task.media, ctx)
        if size is not None:
            task.image_size = size
        else:
            task.warn(
                f"{needy} result(s) have no original_width/original_height and the image "
                f"size could not be read ({reason}); they need the image size and were dropped"
            )


def _annotation(
    task: ImportedTask,
    ann: Any,
    where: str,
    is_prediction: bool,
    text_for: Callable[[Any], str | None],
) -> ImportedAnnotation | None:
    if not isinstance(ann, dict):
        task.refuse(f"an annotation must be an object, got a {_json_type(ann)}", where)
        return None
    result = ann.get("result", [])
    if result is None:
        result = []
    if not isinstance(result, list):
        task.refuse(f"'result' must be a list, got a {_json_type(result)}", f"{where}.result")
        return None
    regions, warnings = results_to_regions(
        result, field=f"{where}.result", image_size=task.image_size, text_for=text_for
    )
    for field_name, message in warnings:
        task.warn(message, field_name)
    if result and not regions:
        # Stored empty, it would claim the image has nothing to label (an empty YOLO file).
        task.warn(
            f"none of its {len(result)} result(s) could be read; the annotation is not imported",
            where,
        )
        return None
    imported = ImportedAnnotation(regions=list(regions))  # type: ignore[arg-type]
    if is_prediction:
        imported.kind = AnnotationKind.PREDICTION
        version = ann.get("model_version")
        imported.model_version = str(version) if version not in (None, "") else None
        imported.author = imported.model_version or "model"
    else:
        author, problem = author_from_ls(ann.get("completed_by"))
        imported.author = author
        if problem:
            task.warn(problem, f"{where}.completed_by")
        if ann.get("ground_truth") is True:
            imported.kind = AnnotationKind.GOLD
    imported.score = _optional_number(task, ann, "score", where)
    lead = _optional_number(task, ann, "lead_time", where)
    if lead is not None and lead < 0:
        task.warn(f"lead_time {lead!r} is negative; ignored", f"{where}.lead_time")
        lead = None
    imported.lead_time = lead
    cancelled = ann.get("was_cancelled", False)
    if not isinstance(cancelled, bool):
        task.warn("was_cancelled is not true/false; taken as false", f"{where}.was_cancelled")
        cancelled = False
    imported.was_cancelled = cancelled
    for key in ("created_at", "updated_at"):
        stamp, problem = parse_time(ann.get(key))
        if problem:
            task.warn(problem, f"{where}.{key}")
        setattr(imported, key, stamp)
    return imported


def _optional_number(task: ImportedTask, ann: dict[str, Any], key: str, where: str) -> float | None:
    raw = ann.get(key)
    if raw is None:
        return None
    value = number(raw)
    if value is None:
        task.warn(f"{key} {str(raw)[:40]!r} is not a finite number; ignored", f"{where}.{key}")
    return value


def _json_type(value: Any) -> str:
    return {
        dict: "object",
        list: "list",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
