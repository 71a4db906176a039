"""Agreement dashboard, disagreement browser and review queue for a multi-annotator project.

Dashboard: pick a control, see the annotator × annotator matrix, the overall figures
and the tasks worst agreement first. Double-click a task: its versions side by side
(one read-only canvas per annotator for images, their answers for text). Adjudicate:
consensus by the rubric's quorum is saved as gold; the rest waits in the review queue,
where an expert keeps the proposal or one annotator's version as gold.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from labelmate.core.errors import LabelmateError
from labelmate.core.ids import TaskId
from labelmate.core.models import Project
from labelmate.gui.canvas import image_source
from labelmate.gui.canvas.items import label_colour
from labelmate.gui.canvas.view import CanvasView
from labelmate.gui.panels.region_list import describe
from labelmate.store import Workspace
from labelmate.usecases import agreement as agreement_uc
from labelmate.usecases.labeling import ProjectContext

ROLE = Qt.ItemDataRole.UserRole


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


class VersionsView(QWidget):
    """One task as each annotator left it, side by side."""

    def __init__(self, ws: Workspace, context: ProjectContext, parent=None) -> None:
        super().__init__(parent)
        self._ws, self.context = ws, context
        self.grid = QGridLayout(self)
        self.canvases: dict[str, CanvasView] = {}
        fallback = context.interface.palette_colours()
        self._colours = {
            (control.name, option.result_value): label_colour(
                option.background, fallback[(control.name, option.result_value)]
            )
            for control in context.interface.controls
            for option in control.options
        }

    def show_task(self, task_id: TaskId, regions_by: dict[str, list] | None = None) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.canvases = {}
        task = self._ws.get_task(task_id)
        if regions_by is None:
            versions = agreement_uc.task_versions(self._ws, task_id)
            regions_by = {name: list(a.regions) for name, a in versions.items()}
        path = self.context.media_path(task)
        image = None
        if path is not None:
            try:
                image, _scale = image_source.load_scaled(path, 1400)
            except image_source.ImageLoadError as exc:
                self.grid.addWidget(QLabel(str(exc)), 0, 0)
        for column, (name, regions) in enumerate(regions_by.items()):
            self.grid.addWidget(QLabel(f"<b>{name}</b> — {len(regions)} region(s)"), 0, column)
            if image is not None and task.image_width and task.image_height:
                canvas = CanvasView()
                canvas.read_only = True
                canvas.colour_of = self._colour
                canvas.set_image(image, task.image_width, task.image_height)
                canvas.set_regions(regions)
                canvas.setMinimumSize(260, 200)
                self.canvases[name] = canvas
                self.grid.addWidget(canvas, 1, column)
            else:
                answers = QListWidget()
                for region in regions:
                    answers.addItem(describe(region))
                self.grid.addWidget(answers, 1, column)

    def _colour(self, region):
        from PySide6.QtGui import QColor

        label = region.labels[0] if region.labels else ""
        return self._colours.get((region.control, label), QColor("#9E9E9E"))


class AgreementDialog(QDialog):
    def __init__(self, ws: Workspace, project: Project, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("agreementDialog")
        self.setWindowTitle(f"Agreement — {project.name}")
        self.resize(1200, 760)
        self._ws, self.project = ws, project
        self.context = ProjectContext.of(project)
        measurable = [
            c.name for c in self.context.interface.controls if c.type not in ("textarea",)
        ]
        self.control_box = QComboBox(objectName="agreementControl")
        self.control_box.addItems(measurable)
        self.iou = QDoubleSpinBox(objectName="agreementIou", minimum=0.05, maximum=1.0)
        self.iou.setSingleStep(0.05)
        self.iou.setValue(0.5)
        self.summary = QLabel(objectName="agreementSummary")
        self.summary.setWordWrap(True)
        self.matrix = QTableWidget(objectName="agreementMatrix")
        self.tasks = QTableWidget(0, 3, objectName="agreementTasks")
        self.tasks.setHorizontalHeaderLabels(["Task", "Agreement", "Answers"])
        self.tasks.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.tasks.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tasks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.versions = VersionsView(ws, self.context)

        top = QHBoxLayout()
        top.addWidget(QLabel("Control"))
        top.addWidget(self.control_box)
        top.addWidget(QLabel("IoU threshold"))
        top.addWidget(self.iou)
        top.addStretch(1)
        dashboard = QWidget()
        d = QVBoxLayout(dashboard)
        d.addLayout(top)
        d.addWidget(self.summary)
        d.addWidget(QLabel("<b>Annotator × annotator</b>"))
        d.addWidget(self.matrix, 1)
        d.addWidget(QLabel("<b>Tasks, worst agreement first</b> (double-click: side by side)"))
        d.addWidget(self.tasks, 2)

        self.queue = QListWidget(objectName="reviewQueue")
        self.reasons = QLabel(objectName="reviewReasons")
        self.reasons.setWordWrap(True)
        self.pick = QComboBox(objectName="reviewPick")
        self.keep = QPushButton("Save as gold", objectName="reviewKeep")
        self.run = QPushButton("Run adjudication", objectName="runAdjudication")
        self.review_versions = VersionsView(ws, self.context)
        queue_side = QWidget()
        r = QVBoxLayout(queue_side)
        r.addWidget(self.run)
        r.addWidget(QLabel("<b>Review queue</b>: ties and items below the quorum"))
        r.addWidget(self.queue, 1)
        r.addWidget(self.reasons)
        row = QHBoxLayout()
        row.addWidget(QLabel("Keep"))
        row.addWidget(self.pick, 1)
        row.addWidget(self.keep)
        r.addLayout(row)
        review = QSplitter()
        review.addWidget(queue_side)
        review.addWidget(self.review_versions)
        review.setSizes([380, 820])

        self.tabs = QTabWidget()
        self.tabs.addTab(dashboard, "Dashboard")
        self.tabs.addTab(self.versions, "Side by side")
        self.tabs.addTab(review, "Adjudication")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

        self.control_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.iou.valueChanged.connect(lambda _v: self.refresh())
        self.tasks.cellDoubleClicked.connect(self._open_task)
        self.run.clicked.connect(self.run_adjudication)
        self.queue.currentRowChanged.connect(self._show_review_item)
        self.keep.clicked.connect(self._keep)
        self.review_items: list = []
        self.refresh()

    # -- dashboard -----------------------------------------------------------------------

    def refresh(self) -> None:
        control = self.control_box.currentText()
        if not control:
            self.summary.setText("This project has no control to compare.")
            return
        try:
            report = agreement_uc.workspace_agreement(
                self._ws, self.project.name, control, self.iou.value()
            )
        except LabelmateError as exc:
            self.summary.setText(str(exc))
            return
        a = report.agreement
        self.report = report
        overall = ", ".join(f"{k} {_fmt(v)}" for k, v in a.overall.items() if v is not None)
        notes = "; ".join(f"{k}: {v}" for k, v in a.notes.items())
        self.summary.setText(
            f"{len(a.annotators)} annotators on {a.tasks} tasks · matrix: <b>{a.statistic}</b>"
            f" · {overall}" + (f"<br><small>{notes}</small>" if notes else "")
        )
        n = len(a.annotators)
        self.matrix.setRowCount(n)
        self.matrix.setColumnCount(n)
        self.matrix.setHorizontalHeaderLabels(list(a.annotators))
        self.matrix.setVerticalHeaderLabels(list(a.annotators))
        for i in range(n):
            for j in range(n):
                self.matrix.setItem(i, j, QTableWidgetItem(_fmt(a.matrix[i][j])))
        self.tasks.setRowCount(len(a.tasks_detail))
        ids = self._ws.task_identities(self.project.id)  # type: ignore[arg-type]
        for row, detail in enumerate(a.tasks_detail):
            first = QTableWidgetItem(detail.task)
            first.setData(ROLE, ids[detail.task][0] if detail.task in ids else None)
            self.tasks.setItem(row, 0, first)
            self.tasks.setItem(row, 1, QTableWidgetItem(_fmt(detail.value)))
            self.tasks.setItem(row, 2, QTableWidgetItem(detail.detail))

    def _open_task(self, row: int, _column: int) -> None:
        task_id = self.tasks.item(row, 0).data(ROLE)
        if task_id is not None:
            self.versions.show_task(TaskId(task_id))
            self.tabs.setCurrentWidget(self.versions)

    # -- adjudication ----------------------------------------------------------------------

    def run_adjudication(self) -> None:
        try:
            result = agreement_uc.adjudicate(self._ws, self.project.name, iou=self.iou.value())
        except LabelmateError as exc:
            QMessageBox.warning(self, "Adjudication", str(exc))
            return
        self.review_items = list(result.queue)
        self.queue.clear()
        for item in self.review_items:
            entry = QListWidgetItem(
                f"{item.external_id} — {item.reasons[0] if item.reasons else ''}"
            )
            self.queue.addItem(entry)
        self.run.setText(
            f"Run adjudication again ({result.saved} saved as gold, {len(result.queue)} to review)"
        )
        if self.review_items:
            self.queue.setCurrentRow(0)

    def _show_review_item(self, row: int) -> None:
        self.pick.clear()
        if not 0 <= row < len(self.review_items):
            return
        item = self.review_items[row]
        self.reasons.setText("<br>".join(item.reasons))
        versions = agreement_uc.task_versions(self._ws, item.task_id)
        shown = {"consensus proposal": list(item.proposal)}
        shown.update({name: list(a.regions) for name, a in versions.items()})
        self.pick.addItem("the consensus proposal", list(item.proposal))
        for name, a in versions.items():
            self.pick.addItem(f"{name}'s version", list(a.regions))
        self.review_versions.show_task(item.task_id, shown)

    def _keep(self) -> None:
        row = self.queue.currentRow()
        if not 0 <= row < len(self.review_items):
            return
        item = self.review_items[row]
        try:
            agreement_uc.resolve(self._ws, item.task_id, self.pick.currentData(), expert="me")
        except LabelmateError as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
            return
        del self.review_items[row]
        self.queue.takeItem(row)
        self.reasons.setText(f"{item.external_id}: saved as gold.")
