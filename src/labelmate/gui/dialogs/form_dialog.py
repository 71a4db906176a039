"""A form dialog that checks its fields before it closes and says what is missing."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from labelmate.core.errors import LabelmateError


class FormDialog(QDialog):
    """Subclasses add rows to `self.form` and override `validate` (raise LabelmateError)."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel(objectName="formError")
        self.error.setStyleSheet("color: #b42318")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        self.buttons.accepted.connect(self._check_and_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def validate(self) -> None:
        """Raise LabelmateError with a sentence for the user when a field is wrong."""

    def _check_and_accept(self) -> None:
        try:
            self.validate()
        except LabelmateError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
