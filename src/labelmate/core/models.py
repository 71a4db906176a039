"""Projects, tasks and annotations: the records a workspace holds."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from labelmate.core.ids import AnnotationId, ProjectId, TaskId
from labelmate.core.regions import Region


def utcnow() -> datetime:
    return datetime.now(UTC)


class AnnotationKind(StrEnum):
    MINE = "mine"  # the user's own work
    GOLD = "gold"  # the reference answer
    PREDICTION = "prediction"  # a model's pre-annotation
    PEER = "peer"  # another annotator's work, for agreement


class TaskStatus(StrEnum):
    TODO = "todo"
    DONE = "done"
    FLAGGED = "flagged"


class Project(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: ProjectId | None = None
    name: str = Field(min_length=1)
    config_xml: str = Field(description="The Label Studio labeling config.")
    rubric_id: str | None = None
    rubric_yaml: str | None = Field(default=None, description="The rubric text, kept verbatim.")
    description: str = ""
    media_root: str | None = Field(
        default=None, description="Folder that task media paths are relative to."
    )
    confidential: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: TaskId | None = None
    project_id: ProjectId | None = None
    external_id: str = Field(min_length=1, description="Stable identity across re-imports.")
    data: dict[str, Any] = Field(default_factory=dict)
    media: str | None = Field(default=None, description="Media path, relative to media_root.")
    image_width: int | None = Field(default=None, gt=0)
    image_height: int | None = Field(default=None, gt=0)
    status: TaskStatus = TaskStatus.TODO
    problems: list[str] = Field(default_factory=list, description="Import findings.")
    created_at: datetime = Field(default_factory=utcnow)

    def content_hash(self) -> str:
        """Hash of the task data, used as identity when no external id exists."""
        return content_hash(self.data)


class TaskRecord(NamedTuple):
    """A task as a bulk import hands it to the store: plain values, no model.

    Building a pydantic `Task` per row cost more than the rest of importing
    100,000 tasks; the import use-case has already checked every value.
    """

    external_id: str
    data: dict[str, Any]
    data_json: str  # canonical_json(data), computed once by the importer
    content_hash: str  # hash_of_json(data_json)
    media: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    problems: tuple[str, ...] = ()

    def to_task(self, project_id: ProjectId) -> Task:
        return Task(
            project_id=project_id,
            external_id=self.external_id,
            data=self.data,
            media=self.media,
            image_width=self.image_width,
            image_height=self.image_height,
            problems=list(self.problems),
        )


# Task data is stored as canonical JSON (sorted keys, no spaces) and its content
# hash is taken over that same text, so an import serializes each task once.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")
)


def canonical_json(data: Any) -> str:
    """Raises ValueError for NaN or infinity and TypeError for values JSON cannot hold."""
    return _CANONICAL.encode(data)


def hash_of_json(blob: str) -> str:
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def content_hash(data: dict[str, Any]) -> str:
    return hash_of_json(canonical_json(data))


class Annotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: AnnotationId | None = None
    task_id: TaskId | None = None
    author: str = Field(min_length=1)
    kind: AnnotationKind = AnnotationKind.MINE
    regions: list[Region] = Field(default_factory=list)
    lead_time: float | None = Field(default=None, ge=0, description="Seconds spent.")
    was_cancelled: bool = False
    model_version: str | None = None
    score: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
