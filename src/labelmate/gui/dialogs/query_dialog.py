"""Draft a clarification query about the open task: pick rules, style, edit, copy.

The draft comes from `labelmate.usecases.query.draft_from_session`: the rules in
tension proposed from the current hints, the measured facts, options and one
question. Ticking a rule in or out recomposes the draft; the text stays editable and
is linted live (vague phrasing, no item id, no question…). "Copy" puts the text on
the clipboard; "Log as sent" keeps it in the project's query log.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from labelmate.core.query import STYLE_NAMES, Draft
from labelmate.usecases.query import lint_text, render_draft

ROLE_KEY = Qt.ItemDataRole.UserRole
MARKS = {"error": "✖", "warning": "▲", "info": "ℹ"}


class QueryDialog(QDialog):
    """Non-modal: the user can look at the canvas while writing."""

    logged = Signal(object, str)  # draft, text (the caller stores it)

    def __init__(self, draft: Draft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queryDialog")
        self.setWindowTitle(f"Clarification query — {draft.item_id}")
        self.resize(900, 640)
        self.draft = draft
        self._edited = False

        self.style_box = QComboBox(objectName="queryStyle")
        for style in STYLE_NAMES:
            self.style_box.addItem(style.capitalize(), style)
        self.rules = QListWidget(objectName="queryRules")
        self.rules.setToolTip("Tick the rules in tension; the draft follows.")
        self.rules.setWordWrap(True)
        self.editor = QPlainTextEdit(objectName="queryText")
        self.findings = QListWidget(objectName="queryFindings")
        self.findings.setWordWrap(True)
        self.findings.setMaximumHeight(120)
        self.copy_button = QPushButton("&Copy to clipboard", objectName="queryCopy")
        self.log_button = QPushButton("&Log as sent", objectName="queryLog")
        self.reset_button = QPushButton("&Redraft", objectName="queryRedraft")
        close = QPushButton("Close")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Rules in tension</b>"))
        left_layout.addWidget(self.rules, 1)
        left_layout.addWidget(QLabel("Style"))
        left_layout.addWidget(self.style_box)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel("<b>Query</b> (edit freely; linted as you type)"))
        right_layout.addWidget(self.editor, 1)
        right_layout.addWidget(self.findings)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([300, 600])
        buttons = QHBoxLayout()
        for button in (self.reset_button, self.copy_button, self.log_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

        self._copied = QTimer(self, singleShot=True, interval=1500)
        self._copied.timeout.connect(lambda: self.copy_button.setText("&Copy to clipboard"))
        self._lint_timer = QTimer(self, singleShot=True, interval=250)
        self._lint_timer.timeout.connect(self.lint)
        self.editor.textChanged.connect(self._typed)
        self.style_box.currentIndexChanged.connect(lambda _i: self._render(force=True))
        self.rules.itemChanged.connect(self._rule_toggled)
        self.copy_button.clicked.connect(self.copy)
        self.log_button.clicked.connect(self._log)
        self.reset_button.clicked.connect(lambda: self._render(force=True))
        close.clicked.connect(self.close)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, self.copy)
        self._fill_rules()
        self._render(force=True)

    # -- rules ---------------------------------------------------------------------------

    def _fill_rules(self) -> None:
        with QSignalBlocker(self.rules):
            self.rules.clear()
            chosen = {r.key for r in self.draft.rules}
            for rule in [*self.draft.rules, *self.draft.candidates()]:
                item = QListWidgetItem(rule.label)
                item.setToolTip(f"{rule.label}\n{rule.descriptor}")
                item.setData(ROLE_KEY, rule)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if rule.key in chosen else Qt.CheckState.Unchecked
                )
                self.rules.addItem(item)

    def _rule_toggled(self, item: QListWidgetItem) -> None:
        rule = item.data(ROLE_KEY)
        try:
            if item.checkState() == Qt.CheckState.Checked:
                self.draft = self.draft.with_rules(rule)
            else:
                self.draft = self.draft.without_rule(rule)
        except (KeyError, ValueError) as exc:
            self.findings.addItem(f"Cannot change the rules: {exc}")
            return
        self._render(force=True)

    # -- text ----------------------------------------------------------------------------

    def style(self) -> str:
        return str(self.style_box.currentData())

    def _render(self, *, force: bool = False) -> None:
        if self._edited and not force:
            return
        with QSignalBlocker(self.editor):
            self.editor.setPlainText(render_draft(self.draft, self.style()))
        self._edited = False
        self.lint()

    def _typed(self) -> None:
        self._edited = True
        self._lint_timer.start()

    def text(self) -> str:
        return self.editor.toPlainText()

    def lint(self) -> list[Any]:
        report = lint_text(self.text(), draft=self.draft)
        self.findings.clear()
        for finding in report.findings:
            mark = MARKS.get(finding.severity, "•")
            self.findings.addItem(f"{mark} {finding.message}  [{finding.rule}]")
        if not report.findings:
            self.findings.addItem("✓ Precise: item, rule and one concrete question are there.")
        return list(report.findings)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied ✓")
        self._copied.start()  # owned by the dialog: never fires after it is gone

    def _log(self) -> None:
        self.logged.emit(self.draft, self.text())
        self.log_button.setText("Logged ✓")
        self.log_button.setEnabled(False)
