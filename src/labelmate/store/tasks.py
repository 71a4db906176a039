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
from typing import Any

from labelmate.core.errors import NotFoundError, WorkspaceError
from labelmate.core.ids import ProjectId, TaskId
from labelmate.core.models import Task, TaskRecord, TaskStatus, utcnow
from labelmate.store import rows
from labelmate.store.transaction import Transactions

_COLUMNS = tuple(c.strip() for c in rows.TASK_COLUMNS.split(","))
# Positional parameters: binding 12 named ones per row cost sqlite3 a third of a
# 100,000-task import. Rows travel as value lists in `_COLUMNS` order.
_INSERT = f"INSERT INTO tasks ({rows.TASK_COLUMNS}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_ROW = itemgetter(*_COLUMNS)
_PROJECT, _EXTERNAL_ID, _POSITION = (
    _COLUMNS.index(c) for c in ("project_id", "external_id", "position")
)
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
            [list(_ROW(rows.task_params(task) | {"position": None})) for task in tasks]
        )

    def insert_task_records(
        self, project_id: ProjectId, records: Sequence[TaskRecord]
    ) -> list[TaskId]:
        """The bulk-import path: plain records in, new ids out, in order.

        The records' values were checked by the caller; the table's own checks
        (JSON validity, positive sizes, unique external ids) still guard the file.
        """
        now = utcnow().isoformat()
        todo = TaskStatus.TODO.value
        seen: set[str] = set()
        values: list[list[Any]] = []
        for r in records:
            if r.external_id in seen:
                raise WorkspaceError(f"task {r.external_id!r} appears twice in one import")
            seen.add(r.external_id)
            problems = rows.to_json(list(r.problems), "problems")
            values.append(
                [None, project_id, r.external_id, r.content_hash, r.data_json, r.media,
                 r.image_width, r.image_height, todo, problems, now, None]
            )  # fmt: skip
        return self._insert(values)

    def _insert(self, values: list[list[Any]]) -> list[TaskId]:
        """Append rows (values in `_COLUMNS` order, position left None) at the end of
        their projects' order; returns the new ids in input order."""
        if not values:
            return []
        with self._tx() as conn:
            start: dict[ProjectId, int] = {}
            for pid in dict.fromkeys(v[_PROJECT] for v in values):
                _require_project(conn, pid)
                start[pid] = conn.execute(_NEXT_POSITION, (pid,)).fetchone()[0]
            nxt = dict(start)
            for v in values:
                v[_POSITION] = nxt[v[_PROJECT]]
                nxt[v[_PROJECT]] += 1
            try:
                conn.executemany(_INSERT, values)
            except sqlite3.IntegrityError as exc:
                raise _explain_conflict(conn, values, start) from exc
            # Positions run on from `start` in input order, so each project's new
            # ids, read back in position order, line up with its rows in `values`.
            new_ids = {
                pid: iter(
                    TaskId(r[0])
                    for r in conn.execute(
                        "SELECT id FROM tasks WHERE project_id = ? AND position >= ?"
                        " ORDER BY position",
                        (pid, first),
                    )
                )
                for pid, first in start.items()
            }
            return [next(new_ids[v[_PROJECT]]) for v in values]

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
    conn: sqlite3.Connection, values: list[list[Any]], start: dict[ProjectId, int]
) -> WorkspaceError:
    """Name the first task whose external id (or explicit id) was already taken.

    Rows this batch inserted before the failure are still visible (the rollback
    comes later), so only tasks from before the batch (lower positions) count.
    """
    for v in values:
        hit = conn.execute(
            "SELECT p.name FROM tasks t JOIN projects p ON p.id = t.project_id"
            " WHERE t.project_id = ? AND t.external_id = ? AND t.position < ?",
            (v[_PROJECT], v[_EXTERNAL_ID], start[v[_PROJECT]]),
        ).fetchone()
        if hit is not None:
            return WorkspaceError(f"project {hit[0]!r} already has a task {v[_EXTERNAL_ID]!r}")
    return WorkspaceError("a task id in this import is already taken")
