"""File → Import tasks…: the GUI face of `labelmate import`."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from labelmate.core.errors import LabelmateError
from labelmate.gui.dialogs.form_dialog import FormDialog
from labelmate.gui.dialogs.path_field import PathField
from labelmate.gui.dialogs.report_view import show_report
from labelmate.store import Workspace
from labelmate.usecases.import_tasks import ImportAs, ImportReport, ImportRequest, import_into

_KINDS = [("My own work", "mine"), ("Gold (reference answers)", "gold"), ("A peer's work", "peer")]


class ImportDialog(FormDialog):
    def __init__(self, project_names: list[str], current: str | None, parent: QWidget | None):
        super().__init__("Import tasks", "Import", parent)
        self.source = PathField(
            "import_source",
            files="Tasks and annotations (*.json *.jsonl *.csv *.tsv *.txt *.conll *.xml);;"
            "All files (*)",
            folder=True,
            placeholder="a file, or a folder of images / labelme / YOLO / VOC files",
        )
        self.project = QComboBox(editable=True)
        self.project.addItems(project_names)
        self.project.setCurrentText(current or "")
        self.config = PathField(
            "import_config",
            files="Label Studio config (*.xml)",
            placeholder="needed for a new project, unless the format has one",
        )
        self.rubric = PathField(
            "import_rubric", files="Rubric (*.yaml *.yml)", placeholder="optional"
        )
        self.kind = QComboBox()
        for text, value in _KINDS:
            self.kind.addItem(text, value)
        self.peer = QLineEdit(placeholderText="the peer's name")
        self.peer.setEnabled(False)
        self.kind.currentIndexChanged.connect(
            lambda _i: self.peer.setEnabled(self.kind.currentData() == "peer")
        )
        self.media_root = PathField(
            "import_media", folder=True, placeholder="default: the imported file's folder"
        )
        form = self.form
        form.addRow("Import from", self.source)
        form.addRow("Into project", self.project)
        form.addRow("Labeling config", self.config)
        form.addRow("Rubric", self.rubric)
        form.addRow("Annotations are", self.kind)
        form.addRow("Peer", self.peer)
        form.addRow("Media root", self.media_root)
        self.resize(720, 0)

    def request(self) -> ImportRequest:
        source = self.source.path()
        if source is None:
            raise LabelmateError("choose a file or folder to import")
        name = self.project.currentText().strip()
        if not name:
            raise LabelmateError("name the project to import into")
        kind = self.kind.currentData()
        if kind == "peer":
            who = self.peer.text().strip()
            if not who:
                raise LabelmateError("name the peer whose work this is")
            kind = f"peer:{who}"
        return ImportRequest(
            paths=[source],
            project=name,
            config=self.config.path(),
            rubric=self.rubric.path(),
            as_=ImportAs.parse(kind),
            media_root=self.media_root.path(),
        )

    def validate(self) -> None:
        self.request()


def run_import(parent: QWidget, ws: Workspace, request: ImportRequest) -> ImportReport | None:
    """Run the import with a progress dialog; show the summary; None if it failed outright."""
    progress = QProgressDialog("Importing…", "", 0, 0, parent)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setCancelButton(None)
    progress.setMinimumDuration(300)

    def step(name: str, done: int, total: int | None) -> None:
        progress.setLabelText(f"Importing {name}")
        progress.setMaximum(total or 0)
        progress.setValue(done)
        QCoreApplication.processEvents()

    try:
        report = import_into(ws, request, step)
    except LabelmateError as exc:
        QMessageBox.warning(parent, "Import failed", f"Nothing was imported.\n\n{exc}")
        return None
    finally:
        progress.close()
    headline = (
        f"Imported into '{request.project}'."
        if report.ok
        else "Some files could not be imported; the workspace is unchanged for those."
    )
    show_report(parent, "Import summary", headline, report.lines())
    return report
