"""The clarification-query log (schema v5): draft → sent → answered, with dates.

A query keeps the text as sent and the draft it came from (JSON, so the rules and
facts can be shown again); an answer can become a ruling, whose id is kept here while
the ruling itself lives in the project's rubric YAML (`rulings:`), so it travels with
the rubric on export.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from labelmate.core.errors import NotFoundError, WorkspaceError
from labelmate.core.ids import ProjectId
from labelmate.core.models import utcnow
from labelmate.store.transaction import Transactions

QueryStatus = Literal["draft", "sent", "answered"]

SCHEMA_V5_QUERIES = """
CREATE TABLE queries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    task_external_id TEXT NOT NULL,
    region_id   TEXT,
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'answered')),
    text        TEXT NOT NULL,
    draft       TEXT NOT NULL DEFAULT '{}',
    answer      TEXT,
    ruling_id   TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    answered_at TEXT,
    CHECK ((status = 'answered') = (answer IS NOT NULL))
);
CREATE INDEX queries_by_project ON queries(project_id, created_at);
"""


@dataclass(frozen=True, slots=True)
class QueryRecord:
    id: int
    project_id: ProjectId
    task_external_id: str
    region_id: str | None
    status: QueryStatus
    text: str
    draft: dict[str, Any]
    answer: str | None
    ruling_id: str | None
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None


_COLUMNS = (
    "id, project_id, task_external_id, region_id, status, text, draft, answer, ruling_id,"
    " created_at, sent_at, answered_at"
)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _record(row: sqlite3.Row) -> QueryRecord:
    return QueryRecord(
        id=row["id"],
        project_id=ProjectId(row["project_id"]),
        task_external_id=row["task_external_id"],
        region_id=row["region_id"],
        status=row["status"],
        text=row["text"],
        draft=json.loads(row["draft"]),
        answer=row["answer"],
        ruling_id=row["ruling_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        sent_at=_when(row["sent_at"]),
        answered_at=_when(row["answered_at"]),
    )


class QueryTable:
    """Workspace methods for the query log (mixed into `Workspace`)."""

    _conn: sqlite3.Connection
    _tx: Transactions

    def add_query(
        self,
        project_id: ProjectId,
        task_external_id: str,
        text: str,
        *,
        draft: dict[str, Any] | None = None,
        region_id: str | None = None,
        status: QueryStatus = "draft",
    ) -> QueryRecord:
        if not text.strip():
            raise WorkspaceError("a query needs some text")
        now = utcnow().isoformat()
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO queries (project_id, task_external_id, region_id, status, text,"
                " draft, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (project_id, task_external_id, region_id, status, text,
                 json.dumps(draft or {}, ensure_ascii=False), now,
                 now if status == "sent" else None),
            )  # fmt: skip
            query_id = int(cur.lastrowid or 0)
        return self.get_query(query_id)

    def get_query(self, query_id: int) -> QueryRecord:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM queries WHERE id = ?", (query_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"query {query_id} does not exist")
        return _record(row)

    def list_queries(self, project_id: ProjectId) -> list[QueryRecord]:
        cur = self._conn.execute(
            f"SELECT {_COLUMNS} FROM queries WHERE project_id = ? ORDER BY created_at, id",
            (project_id,),
        )
        return [_record(r) for r in cur]

    def mark_query_sent(self, query_id: int, text: str | None = None) -> QueryRecord:
        current = self.get_query(query_id)
        if current.status == "answered":
            raise WorkspaceError(f"query {query_id} is already answered")
        with self._tx() as conn:
            conn.execute(
                "UPDATE queries SET status = 'sent', sent_at = COALESCE(sent_at, ?),"
                " text = ? WHERE id = ?",
                (utcnow().isoformat(), text if text is not None else current.text, query_id),
            )
        return self.get_query(query_id)

    def answer_query(
        self, query_id: int, answer: str, *, ruling_id: str | None = None
    ) -> QueryRecord:
        if not answer.strip():
            raise WorkspaceError("an answer needs some text")
        current = self.get_query(query_id)
        now = utcnow().isoformat()
        with self._tx() as conn:
            conn.execute(
                "UPDATE queries SET status = 'answered', answer = ?, ruling_id = ?,"
                " sent_at = COALESCE(sent_at, ?), answered_at = ? WHERE id = ?",
                (answer, ruling_id or current.ruling_id, now, now, query_id),
            )
        return self.get_query(query_id)
