"""The agreement dashboard on the demo's three-annotator projects: matrix, side by side,
and the review queue adjudicated to gold with real clicks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from labelmate.core.models import AnnotationKind
from labelmate.gui.agreement.dashboard import AgreementDialog
from labelmate.store import Workspace
from labelmate.usecases.demo import install_demo

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def ws(tmp_path):
    path = tmp_path / "ws.labelmate"
    install_demo(path)
    with Workspace.open(path) as workspace:
        yield workspace


def _project(ws, prefix):
    return next(p for p in ws.list_projects() if p.name.startswith(prefix))


def test_box_agreement_matrix_and_side_by_side(qtbot, ws):
    project = _project(ws, "PCB defects — three")
    dialog = AgreementDialog(ws, project)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.matrix.rowCount() == 3  # ana, ben, chen
    values = [dialog.matrix.item(0, j).text() for j in range(3)]
    assert values[0] == "—" and all(v != "—" for v in values[1:])
    assert dialog.tasks.rowCount() == 8
    worst = dialog.tasks.item(0, 0).text()
    rect = dialog.tasks.visualItemRect(dialog.tasks.item(0, 0))
    qtbot.mouseClick(dialog.tasks.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(dialog.tasks.viewport(), LEFT, pos=rect.center())
    assert dialog.tabs.currentWidget() is dialog.versions
    assert set(dialog.versions.canvases) == {"ana", "ben", "chen"}
    assert worst.startswith("agree-pcb-")


def test_adjudication_saves_consensus_and_the_expert_resolves_the_queue(qtbot, ws):
    project = _project(ws, "PCB defects — three")
    dialog = AgreementDialog(ws, project)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(2)
    qtbot.mouseClick(dialog.run, LEFT)
    queued = [item.external_id for item in dialog.review_items]
    assert queued and len(queued) < 8
    gold = {
        t.external_id
        for t in ws.list_tasks(project.id)
        if ws.annotations_for_task(t.id, AnnotationKind.GOLD)
    }
    assert gold and not gold & set(queued)  # consensus saved; queued items wait
    first = dialog.review_items[0]
    dialog.pick.setCurrentIndex(1)  # the first annotator's version
    chosen = dialog.pick.currentData()
    qtbot.mouseClick(dialog.keep, LEFT)
    (saved,) = ws.annotations_for_task(first.task_id, AnnotationKind.GOLD)
    assert [r.id for r in saved.regions] == [r.id for r in chosen]
    assert len(dialog.review_items) == len(queued) - 1
    # The next queued task is shown beside the queue: the proposal and each version.
    assert "consensus proposal" in dialog.review_versions.canvases


def test_review_sentiment_agreement_uses_kappa(qtbot, ws):
    dialog = AgreementDialog(ws, _project(ws, "Movie reviews — three"))
    qtbot.addWidget(dialog)
    assert "kappa" in dialog.summary.text()
    assert dialog.tasks.rowCount() == 10
