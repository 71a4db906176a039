"""The project's query log: what was asked, when, the answer, and rulings made of it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from labelmate.core.errors import LabelmateError
from labelmate.core.models import Project
from labelmate.core.rubric import Rubric
from labelmate.store import Workspace
from labelmate.store.queries import QueryRecord
from labelmate.usecases.query_log import record_answer

COLUMNS = ("Item", "Status", "Asked", "Answered", "Query", "Answer")


class AnswerDialog(QDialog):
    """The project manager's answer, and whether it becomes a ruling."""

    def __init__(self, record: QueryRecord, rubric: Rubric | None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Answer to the query on {record.task_external_id}")
        self.answer = QPlainTextEdit(objectName="answerText")
        self.answer.setPlaceholderText("Paste or type the answer you received")
        self.ruling = QCheckBox("Keep it as a ruling in the rubric", objectName="answerRuling")
        self.criterion = QComboBox(objectName="answerCriterion")
        names = {c.get("id"): c.get("name") for c in record.draft.get("criteria", [])}
        for criterion in rubric.criteria if rubric else []:
            self.criterion.addItem(criterion.name, criterion.id)
            if criterion.id in names and self.criterion.currentIndex() < 0:
                self.criterion.setCurrentIndex(self.criterion.count() - 1)
        first = next(iter(names), None)
        if first is not None:
            at = self.criterion.findData(first)
            if at >= 0:
                self.criterion.setCurrentIndex(at)
        self.ruling.setChecked(rubric is not None)
        self.ruling.setEnabled(rubric is not None)
        self.criterion.setEnabled(rubric is not None)
        question = QLabel(record.text)
        question.setWordWrap(True)
        question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Asked", question)
        form.addRow("Answer", self.answer)
        form.addRow("", self.ruling)
        form.addRow("Criterion", self.criterion)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if self.answer.toPlainText().strip():
            self.accept()


class QueryLogDialog(QDialog):
    rulingsChanged = Signal()

    def __init__(self, ws: Workspace, project: Project, rubric: Rubric | None, parent=None):
        super().__init__(parent)
        self.setObjectName("queryLog")
        self.setWindowTitle(f"Queries — {project.name}")
        self.resize(980, 480)
        self._ws, self.project, self.rubric = ws, project, rubric
        self.table = QTableWidget(0, len(COLUMNS), objectName="queryTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.answer_button = QPushButton("Record &answer…", objectName="recordAnswer")
        self.copy_button = QPushButton("&Copy query")
        self.status = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.answer_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.answer_button.clicked.connect(self.answer_selected)
        self.copy_button.clicked.connect(self._copy)
        self.records: list[QueryRecord] = []
        self.reload()

    def reload(self) -> None:
        assert self.project.id is not None
        self.records = self._ws.list_queries(self.project.id)
        self.table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            asked = record.sent_at or record.created_at
            cells = (
                record.task_external_id + (f" / {record.region_id}" if record.region_id else ""),
                record.status + (f" → ruling {record.ruling_id}" if record.ruling_id else ""),
                asked.strftime("%Y-%m-%d %H:%M"),
                record.answered_at.strftime("%Y-%m-%d %H:%M") if record.answered_at else "",
                " ".join(record.text.split())[:200],
                record.answer or "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(record.text if column == 4 else text)
                self.table.setItem(row, column, item)
        if self.records:
            self.table.selectRow(len(self.records) - 1)
        self.status.setText(f"{len(self.records)} queries")

    def selected(self) -> QueryRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.records[rows[0].row()] if rows else None

    def answer_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        dialog = AnswerDialog(record, self.rubric, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            record_answer(
                self._ws,
                self.project,
                record.id,
                dialog.answer.toPlainText(),
                as_ruling=dialog.ruling.isChecked(),
                criterion=dialog.criterion.currentData(),
            )
        except LabelmateError as exc:
            self.status.setText(f"Not saved: {exc}")
            return
        if dialog.ruling.isChecked():
            self.project = self._ws.get_project(self.project.id)  # type: ignore[arg-type]
            self.rulingsChanged.emit()
        self.reload()

    def _copy(self) -> None:
        record = self.selected()
        if record is not None:
            QGuiApplication.clipboard().setText(record.text)
            self.status.setText("Copied.")
