"""`labelmate import`: read outside files into a project, safely and idempotently.

Each file is read completely before the workspace is touched, then stored in one
transaction: an unreadable file leaves the workspace unchanged. Problems with
single tasks are collected, never fatal: a refused task is skipped, a task whose
image is missing is stored and marked. Re-importing a file adds nothing twice:
tasks are identified by external id (or a hash of their data) and annotations by
their content.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, LabelmateError, Location, Problem, Severity
from labelmate.core.ids import TaskId
from labelmate.core.labeling_interface import LabelingInterface, parse_labeling_config
from labelmate.core.models import (
    Annotation,
    AnnotationKind,
    Project,
    TaskRecord,
    canonical_json,
    hash_of_json,
)
from labelmate.core.regions import Region
from labelmate.io.formats import READERS, detect_format
from labelmate.io.interchange import ImportedAnnotation, ImportedTask, ReadContext, ReadResult
from labelmate.io.media import MediaResolver
from labelmate.io.per_image import MAX_IMAGE_SIDE
from labelmate.io.rubric_file import load_rubric
from labelmate.store import Workspace
from labelmate.usecases.workspace import open_workspace

Progress = Callable[[str, int, int | None], None]  # (file, done, total)


@dataclass(frozen=True)
class ImportAs:
    """Whose work the imported annotations are (`--as mine|gold|peer:NAME`)."""

    kind: AnnotationKind = AnnotationKind.MINE
    author: str | None = None

    @classmethod
    def parse(cls, text: str) -> ImportAs:
        if text in ("mine", "gold"):
            return cls(AnnotationKind(text))
        if text.startswith("peer:") and text[5:].strip():
            return cls(AnnotationKind.PEER, text[5:].strip())
        raise InputError(f"--as takes mine, gold or peer:NAME, not '{text}'")

    def default_author(self) -> str:
        return self.author or {AnnotationKind.MINE: "me", AnnotationKind.GOLD: "gold"}.get(
            self.kind, "peer"
        )


@dataclass
class FileReport:
    path: Path
    format: str
    imported: int = 0
    updated: int = 0
    skipped: int = 0  # already in the workspace, unchanged
    refused: int = 0
    annotations_added: int = 0
    annotations_skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    failed: bool = False  # the whole file was rejected; nothing from it was stored

    def summary(self) -> str:
        if self.failed:
            return f"{self.path}: not imported; the workspace is unchanged"
        return (
            f"{self.path} ({self.format}): {self.imported} imported, {self.updated} updated, "
            f"{self.skipped} skipped (already there), {self.refused} refused; "
            f"{self.annotations_added} annotations added"
            + (f", {self.annotations_skipped} already there" if self.annotations_skipped else "")
        )


@dataclass
class ImportReport:
    project: str
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.failed for f in self.files)

    def lines(self) -> list[str]:
        out: list[str] = []
        for report in self.files:
            out.append(report.summary())
            out.extend("  " + p.format() for p in report.problems)
        return out


@dataclass
class ImportRequest:
    paths: Sequence[Path]
    project: str
    config: Path | None = None
    rubric: Path | None = None
    as_: ImportAs = field(default_factory=ImportAs)
    media_root: Path | None = None
    format: str | None = None


def import_files(
    request: ImportRequest, workspace: Path | None, progress: Progress | None = None
) -> ImportReport:
    """Open the workspace at `workspace` (default: the user's) and import into it."""
    with open_workspace(workspace) as ws:
        return import_into(ws, request, progress)


def import_into(
    ws: Workspace, request: ImportRequest, progress: Progress | None = None
) -> ImportReport:
    """Import into an open workspace (the app holds one open; the CLI opens its own)."""
    report = ImportReport(project=request.project)
    config_xml = _read_text(request.config) if request.config else None
    rubric = load_rubric(request.rubric).require() if request.rubric else None
    project = ws.project_by_name(request.project)
    if project is not None and config_xml is not None and config_xml != project.config_xml:
        raise InputError(
            f"project '{project.name}' already has a different labeling config; "
            "import without --config, or into a new project",
            Location(file=str(request.config)),
        )
    shared: dict[str, Any] = {}  # what one file's reader leaves for the next (ReadContext)
    for path in request.paths:
        with _gc_paused():
            file_report = _import_one(ws, request, path, project, config_xml, progress, shared)
        report.files.append(file_report)
        project = ws.project_by_name(request.project)
    if project is not None and rubric is not None and project.rubric_id != rubric.id:
        assert request.rubric is not None
        ws.update_project(
            project.model_copy(
                update={"rubric_id": rubric.id, "rubric_yaml": _read_text(request.rubric)}
            )
        )
    return report


_gc_lock = threading.Lock()
_gc_pauses = 0  # imports running now; the collector comes back when the last one ends
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while one file is read and stored.

    A 100,000-task file is several hundred thousand small dicts, lists and
    records, none of them in a cycle; with the collector on, each new batch of
    them makes it rescan everything already read, which cost about a fifth of an
    import. Reference counting still frees everything as usual.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _import_one(
    ws: Workspace,
    request: ImportRequest,
    path: Path,
    project: Project | None,
    config_xml: str | None,
    progress: Progress | None,
    shared: dict[str, Any],
) -> FileReport:
    report = FileReport(path=path, format=request.format or "?")
    try:
        fmt = request.format or detect_format(path)
        if fmt not in READERS:
            raise InputError(f"unknown format '{fmt}'; use one of {', '.join(sorted(READERS))}")
    except LabelmateError as exc:  # this file fails; the files before it stay imported
        report.failed = True
        report.problems.extend(_as_problems(exc, path))
        return report
    report.format = fmt
    root = (request.media_root or (path if path.is_dir() else path.parent)).resolve()
    resolver = MediaResolver(root)
    known_xml = project.config_xml if project is not None else config_xml
    interface = _interface(known_xml) if known_xml else None
    ctx = ReadContext(
        media=resolver,
        interface=interface,
        progress=(lambda done, total: progress(str(path), done, total)) if progress else None,
        shared=shared,
    )
    try:
        result = READERS[fmt](path, ctx)
    except LabelmateError as exc:
        report.failed = True
        report.problems.extend(_as_problems(exc, path))
        return report
    report.problems.extend(result.problems)
    if project is None:
        xml = config_xml or result.config_xml
        if xml is None:
            report.failed = True
            report.problems.append(
                Problem(
                    Severity.ERROR,
                    f"project '{request.project}' does not exist yet; give its Label Studio "
                    "labeling config with --config CONFIG.xml",
                    Location(file=str(path)),
                )
            )
            return report
        interface = _interface(xml)
    assert interface is not None
    with ws.transaction():
        if project is None:
            project = ws.add_project(
                Project(
                    name=request.project,
                    config_xml=xml,
                    media_root=str(root),
                    confidential=True,  # imported work is client work until marked shareable
                )
            )
        _store(ws, project, interface, result, resolver, request.as_, report)
    return report


def _interface(xml: str) -> LabelingInterface:
    interface = parse_labeling_config(xml, source="labeling config")
    interface.raise_for_errors()
    return interface


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", Location(file=str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", Location(file=str(path))) from None


def _as_problems(exc: LabelmateError, path: Path) -> list[Problem]:
    problems = list(exc.problems)
    return [
        p if p.location.file else Problem(p.severity, p.message, Location(file=str(path)))
        for p in problems
    ]


def _store(
    ws: Workspace,
    project: Project,
    interface: LabelingInterface,
    result: ReadResult,
    resolver: MediaResolver,
    as_: ImportAs,
    report: FileReport,
) -> None:
    assert project.id is not None
    known = ws.task_identities(project.id)
    project_root = Path(project.media_root) if project.media_root else resolver.root
    new_records: list[TaskRecord] = []
    seen: set[str] = set()  # external ids met so far in this file
    annotations_by_key: dict[str, list[tuple[ImportedTask, ImportedAnnotation]]] = {}
    changed: dict[str, ImportedTask] = {}  # known tasks whose data this import replaced
    keys_read = interface.data_keys_read
    for item in result.tasks:
        record = (
            None
            if item.refused
            else _prepare_task(item, interface, keys_read, resolver, project_root)
        )
        if item.problems:
            report.problems.extend(item.problems)
        if record is None or item.refused:
            report.refused += 1
            continue
        key = record.external_id
        if key in seen:
            report.problems.append(
                Problem(
                    Severity.WARNING,
                    f"repeats task '{key}' from earlier in this file; annotations merged",
                    item.where(),
                )
            )
        elif key not in known:
            seen.add(key)
            new_records.append(record)
        else:
            seen.add(key)
            if known[key][1] != record.content_hash:
                ws.upsert_task(record.to_task(project.id))
                changed[key] = item
                report.updated += 1
            else:
                report.skipped += 1
        if item.annotations:
            annotations_by_key.setdefault(key, []).extend((item, a) for a in item.annotations)
    new_ids = ws.insert_task_records(project.id, new_records)
    report.imported += len(new_ids)
    # Known tasks this import touches: their stored annotations tell which imported
    # ones are already there, and whether data that changed under them needs a warning.
    ids = {k: known[k][0] for k in (*annotations_by_key, *changed) if k in known}
    stored = ws.annotations_for_tasks(list(ids.values()))
    if annotations_by_key:
        ids.update(
            (r.external_id, i)
            for r, i in zip(new_records, new_ids, strict=True)
            if r.external_id in annotations_by_key
        )
    existing = {task_id: {_signature(a) for a in anns} for task_id, anns in stored.items()}
    for key, item in changed.items():
        if stored.get(ids[key]):
            report.problems.append(
                Problem(
                    Severity.WARNING,
                    f"task '{key}' is already in the project with other data; its data was "
                    f"replaced, and its {len(stored[ids[key]])} earlier annotation(s) were made "
                    "on the old data: check them (or import into a new project)",
                    item.where(),
                )
            )
    fresh: list[Annotation] = []
    for key, imported in annotations_by_key.items():
        task_id = ids[key]
        signatures = existing.setdefault(task_id, set())
        for annotation in _annotations(imported, task_id, as_, interface, report):
            signature = _signature(annotation)
            if signature in signatures:
                report.annotations_skipped += 1
            else:
                signatures.add(signature)
                fresh.append(annotation)
    report.annotations_added += len(ws.add_annotations(fresh))


def _prepare_task(
    item: ImportedTask,
    interface: LabelingInterface,
    keys_read: frozenset[str],
    resolver: MediaResolver,
    project_root: Path,
) -> TaskRecord | None:
    """The task to store, or None with problems recorded on `item`."""
    data = item.data
    if not (isinstance(data, dict) and keys_read <= data.keys()):
        for problem in interface.check_task_data(data, item.where()):
            if problem.is_error:
                item.refuse(problem.message)
            else:
                item.warn(problem.message)
    if item.refused:
        return None
    media: str | None = None
    size = item.image_size
    if item.media is not None:
        ref = resolver.resolve(item.media)
        if ref.refused:
            item.refuse(f"media '{item.media}' refused: {ref.problem}")
            return None
        assert ref.path is not None
        media = _relative(ref.path, project_root)
        if ref.problem:
            item.warn(f"media '{item.media}': {ref.problem}; the task is marked")
        else:
            size = _checked_size(item, resolver, ref.path, size)
    try:
        blob = canonical_json(data)
        digest = hash_of_json(blob)  # encodes to UTF-8: fails on lone surrogates
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        item.refuse(f"task data cannot be stored: {_first_line(exc)}", "data")
        return None
    external_id = item.external_id
    if not external_id:
        external_id = f"h:{digest}"
    elif not _storable_text(external_id):
        item.refuse("the task id is not valid text (a lone surrogate)", "id")
        return None
    if size is not None and not all(isinstance(v, int) and 0 < v <= MAX_IMAGE_SIDE for v in size):
        item.warn(f"image size {size[0]}×{size[1]} is not plausible; ignored")
        size = None
    return TaskRecord(
        external_id,
        data,
        blob,
        digest,
        media,
        size[0] if size else None,
        size[1] if size else None,
        tuple(_safe_text(p.message) for p in item.problems) if item.problems else (),
    )


def _safe_text(text: str) -> str:
    """Messages may quote bad input; lone surrogates become escapes so they can be stored."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _storable_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _checked_size(
    item: ImportedTask,
    resolver: MediaResolver,
    path: Path,
    declared: tuple[int, int] | None,
) -> tuple[int, int] | None:
    """The image's size as displayed (EXIF applied), which the task stores; a different
    size declared in the imported file is reported, since its regions were placed
    against that size."""
    try:
        actual = resolver.image_size(path)
    except OSError as exc:
        item.warn(str(exc))
        return declared
    if declared is not None and tuple(declared) != actual:
        item.warn(
            f"the file says the image is {declared[0]}×{declared[1]} but {path.name} is "
            f"{actual[0]}×{actual[1]} as displayed (EXIF orientation applied); the task keeps "
            "the displayed size, and its regions, placed against the declared size, may be "
            "off: check them"
        )
    return actual


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _annotations(
    imported: list[tuple[ImportedTask, ImportedAnnotation]],
    task_id: TaskId,
    as_: ImportAs,
    interface: LabelingInterface,
    report: FileReport,
) -> list[Annotation]:
    out = []
    for item, ann in imported:
        if ann.kind in (AnnotationKind.GOLD, AnnotationKind.PREDICTION):
            # The file says what these are (ground_truth, predictions); --as does not apply.
            kind, author = ann.kind, ann.author or ann.kind.value
        else:
            kind = as_.kind
            author = as_.author or ann.author or as_.default_author()
        extra = {}
        if ann.created_at is not None:
            extra["created_at"] = ann.created_at
        if ann.updated_at is not None:
            extra["updated_at"] = ann.updated_at
        regions = _regions_of_the_config(ann.regions, interface, item, report)
        if ann.regions and not regions:  # stored empty it would mean "nothing to label"
            continue
        try:
            annotation = Annotation(
                task_id=task_id,
                author=author,
                kind=kind,
                regions=regions,
                lead_time=ann.lead_time,
                was_cancelled=ann.was_cancelled,
                model_version=ann.model_version,
                score=ann.score,
                **extra,
            )
            annotation.model_dump_json().encode("utf-8")  # storable: no lone surrogates
        except (ValueError, UnicodeError) as exc:
            report.problems.append(
                Problem(
                    Severity.WARNING, f"annotation not stored: {_first_line(exc)}", item.where()
                )
            )
            continue
        out.append(annotation)
    return out


def _regions_of_the_config(
    regions: list[Region],
    interface: LabelingInterface,
    item: ImportedTask,
    report: FileReport,
) -> list[Region]:
    """Regions whose control the project's config has; the others are dropped, said once.

    A result from a control the config lacks could never be shown or edited, and
    an export would carry a `from_name` Label Studio rejects.
    """
    kept, dropped = [], {}
    for region in regions:
        control = interface.control(region.control)
        if control is None or region.type != control.region_type:
            dropped[region.control] = dropped.get(region.control, 0) + 1
        else:
            kept.append(region)
    for name, count in dropped.items():
        known = ", ".join(c.name for c in interface.controls)
        report.problems.append(
            Problem(
                Severity.WARNING,
                f"{count} result(s) of '{name}' dropped: the project's config has no such "
                f"control of that kind (controls: {known})",
                item.where(),
            )
        )
    return kept


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _signature(annotation: Annotation) -> str:
    """What makes two annotations the same work: who, what kind, which regions."""
    regions = [r.model_dump(mode="json", exclude={"id"}) for r in annotation.regions]
    return json.dumps(
        [annotation.author, annotation.kind.value, annotation.was_cancelled, regions],
        sort_keys=True,
    )
