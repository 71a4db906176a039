"""Core models <-> SQLite rows, in one place so every column is written one way.

JSON columns are written compact, in UTF-8, and refuse NaN/Infinity: the file must
stay valid JSON for SQLite's ``json_valid`` checks and for every exporter, and a
value that cannot come back exactly must fail on write, not on some later read.
Times are ISO 8601 text, which sorts correctly and keeps the time zone.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from labelmate.core.errors import Location, TaskDataError
from labelmate.core.ids import AnnotationId, ProjectId, TaskId
from labelmate.core.models import (
    Annotation,
    AnnotationKind,
    Project,
    Task,
    canonical_json,
    hash_of_json,
)
from labelmate.core.regions import Region

REGIONS: TypeAdapter[list[Region]] = TypeAdapter(list[Region])

PROJECT_COLUMNS = (
    "id, name, config_xml, rubric_id, rubric_yaml, description, media_root, confidential,"
    " created_at"
)
TASK_COLUMNS = (
    "id, project_id, external_id, content_hash, data, media, image_width, image_height,"
    " status, problems, created_at, position"
)
ANNOTATION_COLUMNS = (
    "id, task_id, author, kind, regions, lead_time, was_cancelled, model_version, score,"
    " created_at, updated_at"
)


# One encoder for all writes: json.dumps with options builds a new one per call,
# which was a quarter of the time of a 20,000-task import.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def to_json(value: Any, field: str) -> str:
    if value == [] or value == {}:  # the common empty problems list or data dict
        return "[]" if isinstance(value, list) else "{}"
    try:
        return _ENCODER.encode(value)
    except (TypeError, ValueError) as exc:
        raise TaskDataError(f"cannot be stored as JSON: {exc}", Location(field=field)) from exc


def project_params(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "config_xml": project.config_xml,
        "rubric_id": project.rubric_id,
        "rubric_yaml": project.rubric_yaml,
        "description": project.description,
        "media_root": project.media_root,
        "confidential": int(project.confidential),
        "created_at": project.created_at.isoformat(),
    }


def project_from_row(row: sqlite3.Row) -> Project:
    return Project(
        id=ProjectId(row["id"]),
        name=row["name"],
        config_xml=row["config_xml"],
        rubric_id=row["rubric_id"],
        rubric_yaml=row["rubric_yaml"],
        description=row["description"],
        media_root=row["media_root"],
        confidential=bool(row["confidential"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def task_params(task: Task) -> dict[str, Any]:
    try:
        data = canonical_json(task.data)
    except (TypeError, ValueError) as exc:
        raise TaskDataError(f"cannot be stored as JSON: {exc}", Location(field="data")) from exc
    return {
        "id": task.id,
        "project_id": task.project_id,
        "external_id": task.external_id,
        "content_hash": hash_of_json(data),
        "data": data,
        "media": task.media,
        "image_width": task.image_width,
        "image_height": task.image_height,
        "status": task.status.value,
        "problems": to_json(task.problems, "problems"),
        "created_at": task.created_at.isoformat(),
    }


def task_from_row(row: sqlite3.Row) -> Task:
    return Task(
        id=TaskId(row["id"]),
        project_id=ProjectId(row["project_id"]),
        external_id=row["external_id"],
        data=json.loads(row["data"]),
        media=row["media"],
        image_width=row["image_width"],
        image_height=row["image_height"],
        status=row["status"],
        problems=json.loads(row["problems"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


def annotation_params(annotation: Annotation) -> dict[str, Any]:
    regions = REGIONS.dump_python(annotation.regions, mode="json")
    return {
        "id": annotation.id,
        "task_id": annotation.task_id,
        "author": annotation.author,
        "kind": annotation.kind.value,
        "regions": to_json(regions, "regions"),
        "lead_time": annotation.lead_time,
        "was_cancelled": int(annotation.was_cancelled),
        "model_version": annotation.model_version,
        "score": annotation.score,
        "created_at": annotation.created_at.isoformat(),
        "updated_at": annotation.updated_at.isoformat(),
    }


def annotation_from_row(row: sqlite3.Row) -> Annotation:
    return Annotation(
        id=AnnotationId(row["id"]),
        task_id=TaskId(row["task_id"]),
        author=row["author"],
        kind=row["kind"],
        regions=REGIONS.validate_json(row["regions"]),
        lead_time=row["lead_time"],
        was_cancelled=bool(row["was_cancelled"]),
        model_version=row["model_version"],
        score=row["score"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


_ANNOTATION_FIELDS = tuple(Annotation.model_fields)
_ANNOTATION_FIELD_INFO = tuple(Annotation.model_fields.values())
_HEAD_FIELDS = ("id", "task_id", "author", "kind", "regions", "lead_time", "was_cancelled",
                "model_version", "score", "created_at", "updated_at")  # fmt: skip
_CONSTRUCT_DIRECTLY = (  # what `annotation_head` fills, and nothing model_construct adds
    _ANNOTATION_FIELDS == _HEAD_FIELDS
    and Annotation.__pydantic_post_init__ is None
    and not Annotation.__private_attributes__
    and Annotation.model_config.get("extra") != "allow"
    and all(f.alias is None and f.validation_alias is None for f in _ANNOTATION_FIELD_INFO)
)


def annotation_head(
    ann_id: int, task_id: int, author: str, kind: str, lead_time: float | None,
    was_cancelled: int, created_at: str, updated_at: str,
) -> Annotation:  # fmt: skip
    """An annotation read for choosing what to score, *without its regions* (left
    empty): `Annotation.model_construct` of the row's values, built directly.

    Scoring 10,000 tasks reads 20,000 of these before it can start, and
    `model_construct` spent most of that looking for aliases and defaults the
    values never need; the object made is the same (fields, their order, which
    fields are set). The values are the store's own, as `model_construct` trusts them.
    """
    values = {
        "id": AnnotationId(ann_id),
        "task_id": TaskId(task_id),
        "author": author,
        "kind": AnnotationKind(kind),
        "regions": [],
        "lead_time": lead_time,
        "was_cancelled": bool(was_cancelled),
        "model_version": None,
        "score": None,
        "created_at": datetime.fromisoformat(created_at),
        "updated_at": datetime.fromisoformat(updated_at),
    }
    if not _CONSTRUCT_DIRECTLY:  # pragma: no cover - a model change brought aliases etc.
        return Annotation.model_construct(**values)
    head = object.__new__(Annotation)
    object.__setattr__(head, "__dict__", values)
    object.__setattr__(head, "__pydantic_fields_set__", set(_ANNOTATION_FIELDS))
    object.__setattr__(head, "__pydantic_extra__", None)
    object.__setattr__(head, "__pydantic_private__", None)
    return head


@dataclass(frozen=True, slots=True)
class Edit:
    """One line of the edit log: what happened to a task, and when.

    Kept after the annotation it names is deleted, so progress and time-spent
    figures do not shrink when work is redone.
    """

    id: int
    at: datetime
    task_id: TaskId
    annotation_id: AnnotationId | None
    action: str  # annotation_added | annotation_updated | annotation_deleted | status_set
    detail: str | None  # the annotation kind, or the new status


def edit_from_row(row: sqlite3.Row) -> Edit:
    annotation_id = row["annotation_id"]
    return Edit(
        id=row["id"],
        at=datetime.fromisoformat(row["at"]),
        task_id=TaskId(row["task_id"]),
        annotation_id=None if annotation_id is None else AnnotationId(annotation_id),
        action=row["action"],
        detail=row["detail"],
    )
