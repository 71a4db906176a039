"""A workspace: one SQLite file holding every project, task and annotation.

Why the settings below:
- WAL lets the GUI read (list a page of tasks) while an edit commits, and makes a
  crash mid-write harmless.
- ``synchronous = FULL`` because an annotator's edit must be on disk when the call
  returns; WAL's usual NORMAL can lose the last commits on a power cut.
- ``foreign_keys = ON`` so deleting a project really deletes its tasks and
  annotations — confidential work must not linger as orphans.
- The connection runs in driver autocommit mode and every write goes through
  :meth:`Workspace.transaction`, so no statement can commit half an edit.
- Reads never open a transaction: each SELECT sees the last committed state.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import platformdirs

from labelmate import __version__
from labelmate.core.errors import Location, NotFoundError, WorkspaceError
from labelmate.core.ids import AnnotationId, ProjectId, TaskId
from labelmate.core.models import Annotation, AnnotationKind, Project, utcnow
from labelmate.store import rows
from labelmate.store.lock import WorkspaceLock
from labelmate.store.queries import QueryTable
from labelmate.store.rows import Edit
from labelmate.store.schema import migrate, read_version, write_app_version
from labelmate.store.score_sessions import ScoreSessionTable
from labelmate.store.tasks import TaskTable
from labelmate.store.transaction import Transactions

if TYPE_CHECKING:
    import sqlite_utils

WORKSPACE_FILENAME = "workspace.labelmate"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def default_workspace_path() -> Path:
    """``<user data dir>/workspace.labelmate``; LABELMATE_DATA_DIR overrides the folder
    so tests and portable installs never touch the user's real workspace."""
    override = os.environ.get("LABELMATE_DATA_DIR")
    folder = Path(override) if override else platformdirs.user_data_path("Labelmate", False)
    return folder / WORKSPACE_FILENAME


def open_workspace(path: Path | None = None, *, create: bool = True) -> Workspace:
    """Open ``path``, or the default workspace when no path is given."""
    return Workspace.open(path or default_workspace_path(), create=create)


class Workspace(TaskTable, ScoreSessionTable, QueryTable):
    """An open workspace. Use :meth:`open`; close it (or use ``with``) to free the lock.

    Every mutating method is its own transaction and is durable when it returns;
    wrap several in :meth:`transaction` to make them one all-or-nothing edit.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, lock: WorkspaceLock) -> None:
        self._path = path
        self._conn = conn
        self._lock = lock
        self._tx = Transactions(conn)
        """sqlite-utils view of the same connection, for introspection and bulk helpers."""

    # -- life cycle -------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Workspace:
        """Lock, check, upgrade if needed, and open the workspace file at ``path``.

        Raises WorkspaceLockedError if another Labelmate has it open, and
        WorkspaceError if it is missing (``create=False``), not a workspace, or from
        a newer Labelmate — in those cases the file is left untouched.
        """
        path = Path(path).expanduser().resolve()
        where = Location(file=str(path))
        existed = path.exists()
        if not existed and not create:
            raise WorkspaceError("no workspace here", where)
        if path.is_dir():
            raise WorkspaceError("is a folder, not a workspace file", where)
        if existed:
            _check_magic(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot create its folder: {exc.strerror}", where) from exc
        lock = WorkspaceLock(path)
        lock.acquire()
        try:
            conn = _connect(path)
        except BaseException:
            lock.release()
            if not existed:
                _remove_new_file(path)
            raise
        return cls(path, conn, lock)

    def close(self) -> None:
        """Close the file (checkpointing the WAL) and then release the lock."""
        if not self._lock.held:
            return
        try:
            self._conn.close()
        finally:
            self._lock.release()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._lock.held else "closed"
        return f"<Workspace {self._path} ({state})>"

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The connection as a sqlite-utils Database, for ad-hoc queries and tools.

        Imported on first use: the window does not need it to open.
        """
        import sqlite_utils

        return sqlite_utils.Database(self._conn)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing: COMMIT at the end, ROLLBACK on any exception (re-raised).

        Nested calls join the outer transaction through a savepoint.
        """
        with self._tx() as conn:
            yield conn

    # -- projects ---------------------------------------------------------------------

    def add_project(self, project: Project) -> Project:
        """Store a new project; the workspace assigns the id unless one is given."""
        params = rows.project_params(project)
        with self.transaction() as conn:
            self._check_name_free(project.name, None)
            if project.id is not None and self._one(
                "SELECT 1 FROM projects WHERE id = ?", project.id
            ):
                raise WorkspaceError(f"project {project.id} already exists")
            cur = conn.execute(
                f"INSERT INTO projects ({rows.PROJECT_COLUMNS}) VALUES (:id, :name, :config_xml,"
                " :rubric_id, :rubric_yaml, :description, :media_root, :confidential, :created_at)",
                params,
            )
        return project.model_copy(update={"id": ProjectId(cur.lastrowid or 0)})

    def get_project(self, project_id: ProjectId) -> Project:
        row = self._one(f"SELECT {rows.PROJECT_COLUMNS} FROM projects WHERE id = ?", project_id)
        if row is None:
            raise NotFoundError(f"project {project_id} does not exist")
        return rows.project_from_row(row)

    def project_by_name(self, name: str) -> Project | None:
        """Names compare case-insensitively, as they are unique case-insensitively."""
        row = self._one(f"SELECT {rows.PROJECT_COLUMNS} FROM projects WHERE name = ?", name)
        return None if row is None else rows.project_from_row(row)

    def list_projects(self) -> list[Project]:
        cur = self._conn.execute(
            f"SELECT {rows.PROJECT_COLUMNS} FROM projects ORDER BY name COLLATE NOCASE, id"
        )
        return [rows.project_from_row(r) for r in cur]

    def update_project(self, project: Project) -> Project:
        if project.id is None:
            raise NotFoundError("cannot update a project that was never stored (no id)")
        params = rows.project_params(project)
        with self.transaction() as conn:
            self._check_name_free(project.name, project.id)
            cur = conn.execute(
                "UPDATE projects SET name = :name, config_xml = :config_xml,"
                " rubric_id = :rubric_id, rubric_yaml = :rubric_yaml,"
                " description = :description, media_root = :media_root,"
                " confidential = :confidential,"
                " created_at = :created_at WHERE id = :id",
                params,
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"project {project.id} does not exist")
        return project

    def delete_project(self, project_id: ProjectId) -> None:
        """Delete the project with all its tasks, annotations and edit log."""
        with self.transaction() as conn:
            if conn.execute("DELETE FROM projects WHERE id = ?", (project_id,)).rowcount == 0:
                raise NotFoundError(f"project {project_id} does not exist")

    def _check_name_free(self, name: str, own_id: ProjectId | None) -> None:
        row = self._one("SELECT id, name FROM projects WHERE name = ?", name)
        if row is not None and row["id"] != own_id:
            raise WorkspaceError(f"a project named {row['name']!r} already exists")

    # -- annotations ------------------------------------------------------------------

    def add_annotation(self, annotation: Annotation, *, reason: str | None = None) -> Annotation:
        """Store a new annotation. A given id is kept, so undoing a delete restores
        the very annotation later undo steps refer to. `reason` goes to the edit log
        (what the edit served, e.g. "geometry"); the kind is logged by default."""
        if annotation.task_id is None:
            raise NotFoundError("the annotation has no task_id")
        params = rows.annotation_params(annotation)
        with self.transaction() as conn:
            self._require_task(annotation.task_id)
            if annotation.id is not None and self._one(
                "SELECT 1 FROM annotations WHERE id = ?", annotation.id
            ):
                raise WorkspaceError(f"annotation {annotation.id} already exists")
            cur = conn.execute(
                f"INSERT INTO annotations ({rows.ANNOTATION_COLUMNS}) VALUES (:id, :task_id,"
                " :author, :kind, :regions, :lead_time, :was_cancelled, :model_version, :score,"
                " :created_at, :updated_at)",
                params,
            )
            new_id = AnnotationId(cur.lastrowid or 0)
            self._log(
                annotation.task_id, new_id, "annotation_added", reason or annotation.kind.value
            )
        return annotation.model_copy(update={"id": new_id})

    def add_annotations(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """Store many new annotations in one transaction (an import): all or none."""
        batch = list(annotations)
        if not batch:
            return []
        if any(a.task_id is None for a in batch):
            raise NotFoundError("an annotation has no task_id")
        params = []
        for annotation in batch:
            p = rows.annotation_params(annotation)
            p["id"] = None  # bulk adds are always new annotations
            params.append(p)
        with self.transaction() as conn:
            last = conn.execute("SELECT COALESCE(MAX(id), 0) FROM annotations").fetchone()[0]
            try:
                conn.executemany(
                    f"INSERT INTO annotations ({rows.ANNOTATION_COLUMNS}) VALUES (:id, :task_id,"
                    " :author, :kind, :regions, :lead_time, :was_cancelled, :model_version,"
                    " :score, :created_at, :updated_at)",
                    params,
                )
            except sqlite3.IntegrityError as exc:
                raise NotFoundError(
                    f"an annotation names a task that does not exist: {exc}"
                ) from exc
            new_ids = [
                AnnotationId(r[0])
                for r in conn.execute(
                    "SELECT id FROM annotations WHERE id > ? ORDER BY id", (last,)
                )
            ]
            now = utcnow().isoformat()
            conn.executemany(
                "INSERT INTO edit_log (at, task_id, annotation_id, action, detail)"
                " VALUES (?, ?, ?, 'annotation_added', ?)",
                [
                    (now, a.task_id, new_id, a.kind.value)
                    for a, new_id in zip(batch, new_ids, strict=True)
                ],
            )
        return [a.model_copy(update={"id": i}) for a, i in zip(batch, new_ids, strict=True)]

    def annotations_for_tasks(self, task_ids: Iterable[TaskId]) -> dict[TaskId, list[Annotation]]:
        """Annotations of many tasks at once (exports), each list in creation order."""
        wanted = list(dict.fromkeys(task_ids))
        out: dict[TaskId, list[Annotation]] = {t: [] for t in wanted}
        for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cur = self._conn.execute(
                f"SELECT {rows.ANNOTATION_COLUMNS} FROM annotations"
                f" WHERE task_id IN ({marks}) ORDER BY id",
                chunk,
            )
            for row in cur:
                annotation = rows.annotation_from_row(row)
                out[TaskId(row["task_id"])].append(annotation)
        return out

    def annotation_counts(self, project_id: ProjectId) -> dict[TaskId, int]:
        """Per task, how many annotations are real work (not predictions, not skipped)."""
        cur = self._conn.execute(
            "SELECT a.task_id, COUNT(*) FROM annotations a JOIN tasks t ON t.id = a.task_id"
            " WHERE t.project_id = ? AND a.kind <> 'prediction' AND a.was_cancelled = 0"
            " GROUP BY a.task_id",
            (project_id,),
        )
        return {TaskId(r[0]): r[1] for r in cur}

    def update_annotation(self, annotation: Annotation, *, reason: str | None = None) -> Annotation:
        """Save a changed annotation; returns it with ``updated_at`` bumped to now.

        The task and ``created_at`` of an annotation never change. `reason` goes to the
        edit log as for `add_annotation`.
        """
        if annotation.id is None:
            raise NotFoundError("cannot update an annotation that was never stored (no id)")
        params = rows.annotation_params(annotation)
        now = utcnow()
        params["updated_at"] = now.isoformat()
        with self.transaction() as conn:
            row = self._one("SELECT task_id FROM annotations WHERE id = ?", annotation.id)
            if row is None:
                raise NotFoundError(f"annotation {annotation.id} does not exist")
            conn.execute(
                "UPDATE annotations SET author = :author, kind = :kind, regions = :regions,"
                " lead_time = :lead_time, was_cancelled = :was_cancelled,"
                " model_version = :model_version, score = :score, updated_at = :updated_at"
                " WHERE id = :id",
                params,
            )
            task_id = TaskId(row["task_id"])
            self._log(task_id, annotation.id, "annotation_updated", reason or annotation.kind.value)
        # What was written, without reading it back: a labeling screen saves after every
        # edit, and parsing thousands of regions again each time is what it would cost.
        return annotation.model_copy(update={"updated_at": now, "task_id": task_id})

    def delete_annotation(self, annotation_id: AnnotationId) -> None:
        with self.transaction() as conn:
            row = self._one("SELECT task_id, kind FROM annotations WHERE id = ?", annotation_id)
            if row is None:
                raise NotFoundError(f"annotation {annotation_id} does not exist")
            conn.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
            self._log(TaskId(row["task_id"]), annotation_id, "annotation_deleted", row["kind"])

    def get_annotation(self, annotation_id: AnnotationId) -> Annotation:
        row = self._one(
            f"SELECT {rows.ANNOTATION_COLUMNS} FROM annotations WHERE id = ?", annotation_id
        )
        if row is None:
            raise NotFoundError(f"annotation {annotation_id} does not exist")
        return rows.annotation_from_row(row)

    def annotations_for_task(
        self, task_id: TaskId, kind: AnnotationKind | None = None
    ) -> list[Annotation]:
        """The task's annotations in the order they were made."""
        self._require_task(task_id)
        sql = f"SELECT {rows.ANNOTATION_COLUMNS} FROM annotations WHERE task_id = ?"
        args: list[object] = [task_id]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(AnnotationKind(kind).value)
        cur = self._conn.execute(sql + " ORDER BY id", args)
        return [rows.annotation_from_row(r) for r in cur]

    # -- edit log ---------------------------------------------------------------------

    def edits(self, task_id: TaskId | None = None, *, limit: int | None = None) -> list[Edit]:
        """The edit log, oldest first: for progress and time-spent figures."""
        sql = "SELECT id, at, task_id, annotation_id, action, detail FROM edit_log"
        args: list[object] = []
        if task_id is not None:
            sql += " WHERE task_id = ?"
            args.append(task_id)
        sql += " ORDER BY at, id LIMIT ?"
        args.append(-1 if limit is None else limit)
        return [rows.edit_from_row(r) for r in self._conn.execute(sql, args)]

    def _log(
        self, task_id: TaskId, annotation_id: AnnotationId | None, action: str, detail: str | None
    ) -> None:
        self._conn.execute(
            "INSERT INTO edit_log (at, task_id, annotation_id, action, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            (utcnow().isoformat(), task_id, annotation_id, action, detail),
        )

    # -- helpers ----------------------------------------------------------------------

    def _one(self, sql: str, *args: object) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(sql, args).fetchone()
        return row

    def _require_task(self, task_id: TaskId) -> None:
        if self._one("SELECT 1 FROM tasks WHERE id = ?", task_id) is None:
            raise NotFoundError(f"task {task_id} does not exist")


def _check_magic(path: Path) -> None:
    """Refuse a non-SQLite file before SQLite creates -wal/-shm files next to it."""
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise WorkspaceError(f"cannot read it: {exc.strerror}", Location(file=str(path))) from exc
    if head and head != _SQLITE_MAGIC:
        raise WorkspaceError(
            "not a Labelmate workspace (not an SQLite file)", Location(file=str(path))
        )


def _connect(path: Path) -> sqlite3.Connection:
    where = Location(file=str(path))
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"cannot open it: {exc}", where) from exc
    try:
        conn.row_factory = sqlite3.Row
        read_version(conn, path)  # before any write: a foreign or newer file stays untouched
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, path)
        stamp = conn.execute("SELECT value FROM meta WHERE key = 'app_version'").fetchone()
        if stamp is None or stamp[0] != __version__:
            with Transactions(conn)():
                write_app_version(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise WorkspaceError(f"cannot open it: {exc}", where) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _remove_new_file(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(OSError):
            leftover.unlink()
