"""Drafting a clarification query from the canvas, editing it, copying and logging it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from test_image_canvas import demo_ws, drag, open_project  # noqa: F401 - fixtures

from labelmate.core.regions import Box

LEFT = Qt.MouseButton.LeftButton


def test_draft_edit_copy_and_log_a_query_with_real_clicks(qtbot, demo_ws):  # noqa: F811
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    gold = next(r for r in screen.session.gold if isinstance(r, Box))
    screen.canvas.label = gold.labels[0]
    screen.canvas.centerOn(gold.x + gold.width / 2, gold.y + gold.height / 2)
    screen.canvas.zoom_by(8 / screen.canvas.zoom())
    drag(qtbot, window, (gold.x - 7, gold.y), (gold.x + gold.width, gold.y + gold.height))

    qtbot.keyClick(screen.canvas, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = screen.query_dialog
    qtbot.waitExposed(dialog)
    text = dialog.text()
    task = screen.session.task.external_id
    assert task in text and "box.max_outside_px" in text and "7" in text
    assert text.count("?") == 1
    assert not [f for f in dialog.lint() if f.severity == "error"]

    # Edit: a vague line is flagged live; the user removes it again.
    dialog.editor.setFocus()
    dialog.editor.moveCursor(dialog.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(dialog.editor, " I'm confused, what should I do?")
    qtbot.waitUntil(lambda: "vague" in " ".join(
        dialog.findings.item(i).text() for i in range(dialog.findings.count())
    ))  # fmt: skip
    qtbot.mouseClick(dialog.reset_button, LEFT)
    assert dialog.text() == text

    # The email style has a subject line; copying puts the text on the clipboard.
    dialog.style_box.setCurrentIndex(dialog.style_box.findData("email"))
    assert dialog.text().startswith("Subject:")
    qtbot.mouseClick(dialog.copy_button, LEFT)
    assert QGuiApplication.clipboard().text() == dialog.text()

    qtbot.mouseClick(dialog.log_button, LEFT)
    (logged,) = demo_ws.list_queries(screen.session.context.project.id)
    assert logged.status == "sent" and logged.text == dialog.text()
    assert logged.task_external_id == task


def test_answer_recorded_in_the_log_becomes_a_ruling_in_the_rubric_dock(
    qtbot,
    demo_ws,  # noqa: F811
    monkeypatch,
):
    from PySide6.QtWidgets import QDialog

    from labelmate.gui.dialogs.query_log_dialog import AnswerDialog, QueryLogDialog
    from labelmate.usecases.query import draft_from_session, render_draft
    from labelmate.usecases.query_log import log_sent

    window = open_project(qtbot, demo_ws, "PCB defects — boxes")
    screen = window.image_screen
    gold = next(r for r in screen.session.gold if isinstance(r, Box))
    drag(qtbot, window, (gold.x - 7, gold.y), (gold.x + gold.width, gold.y + gold.height))
    draft = draft_from_session(screen.session)
    project = screen.session.context.project
    log_sent(demo_ws, project, draft, render_draft(draft, "short"))

    def answer(dialog: AnswerDialog) -> int:
        dialog.answer.setPlainText("Keep every edge within 6 px of the defect.")
        assert dialog.ruling.isChecked()
        dialog.criterion.setCurrentIndex(dialog.criterion.findData("precision"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AnswerDialog, "exec", answer)
    log = QueryLogDialog(demo_ws, project, screen.session.context.rubric, window)
    qtbot.addWidget(log)
    log.rulingsChanged.connect(window._rulings_changed)
    assert log.table.rowCount() == 1
    qtbot.mouseClick(log.answer_button, LEFT)
    assert "answered" in log.table.item(0, 1).text()
    assert "ruling" in log.table.item(0, 1).text()
    window._show_rubric()
    assert "Keep every edge within 6 px" in window.rubric_panel.view.toPlainText()
    screen.canvas.select([screen.session.regions[0].id])
    qtbot.waitUntil(lambda: any("Ruling" in t for t in screen.hints_panel.texts()))
