"""The workspace keeps what the annotator did: exactly, durably, all-or-nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelmate.core.errors import NotFoundError, TaskDataError, WorkspaceError
from labelmate.core.ids import AnnotationId, ProjectId, TaskId
from labelmate.core.models import (
    Annotation,
    AnnotationKind,
    Project,
    Task,
    TaskRecord,
    TaskStatus,
    canonical_json,
    content_hash,
)
from labelmate.core.regions import Box, Choices, Keypoint, Polygon, Rating, Span, TextAnswer
from labelmate.store import Workspace, default_workspace_path, open_workspace
from labelmate.store import tasks as task_table

T0 = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.open(tmp_path / "test.labelmate") as workspace:
        yield workspace


@pytest.fixture
def project(ws: Workspace) -> Project:
    return ws.add_project(Project(name="Street signs", config_xml="<View/>"))


def raw(ws: Workspace) -> sqlite3.Connection:
    """A second, independent connection: sees only what is committed to the file."""
    return sqlite3.connect(ws.path)


def raw_count(ws: Workspace, table: str) -> int:
    conn = raw(ws)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def some_regions() -> list:
    return [
        Box(
            control="label",
            target="image",
            labels=("Stop",),
            x=1.5,
            y=2,
            width=3,
            height=4,
            rotation=30,
            score=0.9,
            origin="prediction-changed",
            extra={"meta": {"a": [1, 2]}},
        ),
        Polygon(control="poly", target="image", points=((0, 0), (5, 0), (5, 5)), closed=False),
        Keypoint(control="kp", target="image", x=3, y=4, parent_id="abc"),
        Span(control="ner", target="text", labels=("PER",), start=0, end=3, text="Ana"),
        Choices(control="c", target="text", labels=("a", "b")),
        TextAnswer(control="t", target="text", text=("one", "two")),
        Rating(control="r", target="text", rating=5),
    ]


# -- the file itself -------------------------------------------------------------------


def test_new_workspace_uses_wal_and_foreign_keys(ws: Workspace) -> None:
    conn = raw(ws)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # stored in the file
    conn.close()
    assert ws.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert ws.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert ws.schema_version >= 2


def test_default_path_honours_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELMATE_DATA_DIR", str(tmp_path / "data"))
    assert default_workspace_path() == tmp_path / "data" / "workspace.labelmate"
    with open_workspace() as ws:
        assert ws.path == (tmp_path / "data" / "workspace.labelmate").resolve()
    assert default_workspace_path().exists()


def test_open_without_create_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no workspace here") as err:
        Workspace.open(tmp_path / "nope.labelmate", create=False)
    assert "nope.labelmate" in str(err.value)
    assert not (tmp_path / "nope.labelmate").exists()


# -- projects --------------------------------------------------------------------------


def test_project_round_trip(ws: Workspace) -> None:
    original = Project(
        name="Tickets — NER",
        config_xml="<View>\n <Text/>\n</View>",
        rubric_id="ner-basics",
        rubric_yaml="id: ner\n# ünïcode\n",
        description="two\nlines",
        media_root="/data/tickets media",
        confidential=True,
        created_at=T0,
    )
    stored = ws.add_project(original)
    assert stored.id is not None
    assert stored == original.model_copy(update={"id": stored.id})
    assert ws.get_project(stored.id) == stored
    assert ws.project_by_name("tickets — ner") == stored
    assert ws.project_by_name("other") is None
    assert ws.list_projects() == [stored]


def test_duplicate_project_name_is_refused_by_name(ws: Workspace, project: Project) -> None:
    with pytest.raises(WorkspaceError, match="'Street signs' already exists"):
        ws.add_project(Project(name="street SIGNS", config_xml="<View/>"))
    other = ws.add_project(Project(name="Other", config_xml="<View/>"))
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.update_project(other.model_copy(update={"name": "Street signs"}))
    assert [p.name for p in ws.list_projects()] == ["Other", "Street signs"]


def test_update_and_delete_project(ws: Workspace, project: Project) -> None:
    changed = project.model_copy(update={"description": "new", "confidential": True})
    ws.update_project(changed)
    assert ws.get_project(project.id) == changed
    ws.delete_project(project.id)
    with pytest.raises(NotFoundError):
        ws.get_project(project.id)
    with pytest.raises(NotFoundError):
        ws.delete_project(project.id)
    with pytest.raises(NotFoundError):
        ws.update_project(changed)


# -- tasks -----------------------------------------------------------------------------


def test_task_round_trip(ws: Workspace, project: Project) -> None:
    original = Task(
        project_id=project.id,
        external_id="img-1",
        data={"image": "a.jpg", "n": [1, 2.5, None]},
        media="a.jpg",
        image_width=640,
        image_height=480,
        status=TaskStatus.FLAGGED,
        problems=["EXIF rotated"],
        created_at=T0,
    )
    stored = ws.add_task(original)
    assert stored == original.model_copy(update={"id": stored.id})
    assert ws.get_task(stored.id) == stored


def test_missing_ids_raise_not_found(ws: Workspace, project: Project) -> None:
    for call in (
        lambda: ws.get_task(TaskId(99)),
        lambda: ws.get_project(ProjectId(99)),
        lambda: ws.get_annotation(AnnotationId(99)),
        lambda: ws.delete_annotation(AnnotationId(99)),
        lambda: ws.set_task_status(TaskId(99), TaskStatus.DONE),
        lambda: ws.list_tasks(ProjectId(99)),
        lambda: ws.annotations_for_task(TaskId(99)),
        lambda: ws.add_task(Task(project_id=ProjectId(99), external_id="x")),
        lambda: ws.add_annotation(Annotation(task_id=TaskId(99), author="me")),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_duplicate_external_id_is_refused(ws: Workspace, project: Project) -> None:
    ws.add_task(Task(project_id=project.id, external_id="a"))
    with pytest.raises(WorkspaceError, match="'Street signs' already has a task 'a'"):
        ws.add_task(Task(project_id=project.id, external_id="a"))
    with pytest.raises(WorkspaceError, match="appears twice"):
        ws.add_tasks([Task(project_id=project.id, external_id=x) for x in "bcb"])


@pytest.fixture(params=["row by row", "staged"])
def bulk_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Big batches go through a staging table; run bulk tests both ways."""
    if request.param == "staged":
        monkeypatch.setattr(task_table, "STAGE_FROM", 1)
    return str(request.param)


def record(external_id: str, data: dict[str, object], **more: object) -> TaskRecord:
    blob = canonical_json(data)
    return TaskRecord(external_id, data, blob, content_hash(data), **more)


def test_bulk_records_are_stored_whole_and_in_order(
    ws: Workspace, project: Project, bulk_path: str
) -> None:
    ws.add_task(Task(project_id=project.id, external_id="first"))
    plain = [record(f"t{i}", {"text": f"review {i}", "n": i}) for i in range(5)]
    ids = ws.insert_task_records(project.id, plain)
    mixed = [
        record("img", {"image": "a.jpg"}, media="a.jpg", image_width=640, image_height=480),
        record("warned", {"text": "é"}, problems=("header missing",)),
        record("plain", {"text": "x"}),
    ]
    ids += ws.insert_task_records(project.id, mixed)
    assert len(set(ids)) == len(ids)
    stored = [ws.get_task(i) for i in ids]
    assert [t.external_id for t in stored] == [r.external_id for r in plain + mixed]
    assert [t.data for t in stored] == [r.data for r in plain + mixed]
    assert {t.status for t in stored} == {TaskStatus.TODO}
    img, warned, last = stored[-3:]
    assert (img.media, img.image_width, img.image_height, img.problems) == ("a.jpg", 640, 480, [])
    assert (warned.media, warned.problems) == (None, ["header missing"])
    assert (last.media, last.image_width, last.problems) == (None, None, [])
    listed = [t.external_id for t in ws.list_tasks(project.id)]
    assert listed == ["first"] + [r.external_id for r in plain + mixed]
    identities = ws.task_identities(project.id)
    assert identities["t3"] == (ids[3], content_hash({"text": "review 3", "n": 3}))


def test_bulk_records_conflict_names_the_task_and_stores_nothing(
    ws: Workspace, project: Project, bulk_path: str
) -> None:
    ws.add_task(Task(project_id=project.id, external_id="t5"))
    batch = [record(f"t{i}", {"i": i}) for i in range(10)]
    with pytest.raises(WorkspaceError, match="'Street signs' already has a task 't5'"):
        ws.insert_task_records(project.id, batch)
    assert raw_count(ws, "tasks") == 1
    with pytest.raises(WorkspaceError, match="appears twice"):
        ws.insert_task_records(project.id, [record("x", {}), record("x", {"other": 1})])
    # and nothing is left half-way: the next import goes in whole
    ids = ws.insert_task_records(project.id, batch[:5] + batch[6:])
    assert [ws.get_task(i).external_id for i in ids] == [f"t{i}" for i in range(10) if i != 5]
    assert ws.count_tasks(project.id) == 10


def test_bulk_tasks_keep_the_ids_they_bring(
    ws: Workspace, project: Project, bulk_path: str
) -> None:
    added = ws.add_tasks(
        [
            Task(id=TaskId(40), project_id=project.id, external_id="a"),
            Task(project_id=project.id, external_id="b"),
            Task(id=TaskId(7), project_id=project.id, external_id="c"),
        ]
    )
    assert [(t.id, t.external_id) for t in added][::2] == [(40, "a"), (7, "c")]
    assert [ws.get_task(t.id).external_id for t in added] == ["a", "b", "c"]
    assert [t.external_id for t in ws.list_tasks(project.id)] == ["a", "b", "c"]


def test_failed_bulk_import_adds_nothing(ws: Workspace, project: Project, bulk_path: str) -> None:
    ws.add_task(Task(project_id=project.id, external_id="t5"))
    batch = [Task(project_id=project.id, external_id=f"t{i}") for i in range(10)]
    with pytest.raises(WorkspaceError, match="already has a task 't5'"):
        ws.add_tasks(batch)
    assert raw_count(ws, "tasks") == 1


def test_upsert_refreshes_content_but_keeps_the_annotators_state(
    ws: Workspace, project: Project
) -> None:
    first, created = ws.upsert_task(Task(project_id=project.id, external_id="a", data={"v": 1}))
    assert created
    ws.add_task(Task(project_id=project.id, external_id="b"))
    ws.set_task_status(first.id, TaskStatus.DONE)
    again, created = ws.upsert_task(
        Task(project_id=project.id, external_id="a", data={"v": 2}, problems=["new"])
    )
    assert not created
    assert again.id == first.id
    assert (again.data, again.problems, again.status) == ({"v": 2}, ["new"], TaskStatus.DONE)
    assert again.created_at == first.created_at
    assert [t.external_id for t in ws.list_tasks(project.id)] == ["a", "b"]


def test_tasks_list_in_import_order_with_paging_and_status(
    ws: Workspace, project: Project, bulk_path: str
) -> None:
    other = ws.add_project(Project(name="Other", config_xml="<View/>"))
    names = [f"z{i:03}" if i % 2 else f"a{i:03}" for i in range(50)]  # ids != sort order
    added = ws.add_tasks(
        Task(project_id=project.id if i % 5 else other.id, external_id=n)
        for i, n in enumerate(names)
    )
    assert [t.id for t in added] == sorted(t.id for t in added)
    mine = [t.external_id for t in added if t.project_id == project.id]
    assert [t.external_id for t in ws.list_tasks(project.id)] == mine
    assert [t.external_id for t in ws.list_tasks(project.id, offset=5, limit=3)] == mine[5:8]
    for t in added[1:8]:
        ws.set_task_status(t.id, TaskStatus.DONE)
    done = [t.external_id for t in added[1:8] if t.project_id == project.id]
    assert [t.external_id for t in ws.list_tasks(project.id, TaskStatus.DONE)] == done
    assert ws.count_tasks(project.id) == len(mine)
    assert ws.count_tasks(project.id, TaskStatus.DONE) == len(done)
    assert ws.count_tasks(project.id, TaskStatus.TODO) == len(mine) - len(done)
    later = ws.add_task(Task(project_id=project.id, external_id="0-last"))
    assert ws.list_tasks(project.id)[-1] == later


def test_task_data_that_is_not_json_is_refused(ws: Workspace, project: Project) -> None:
    with pytest.raises(TaskDataError):
        ws.add_task(Task(project_id=project.id, external_id="x", data={"v": float("nan")}))
    with pytest.raises(TaskDataError):
        ws.add_task(Task(project_id=project.id, external_id="x", data={"when": T0}))
    assert raw_count(ws, "tasks") == 0


# -- annotations -----------------------------------------------------------------------


@pytest.fixture
def task(ws: Workspace, project: Project) -> Task:
    return ws.add_task(Task(project_id=project.id, external_id="img-1"))


def test_annotation_round_trip_with_every_region_type(ws: Workspace, task: Task) -> None:
    original = Annotation(
        task_id=task.id,
        author="me",
        kind=AnnotationKind.PREDICTION,
        regions=some_regions(),
        lead_time=12.5,
        was_cancelled=True,
        model_version="yolo-8",
        score=0.25,
        created_at=T0,
        updated_at=T0,
    )
    stored = ws.add_annotation(original)
    assert stored == original.model_copy(update={"id": stored.id})
    assert ws.get_annotation(stored.id) == stored
    assert ws.annotations_for_task(task.id) == [stored]


def test_annotations_filter_by_kind_and_update_bumps_updated_at(ws: Workspace, task: Task) -> None:
    mine = ws.add_annotation(Annotation(task_id=task.id, author="me", created_at=T0, updated_at=T0))
    gold = ws.add_annotation(Annotation(task_id=task.id, author="ref", kind=AnnotationKind.GOLD))
    assert ws.annotations_for_task(task.id, AnnotationKind.GOLD) == [gold]
    assert ws.annotations_for_task(task.id, AnnotationKind.PEER) == []
    regions = some_regions()[:2]
    saved = ws.update_annotation(mine.model_copy(update={"regions": regions}))
    assert saved.updated_at > T0
    assert saved.created_at == T0
    assert ws.get_annotation(mine.id) == saved
    assert saved.regions == regions


def test_deleted_annotation_id_is_never_reused_but_undo_can_restore_it(
    ws: Workspace, task: Task
) -> None:
    first = ws.add_annotation(Annotation(task_id=task.id, author="me"))
    ws.delete_annotation(first.id)
    assert ws.annotations_for_task(task.id) == []
    second = ws.add_annotation(Annotation(task_id=task.id, author="me"))
    assert second.id != first.id
    restored = ws.add_annotation(first)  # what undo of the delete does
    assert restored == first
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.add_annotation(first)


def test_edit_log_records_user_edits_in_order(ws: Workspace, task: Task) -> None:
    a = ws.add_annotation(Annotation(task_id=task.id, author="me"))
    ws.update_annotation(a)
    ws.set_task_status(task.id, TaskStatus.DONE)
    ws.delete_annotation(a.id)
    log = ws.edits(task.id)
    assert [(e.action, e.detail) for e in log] == [
        ("annotation_added", "mine"),
        ("annotation_updated", "mine"),
        ("status_set", "done"),
        ("annotation_deleted", "mine"),
    ]
    assert all(e.annotation_id == a.id for e in log if e.action != "status_set")


def test_deleting_a_project_deletes_its_tasks_annotations_and_log(
    ws: Workspace, project: Project, task: Task
) -> None:
    ws.add_annotation(Annotation(task_id=task.id, author="me"))
    keep = ws.add_project(Project(name="Keep", config_xml="<View/>"))
    kept_task = ws.add_task(Task(project_id=keep.id, external_id="k"))
    ws.add_annotation(Annotation(task_id=kept_task.id, author="me"))
    ws.delete_project(project.id)
    assert (raw_count(ws, "tasks"), raw_count(ws, "annotations")) == (1, 1)
    assert raw_count(ws, "edit_log") == 1
    with pytest.raises(NotFoundError):
        ws.get_task(task.id)


# -- transactions and durability -------------------------------------------------------


def test_each_edit_is_on_disk_when_the_call_returns(ws: Workspace, task: Task) -> None:
    a = ws.add_annotation(Annotation(task_id=task.id, author="me"))
    conn = raw(ws)
    try:
        assert conn.execute("SELECT author FROM annotations WHERE id = ?", (a.id,)).fetchone()
        ws.set_task_status(task.id, TaskStatus.DONE)
        assert conn.execute("SELECT status FROM tasks").fetchone()[0] == "done"
        ws.delete_annotation(a.id)
        assert conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0
    finally:
        conn.close()


def snapshot(ws: Workspace) -> list[str]:
    conn = raw(ws)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt()])
def test_transaction_rolls_back_on_any_exception(
    ws: Workspace, task: Task, error: BaseException
) -> None:
    before = snapshot(ws)
    with pytest.raises(type(error)), ws.transaction():
        ws.add_annotation(Annotation(task_id=task.id, author="me"))
        ws.set_task_status(task.id, TaskStatus.DONE)
        ws.add_project(Project(name="Half-made", config_xml="<View/>"))
        assert snapshot(ws) == before  # nothing visible outside until COMMIT
        raise error
    assert snapshot(ws) == before
    assert ws.get_task(task.id).status is TaskStatus.TODO


def test_nested_transaction_failure_undoes_only_the_inner_part(ws: Workspace, task: Task) -> None:
    with ws.transaction():
        ws.set_task_status(task.id, TaskStatus.FLAGGED)
        with pytest.raises(RuntimeError), ws.transaction():
            ws.add_annotation(Annotation(task_id=task.id, author="me"))
            raise RuntimeError
    assert ws.get_task(task.id).status is TaskStatus.FLAGGED
    assert raw_count(ws, "annotations") == 0


# -- property tests --------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)
names = st.text(min_size=1, max_size=8)
common = {
    "id": names,
    "control": names,
    "target": names,
    "labels": st.lists(st.text(max_size=6), max_size=3).map(tuple),
    "score": st.none() | finite,
    "origin": st.sampled_from(["manual", "prediction", "prediction-changed"]),
    "extra": st.dictionaries(st.text(max_size=6), json_values, max_size=3),
}
nonneg = st.floats(min_value=0, allow_nan=False, allow_infinity=False)
regions = st.lists(
    st.one_of(
        st.builds(Box, x=finite, y=finite, width=nonneg, height=nonneg, rotation=finite, **common),
        st.builds(
            Polygon,
            points=st.lists(st.tuples(finite, finite), min_size=1, max_size=5).map(tuple),
            closed=st.booleans(),
            **common,
        ),
        st.builds(Keypoint, x=finite, y=finite, parent_id=st.none() | names, **common),
        st.builds(
            Span, start=st.just(0), end=st.integers(0, 10**6), text=st.none() | st.text(), **common
        ),
        st.builds(Choices, **common),
        st.builds(TextAnswer, text=st.lists(st.text(), max_size=3).map(tuple), **common),
        st.builds(Rating, rating=st.integers(0, 10), **common),
    ),
    max_size=6,
)
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_any_json_task_data_round_trips(ws: Workspace, project: Project) -> None:
    @PROPERTY_SETTINGS
    @given(data=st.dictionaries(st.text(), json_values, max_size=6))
    def check(data: dict) -> None:
        stored = ws.add_task(
            Task(project_id=project.id, external_id=f"t{ws.count_tasks(project.id)}", data=data)
        )
        back = ws.get_task(stored.id)
        assert back.data == data
        assert back.content_hash() == Task(external_id="x", data=data).content_hash()

    check()


def test_any_region_list_round_trips(ws: Workspace, task: Task) -> None:
    @PROPERTY_SETTINGS
    @given(regions=regions)
    def check(regions: list) -> None:
        stored = ws.add_annotation(Annotation(task_id=task.id, author="me", regions=regions))
        assert ws.get_annotation(stored.id).regions == regions

    check()


def test_bulk_annotations_are_stored_logged_and_read_back_per_task(
    ws: Workspace, project: Project
) -> None:
    a, b = ws.add_tasks(
        [
            Task(project_id=project.id, external_id="a", data={"text": "x"}),
            Task(project_id=project.id, external_id="b", data={"text": "y"}),
        ]
    )
    stored = ws.add_annotations(
        [
            Annotation(task_id=a.id, author="me", kind=AnnotationKind.MINE),
            Annotation(task_id=b.id, author="gold", kind=AnnotationKind.GOLD),
            Annotation(task_id=a.id, author="bob", kind=AnnotationKind.PEER),
        ]
    )
    assert [s.id for s in stored] == sorted(s.id for s in stored)
    by_task = ws.annotations_for_tasks([a.id, b.id])
    assert [x.author for x in by_task[a.id]] == ["me", "bob"]
    assert [x.author for x in by_task[b.id]] == ["gold"]
    assert len([e for e in ws.edits() if e.action == "annotation_added"]) == 3
    assert ws.task_identities(project.id) == {
        "a": (a.id, a.content_hash()),
        "b": (b.id, b.content_hash()),
    }


def test_bulk_annotations_on_a_missing_task_store_nothing(ws: Workspace, project: Project) -> None:
    (a,) = ws.add_tasks([Task(project_id=project.id, external_id="a", data={})])
    with pytest.raises(NotFoundError):
        ws.add_annotations(
            [
                Annotation(task_id=a.id, author="me"),
                Annotation(task_id=TaskId(9999), author="me"),
            ]
        )
    assert ws.annotations_for_task(a.id) == []


def test_task_row_matches_list_order_and_filter(tmp_path):
    from labelmate.core.models import Project, Task, TaskStatus
    from labelmate.store import Workspace

    with Workspace.open(tmp_path / "w.labelmate") as ws:
        project = ws.add_project(Project(name="P", config_xml="<View/>"))
        tasks = ws.add_tasks(
            Task(project_id=project.id, external_id=f"t{i}", data={"i": i}) for i in range(7)
        )
        ws.set_task_status(tasks[2].id, TaskStatus.DONE)
        listed = [t.external_id for t in ws.list_tasks(project.id)]
        assert [ws.task_row(project.id, e) for e in listed] == list(range(7))
        todo = [t.external_id for t in ws.list_tasks(project.id, TaskStatus.TODO)]
        assert [ws.task_row(project.id, e, TaskStatus.TODO) for e in todo] == list(range(6))
        assert ws.task_row(project.id, "t2", TaskStatus.TODO) is None
        assert ws.task_row(project.id, "nope") is None
