"""File → Export project…: the GUI face of `labelmate export`."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from labelmate.core.errors import LabelmateError
from labelmate.gui.dialogs.form_dialog import FormDialog
from labelmate.gui.dialogs.path_field import PathField
from labelmate.gui.dialogs.report_view import show_report
from labelmate.store import Workspace
from labelmate.usecases.export import ExportReport, Which, export_from

FORMATS = [
    ("Label Studio JSON", "ls-json"),
    ("Label Studio JSON_MIN", "ls-min"),
    ("Label Studio CSV", "ls-csv"),
    ("COCO", "coco"),
    ("YOLO", "yolo"),
    ("Pascal VOC", "voc"),
    ("labelme", "labelme"),
    ("CoNLL (IOB2)", "conll"),
    ("doccano JSONL", "jsonl"),
]
_WHICH = [
    ("Ask if a task has several", None),
    ("Mine", "mine"),
    ("Gold", "gold"),
    ("Latest", "latest"),
    ("By author…", "author"),
]


class ExportDialog(FormDialog):
    def __init__(self, project_names: list[str], current: str | None, parent: QWidget | None):
        super().__init__("Export project", "Export", parent)
        self.project = QComboBox()
        self.project.addItems(project_names)
        if current:
            self.project.setCurrentText(current)
        self.format = QComboBox()
        for text, value in FORMATS:
            self.format.addItem(text, value)
        last = QSettings().value("export/format")
        if last:
            self.format.setCurrentIndex(max(self.format.findData(last), 0))
        self.out = PathField("export_out", folder=True, placeholder="folder to write into")
        self.which = QComboBox()
        for text, value in _WHICH:
            self.which.addItem(text, value)
        self.author = QLineEdit(placeholderText="author name")
        self.author.setEnabled(False)
        self.which.currentIndexChanged.connect(
            lambda _i: self.author.setEnabled(self.which.currentData() == "author")
        )
        self.voc_one_based = QCheckBox("VOC: classic 1-based pixel coordinates")
        self.replace = QCheckBox("Replace what the folder holds (needed if it is not empty)")
        form = self.form
        form.addRow("Project", self.project)
        form.addRow("Format", self.format)
        form.addRow("Into folder", self.out)
        form.addRow("Which annotation", self.which)
        form.addRow("Author", self.author)
        form.addRow("", self.replace)
        form.addRow("", self.voc_one_based)
        self.resize(640, 0)

    def chosen_which(self) -> Which | None:
        rule = self.which.currentData()
        if rule is None:
            return None
        if rule == "author":
            return Which.parse(f"author:{self.author.text().strip()}")
        return Which.parse(rule)

    def validate(self) -> None:
        if self.out.path() is None:
            raise LabelmateError("choose the folder to export into")
        self.chosen_which()
        QSettings().setValue("export/format", self.format.currentData())


def run_export(parent: QWidget, ws: Workspace, dialog: ExportDialog) -> ExportReport | None:
    out = dialog.out.path()
    assert out is not None
    try:
        report = export_from(
            ws,
            dialog.project.currentText(),
            dialog.format.currentData(),
            out,
            dialog.chosen_which(),
            {
                "voc_one_based": dialog.voc_one_based.isChecked(),
                "replace": dialog.replace.isChecked(),
            },
        )
    except LabelmateError as exc:
        QMessageBox.warning(parent, "Export failed", f"Nothing was written.\n\n{exc}")
        return None
    show_report(parent, "Export summary", report.lines()[0], report.lines()[1:], folder=out)
    return report
