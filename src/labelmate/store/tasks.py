"""Task storage, the workspace's biggest table: bulk import, paging, counting.

Tasks are listed by ``position`` (import order, per project), never by id, so a
re-import, an undo or a future "move task" keeps the order the annotator sees.
Paging uses the (project, status, position) index, so page 50 of 20,000 tasks is
as quick as page 1.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from labelmate.core.errors import NotFoundError, WorkspaceError
from labelmate.core.ids import ProjectId, TaskId
from labelmate.core.models import Task, TaskRecord, TaskStatus, utcnow
from labelmate.store import rows
from labelmate.store.transaction import Transactions

_COLUMNS = tuple(c.strip() for c in rows.TASK_COLUMNS.split(","))
_ROW = itemgetter(*_COLUMNS)


class _Layout(NamedTuple):
    """The INSERTs for rows of some columns (value lists, in that order), and where
    those rows keep what the insert code reads or fills in."""

    sql: str  # one row straight into tasks
    stage: tuple[str, str, str, str]  # create, fill, move into tasks, empty the staging table
    project: int
    external_id: int
    position: int
    id: int | None  # None: the column is left out, every row gets a new id

    @classmethod
    def of(cls, name: str, columns: tuple[str, ...]) -> _Layout:
        cols, marks = ", ".join(columns), ", ".join("?" * len(columns))
        table = f"temp.task_staging_{name}"
        return cls(
            f"INSERT INTO main.tasks ({cols}) VALUES ({marks})",
            (
                f"CREATE TEMP TABLE IF NOT EXISTS task_staging_{name} ({cols})",
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                f"INSERT INTO main.tasks ({cols}) SELECT {cols} FROM {table} ORDER BY rowid",
                f"DELETE FROM {table}",
            ),
            columns.index("project_id"),
            columns.index("external_id"),
            columns.index("position"),
            columns.index("id") if "id" in columns else None,
        )


# Positional parameters, and as few as the rows need: binding 12 named ones per row
# cost sqlite3 a third of a 100,000-task import, and binding the NULLs, 'todo' and
# '[]' of a plain text task another tenth. Those columns then take the table's
# defaults, which are exactly those values (status 'todo' is TaskStatus.TODO).
_ALL = _Layout.of("all", _COLUMNS)
_LEAN = _Layout.of(
    "lean", ("project_id", "external_id", "content_hash", "data", "created_at", "position")
)
# From this many rows on, rows go through a constraint-free temporary table and then
# into tasks with one INSERT ... SELECT: one statement updating the three indexes
# and the AUTOINCREMENT counter, instead of one per row, saved a tenth of a
# 100,000-task import.
STAGE_FROM = 1000
_NEXT_POSITION = "SELECT COALESCE(MAX(position), -1) + 1 FROM tasks WHERE project_id = ?"


class TaskTable:
    """The task half of :class:`~labelmate.store.workspace.Workspace`."""

    _conn: sqlite3.Connection
    _tx: Transactions

    def add_task(self, task: Task) -> Task:
        """Append a task to its project; (project, external_id) must be new."""
        return self.add_tasks([task])[0]

    def upsert_task(self, task: Task) -> tuple[Task, bool]:
        """Insert, or refresh the task with the same project and external id.

        A re-import updates the content (data, media, size, problems) but keeps
        what belongs to the annotator: status, position, created_at, annotations.
        Returns the stored task and whether it was created.
        """
        project_id = _project_of(task)
        with self._tx() as conn:
            row = conn.execute(
                "SELECT id FROM tasks WHERE project_id = ? AND external_id = ?",
                (project_id, task.external_id),
            ).fetchone()
            if row is None:
                return self.add_task(task), True
            params = rows.task_params(task) | {"id": row["id"]}
            conn.execute(
                "UPDATE tasks SET content_hash = :content_hash, data = :data, media = :media,"
                " image_width = :image_width, image_height = :image_height,"
                " problems = :problems WHERE id = :id",
                params,
            )
        return self.get_task(TaskId(row["id"])), False

    def add_tasks(self, tasks: Iterable[Task]) -> list[Task]:
        """Append many tasks in one transaction: all of them, or none on any error.

        One prepared INSERT run through ``executemany``: 10,000 tasks take a small
        fraction of a second, where one transaction per task would take minutes.
        """
        batch = list(tasks)
        ids = self.insert_tasks(batch)
        return [t.model_copy(update={"id": i}) for t, i in zip(batch, ids, strict=True)]

    def insert_tasks(self, tasks: Sequence[Task]) -> list[TaskId]:
        """:meth:`add_tasks` without copying every task to attach its id."""
        seen: set[tuple[ProjectId, str]] = set()
        for task in tasks:
            key = (_project_of(task), task.external_id)
            if key in seen:
                raise WorkspaceError(f"task {task.external_id!r} appears twice in one import")
            seen.add(key)
        return self._insert(
            [list(_ROW(rows.task_params(task) | {"position": None})) for task in tasks], _ALL
        )

    def insert_task_records(
        self, project_id: ProjectId, records: Sequence[TaskRecord]
    ) -> list[TaskId]:
        """The bulk-import path: plain records in, new ids out, in order.

        The records' values were checked by the caller, and ``data_json`` must be
        ``canonical_json(data)`` (the table no longer re-parses it); the table's own
        checks (positive sizes, unique external ids) still guard the file.
        """
        now = utcnow().isoformat()
        plain = not any(
            r.media is not None or r.image_width is not None or r.image_height is not None
            or r.problems
            for r in records
        )  # fmt: skip
        values: list[list[Any]]
        if plain:  # a text task: no media, size or problems
            layout = _LEAN
            values = [
                [project_id, r.external_id, r.content_hash, r.data_json, now, None] for r in records
            ]
        else:
            layout = _ALL
            todo = TaskStatus.TODO.value
            values = [
                [None, project_id, r.external_id, r.content_hash, r.data_json, r.media,
                 r.image_width, r.image_height, todo,
                 rows.to_json(list(r.problems), "problems") if r.problems else "[]", now, None]
                for r in records
            ]  # fmt: skip
        ext = layout.external_id
        if len({v[ext] for v in values}) != len(values):
            seen: set[str] = set()
            for v in values:
                if v[ext] in seen:
                    raise WorkspaceError(f"task {v[ext]!r} appears twice in one import")
                seen.add(v[ext])
        return self._insert(values, layout)

    def _insert(self, values: list[list[Any]], layout: _Layout) -> list[TaskId]:
        """Append rows (values in `layout` order, position left None) at the end of
        their projects' order; returns the new ids in input order."""
        if not values:
            return []
        project, position = layout.project, layout.position
        with self._tx() as conn:
            start: dict[ProjectId, int] = {}
            for pid in dict.fromkeys(v[project] for v in values):
                _require_project(conn, pid)
                start[pid] = conn.execute(_NEXT_POSITION, (pid,)).fetchone()[0]
            if len(start) == 1:
                for n, v in enumerate(values, start[values[0][project]]):
                    v[position] = n
            else:
                nxt = dict(start)
                for v in values:
                    v[position] = nxt[v[project]]
                    nxt[v[project]] += 1
            try:
                if len(values) < STAGE_FROM:
                    conn.executemany(layout.sql, values)
                else:
                    _insert_staged(conn, values, layout)
            except sqlite3.IntegrityError as exc:
                raise _explain_conflict(conn, values, start, layout) from exc
            return _new_ids(conn, values, start, layout)

    def task_identities(self, project_id: ProjectId) -> dict[str, tuple[TaskId, str]]:
        """external_id → (task id, content hash) for a whole project, in one query.

        An import checks every incoming task against this instead of asking the
        store once per task.
        """
        cur = self._conn.execute(
            "SELECT external_id, id, content_hash FROM tasks WHERE project_id = ?", (project_id,)
        )
        return {r["external_id"]: (TaskId(r["id"]), r["content_hash"]) for r in cur}

    def get_task(self, task_id: TaskId) -> Task:
        row = self._conn.execute(
            f"SELECT {rows.TASK_COLUMNS} FROM tasks WHERE id = ?", (task_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"task {task_id} does not exist")
        return rows.task_from_row(row)

    def list_tasks(
        self,
        project_id: ProjectId,
        status: TaskStatus | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Task]:
        """One page of a project's tasks in their stable (import) order."""
        _require_project(self._conn, project_id)
        where, args = _filter(project_id, status)
        cur = self._conn.execute(
            f"SELECT {rows.TASK_COLUMNS} FROM tasks WHERE {where}"
            " ORDER BY position LIMIT ? OFFSET ?",
            [*args, -1 if limit is None else limit, offset],
        )
        return [rows.task_from_row(r) for r in cur]

    def count_tasks(self, project_id: ProjectId, status: TaskStatus | None = None) -> int:
        _require_project(self._conn, project_id)
        where, args = _filter(project_id, status)
        cur = self._conn.execute(f"SELECT count(*) FROM tasks WHERE {where}", args)
        return int(cur.fetchone()[0])

    def task_row(
        self, project_id: ProjectId, external_id: str, status: TaskStatus | None = None
    ) -> int | None:
        """The row `list_tasks` would show the task at, or None when it is not listed:
        one indexed count, so finding the last task of 50,000 loads no pages."""
        _require_project(self._conn, project_id)
        where, args = _filter(project_id, status)
        found = self._conn.execute(
            f"SELECT position FROM tasks WHERE {where} AND external_id = ?", [*args, external_id]
        ).fetchone()
        if found is None:
            return None
        cur = self._conn.execute(
            f"SELECT count(*) FROM tasks WHERE {where} AND position < ?", [*args, found[0]]
        )
        return int(cur.fetchone()[0])

    def set_task_status(self, task_id: TaskId, status: TaskStatus) -> None:
        status = TaskStatus(status)
        with self._tx() as conn:
            cur = conn.execute("UPDATE tasks SET status = ? WHERE id = ?", (status.value, task_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"task {task_id} does not exist")
            conn.execute(
                "INSERT INTO edit_log (at, task_id, action, detail) VALUES (?, ?, 'status_set', ?)",
                (utcnow().isoformat(), task_id, status.value),
            )


def _insert_staged(conn: sqlite3.Connection, values: list[list[Any]], layout: _Layout) -> None:
    """Rows into tasks, in order, through the layout's staging table (left empty).

    The staging table is a TEMP table, private to this connection, created inside
    the caller's transaction: a rollback takes it away with everything else.
    """
    create, fill, move, empty = layout.stage
    conn.execute(create)
    try:
        conn.executemany(fill, values)
        conn.execute(move)
    finally:
        if conn.in_transaction:
            conn.execute(empty)


def _new_ids(
    conn: sqlite3.Connection,
    values: list[list[Any]],
    start: dict[ProjectId, int],
    layout: _Layout,
) -> list[TaskId]:
    """The ids the rows just inserted by one executemany got, in input order.

    Rows inserted without an id get ever larger ids (AUTOINCREMENT takes one more
    than the largest id ever used), the last one being last_insert_rowid(); if the
    first row has id last - n + 1, the n ids are exactly that range. Rows with
    explicit ids, or a range that does not check out, are read back by position.
    """
    project, position = layout.project, layout.position
    if layout.id is None or all(v[layout.id] is None for v in values):
        last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        first = last - len(values) + 1
        probe = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT id, project_id, position FROM tasks WHERE id IN (?, ?)", (first, last)
            )
        }
        ends = (
            (values[0][project], values[0][position]),
            (values[-1][project], values[-1][position]),
        )
        if (probe.get(first), probe.get(last)) == ends:
            return [TaskId(i) for i in range(first, last + 1)]
    # Positions run on from `start` in input order, so each project's new ids, read
    # back in position order, line up with its rows in `values`.
    new_ids = {
        pid: iter(
            TaskId(r[0])
            for r in conn.execute(
                "SELECT id FROM tasks WHERE project_id = ? AND position >= ? ORDER BY position",
                (pid, first_position),
            )
        )
        for pid, first_position in start.items()
    }
    return [next(new_ids[v[project]]) for v in values]


def _project_of(task: Task) -> ProjectId:
    if task.project_id is None:
        raise NotFoundError(f"task {task.external_id!r} has no project_id")
    return task.project_id


def _require_project(conn: sqlite3.Connection, project_id: ProjectId) -> None:
    if conn.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone() is None:
        raise NotFoundError(f"project {project_id} does not exist")


def _filter(project_id: ProjectId, status: TaskStatus | None) -> tuple[str, list[object]]:
    if status is None:
        return "project_id = ?", [project_id]
    return "project_id = ? AND status = ?", [project_id, TaskStatus(status).value]


def _explain_conflict(
    conn: sqlite3.Connection,
    values: list[list[Any]],
    start: dict[ProjectId, int],
    layout: _Layout,
) -> WorkspaceError:
    """Name the first task whose external id (or explicit id) was already taken.

    Rows this batch inserted before the failure are still visible (the rollback
    comes later), so only tasks from before the batch (lower positions) count.
    """
    project, external_id = layout.project, layout.external_id
    for v in values:
        hit = conn.execute(
            "SELECT p.name FROM tasks t JOIN projects p ON p.id = t.project_id"
            " WHERE t.project_id = ? AND t.external_id = ? AND t.position < ?",
            (v[project], v[external_id], start[v[project]]),
        ).fetchone()
        if hit is not None:
            return WorkspaceError(f"project {hit[0]!r} already has a task {v[external_id]!r}")
    return WorkspaceError("a task id in this import is already taken")
