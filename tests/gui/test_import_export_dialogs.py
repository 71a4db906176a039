"""File → Import and File → Export, driven through the real dialogs with mouse and keys."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
)

from labelmate.gui.dialogs.export_dialog import ExportDialog
from labelmate.gui.dialogs.import_dialog import ImportDialog
from labelmate.gui.main_window import MainWindow
from labelmate.usecases.demo import install_demo
from labelmate.usecases.workspace import open_workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _when_modal(qtbot, kind, act):
    """Run `act(dialog)` once the modal dialog of type `kind` is up."""
    seen = {}

    def poll():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            seen["dialog"] = dialog
            act(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def _click_ok(qtbot, buttons: QDialogButtonBox):
    button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _report_text(window) -> str:
    report = window.findChild(QDialog, "reportDialog")
    assert report is not None
    return report.findChild(QPlainTextEdit, "reportText").toPlainText()


def test_import_dialog_imports_a_sample_into_a_new_project(qtbot, tmp_path):
    with open_workspace(tmp_path / "ws.labelmate") as ws:
        window = MainWindow(ws)
        qtbot.addWidget(window)

        def fill(dialog: ImportDialog):
            qtbot.keyClicks(dialog.source.edit, str(FIXTURES / "label_studio" / "tasks.csv"))
            dialog.project.setCurrentText("")
            qtbot.keyClicks(dialog.project.lineEdit(), "Reviews")
            qtbot.keyClicks(
                dialog.config.edit, str(FIXTURES / "configs" / "config_text_sentiment.xml")
            )
            _click_ok(qtbot, dialog.buttons)

        _when_modal(qtbot, ImportDialog, fill)
        window.import_action.trigger()
        assert window.current_project().name == "Reviews"
        assert window.task_model.rowCount() == 3
        assert "3 imported" in _report_text(window)


def test_import_dialog_explains_what_is_missing_and_stays_open(qtbot, tmp_path):
    with open_workspace(tmp_path / "ws.labelmate") as ws:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        messages = []

        def press_import_empty(dialog: ImportDialog):
            _click_ok(qtbot, dialog.buttons)
            messages.append(dialog.error.text())
            assert dialog.isVisible()
            dialog.reject()

        _when_modal(qtbot, ImportDialog, press_import_empty)
        window.import_action.trigger()
        assert messages == ["choose a file or folder to import"]
        assert window.project_list.count() == 0


def test_export_dialog_writes_coco_for_the_gold_answers(qtbot, tmp_path):
    install_demo(tmp_path / "ws.labelmate")
    out = tmp_path / "coco"
    with open_workspace(tmp_path / "ws.labelmate") as ws:
        window = MainWindow(ws, initial_project="PCB defects — boxes")
        qtbot.addWidget(window)

        def fill(dialog: ExportDialog):
            dialog.format.setCurrentIndex(dialog.format.findData("coco"))
            dialog.which.setCurrentIndex(dialog.which.findData("gold"))
            qtbot.keyClicks(dialog.out.edit, str(out))
            _click_ok(qtbot, dialog.buttons)

        _when_modal(qtbot, ExportDialog, fill)
        window.export_action.trigger()
        doc = json.loads((out / "result.json").read_text())
        assert len(doc["images"]) == 12 and doc["annotations"]
        report = window.findChild(QDialog, "reportDialog")
        assert report.findChild(QLabel, "reportHeadline").text().startswith("Exported 12 tasks")
