"""Every workspace a user ever saved still opens, upgraded, with nothing lost.

tests/fixtures/workspaces/v<N>.sql is a workspace as schema N wrote it, kept as
SQL text so a diff shows exactly what an old file looks like. Adding schema N+1
means adding v<N>.sql (made with the previous code); the tests below pick it up.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from labelmate.core.errors import WorkspaceError
from labelmate.core.ids import ProjectId, TaskId
from labelmate.core.models import Annotation, AnnotationKind, Task, TaskStatus
from labelmate.core.regions import Box, Keypoint, Span
from labelmate.store import CURRENT_VERSION, Workspace, schema

FIXTURES = Path(__file__).parent.parent / "fixtures" / "workspaces"
FIXTURE_FILES = sorted(FIXTURES.glob("v*.sql"), key=lambda p: int(p.stem[1:]))


def build(sql_file: Path, target: Path) -> Path:
    conn = sqlite3.connect(target)
    conn.executescript(sql_file.read_text(encoding="utf-8"))
    conn.close()
    return target


def version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def shape(conn: sqlite3.Connection) -> dict[str, object]:
    """Tables with their columns, and indexes with their columns: what code relies on."""
    out: dict[str, object] = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        cols = [(r[1], r[2], r[3], r[4], r[5]) for r in conn.execute(f"PRAGMA table_info({name})")]
        fks = sorted(tuple(r[2:]) for r in conn.execute(f"PRAGMA foreign_key_list({name})"))
        out[f"table {name}"] = (cols, fks)
    for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='index'"):
        cols = [r[2] for r in conn.execute(f"PRAGMA index_info({name})")]
        unique = conn.execute(
            f"SELECT \"unique\" FROM pragma_index_list('{table}') WHERE name = ?", (name,)
        ).fetchone()[0]
        out[f"index {name}"] = (table, cols, unique)
    return out


def test_there_is_a_fixture_for_every_earlier_version() -> None:
    versions = [int(p.stem[1:]) for p in FIXTURE_FILES]
    assert versions == list(range(1, CURRENT_VERSION)), (
        f"schema is v{CURRENT_VERSION}: commit tests/fixtures/workspaces/v<N>.sql for every"
        " earlier version"
    )


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in schema.MIGRATIONS] == list(range(1, CURRENT_VERSION + 1))


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.stem)
def test_every_old_workspace_opens_upgraded_with_its_data(tmp_path: Path, fixture: Path) -> None:
    path = build(fixture, tmp_path / "old.labelmate")
    old_version = version_of(path)
    assert old_version == int(fixture.stem[1:]), "the fixture must set PRAGMA user_version"
    before = sqlite3.connect(path)
    counts = {
        t: before.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("projects", "tasks", "annotations")
    }
    raw_tasks = before.execute("SELECT id, data FROM tasks ORDER BY id").fetchall()
    raw_regions = before.execute("SELECT id, regions FROM annotations ORDER BY id").fetchall()
    before.close()

    with Workspace.open(path) as ws:
        assert ws.schema_version == CURRENT_VERSION
        projects = ws.list_projects()
        tasks = [t for p in projects for t in ws.list_tasks(p.id)]
        annotations = [a for t in tasks for a in ws.annotations_for_task(t.id)]
        assert (len(projects), len(tasks), len(annotations)) == (
            counts["projects"],
            counts["tasks"],
            counts["annotations"],
        )
        by_id = {t.id: t for t in tasks}
        for task_id, data in raw_tasks:
            assert by_id[task_id].data == json.loads(data)
        for ann_id, regions in raw_regions:
            stored = ws.get_annotation(ann_id)
            assert [r.model_dump(mode="json") for r in stored.regions] == json.loads(regions)
        # and it keeps working after the upgrade
        t = ws.add_task(Task(project_id=projects[0].id, external_id="after-upgrade"))
        ws.add_annotation(Annotation(task_id=t.id, author="me"))
        assert ws.list_tasks(projects[0].id)[-1].external_id == "after-upgrade"

    backup = path.with_name(f"old.labelmate.v{old_version}.bak")
    assert backup.exists(), "an upgrade must keep a copy of the old file"
    assert version_of(backup) == old_version


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.stem)
def test_upgraded_schema_is_the_same_as_a_new_one(tmp_path: Path, fixture: Path) -> None:
    with Workspace.open(build(fixture, tmp_path / "old.labelmate")) as old:
        upgraded = shape(old._conn)
    with Workspace.open(tmp_path / "new.labelmate") as new:
        fresh = shape(new._conn)
    assert upgraded == fresh


def test_v1_upgrade_numbers_tasks_and_backfills_the_edit_log(tmp_path: Path) -> None:
    with Workspace.open(build(FIXTURES / "v1.sql", tmp_path / "w.labelmate")) as ws:
        signs = ws.project_by_name("Street signs")
        tickets = ws.project_by_name("Support tickets — NER")
        assert signs is not None and tickets is not None and tickets.confidential
        assert "rubric" not in signs.config_xml and signs.rubric_id == "bbox-basics"
        assert [t.external_id for t in ws.list_tasks(signs.id)] == ["img-001", "img-002", "img-003"]
        rows = ws.db.execute("SELECT project_id, position FROM tasks ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(1, 0), (1, 1), (2, 0), (1, 2), (2, 1)]
        assert ws.count_tasks(tickets.id, TaskStatus.FLAGGED) == 1
        ticket = ws.get_task(TaskId(3))
        assert ticket.data["meta"] == {"lang": "en", "priority": 2, "tags": ["shipping", "late"]}
        spans = ws.annotations_for_task(ticket.id, AnnotationKind.MINE)[0].regions
        assert [r.text for r in spans if isinstance(r, Span)] == ["Ana Müller", "ACME GmbH"]
        first = ws.annotations_for_task(TaskId(1), AnnotationKind.MINE)[0]
        box, keypoint = first.regions[0], first.regions[2]
        assert isinstance(box, Box) and box.rotation == 12.0 and box.labels == ("Stop sign",)
        assert isinstance(keypoint, Keypoint) and keypoint.parent_id == box.id
        prediction = ws.annotations_for_task(TaskId(1), AnnotationKind.PREDICTION)[0]
        assert (prediction.model_version, prediction.score) == ("yolov8n-2024-02", 0.61)
        log = ws.edits()
        assert sum(e.action == "annotation_added" for e in log) == 5
        assert {e.annotation_id for e in log if e.action == "annotation_updated"} == {1, 5}
        # AUTOINCREMENT survived: annotation 6 was deleted in v1 and is never reused
        again = ws.add_annotation(Annotation(task_id=TaskId(2), author="me"))
        assert again.id == 7
        ws.delete_project(ProjectId(2))
        left = ws.db.execute("SELECT count(*) FROM edit_log WHERE task_id IN (3, 5)").fetchone()
        assert left[0] == 0


def test_v2_upgrade_rebuilds_tasks_keeping_ids_links_order_and_sequence(tmp_path: Path) -> None:
    path = build(FIXTURES / "v2.sql", tmp_path / "w.labelmate")
    raw = sqlite3.connect(path)
    raw.execute("UPDATE sqlite_sequence SET seq = 40 WHERE name = 'tasks'")  # ids 8-40 deleted
    raw.commit()
    before = raw.execute("SELECT * FROM tasks ORDER BY id").fetchall()
    raw.close()
    with Workspace.open(path) as ws:
        after = ws.db.execute("SELECT * FROM tasks ORDER BY id").fetchall()
        assert [tuple(r) for r in after] == before  # same ids, data, positions, statuses
        signs = ws.project_by_name("Street signs")
        assert signs is not None
        assert [t.external_id for t in ws.list_tasks(signs.id)] == [
            "img-001",
            "img-002",
            "img-003",
            "img-004",
        ]
        assert ws.count_tasks(signs.id, TaskStatus.DONE) == 2
        night = ws.get_task(TaskId(6))
        assert night.data == {"image": "images/img-004.png", "n": 3, "tags": ["night", "ß"]}
        assert night.problems == ["the file says the image is 600×800"]
        assert [a.author for a in ws.annotations_for_task(TaskId(1))] == [
            "me",
            "gold-set",
            "yolo-v8n",
        ]
        # a deleted task's id is never handed out again
        assert ws.add_task(Task(project_id=signs.id, external_id="img-005")).id == 41
        # external ids stay unique per project
        with pytest.raises(WorkspaceError, match="img-001"):
            ws.add_task(Task(project_id=signs.id, external_id="img-001"))
        # annotations and the edit log still cascade from their task
        ws.delete_project(signs.id)
        left = ws.db.execute(
            "SELECT (SELECT count(*) FROM annotations WHERE task_id IN (1, 2, 4, 6)),"
            " (SELECT count(*) FROM edit_log WHERE task_id IN (1, 2, 4, 6))"
        ).fetchone()
        assert tuple(left) == (0, 0)


def test_v3_upgrade_adds_empty_score_sessions_and_keeps_everything_else(tmp_path: Path) -> None:
    path = build(FIXTURES / "v3.sql", tmp_path / "w.labelmate")
    raw = sqlite3.connect(path)
    before = {
        t: raw.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
        for t in ("projects", "tasks", "annotations", "edit_log")
    }
    raw.close()
    with Workspace.open(path) as ws:
        assert ws.schema_version == CURRENT_VERSION
        for table, rows in before.items():
            after = ws.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            assert [tuple(r) for r in after] == rows, table
        counts = ws.db.execute(
            "SELECT (SELECT count(*) FROM score_sessions),"
            " (SELECT count(*) FROM score_session_tasks), (SELECT count(*) FROM score_items)"
        ).fetchone()
        assert tuple(counts) == (0, 0, 0)
        signs = ws.project_by_name("Street signs")
        assert signs is not None and signs.id is not None
        assert ws.list_score_sessions(signs.id) == []
        # the v3 edit log still tells what each edit served
        task = next(t for t in ws.list_tasks(signs.id) if t.external_id == "img-005")
        assert task.id is not None
        assert [e.detail for e in ws.edits(task.id)] == ["add", "geometry", "gold", "done"]
        # and a session can be stored on the upgraded file
        from labelmate.store.score_sessions import ScoreItem, ScoreSession, SessionTask

        session = ws.create_score_session(
            ScoreSession(
                project_id=signs.id,
                rubric_id="bbox-basics",
                rubric_yaml=signs.rubric_yaml or "",
                tasks=(SessionTask(task.id, 0),),
                items=(ScoreItem(task.id, "tight", "proposed", 3.0),),
            )
        )
        assert session.items[0].proposed_score == 3.0


def test_newer_workspace_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.labelmate"
    with Workspace.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(WorkspaceError) as err:
        Workspace.open(path)
    message = str(err.value)
    assert (
        f"made by a newer Labelmate (schema {CURRENT_VERSION + 5}, this one knows"
        f" {CURRENT_VERSION})" in message
    )
    assert str(path.resolve()) in message
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak"))


@pytest.mark.parametrize(
    "content", [b"hello, this is not a database at all" * 10, b"\x00" * 4096, b'{"tasks": []}']
)
def test_garbage_file_is_refused_by_name_and_left_alone(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.labelmate"
    path.write_bytes(content)
    with pytest.raises(WorkspaceError, match=re.escape(str(path.resolve()))) as err:
        Workspace.open(path)
    assert "not a Labelmate workspace" in str(err.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.labelmate"]


def test_other_apps_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "browser-history.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE visits (url TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match="not a Labelmate workspace"):
        Workspace.open(path)
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == [
        ("visits",)
    ]


def test_failed_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.labelmate"
    with Workspace.open(path):
        pass

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    bad = schema.Migration(CURRENT_VERSION + 1, "a step that fails half-way", broken)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, bad))
    monkeypatch.setattr(schema, "CURRENT_VERSION", CURRENT_VERSION + 1)
    with pytest.raises(WorkspaceError, match=r"a step that fails half-way.*the file is unchanged"):
        Workspace.open(path)
    monkeypatch.undo()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name='half_done'").fetchone()[0] == 0
    )
    conn.close()
    with Workspace.open(path) as ws:  # and the lock was released on the way out
        assert ws.schema_version == CURRENT_VERSION


def test_split_sql_keeps_triggers_whole() -> None:
    script = """
        CREATE TABLE a (x);
        CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; SELECT ';'; END;
        -- a comment; with a semicolon
        INSERT INTO a VALUES ('x;y');
    """
    statements = list(schema.split_sql(script))
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_v4_upgrade_adds_an_empty_query_log_and_keeps_sessions(tmp_path: Path) -> None:
    path = build(FIXTURES / "v4.sql", tmp_path / "w.labelmate")
    with Workspace.open(path) as ws:
        assert ws.schema_version == CURRENT_VERSION
        signs = ws.project_by_name("Street signs")
        assert signs is not None and signs.id is not None
        (session,) = ws.list_score_sessions(signs.id)
        assert session.seed == 7
        assert ws.list_queries(signs.id) == []
        record = ws.add_query(signs.id, "img-005", "On item img-005, is 3 px fine?", status="sent")
        assert ws.list_queries(signs.id) == [record]
