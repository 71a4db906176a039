"""Score sessions in the workspace: stored whole, resumed after a restart, read-only once
finished, and never an override without its reason."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from labelmate.core.errors import NotFoundError, WorkspaceError
from labelmate.core.ids import TaskId
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Box
from labelmate.store import Workspace
from labelmate.store.score_sessions import ScoreItem, ScoreSession, SessionTask

CONFIG = '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image"><Label value="A"/></RectangleLabels></View>'  # noqa: E501
EVIDENCE = ({"metric": "box.max_outside_px", "value": 4.0, "threshold": 3.0, "op": "<="},)


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "ws.labelmate"


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    with Workspace.open(ws_path) as workspace:
        yield workspace


@pytest.fixture
def setup(ws: Workspace) -> tuple[Project, list[Task]]:
    project = ws.add_project(Project(name="Boxes", config_xml=CONFIG))
    tasks = ws.add_tasks(
        Task(project_id=project.id, external_id=f"t{i}", data={"image": f"{i}.png"})
        for i in range(3)
    )
    return project, tasks


def new_session(project: Project, tasks: list[Task]) -> ScoreSession:
    items = []
    for t in tasks:
        assert t.id is not None
        items += [
            ScoreItem(t.id, "precision", "proposed", 3.0, EVIDENCE),
            ScoreItem(t.id, "clarity", "manual"),
            ScoreItem(t.id, "completeness", "not_measurable", None, EVIDENCE),
        ]
    assert project.id is not None
    return ScoreSession(
        project_id=project.id,
        rubric_id="pcb-defect-boxes",
        rubric_yaml="id: pcb-defect-boxes\n",
        seed=42,
        sample_size=3,
        tasks=tuple(
            SessionTask(t.id, position=i, summary=f"box on {t.external_id}")  # type: ignore[arg-type]
            for i, t in enumerate(reversed(tasks))
        ),
        items=tuple(items),
    )


def test_a_session_is_stored_whole_with_its_order(ws: Workspace, setup) -> None:
    project, tasks = setup
    session = ws.create_score_session(new_session(project, tasks))
    assert session.id is not None and session.status == "open" and not session.finished
    assert session.task_ids == [tasks[2].id, tasks[1].id, tasks[0].id]
    assert session.seed == 42 and session.sample_size == 3 and session.which == "mine"
    # items in session task order, then in the order they were created (rubric order)
    assert [(it.task_id, it.criterion_id) for it in session.items[:3]] == [
        (tasks[2].id, "precision"),
        (tasks[2].id, "clarity"),
        (tasks[2].id, "completeness"),
    ]
    first = session.item(tasks[0].id, "precision")  # type: ignore[arg-type]
    assert first.proposed_score == 3.0 and first.evidence == EVIDENCE
    assert first.decision == "pending" and first.final_score is None
    assert [s.id for s in ws.list_score_sessions(project.id)] == [session.id]  # type: ignore[arg-type]
    assert ws.list_score_sessions(project.id)[0].items == ()  # type: ignore[arg-type]
    assert len(ws.list_score_sessions(project.id, with_items=True)[0].items) == 9  # type: ignore[arg-type]


def test_decisions_survive_closing_and_reopening_the_workspace(ws_path: Path) -> None:
    with Workspace.open(ws_path) as ws:
        project = ws.add_project(Project(name="Boxes", config_xml=CONFIG))
        tasks = ws.add_tasks([Task(project_id=project.id, external_id="t0", data={})])
        session = ws.create_score_session(new_session(project, tasks))
        assert session.id is not None
        tid = tasks[0].id
        assert tid is not None
        item = session.item(tid, "precision")
        ws.set_item(
            session.id,
            replace(item, decision="overridden", final_score=1.0, override_reason="cuts in"),
        )
        ws.set_item(
            session.id,
            replace(
                session.item(tid, "clarity"),
                decision="manual",
                final_score=5.0,
                takeaway="one box per defect",
            ),
        )
        ws.set_session_task_takeaway(session.id, tid, "slow on edges")
    with Workspace.open(ws_path) as again:
        resumed = again.get_score_session(session.id)
        assert resumed.status == "open"
        precision = resumed.item(tid, "precision")
        assert (precision.decision, precision.final_score, precision.override_reason) == (
            "overridden",
            1.0,
            "cuts in",
        )
        assert resumed.item(tid, "clarity").takeaway == "one box per defect"
        assert resumed.task(tid).takeaway == "slow on edges"
        # order kept after an upsert
        assert [it.criterion_id for it in resumed.items] == ["precision", "clarity", "completeness"]


def test_an_override_without_a_reason_is_refused(ws: Workspace, setup) -> None:
    project, tasks = setup
    session = ws.create_score_session(new_session(project, tasks))
    assert session.id is not None
    item = session.item(tasks[0].id, "precision")  # type: ignore[arg-type]
    for reason in (None, "", "   "):
        with pytest.raises(WorkspaceError, match="needs a reason"):
            ws.set_item(
                session.id,
                replace(item, decision="overridden", final_score=5.0, override_reason=reason),
            )
    # confirming the proposed level needs none; a manual score without a proposal neither
    ws.set_item(session.id, replace(item, decision="confirmed", final_score=3.0))
    manual = session.item(tasks[0].id, "completeness")  # type: ignore[arg-type]
    ws.set_item(session.id, replace(manual, decision="manual", final_score=1.0))
    with pytest.raises(WorkspaceError, match="goes with a decision"):
        ws.set_item(session.id, replace(item, decision="confirmed", final_score=None))
    with pytest.raises(WorkspaceError, match="unknown decision"):
        ws.set_item(session.id, replace(item, decision="maybe", final_score=3.0))  # type: ignore[arg-type]


def test_the_table_itself_refuses_an_override_without_a_reason(ws: Workspace, setup) -> None:
    project, tasks = setup
    session = ws.create_score_session(new_session(project, tasks))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        ws.db.execute(
            "UPDATE score_items SET decision = 'overridden', final_score = 5"
            " WHERE session_id = ? AND criterion_id = 'precision'",
            [session.id],
        )


def test_a_finished_session_is_read_only(ws: Workspace, setup) -> None:
    project, tasks = setup
    session = ws.create_score_session(new_session(project, tasks))
    assert session.id is not None
    done = ws.finish_score_session(session.id)
    assert done.finished and done.finished_at is not None
    item = done.item(tasks[0].id, "precision")  # type: ignore[arg-type]
    with pytest.raises(WorkspaceError, match="finished and read-only"):
        ws.set_item(session.id, replace(item, decision="confirmed", final_score=3.0))
    with pytest.raises(WorkspaceError, match="finished and read-only"):
        ws.set_session_task_takeaway(session.id, tasks[0].id, "late")  # type: ignore[arg-type]
    with pytest.raises(WorkspaceError, match="finished and read-only"):
        ws.finish_score_session(session.id)
    assert ws.get_score_session(session.id).item(tasks[0].id, "precision").decision == "pending"  # type: ignore[arg-type]


def test_unknown_sessions_and_tasks_are_reported(ws: Workspace, setup) -> None:
    project, tasks = setup
    session = ws.create_score_session(new_session(project, tasks[:1]))
    assert session.id is not None
    with pytest.raises(NotFoundError):
        ws.get_score_session(999)
    with pytest.raises(NotFoundError):
        ws.finish_score_session(999)
    with pytest.raises(WorkspaceError, match="not in score session"):
        ws.set_item(session.id, ScoreItem(tasks[1].id, "precision", "proposed", 3.0))  # type: ignore[arg-type]
    with pytest.raises(WorkspaceError, match="not in score session"):
        ws.set_session_task_takeaway(session.id, tasks[1].id, "x")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        session.item(tasks[1].id, "precision")  # type: ignore[arg-type]
    # a new item for a task of the session is an upsert too
    ws.set_item(session.id, ScoreItem(tasks[0].id, "extra", "unscored"))  # type: ignore[arg-type]
    assert ws.get_score_session(session.id).items[-1].criterion_id == "extra"


def test_a_bad_session_is_stored_not_at_all(ws: Workspace, setup) -> None:
    project, tasks = setup
    good = new_session(project, tasks)
    twice = replace(good, items=good.items + good.items[:1])
    with pytest.raises(WorkspaceError):
        ws.create_score_session(twice)
    stray = replace(good, tasks=good.tasks[:1])
    with pytest.raises(WorkspaceError, match="not in the session"):
        ws.create_score_session(stray)
    no_reason = replace(
        good, items=(replace(good.items[0], decision="overridden", final_score=1.0),)
    )
    with pytest.raises(WorkspaceError, match="needs a reason"):
        ws.create_score_session(no_reason)
    assert ws.list_score_sessions(project.id) == []  # type: ignore[arg-type]


def test_deleting_the_project_or_a_task_takes_its_scores_along(ws: Workspace, setup) -> None:
    project, tasks = setup
    session = ws.create_score_session(new_session(project, tasks))
    assert session.id is not None
    ws.db.execute("DELETE FROM tasks WHERE id = ?", [tasks[0].id])
    left = ws.get_score_session(session.id)
    assert tasks[0].id not in left.task_ids and len(left.items) == 6
    ws.delete_project(project.id)  # type: ignore[arg-type]
    counts = ws.db.execute(
        "SELECT (SELECT count(*) FROM score_sessions), (SELECT count(*) FROM score_session_tasks),"
        " (SELECT count(*) FROM score_items)"
    ).fetchone()
    assert tuple(counts) == (0, 0, 0)


def test_annotation_heads_and_regions(ws: Workspace, setup) -> None:
    project, tasks = setup
    box = Box(id="b1", control="label", target="image", labels=("A",), x=1, y=2, width=3, height=4)
    mine = ws.add_annotation(Annotation(task_id=tasks[0].id, author="me", regions=[box]))
    gold = ws.add_annotation(
        Annotation(task_id=tasks[0].id, author="g", kind=AnnotationKind.GOLD, lead_time=3.0)
    )
    heads = ws.annotation_heads(project.id)  # type: ignore[arg-type]
    assert list(heads) == [tasks[0].id]
    assert [(a.id, a.kind, a.regions) for a in heads[TaskId(tasks[0].id)]] == [  # type: ignore[arg-type]
        (mine.id, AnnotationKind.MINE, []),
        (gold.id, AnnotationKind.GOLD, []),
    ]
    assert heads[tasks[0].id][1].lead_time == 3.0  # type: ignore[index]
    regions = ws.annotation_regions([mine.id, gold.id, 999])  # type: ignore[list-item]
    assert regions == {mine.id: [box], gold.id: []}
