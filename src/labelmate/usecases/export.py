"""`labelmate export`: write a project in an outside format, atomically.

Formats that hold one annotation per image or document (COCO, YOLO, VOC,
labelme, CoNLL, JSONL) need to know *which* annotation: `--which` decides, and
when a task has several candidates and no `--which` was given the export stops
and asks, instead of silently taking the oldest or the newest (formats.md §8.12).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from labelmate.core.errors import InputError, Location, NotFoundError, Problem, Severity
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.io.atomic import DirectoryNotEmptyError, staging_dir
from labelmate.io.formats import SINGLE_ANNOTATION_FORMATS, WRITERS
from labelmate.io.interchange import ExportItem, WriteContext
from labelmate.store import Workspace
from labelmate.usecases.workspace import open_workspace


@dataclass(frozen=True)
class Which:
    """Which annotation(s) of a task to export: mine, gold, latest or author:NAME."""

    rule: str
    author: str | None = None

    @classmethod
    def parse(cls, text: str) -> Which:
        if text in ("mine", "gold", "latest"):
            return cls(text)
        if text.startswith("author:") and text[7:].strip():
            return cls("author", text[7:].strip())
        raise InputError(f"--which takes mine, gold, latest or author:NAME, not '{text}'")

    def candidates(self, annotations: list[Annotation]) -> list[Annotation]:
        usable = [a for a in annotations if not a.was_cancelled]
        if self.rule == "mine":
            return [a for a in usable if a.kind is AnnotationKind.MINE]
        if self.rule == "gold":
            return [a for a in usable if a.kind is AnnotationKind.GOLD]
        if self.rule == "author":
            return [a for a in usable if a.author == self.author]
        return [a for a in usable if a.kind is not AnnotationKind.PREDICTION]

    def choose(self, annotations: list[Annotation]) -> Annotation | None:
        """The most recently updated candidate (ties: the later-stored one)."""
        found = self.candidates(annotations)
        return max(found, key=lambda a: (a.updated_at, a.id or 0)) if found else None

    def __str__(self) -> str:
        return f"author:{self.author}" if self.rule == "author" else self.rule


@dataclass
class ExportReport:
    project: str
    format: str
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    tasks: int = 0
    regions: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    def lines(self) -> list[str]:
        out = [
            f"Exported {self.tasks} tasks ({self.regions} regions) of '{self.project}' as "
            f"{self.format} to {self.out_dir}"
        ]
        out += [f"  wrote {f}" for f in self.files]
        out += ["  " + p.format() for p in self.problems]
        return out


RUBRIC_FILE = "rubric.yaml"


def export_project(
    project_name: str,
    fmt: str,
    out_dir: Path,
    *,
    which: Which | None = None,
    workspace: Path | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ExportReport:
    """Open the workspace at `workspace` (default: the user's) and export from it."""
    with open_workspace(workspace) as ws:
        return export_from(ws, project_name, fmt, out_dir, which, options, progress)


def export_from(
    ws: Workspace,
    project_name: str,
    fmt: str,
    out_dir: Path,
    which: Which | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ExportReport:
    """Export from an open workspace (the app holds one open; the CLI opens its own)."""
    if fmt not in WRITERS:
        raise InputError(f"unknown export format '{fmt}'; use one of {', '.join(WRITERS)}")
    report = ExportReport(project=project_name, format=fmt, out_dir=out_dir)
    project = ws.project_by_name(project_name)
    if project is None:
        names = ", ".join(p.name for p in ws.list_projects()) or "none yet"
        raise NotFoundError(f"no project named '{project_name}' (projects: {names})")
    assert project.id is not None
    interface = parse_labeling_config(project.config_xml, source=f"project '{project.name}'")
    interface.raise_for_errors()
    tasks = ws.list_tasks(project.id)
    single = fmt in SINGLE_ANNOTATION_FORMATS
    if single and which is None:
        counts = ws.annotation_counts(project.id)
        crowded = [t.external_id for t in tasks if counts.get(t.id, 0) > 1]  # type: ignore[arg-type]
        if crowded:
            raise InputError(
                f"{fmt} holds one annotation per item, and {len(crowded)} tasks have "
                f"several (first: '{crowded[0]}'); choose with --which mine, gold, latest "
                "or author:NAME"
            )
        which = Which("latest")
    items = PagedExportItems(ws, project, tasks, which, single)
    replace = bool((options or {}).get("replace"))
    try:
        with staging_dir(out_dir, replace=replace) as stage:
            # Writers that store relative paths (labelme's imagePath) need the final folder.
            settings = {"dest_dir": out_dir.resolve(), **(options or {})}
            ctx = WriteContext(project, interface, stage, settings, progress)
            result = WRITERS[fmt](items, ctx)
            if project.rubric_yaml:
                # The rubric travels with the work, rulings included (formats.md has no
                # place for it, so it sits beside the export).
                (stage / RUBRIC_FILE).write_text(project.rubric_yaml, encoding="utf-8")
                result.files.append(Path(RUBRIC_FILE))
    except DirectoryNotEmptyError:
        raise InputError(
            "the folder is not empty; choose an empty folder, or replace its contents "
            "(--replace) so no file of an earlier export is left beside the new one",
            Location(file=str(out_dir)),
        ) from None
    except (FileExistsError, NotADirectoryError, PermissionError, FileNotFoundError) as exc:
        raise InputError(
            f"cannot write the export there: {exc.strerror or exc}", Location(file=str(out_dir))
        ) from None
    report.files = [out_dir / f for f in result.files]
    report.tasks = result.exported_tasks
    report.regions = result.exported_regions
    report.problems = list(result.problems)
    if items.ambiguous:
        first = items.ambiguous[0]
        report.problems.append(
            Problem(
                Severity.WARNING,
                f"{len(items.ambiguous)} task(s) have several annotations matching --which "
                f"{which} (first: '{first}'); the most recently updated of each was exported",
            )
        )
    return report


class PagedExportItems(Sequence[ExportItem]):
    """The export's items, read from the workspace a page of tasks at a time.

    Holding every annotation of a big project as models at once cost more time
    (allocation) and memory than the export itself; a writer iterates pages and
    only the current page's annotations are alive.
    """

    PAGE = 500

    def __init__(
        self,
        ws: Workspace,
        project: Project,
        tasks: list[Task],
        which: Which | None,
        single: bool,
    ) -> None:
        self._ws, self._tasks, self._which, self._single = ws, tasks, which, single
        self._root = Path(project.media_root) if project.media_root else None
        self._page_start = -1
        self._page: list[ExportItem] = []
        self._ambiguous: dict[str, None] = {}  # tasks where `which` matched several

    @property
    def tasks(self) -> list[Task]:
        """The tasks alone, for writers' passes that need no annotations (`tasks_of`)."""
        return self._tasks

    @property
    def ambiguous(self) -> list[str]:
        """External ids of tasks where `which` matched several annotations."""
        return list(self._ambiguous)

    def __len__(self) -> int:
        return len(self._tasks)

    @overload
    def __getitem__(self, index: int) -> ExportItem: ...
    @overload
    def __getitem__(self, index: slice) -> list[ExportItem]: ...
    def __getitem__(self, index: int | slice) -> ExportItem | list[ExportItem]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start = index - index % self.PAGE
        if start != self._page_start:
            self._page, self._page_start = self._load(start), start
        return self._page[index - start]

    def __iter__(self) -> Iterator[ExportItem]:
        for start in range(0, len(self), self.PAGE):
            yield from self._load(start)

    def _load(self, start: int) -> list[ExportItem]:
        page = self._tasks[start : start + self.PAGE]
        annotations = self._ws.annotations_for_tasks(t.id for t in page if t.id is not None)
        return [self._item(task, annotations.get(task.id, [])) for task in page]  # type: ignore[arg-type]

    def _item(self, task: Task, own: list[Annotation]) -> ExportItem:
        if self._single:
            assert self._which is not None
            chosen = self._which.choose(own)
            picked = [chosen] if chosen else []
            if len(self._which.candidates(own)) > 1:
                self._ambiguous[task.external_id] = None
        elif self._which is not None:
            picked = self._which.candidates(own)
        else:
            picked = own
        image = None
        if task.media:
            image = self._root / task.media if self._root is not None else Path(task.media)
        return ExportItem(task=task, annotations=picked, image_path=image)
