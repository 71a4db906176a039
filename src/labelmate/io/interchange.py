"""What every reader produces and every writer consumes.

Readers turn an outside file into `ImportedTask`s (pixel coordinates, problems
collected per task); the import use-case resolves media, dedupes, and stores them.
Writers get `ExportItem`s (a stored task, the annotations chosen for it and where
its image lives) and write files into a staging folder the export use-case makes
atomic. No reader or writer touches the workspace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from labelmate.core.errors import Location, Problem, Severity
from labelmate.core.labeling_interface import LabelingInterface
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Region
from labelmate.io.media import MediaResolver


@dataclass(slots=True)
class ImportedAnnotation:
    regions: list[Region]
    kind: AnnotationKind | None = None  # None: the kind the user chose with --as
    author: str | None = None  # None: the author the user chose with --as
    lead_time: float | None = None
    was_cancelled: bool = False
    model_version: str | None = None
    score: float | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)  # slots: a big import holds 100,000s of these at once
class ImportedTask:
    """One task read from a file, before it meets the workspace."""

    index: int  # 0-based position in its source, for messages ("task 3")
    source: str  # the file it came from
    data: dict[str, Any]
    external_id: str | None = None  # None: the use-case derives one from the data
    media: str | None = None  # the media reference as written in the file
    image_size: tuple[int, int] | None = None  # as the file declares it, if it does
    annotations: list[ImportedAnnotation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused: bool = False  # a problem so serious the task must not be stored

    def where(self, field_name: str | None = None) -> Location:
        return Location(file=self.source, field=_task_field(self.index, field_name))

    def warn(self, message: str, field_name: str | None = None) -> None:
        self.problems.append(Problem(Severity.WARNING, message, self.where(field_name)))

    def refuse(self, message: str, field_name: str | None = None) -> None:
        self.problems.append(Problem(Severity.ERROR, message, self.where(field_name)))
        self.refused = True


def _task_field(index: int, field_name: str | None) -> str:
    return f"task {index + 1}" + (f": {field_name}" if field_name else "")


@dataclass
class ReadContext:
    """What a reader may consult besides its input file."""

    media: MediaResolver
    interface: LabelingInterface | None = None  # the project's config, when known
    progress: Callable[[int, int | None], None] | None = None  # (done, total)
    # What readers leave for the files after theirs in the same import: a COCO
    # dataset's images and categories, which a COCO results file names by id.
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadResult:
    tasks: list[ImportedTask]
    problems: list[Problem] = field(default_factory=list)  # about the file as a whole
    config_xml: str | None = None  # a config the format implies (e.g. COCO categories)


@dataclass
class ExportItem:
    task: Task
    annotations: list[Annotation]  # per-image formats get at most one, chosen by --which
    image_path: Path | None  # the resolved media file, when the task has one


def tasks_of(items: Sequence[ExportItem]) -> Sequence[Task]:
    """The items' tasks without reading their annotations.

    An export's items may be read from the workspace page by page (annotations
    decoded per page); a writer that needs a pass over the tasks alone (file
    names, say) asks here, so the annotations are decoded once, not per pass.
    """
    tasks = getattr(items, "tasks", None)
    return tasks if tasks is not None else [item.task for item in items]


@dataclass
class WriteContext:
    project: Project
    interface: LabelingInterface
    out_dir: Path  # a fresh staging folder; the use-case moves its contents into place
    options: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[int, int | None], None] | None = None


@dataclass
class WriteResult:
    files: list[Path]  # relative to out_dir
    problems: list[Problem] = field(default_factory=list)
    exported_tasks: int = 0
    exported_regions: int = 0
