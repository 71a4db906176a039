"""The workspace schema: ordered, numbered migrations and the code that runs them.

``PRAGMA user_version`` is the schema version and ``PRAGMA application_id`` marks
the file as ours, so both live in the SQLite header and need no table to read.
A new workspace is simply a migration from version 0, so a fresh file and an old
file brought up to date go through the very same steps (and the tests open a
fixture file from every earlier version to prove it).

Rules for adding a version: append to MIGRATIONS, never edit a released step,
and commit ``tests/fixtures/workspaces/v<N-1>.sql`` made with the previous code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from labelmate import __version__
from labelmate.core.errors import Location, WorkspaceError
from labelmate.store.queries import SCHEMA_V5_QUERIES

# "LbMt": lets us tell a Labelmate workspace from any other SQLite file.
APPLICATION_ID = 0x4C624D74

SCHEMA_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE projects (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    config_xml   TEXT NOT NULL,
    rubric_id    TEXT,
    rubric_yaml  TEXT,
    description  TEXT NOT NULL DEFAULT '',
    confidential INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),
    created_at   TEXT NOT NULL
);
CREATE TABLE tasks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    media        TEXT,
    image_width  INTEGER CHECK (image_width IS NULL OR image_width > 0),
    image_height INTEGER CHECK (image_height IS NULL OR image_height > 0),
    status       TEXT NOT NULL DEFAULT 'todo',
    problems     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(problems)),
    created_at   TEXT NOT NULL,
    UNIQUE (project_id, external_id)
);
CREATE INDEX tasks_by_project_status ON tasks(project_id, status, id);
CREATE TABLE annotations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id       INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    author        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('mine', 'gold', 'prediction', 'peer')),
    regions       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(regions)),
    lead_time     REAL CHECK (lead_time IS NULL OR lead_time >= 0),
    was_cancelled INTEGER NOT NULL DEFAULT 0 CHECK (was_cancelled IN (0, 1)),
    model_version TEXT,
    score         REAL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX annotations_by_task_kind ON annotations(task_id, kind);
"""


def _v2_task_position_and_edit_log(conn: sqlite3.Connection) -> None:
    """v1 ordered tasks by id, so import order could never be changed or repaired,
    and kept no trace of *when* work happened. v2 adds ``tasks.position`` (numbered
    from the existing id order, per project) and an ``edit_log`` back-filled from
    the annotations' own timestamps, and ``projects.media_root``, the folder that
    task media paths are relative to.

    Written in Python rather than ``UPDATE ... FROM`` so it runs on the older
    SQLite builds some Python distributions still ship.
    """
    conn.execute("ALTER TABLE tasks ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
    # v1 stored media paths with no base folder; a project now records its media root.
    conn.execute("ALTER TABLE projects ADD COLUMN media_root TEXT")
    rows = conn.execute("SELECT id, project_id FROM tasks ORDER BY project_id, id").fetchall()
    numbered: list[tuple[int, int]] = []
    last_project, n = None, 0
    for task_id, project_id in rows:
        n = 0 if project_id != last_project else n + 1
        last_project = project_id
        numbered.append((n, task_id))
    conn.executemany("UPDATE tasks SET position = ? WHERE id = ?", numbered)
    for statement in split_sql(
        """
        DROP INDEX tasks_by_project_status;
        CREATE UNIQUE INDEX tasks_by_position ON tasks(project_id, position);
        CREATE INDEX tasks_by_project_status ON tasks(project_id, status, position);
        CREATE TABLE edit_log (
            id            INTEGER PRIMARY KEY,
            at            TEXT NOT NULL,
            task_id       INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            annotation_id INTEGER,  -- no foreign key: the log outlives a deleted annotation
            action        TEXT NOT NULL CHECK (action IN (
                              'annotation_added', 'annotation_updated',
                              'annotation_deleted', 'status_set')),
            detail        TEXT
        );
        CREATE INDEX edit_log_by_task ON edit_log(task_id, at);
        INSERT INTO edit_log (at, task_id, annotation_id, action, detail)
            SELECT created_at, task_id, id, 'annotation_added', kind
            FROM annotations ORDER BY created_at, id;
        INSERT INTO edit_log (at, task_id, annotation_id, action, detail)
            SELECT updated_at, task_id, id, 'annotation_updated', kind
            FROM annotations WHERE updated_at <> created_at ORDER BY updated_at, id;
        """
    ):
        conn.execute(statement)


_TASKS_V3 = """
CREATE TABLE tasks_v3 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',  -- canonical JSON, written by rows/import only
    media        TEXT,
    image_width  INTEGER CHECK (image_width IS NULL OR image_width > 0),
    image_height INTEGER CHECK (image_height IS NULL OR image_height > 0),
    status       TEXT NOT NULL DEFAULT 'todo',
    problems     TEXT NOT NULL DEFAULT '[]',  -- a JSON list of strings, from rows.to_json
    created_at   TEXT NOT NULL,
    position     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, external_id)
)
"""
_TASK_COLUMNS_V3 = (
    "id, project_id, external_id, content_hash, data, media, image_width, image_height,"
    " status, problems, created_at, position"
)


def _v3_tasks_without_json_checks(conn: sqlite3.Connection) -> None:
    """v2 had SQLite parse every task's ``data`` and ``problems`` on insert
    (``CHECK (json_valid(...))``), about a tenth of a 100,000-task import, to
    re-check JSON that the only code writing these columns cannot get wrong: data
    is ``canonical_json`` (``allow_nan=False``, so NaN fails in Python), problems
    ``rows.to_json``. SQLite cannot drop a
    CHECK, so the table is rebuilt (sqlite.org/lang_altertable.html, "making other
    kinds of table schema changes"): same ids, positions and rows; annotations and
    the edit log still point at the same task ids; the AUTOINCREMENT high-water
    mark is carried over so deleted task ids are never reused.
    """
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'tasks'").fetchone()
    high_water = row[0] if row else 0
    conn.execute(_TASKS_V3)
    conn.execute(
        f"INSERT INTO tasks_v3 ({_TASK_COLUMNS_V3}) SELECT {_TASK_COLUMNS_V3} FROM tasks"
        " ORDER BY id"
    )
    conn.execute("DROP TABLE tasks")  # foreign keys are off: nothing cascades
    conn.execute("ALTER TABLE tasks_v3 RENAME TO tasks")
    conn.execute("DELETE FROM sqlite_sequence WHERE name = 'tasks'")
    conn.execute(
        "INSERT INTO sqlite_sequence (name, seq)"
        " SELECT 'tasks', max(?, COALESCE(MAX(id), 0)) FROM tasks",
        (high_water,),
    )
    conn.execute("CREATE UNIQUE INDEX tasks_by_position ON tasks(project_id, position)")
    conn.execute("CREATE INDEX tasks_by_project_status ON tasks(project_id, status, position)")


SCHEMA_V4_SCORE_SESSIONS = """
CREATE TABLE score_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rubric_id   TEXT NOT NULL,
    rubric_yaml TEXT NOT NULL,  -- the rubric as it was: a later edit changes no old score
    which       TEXT NOT NULL DEFAULT 'mine',
    seed        INTEGER,
    sample_size INTEGER,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished')),
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    CHECK ((status = 'finished') = (finished_at IS NOT NULL))
);
CREATE INDEX score_sessions_by_project ON score_sessions(project_id, created_at);
CREATE TABLE score_session_tasks (
    session_id    INTEGER NOT NULL REFERENCES score_sessions(id) ON DELETE CASCADE,
    task_id       INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    annotation_id INTEGER,  -- no foreign key: the scores outlive a deleted annotation
    gold_id       INTEGER,
    summary       TEXT NOT NULL DEFAULT '',
    takeaway      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, task_id),
    UNIQUE (session_id, position)
) WITHOUT ROWID;
CREATE INDEX score_session_tasks_by_task ON score_session_tasks(task_id);
CREATE TABLE score_items (
    id              INTEGER PRIMARY KEY,  -- creation order: task order, then rubric order
    session_id      INTEGER NOT NULL,
    task_id         INTEGER NOT NULL,
    criterion_id    TEXT NOT NULL,
    proposal        TEXT NOT NULL
                    CHECK (proposal IN ('proposed', 'manual', 'unscored', 'not_measurable')),
    proposed_score  REAL,
    evidence        TEXT NOT NULL DEFAULT '[]',
    decision        TEXT NOT NULL DEFAULT 'pending'
                    CHECK (decision IN ('pending', 'confirmed', 'overridden', 'manual')),
    final_score     REAL,
    override_reason TEXT,
    takeaway        TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    UNIQUE (session_id, task_id, criterion_id),
    FOREIGN KEY (session_id, task_id)
        REFERENCES score_session_tasks(session_id, task_id) ON DELETE CASCADE,
    CHECK ((decision = 'pending') = (final_score IS NULL)),
    CHECK (final_score IS NULL OR proposed_score IS NULL OR final_score = proposed_score
           OR length(trim(COALESCE(override_reason, ''))) > 0)
);
"""
"""v4: self-score sessions. A session keeps a snapshot of its rubric, the seed and
sample size that picked its tasks (so the sample can be drawn again), the tasks in
order with the annotation scored, and per task × criterion the proposed level with
its evidence (JSON), the user's final level, the reason for an override and a key
takeaway. The last CHECK makes an override without a reason impossible even for a
writer that forgets to ask.
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: str | Callable[[sqlite3.Connection], None]

    def run(self, conn: sqlite3.Connection) -> None:
        if callable(self.apply):
            self.apply(conn)
        else:
            for statement in split_sql(self.apply):
                conn.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "projects, tasks, annotations, meta", SCHEMA_V1),
    Migration(
        2,
        "tasks.position for a stable order; edit_log; projects.media_root",
        _v2_task_position_and_edit_log,
    ),
    Migration(
        3,
        "tasks without json_valid checks (integrity kept by the one writer)",
        _v3_tasks_without_json_checks,
    ),
    Migration(4, "self-score sessions, their tasks and scored items", SCHEMA_V4_SCORE_SESSIONS),
    Migration(5, "the clarification-query log", SCHEMA_V5_QUERIES),
)
CURRENT_VERSION = MIGRATIONS[-1].version


def split_sql(script: str) -> Iterator[str]:
    """Yield complete statements one by one.

    ``sqlite3.executescript`` would COMMIT the open transaction first, which would
    break the promise that a whole migration is one transaction.
    """
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \t\r\n;"):
        yield pending.strip()


def read_version(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version, after checking the file really is a Labelmate workspace."""
    where = Location(file=str(path))
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        message = f"not a Labelmate workspace (not an SQLite file: {exc})"
        raise WorkspaceError(message, where) from exc
    if app_id != APPLICATION_ID and (version or tables):
        raise WorkspaceError("not a Labelmate workspace (an SQLite file of another app)", where)
    if version > CURRENT_VERSION:
        raise WorkspaceError(
            f"made by a newer Labelmate (schema {version}, this one knows {CURRENT_VERSION})"
            " — update Labelmate to open it",
            where,
        )
    return version


def backup_path(path: Path, version: int) -> Path:
    """``<name>.v<old>.bak``, or ``<name>.v<old>-2.bak`` and so on: never overwrite one."""
    candidate = path.with_name(f"{path.name}.v{version}.bak")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.v{version}-{n}.bak")
        n += 1
    return candidate


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the file to CURRENT_VERSION in one transaction; return the old version.

    The connection must be in driver autocommit mode (isolation_level=None). An
    older non-empty file is first copied with SQLite's backup API (consistent
    even with a WAL), so a user can always go back to the Labelmate they had.
    """
    old = read_version(conn, path)
    if old == CURRENT_VERSION:
        return old
    if old > 0:
        target = backup_path(path, old)
        dest = sqlite3.connect(target)
        try:
            conn.backup(dest)
        finally:
            dest.close()
    # Foreign keys cannot be switched inside a transaction; table rebuilds in future
    # steps need them off, and foreign_key_check below keeps us honest instead.
    conn.execute("PRAGMA foreign_keys = OFF")
    step = None
    try:
        conn.execute("BEGIN IMMEDIATE")
        for step in (m for m in MIGRATIONS if m.version > old):
            step.run(conn)
        step = None
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise WorkspaceError(
                f"migration left {len(broken)} broken references (first: {broken[0]})",
                Location(file=str(path)),
            )
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
        now = datetime.now(UTC).isoformat()
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)", (now,))
        write_app_version(conn)
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            what = f"step {step.version} ({step.description})" if step else "the upgrade"
            raise WorkspaceError(
                f"could not upgrade from schema {old} to {CURRENT_VERSION}: {what} failed: {exc};"
                " the file is unchanged",
                Location(file=str(path)),
            ) from exc
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return old


def write_app_version(conn: sqlite3.Connection) -> None:
    """Record which Labelmate last wrote the file: the first thing to ask in a bug report."""
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('app_version', ?)",
        (__version__,),
    )
