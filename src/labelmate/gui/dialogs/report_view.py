"""Shows a use-case's report lines, errors first in the reader's eye."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout


def show_report(
    parent, title: str, headline: str, lines: list[str], *, folder: Path | None = None
) -> None:
    """A summary dialog; with `folder`, an "Open folder" button shows what was written."""
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
    if folder is not None:
        open_button = buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        open_button.setObjectName("openFolder")
        open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        )
    layout.addWidget(buttons)
    dialog.resize(760, 420)
    dialog.open()
