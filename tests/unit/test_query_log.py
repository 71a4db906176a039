"""The query log: sent queries kept with their draft, answers recorded, rulings made."""

from __future__ import annotations

import pytest

from labelmate.core.errors import WorkspaceError
from labelmate.core.models import Annotation, AnnotationKind
from labelmate.core.regions import Box
from labelmate.io.rubric_file import parse_rubric_text
from labelmate.store import Workspace
from labelmate.usecases.demo import install_demo
from labelmate.usecases.labeling import LabelingSession, ProjectContext
from labelmate.usecases.query import draft_from_session, render_draft
from labelmate.usecases.query_log import log_sent, record_answer


@pytest.fixture
def ws(tmp_path):
    path = tmp_path / "ws.labelmate"
    install_demo(path)
    with Workspace.open(path) as workspace:
        yield workspace


def _pcb(ws: Workspace):
    project = next(p for p in ws.list_projects() if p.name.startswith("PCB"))
    task = ws.list_tasks(project.id, limit=1)[0]
    gold = ws.annotations_for_task(task.id, AnnotationKind.GOLD)[-1].regions[0]
    assert isinstance(gold, Box)
    off = gold.model_copy(update={"id": "m1", "x": gold.x - 7, "width": gold.width + 7})
    ws.add_annotation(Annotation(task_id=task.id, author="me", regions=[off]))
    return project, task


def _draft(ws: Workspace, project, task):
    session = LabelingSession.open(ws, ProjectContext.of(project), task)
    return draft_from_session(session, region_id="m1")


def test_a_sent_query_is_kept_with_its_draft_and_answered_into_a_ruling(ws):
    project, task = _pcb(ws)
    draft = _draft(ws, project, task)
    text = render_draft(draft, "short")
    record = log_sent(ws, project, draft, text)
    assert record.status == "sent" and record.sent_at is not None
    assert record.task_external_id == task.external_id and record.text == text
    assert record.draft["item_id"] == task.external_id

    answered = record_answer(
        ws, project, record.id, "Keep boxes within 6 px; redraw this one.", as_ruling=True
    )
    assert answered.status == "answered" and answered.answered_at is not None
    assert answered.ruling_id
    stored = ws.get_project(project.id)
    rubric = parse_rubric_text(stored.rubric_yaml, "rubric", lint=False).require()
    (ruling,) = [r for r in rubric.rulings if r.id == answered.ruling_id]
    assert ruling.answer == "Keep boxes within 6 px; redraw this one."
    assert ruling.criterion == "precision"
    assert task.external_id in ruling.question
    # Comments above the rulings stay as the rubric's author wrote them.
    assert stored.rubric_yaml.startswith(project.rubric_yaml.split("\n", 1)[0])


def test_answer_without_ruling_and_log_order(ws):
    project, task = _pcb(ws)
    draft = _draft(ws, project, task)
    first = log_sent(ws, project, draft, render_draft(draft, "short"))
    second = log_sent(ws, project, draft, render_draft(draft, "email"))
    record_answer(ws, project, first.id, "Yes.")
    log = ws.list_queries(project.id)
    assert [q.id for q in log] == [first.id, second.id]
    assert log[0].status == "answered" and log[0].ruling_id is None
    assert log[1].status == "sent" and log[1].answer is None
    unchanged = ws.get_project(project.id).rubric_yaml
    assert unchanged == project.rubric_yaml


def test_bad_answers_and_foreign_queries_are_refused(ws):
    project, task = _pcb(ws)
    draft = _draft(ws, project, task)
    record = log_sent(ws, project, draft, render_draft(draft, "short"))
    with pytest.raises(WorkspaceError, match="answer"):
        record_answer(ws, project, record.id, "   ")
    other = next(p for p in ws.list_projects() if p.id != project.id)
    with pytest.raises(WorkspaceError, match="another project"):
        record_answer(ws, other, record.id, "Yes.")
    with pytest.raises(WorkspaceError):
        ws.add_query(project.id, task.external_id, "  ")


def test_a_ruling_travels_with_the_rubric_on_export(ws, tmp_path):
    from labelmate.usecases.export import RUBRIC_FILE, export_from

    project, task = _pcb(ws)
    draft = _draft(ws, project, task)
    record = log_sent(ws, project, draft, render_draft(draft, "short"))
    answered = record_answer(ws, project, record.id, "Six pixels is the limit.", as_ruling=True)
    report = export_from(ws, project.name, "ls-json", tmp_path / "out")
    text = (tmp_path / "out" / RUBRIC_FILE).read_text(encoding="utf-8")
    rubric = parse_rubric_text(text, "exported", lint=False).require()
    assert [r.id for r in rubric.rulings] == [answered.ruling_id]
    assert tmp_path / "out" / RUBRIC_FILE in report.files
