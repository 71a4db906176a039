"""Shows a use-case's report lines, errors first in the reader's eye."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout


def show_report(parent, title: str, headline: str, lines: list[str]) -> None:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setObjectName("reportDialog")
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(headline, objectName="reportHeadline"))
    text = QPlainTextEdit(readOnly=True)
    text.setObjectName("reportText")
    text.setPlainText("\n".join(lines))
    layout.addWidget(text)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(760, 420)
    dialog.open()
