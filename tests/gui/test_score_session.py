"""A self-score session in the GUI: confirm proposed levels, override one with a reason,
write a takeaway, finish — and everything is still there after reopening."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from labelmate.core.models import Annotation, AnnotationKind
from labelmate.core.regions import Box
from labelmate.gui.scoring.session_dialog import COL_SCORE, COL_TAKEAWAY, SessionDialog
from labelmate.store import Workspace
from labelmate.usecases.demo import install_demo
from labelmate.usecases.score import session_table, start_session

LEFT = Qt.MouseButton.LeftButton


def _labelled_demo(path) -> None:
    install_demo(path)
    with Workspace.open(path) as ws:
        project = next(p for p in ws.list_projects() if p.name == "PCB defects — boxes")
        for i, task in enumerate(ws.list_tasks(project.id, limit=4)):
            gold = ws.annotations_for_task(task.id, AnnotationKind.GOLD)[-1].regions
            mine = [
                g.model_copy(update={"id": f"m{j}", "x": g.x - (4 if i % 2 else 0)})
                for j, g in enumerate(gold)
                if isinstance(g, Box)
            ]
            ws.add_annotation(Annotation(task_id=task.id, author="me", regions=mine))


def test_confirm_override_takeaway_finish_and_reopen(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "ws.labelmate"
    _labelled_demo(path)
    with Workspace.open(path) as ws:
        project = next(p for p in ws.list_projects() if p.name == "PCB defects — boxes")
        session = start_session(ws, project, sample=3, seed=5)
        dialog = SessionDialog(ws, session.id)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        assert dialog.table.rowCount() == 3 * 4  # 3 tasks × 4 criteria
        qtbot.mouseClick(dialog.confirm_all, LEFT)
        table = session_table(ws, session.id)
        proposed = [r for r in table.rows if r.proposed_score is not None]
        assert proposed and all(r.final_score == r.proposed_score for r in proposed)

        # Override the first proposed row with the keyboard on its level box.
        r = next(i for i, row in enumerate(table.rows) if row.proposed_score == 5)
        monkeypatch.setattr(SessionDialog, "_ask_reason", lambda self, row: "fillet counts")
        box = dialog.table.cellWidget(r, COL_SCORE)
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Down)  # 5 → the next level down, activated
        row = session_table(ws, session.id).rows[r]
        assert row.final_score < 5 and row.override_reason == "fillet counts"
        assert row.decision == "overridden"

        # A takeaway typed into its cell is saved.
        item = dialog.table.item(r, COL_TAKEAWAY)
        dialog.table.scrollToItem(item)
        cell = dialog.table.visualItemRect(item).center()
        qtbot.mouseClick(dialog.table.viewport(), LEFT, pos=cell)
        qtbot.keyClick(dialog.table, Qt.Key.Key_F2)  # edit the cell
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not dialog.table)
        editor = QApplication.focusWidget()
        assert editor is not None and editor is not dialog.table
        qtbot.keyClicks(editor, "Hug the pads, not the fillet")
        qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next turn
        qtbot.waitUntil(lambda: dialog.table.item(r, COL_TAKEAWAY).text() != "")
        assert session_table(ws, session.id).rows[r].takeaway == "Hug the pads, not the fillet"
        assert dialog.data.total is not None

        yes = QMessageBox.StandardButton.Yes
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: yes)
        qtbot.mouseClick(dialog.finish_button, LEFT)
        assert not dialog.confirm_all.isEnabled()
        assert not dialog.table.cellWidget(r, COL_SCORE).isEnabled()
        dialog.close()

    with Workspace.open(path) as ws:  # the process restarted: all of it is stored
        again = session_table(ws, session.id)
        assert again.session.status == "finished"
        assert again.rows[r].override_reason == "fillet counts"
        assert again.rows[r].takeaway == "Hug the pads, not the fillet"


def test_report_tab_and_progress_chart_after_two_sessions(qtbot, tmp_path):
    from labelmate.gui.scoring.reports import ProgressDialog
    from labelmate.usecases.score import confirm, finish, override

    path = tmp_path / "ws.labelmate"
    _labelled_demo(path)
    with Workspace.open(path) as ws:
        project = next(p for p in ws.list_projects() if p.name == "PCB defects — boxes")
        for seed in (1, 2):
            session = start_session(ws, project, sample=3, seed=seed)
            for row in session_table(ws, session.id).rows:
                if row.proposed_score is None:
                    continue
                if row.criterion_id == "precision":  # disagree with the measurement
                    other = 1 if row.proposed_score == 5 else 5
                    override(ws, session.id, row.task_id, row.criterion_id, other, "I disagree")
                else:
                    confirm(ws, session.id, row.task_id, row.criterion_id)
            finish(ws, session.id)
        dialog = SessionDialog(ws, session.id)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.tabs.setCurrentIndex(1)
        report = dialog.report.view.toPlainText()
        assert "Calibration" in report and "Bottlenecks" in report
        assert "over-confident" in report or "under-confident" in report
        assert "you gave" in report  # the items that disagree most are listed
        progress = ProgressDialog(ws, project)
        qtbot.addWidget(progress)
        assert len(progress.progress.sessions) == 2
        assert progress.findChild(QWidget, "progressChart") is not None


def test_start_a_hand_picked_session_from_the_score_menu(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from labelmate.gui.main_window import MainWindow
    from labelmate.gui.scoring.start_dialog import StartSessionDialog

    path = tmp_path / "ws.labelmate"
    _labelled_demo(path)

    def pick_two(dialog: StartSessionDialog) -> int:
        for i in (0, 2):  # tick two tasks with the mouse, on their check boxes
            rect = dialog.tasks.visualItemRect(dialog.tasks.item(i))
            qtbot.mouseClick(dialog.tasks.viewport(), LEFT, pos=rect.topLeft() + QPoint(8, 8))
        assert dialog.picked.isChecked()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(StartSessionDialog, "exec", pick_two)
    with Workspace.open(path) as ws:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        for i in range(window.project_list.count()):
            if window.project_list.item(i).text().startswith("PCB defects — boxes"):
                window.project_list.setCurrentRow(i)
        window.start_session_action.trigger()
        dialog = window.session_dialog
        names = sorted(dialog.data.task_names.values())
        assert len(names) == 2 and dialog.data.session.seed is None
        dialog.close()
        window.close()  # while the workspace is still open: closing saves the time spent
