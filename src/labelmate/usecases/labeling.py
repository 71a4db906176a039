"""Labeling a task: the regions being edited, every edit saved at once, time recorded.

The image canvas (and, later, the text screens) are thin faces over this module:
they turn mouse and key events into `labelmate.core.edits` edits and hand them to
`LabelingSession.apply`, which commits each one to the workspace in its own
transaction before the screen shows it. Quitting at any moment loses nothing.

The session edits the task's latest *mine* annotation; the first edit on a task
without one creates it. Gold (the latest gold annotation), the parsed config and
the project's rubric are loaded once per project (`ProjectContext`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from labelmate.core.edits import RegionEdit
from labelmate.core.errors import Location, WorkspaceError
from labelmate.core.labeling_interface import ControlTag, LabelingInterface
from labelmate.core.models import Annotation, AnnotationKind, Project, Task, TaskStatus
from labelmate.core.regions import RegionBase
from labelmate.store import Workspace

if TYPE_CHECKING:
    from labelmate.core.rubric import Rubric

DEFAULT_AUTHOR = "me"


@dataclass(frozen=True)
class ProjectContext:
    """What every task of a project shares: config, rubric, media folder.

    The rubric is parsed on first use: opening a task does not need it, hints do.
    """

    project: Project
    interface: LabelingInterface

    @classmethod
    def of(cls, project: Project) -> ProjectContext:
        from labelmate.core.labeling_interface import parse_labeling_config

        return cls(project, parse_labeling_config(project.config_xml, f"config of {project.name}"))

    @functools.cached_property
    def _loaded_rubric(self) -> tuple[Rubric | None, tuple[str, ...]]:
        if not self.project.rubric_yaml:
            return None, ()
        from labelmate.io.rubric_file import parse_rubric_text

        loaded = parse_rubric_text(
            self.project.rubric_yaml, f"rubric of {self.project.name}", lint=False
        )
        return loaded.rubric, tuple(p.format() for p in loaded.errors)

    @property
    def rubric(self) -> Rubric | None:
        return self._loaded_rubric[0]

    @property
    def problems(self) -> tuple[str, ...]:
        """Why the config or the rubric cannot be used as they are."""
        return tuple(p.format() for p in self.interface.errors) + self._loaded_rubric[1]

    @property
    def image_controls(self) -> tuple[ControlTag, ...]:
        """The drawing controls (boxes, polygons, keypoints), in config order."""
        return tuple(c for c in self.interface.controls if c.is_image_control)

    def media_path(self, task: Task) -> Path | None:
        """The task's media file on disk, or None when the task names none."""
        if not task.media:
            return None
        root = Path(self.project.media_root) if self.project.media_root else Path()
        return root / task.media


@dataclass
class LabelingSession:
    """One task open for labeling."""

    ws: Workspace
    context: ProjectContext
    task: Task
    author: str = DEFAULT_AUTHOR
    annotation: Annotation | None = None
    gold: tuple[RegionBase, ...] | None = None
    regions: tuple[RegionBase, ...] = ()
    _unsaved_seconds: float = field(default=0.0, repr=False)

    @classmethod
    def open(cls, ws: Workspace, context: ProjectContext, task: Task) -> LabelingSession:
        if task.id is None:
            raise WorkspaceError("the task was never stored", Location(field=task.external_id))
        annotations = ws.annotations_for_task(task.id)
        mine = [a for a in annotations if a.kind == AnnotationKind.MINE and not a.was_cancelled]
        gold = [a for a in annotations if a.kind == AnnotationKind.GOLD]
        current = mine[-1] if mine else None
        return cls(
            ws,
            context,
            task,
            annotation=current,
            gold=tuple(gold[-1].regions) if gold else None,
            regions=tuple(current.regions) if current else (),
        )

    # -- edits ---------------------------------------------------------------------------

    def apply(self, edit: RegionEdit, *, seconds: float = 0.0) -> tuple[RegionBase, ...]:
        """Apply `edit` and save it, adding `seconds` of active time to the lead time.

        On any failure nothing changes, here or on disk.
        """
        new = edit.apply(self.regions)
        self._unsaved_seconds += max(seconds, 0.0)
        self._save(new, edit.category)
        self.regions = new
        return new

    def record_time(self, seconds: float) -> None:
        """Add active seconds to the annotation's lead time (saved with the next write,
        or now when the annotation exists)."""
        if seconds <= 0:
            return
        self._unsaved_seconds += seconds
        if self.annotation is not None:
            self._save(self.regions, "time")

    def set_status(self, status: TaskStatus) -> None:
        """Mark the task. Marking done with nothing drawn stores an empty annotation:
        "I looked, there is nothing to label" is an answer too."""
        assert self.task.id is not None
        if status == TaskStatus.DONE and self.annotation is None:
            self._save(self.regions, "status")
        self.ws.set_task_status(self.task.id, status)
        self.task = self.task.model_copy(update={"status": status})

    def region(self, region_id: str) -> RegionBase | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def _save(self, regions: Sequence[RegionBase], reason: str) -> None:
        lead = (self.annotation.lead_time or 0.0) if self.annotation else 0.0
        lead += self._unsaved_seconds
        if self.annotation is None:
            assert self.task.id is not None
            self.annotation = self.ws.add_annotation(
                Annotation(
                    task_id=self.task.id,
                    author=self.author,
                    kind=AnnotationKind.MINE,
                    regions=list(regions),
                    lead_time=round(lead, 3),
                ),
                reason=reason,
            )
        else:
            self.annotation = self.ws.update_annotation(
                self.annotation.model_copy(
                    update={"regions": list(regions), "lead_time": round(lead, 3)}
                ),
                reason=reason,
            )
        self._unsaved_seconds = 0.0
