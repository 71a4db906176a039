"""Self-score sessions in the workspace (schema v4): what was proposed, what the user kept.

A session is created whole — its tasks and every task × criterion item with the
proposed level and the evidence — in one transaction, so a session is never
half-proposed. After that the user's decisions arrive one item at a time
(:meth:`ScoreSessionTable.set_item`), each durable when the call returns, so a
session survives a crash or a restart and is resumed where it was left.

Finished sessions are read-only: every write to one raises :class:`WorkspaceError`.
An item whose final level differs from the proposed one must carry a reason; the
table refuses it otherwise (a CHECK constraint backs the Python check).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from labelmate.core.errors import Location, NotFoundError, WorkspaceError
from labelmate.core.ids import AnnotationId, ProjectId, TaskId
from labelmate.core.models import Annotation, utcnow
from labelmate.core.regions import Region
from labelmate.store.rows import REGIONS, annotation_head, to_json
from labelmate.store.transaction import Transactions

SessionStatus = Literal["open", "finished"]
Proposal = Literal["proposed", "manual", "unscored", "not_measurable"]
Decision = Literal["pending", "confirmed", "overridden", "manual"]
PROPOSALS: tuple[str, ...] = ("proposed", "manual", "unscored", "not_measurable")
DECISIONS: tuple[str, ...] = ("pending", "confirmed", "overridden", "manual")


@dataclass(frozen=True, slots=True)
class ScoreItem:
    """One task × criterion of a session."""

    task_id: TaskId
    criterion_id: str
    proposal: Proposal  # what the rules could say: a level, manual, not measurable, a gap
    proposed_score: float | None = None
    evidence: tuple[dict[str, Any], ...] = ()  # snapshot, as JSON objects
    decision: Decision = "pending"
    final_score: float | None = None
    override_reason: str | None = None
    takeaway: str = ""
    updated_at: datetime | None = None

    @property
    def decided(self) -> bool:
        return self.final_score is not None


@dataclass(frozen=True, slots=True)
class SessionTask:
    """A task of a session, in session order, with the annotation that was scored."""

    task_id: TaskId
    position: int
    annotation_id: AnnotationId | None = None
    gold_id: AnnotationId | None = None
    summary: str = ""  # what the annotation held when the session started
    takeaway: str = ""  # the optional per-task takeaway


@dataclass(frozen=True, slots=True)
class ScoreSession:
    project_id: ProjectId
    rubric_id: str
    rubric_yaml: str
    id: int | None = None
    which: str = "mine"
    seed: int | None = None
    sample_size: int | None = None
    status: SessionStatus = "open"
    created_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    tasks: tuple[SessionTask, ...] = ()
    items: tuple[ScoreItem, ...] = ()  # in task order, then rubric order

    @property
    def finished(self) -> bool:
        return self.status == "finished"

    @property
    def task_ids(self) -> list[TaskId]:
        return [t.task_id for t in self.tasks]

    def item(self, task_id: TaskId, criterion_id: str) -> ScoreItem:
        for it in self.items:
            if it.task_id == task_id and it.criterion_id == criterion_id:
                return it
        raise NotFoundError(f"session {self.id} has no item for task {task_id} × {criterion_id}")

    def items_of(self, task_id: TaskId) -> list[ScoreItem]:
        return [it for it in self.items if it.task_id == task_id]

    def task(self, task_id: TaskId) -> SessionTask:
        for t in self.tasks:
            if t.task_id == task_id:
                return t
        raise NotFoundError(f"task {task_id} is not in score session {self.id}")


_SESSION_COLUMNS = (
    "id, project_id, rubric_id, rubric_yaml, which, seed, sample_size, status, created_at,"
    " finished_at"
)
_TASK_COLUMNS = "task_id, position, annotation_id, gold_id, summary, takeaway"
_ITEM_COLUMNS = (
    "task_id, criterion_id, proposal, proposed_score, evidence, decision, final_score,"
    " override_reason, takeaway, updated_at"
)
_ITEM_COLUMNS_OF_I = ", ".join(f"i.{c.strip()}" for c in _ITEM_COLUMNS.split(","))
_INSERT_ITEM = (
    f"INSERT INTO score_items (session_id, {_ITEM_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_ITEM = (
    _INSERT_ITEM + " ON CONFLICT (session_id, task_id, criterion_id) DO UPDATE SET"
    " proposal = excluded.proposal, proposed_score = excluded.proposed_score,"
    " evidence = excluded.evidence, decision = excluded.decision,"
    " final_score = excluded.final_score, override_reason = excluded.override_reason,"
    " takeaway = excluded.takeaway, updated_at = excluded.updated_at"
)


class ScoreSessionTable:
    """The self-scoring half of :class:`~labelmate.store.workspace.Workspace`."""

    _conn: sqlite3.Connection
    _tx: Transactions

    # -- sessions ---------------------------------------------------------------------

    def create_score_session(self, session: ScoreSession) -> ScoreSession:
        """Store a new open session with its tasks and items; returns it with its id."""
        if session.status != "open":
            raise WorkspaceError("a new score session must be open")
        positions = [t.position for t in session.tasks]
        if len(set(positions)) != len(positions):
            raise WorkspaceError("two tasks of a score session share a position")
        now = utcnow()
        with self._tx() as conn:
            if (
                conn.execute(
                    "SELECT 1 FROM projects WHERE id = ?", (session.project_id,)
                ).fetchone()
                is None
            ):
                raise NotFoundError(f"project {session.project_id} does not exist")
            cur = conn.execute(
                "INSERT INTO score_sessions (project_id, rubric_id, rubric_yaml, which, seed,"
                " sample_size, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
                (
                    session.project_id,
                    session.rubric_id,
                    session.rubric_yaml,
                    session.which,
                    session.seed,
                    session.sample_size,
                    session.created_at.isoformat(),
                ),
            )
            session_id = int(cur.lastrowid or 0)
            try:
                conn.executemany(
                    f"INSERT INTO score_session_tasks (session_id, {_TASK_COLUMNS})"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (session_id, t.task_id, t.position, t.annotation_id, t.gold_id,
                         t.summary, t.takeaway)
                        for t in session.tasks
                    ],
                )  # fmt: skip
            except sqlite3.IntegrityError as exc:
                raise WorkspaceError(f"a task of the session is missing or twice: {exc}") from exc
            known = {t.task_id for t in session.tasks}
            for it in session.items:
                if it.task_id not in known:
                    raise WorkspaceError(f"item for task {it.task_id}, which is not in the session")
                _check_item(it)
            try:
                conn.executemany(
                    _INSERT_ITEM, [_item_params(session_id, it, now) for it in session.items]
                )
            except sqlite3.IntegrityError as exc:
                raise WorkspaceError(f"an item of the session is invalid: {exc}") from exc
        return self.get_score_session(session_id)

    def get_score_session(self, session_id: int) -> ScoreSession:
        """The session with its tasks (in order) and items (task order, then as stored)."""
        row = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM score_sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"score session {session_id} does not exist")
        tasks = tuple(
            _task_from_row(r)
            for r in self._conn.execute(
                f"SELECT {_TASK_COLUMNS} FROM score_session_tasks WHERE session_id = ?"
                " ORDER BY position",
                (session_id,),
            )
        )
        items = tuple(
            _item_from_row(r)
            for r in self._conn.execute(
                f"SELECT {_ITEM_COLUMNS_OF_I} FROM score_items i JOIN score_session_tasks t"
                " ON t.session_id = i.session_id AND t.task_id = i.task_id"
                " WHERE i.session_id = ? ORDER BY t.position, i.id",
                (session_id,),
            )
        )
        return replace(_session_from_row(row), tasks=tasks, items=items)

    def list_score_sessions(
        self, project_id: ProjectId, *, with_items: bool = False
    ) -> list[ScoreSession]:
        """A project's sessions, oldest first; without tasks and items unless asked."""
        rows = self._conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM score_sessions WHERE project_id = ?"
            " ORDER BY created_at, id",
            (project_id,),
        ).fetchall()
        if with_items:
            return [self.get_score_session(r["id"]) for r in rows]
        return [_session_from_row(r) for r in rows]

    def finish_score_session(self, session_id: int) -> ScoreSession:
        """Close the session for good: from now on it is read-only."""
        with self._tx() as conn:
            self._require_open(session_id)
            conn.execute(
                "UPDATE score_sessions SET status = 'finished', finished_at = ? WHERE id = ?",
                (utcnow().isoformat(), session_id),
            )
        return self.get_score_session(session_id)

    # -- items ------------------------------------------------------------------------

    def set_item(self, session_id: int, item: ScoreItem) -> ScoreItem:
        """Insert or replace one task × criterion of an open session.

        Raises WorkspaceError for a finished session, a task not in the session, or a
        final level that differs from the proposed one without a reason.
        """
        _check_item(item)
        now = utcnow()
        with self._tx() as conn:
            self._require_open(session_id)
            if (
                conn.execute(
                    "SELECT 1 FROM score_session_tasks WHERE session_id = ? AND task_id = ?",
                    (session_id, item.task_id),
                ).fetchone()
                is None
            ):
                raise WorkspaceError(
                    f"task {item.task_id} is not in score session {session_id}",
                    Location(field=item.criterion_id),
                )
            conn.execute(_UPSERT_ITEM, _item_params(session_id, item, now))
        return replace(item, updated_at=now)

    def set_session_task_takeaway(self, session_id: int, task_id: TaskId, takeaway: str) -> None:
        """The optional per-task takeaway (per-criterion ones live on the items)."""
        with self._tx() as conn:
            self._require_open(session_id)
            cur = conn.execute(
                "UPDATE score_session_tasks SET takeaway = ? WHERE session_id = ? AND task_id = ?",
                (takeaway, session_id, task_id),
            )
            if cur.rowcount == 0:
                raise WorkspaceError(f"task {task_id} is not in score session {session_id}")

    # -- reading annotations for scoring ----------------------------------------------

    def annotation_heads(self, project_id: ProjectId) -> dict[TaskId, list[Annotation]]:
        """Every annotation of a project *without its regions* (left empty), by task.

        Enough to choose which annotation to score (`--which`) before paying for
        the regions of only the chosen ones; each list in creation order.
        """
        cur = self._conn.execute(
            "SELECT a.id, a.task_id, a.author, a.kind, a.lead_time, a.was_cancelled,"
            " a.created_at, a.updated_at FROM annotations a JOIN tasks t ON t.id = a.task_id"
            " WHERE t.project_id = ? ORDER BY a.id",
            (project_id,),
        )
        out: dict[TaskId, list[Annotation]] = {}
        for r in cur:
            out.setdefault(TaskId(r[1]), []).append(annotation_head(*r))
        return out

    def annotation_regions(
        self, annotation_ids: Iterable[AnnotationId]
    ) -> dict[AnnotationId, list[Region]]:
        """The regions of many annotations, decoded without building Annotation models
        (scoring 10,000 tasks needs nothing else of them). Unknown ids are left out."""
        return {
            ann_id: decode_regions(text)
            for ann_id, text in self.annotation_regions_json(annotation_ids).items()
        }

    def annotation_regions_json(
        self, annotation_ids: Iterable[AnnotationId]
    ) -> dict[AnnotationId, str]:
        """The regions of many annotations as stored (JSON text), for `decode_regions`
        in another process. Unknown ids are left out."""
        wanted = list(dict.fromkeys(annotation_ids))
        out: dict[AnnotationId, str] = {}
        for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for ann_id, text in self._conn.execute(
                f"SELECT id, regions FROM annotations WHERE id IN ({marks})", chunk
            ):
                out[AnnotationId(ann_id)] = text
        return out

    # -- helpers ----------------------------------------------------------------------

    def _require_open(self, session_id: int) -> None:
        row = self._conn.execute(
            "SELECT status FROM score_sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"score session {session_id} does not exist")
        if row[0] == "finished":
            raise WorkspaceError(
                f"score session {session_id} is finished and read-only; start a new session"
                " to score again"
            )


def _check_item(item: ScoreItem) -> None:
    where = Location(field=f"task {item.task_id} × {item.criterion_id}")
    if item.proposal not in PROPOSALS:
        raise WorkspaceError(f"unknown proposal status {item.proposal!r}", where)
    if item.decision not in DECISIONS:
        raise WorkspaceError(f"unknown decision {item.decision!r}", where)
    if (item.decision == "pending") != (item.final_score is None):
        raise WorkspaceError("a final score goes with a decision, and only with one", where)
    if (
        item.final_score is not None
        and item.proposed_score is not None
        and item.final_score != item.proposed_score
        and not (item.override_reason or "").strip()
    ):
        raise WorkspaceError(
            "an override needs a reason: why the final level differs from the proposed one",
            where,
        )


def _item_params(session_id: int, it: ScoreItem, now: datetime) -> tuple[Any, ...]:
    return (
        session_id,
        it.task_id,
        it.criterion_id,
        it.proposal,
        it.proposed_score,
        to_json(list(it.evidence), "evidence"),
        it.decision,
        it.final_score,
        it.override_reason,
        it.takeaway,
        now.isoformat(),
    )


def _session_from_row(row: sqlite3.Row) -> ScoreSession:
    finished = row["finished_at"]
    return ScoreSession(
        id=row["id"],
        project_id=ProjectId(row["project_id"]),
        rubric_id=row["rubric_id"],
        rubric_yaml=row["rubric_yaml"],
        which=row["which"],
        seed=row["seed"],
        sample_size=row["sample_size"],
        status=row["status"],
        created_at=datetime.fromisoformat(row["created_at"]),
        finished_at=datetime.fromisoformat(finished) if finished else None,
    )


def _task_from_row(row: sqlite3.Row) -> SessionTask:
    return SessionTask(
        task_id=TaskId(row["task_id"]),
        position=row["position"],
        annotation_id=None if row["annotation_id"] is None else AnnotationId(row["annotation_id"]),
        gold_id=None if row["gold_id"] is None else AnnotationId(row["gold_id"]),
        summary=row["summary"],
        takeaway=row["takeaway"],
    )


def _item_from_row(row: sqlite3.Row) -> ScoreItem:
    return ScoreItem(
        task_id=TaskId(row["task_id"]),
        criterion_id=row["criterion_id"],
        proposal=row["proposal"],
        proposed_score=row["proposed_score"],
        evidence=tuple(json.loads(row["evidence"])),
        decision=row["decision"],
        final_score=row["final_score"],
        override_reason=row["override_reason"],
        takeaway=row["takeaway"],
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def decode_regions(text: str) -> list[Region]:
    """Regions from their stored JSON text (`annotation_regions_json`)."""
    return REGIONS.validate_json(text)


def items_by_task(items: Iterable[ScoreItem]) -> dict[TaskId, list[ScoreItem]]:
    out: dict[TaskId, list[ScoreItem]] = {}
    for it in items:
        out.setdefault(it.task_id, []).append(it)
    return out
