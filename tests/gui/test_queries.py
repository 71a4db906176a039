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
