"""Marking a project shareable asks first: its work may then leave the machine."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm_shareable(parent: QWidget, project: str) -> bool:
    answer = QMessageBox.question(
        parent,
        "Shareable in portfolios",
        f"Make '{project}' shareable?\n\nIts tasks, annotations and scores may then appear "
        "in portfolios you send to others. Only do this for practice data or work the "
        "client allows you to show.",
    )
    return answer == QMessageBox.StandardButton.Yes
