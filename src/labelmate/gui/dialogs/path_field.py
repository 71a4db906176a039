"""A line edit with browse buttons whose last folder is remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


class PathField(QWidget):
    def __init__(
        self,
        key: str,
        *,
        files: str | None = None,
        folder: bool = False,
        placeholder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._key = f"paths/{key}"
        self._filter = files
        self.edit = QLineEdit(placeholderText=placeholder)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        if files is not None:
            self.file_button = QPushButton("File…")
            self.file_button.clicked.connect(self._pick_file)
            layout.addWidget(self.file_button)
        if folder:
            self.folder_button = QPushButton("Folder…")
            self.folder_button.clicked.connect(self._pick_folder)
            layout.addWidget(self.folder_button)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | str | None) -> None:
        self.edit.setText("" if path is None else str(path))

    def _start_dir(self) -> str:
        current = self.path()
        if current is not None:
            return str(current if current.is_dir() else current.parent)
        return str(QSettings().value(self._key, str(Path.home())))

    def _remember(self, chosen: str) -> None:
        self.set_path(chosen)
        folder = Path(chosen) if Path(chosen).is_dir() else Path(chosen).parent
        QSettings().setValue(self._key, str(folder))

    def _pick_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Choose a file", self._start_dir(), self._filter or ""
        )
        if chosen:
            self._remember(chosen)

    def _pick_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", self._start_dir())
        if chosen:
            self._remember(chosen)
