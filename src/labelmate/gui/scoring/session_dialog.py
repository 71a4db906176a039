"""A self-score session: the brief's table, with proposed levels you confirm or override.

Your annotation | Criterion | Proposed (from the rubric's rules) | Self-score | Why
(override reason) | Key takeaway, with the weighted total per task and for the
session. Every change is saved at once through `labelmate.usecases.score`, so a
session survives a restart and is resumed from the Score menu. A finished session is
read-only. Double-clicking a row opens the task on the labeling screen with Check
drawn.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
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
from labelmate.core.scoring import level_label
from labelmate.gui.scoring.reports import SessionReport
from labelmate.store import Workspace
from labelmate.usecases import score as scoring

COLUMNS = ("Task", "Your annotation", "Criterion", "Proposed", "Self-score", "Why", "Key takeaway")
COL_TASK, COL_ANNOTATION, COL_CRITERION, COL_PROPOSED, COL_SCORE, COL_WHY, COL_TAKEAWAY = range(7)
PENDING = "— choose —"


class SessionDialog(QDialog):
    openTask = Signal(int)  # task id

    def __init__(self, ws: Workspace, session_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scoreSession")
        self.resize(1200, 720)
        self._ws = ws
        self.session_id = session_id
        self.summary = QLabel(objectName="sessionSummary")
        self.table = QTableWidget(0, len(COLUMNS), objectName="sessionTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_ANNOTATION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_TAKEAWAY, QHeaderView.ResizeMode.Stretch)
        self.evidence = QPlainTextEdit(objectName="sessionEvidence", readOnly=True)
        self.evidence.setPlaceholderText("Select a row to see the evidence behind its level.")
        self.confirm_all = QPushButton("Confirm all proposed", objectName="confirmAll")
        self.export_csv = QPushButton("Export CSV…")
        self.export_md = QPushButton("Export Markdown…")
        self.finish_button = QPushButton("Finish session", objectName="finishSession")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.evidence)
        split.setSizes([520, 140])
        self.report = SessionReport(ws, session_id)
        self.tabs = QTabWidget(objectName="sessionTabs")
        self.tabs.addTab(split, "Scores")
        self.tabs.addTab(self.report, "Calibration, bottlenecks, time")
        self.tabs.currentChanged.connect(lambda i: self.report.refresh() if i == 1 else None)
        buttons = QHBoxLayout()
        for b in (self.confirm_all, self.export_csv, self.export_md):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.finish_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._show_evidence)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        self.confirm_all.clicked.connect(self._confirm_all)
        self.finish_button.clicked.connect(self._finish)
        self.export_csv.clicked.connect(lambda: self._export("csv"))
        self.export_md.clicked.connect(lambda: self._export("md"))
        self.reload()

    # -- content -------------------------------------------------------------------------

    def reload(self) -> None:
        table = scoring.session_table(self._ws, self.session_id)
        self.data = table
        session = table.session
        read_only = session.status == "finished"
        self.setWindowTitle(
            f"Self-score session {session.id} — {table.rubric.title}"
            + (" (finished, read-only)" if read_only else "")
        )
        total = "—" if table.total is None else f"{table.total:.1f} / 100"
        seed = f" · seed {session.seed}" if session.seed is not None else ""
        self.summary.setText(
            f"<b>{len(table.task_names)} tasks</b> · {table.decided} of {table.items} scored · "
            f"session total <b>{total}</b>{seed}"
        )
        with QSignalBlocker(self.table):
            self.table.setRowCount(len(table.rows))
            for r, row in enumerate(table.rows):
                task_total = table.task_totals.get(row.task_id)
                task_cell = row.task + ("" if task_total is None else f"\n{task_total:.0f} / 100")
                cells = {
                    COL_TASK: task_cell,
                    COL_ANNOTATION: row.annotation,
                    COL_CRITERION: row.criterion,
                    COL_PROPOSED: row.proposed or row.proposal.replace("_", " "),
                    COL_WHY: row.override_reason,
                    COL_TAKEAWAY: row.takeaway,
                }
                for column, text in cells.items():
                    item = QTableWidgetItem(text)
                    editable = column in (COL_WHY, COL_TAKEAWAY) and not read_only
                    flags = item.flags() & ~Qt.ItemFlag.ItemIsEditable
                    if editable:
                        flags |= Qt.ItemFlag.ItemIsEditable
                    item.setFlags(flags)
                    if column == COL_PROPOSED:
                        item.setToolTip(row.evidence_text or "no rule decided it")
                    self.table.setItem(r, column, item)
                self.table.setCellWidget(r, COL_SCORE, self._score_box(r, row, read_only))
        self.table.resizeRowsToContents()
        for b in (self.confirm_all, self.finish_button):
            b.setEnabled(not read_only)
        self._show_evidence()

    def _score_box(self, r: int, row, read_only: bool) -> QComboBox:
        box = QComboBox()
        box.setObjectName(f"score_{r}")
        box.addItem(PENDING, None)
        criterion = self.data.rubric.criterion(row.criterion_id)
        for level in sorted(criterion.levels, key=lambda lv: -lv.score):
            label = level_label(self.data.rubric, criterion, level.score)
            box.addItem(label, level.score)
        if row.final_score is not None:
            box.setCurrentIndex(box.findData(row.final_score))
        box.setEnabled(not read_only)
        box.activated.connect(lambda _i, b=box, rr=r: self._score_chosen(rr, b.currentData()))
        return box

    def _show_evidence(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        row = self.data.rows[rows[0].row()]
        lines = [f"{row.task} · {row.criterion}: proposed {row.proposed or row.proposal}"]
        lines += [f"• {e.get('message') or e}" for e in row.evidence]
        if row.override_reason:
            lines.append(f"Your reason for a different level: {row.override_reason}")
        self.evidence.setPlainText("\n".join(lines))

    # -- decisions -----------------------------------------------------------------------

    def _score_chosen(self, r: int, score: float | None) -> None:
        row = self.data.rows[r]
        tid = TaskId(row.task_id)
        try:
            if score is None:
                scoring.reset(self._ws, self.session_id, tid, row.criterion_id)
            elif row.proposal == "manual" or row.proposed_score is None:
                scoring.set_manual(self._ws, self.session_id, tid, row.criterion_id, score)
            elif score == row.proposed_score:
                scoring.confirm(self._ws, self.session_id, tid, row.criterion_id)
            else:
                reason = self.table.item(r, COL_WHY).text().strip()
                if not reason:
                    reason = self._ask_reason(row)
                    if not reason:
                        self.reload()
                        return
                scoring.override(self._ws, self.session_id, tid, row.criterion_id, score, reason)
        except LabelmateError as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
        self.reload()
        self.table.selectRow(r)

    def _ask_reason(self, row) -> str:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(
            self,
            "Why a different level?",
            f"The rules proposed {row.proposed} for {row.criterion}. Why do you score it "
            "differently? (kept with the score)",
        )
        return text.strip() if ok else ""

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        row = self.data.rows[item.row()]
        tid = TaskId(row.task_id)
        try:
            if item.column() == COL_TAKEAWAY:
                scoring.set_takeaway(self._ws, self.session_id, tid, row.criterion_id, item.text())
            elif (
                item.column() == COL_WHY
                and row.final_score is not None
                and (row.final_score != row.proposed_score and row.proposed_score is not None)
            ):
                scoring.override(
                    self._ws, self.session_id, tid, row.criterion_id, row.final_score, item.text()
                )
        except LabelmateError as exc:
            QMessageBox.warning(self, "Not saved", str(exc))
            self.reload()

    def _confirm_all(self) -> None:
        for row in self.data.rows:
            if row.final_score is None and row.proposed_score is not None:
                scoring.confirm(self._ws, self.session_id, TaskId(row.task_id), row.criterion_id)
        self.reload()

    def _finish(self) -> None:
        pending = self.data.items - self.data.decided
        if pending:
            answer = QMessageBox.question(
                self,
                "Finish session",
                f"{pending} item(s) are not scored yet and will stay unscored. Finish anyway?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            scoring.finish(self._ws, self.session_id)
        except LabelmateError as exc:
            QMessageBox.warning(self, "Not finished", str(exc))
        self.reload()

    def _double_clicked(self, r: int, column: int) -> None:
        if column not in (COL_SCORE, COL_WHY, COL_TAKEAWAY):
            self.openTask.emit(int(self.data.rows[r].task_id))

    def _export(self, kind: str) -> None:
        suffix = ".csv" if kind == "csv" else ".md"
        name, _ = QFileDialog.getSaveFileName(
            self, "Export session", f"session-{self.session_id}{suffix}"
        )
        if not name:
            return
        text = self.data.to_csv() if kind == "csv" else self.data.to_markdown()
        Path(name).write_text(text, encoding="utf-8")
