"""Shows the selected task read-only: its image or text, and its gold answer count.

The labeling issues replace this with the real canvas and text editors.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from labelmate.core.models import Project, Task
from labelmate.gui.task_list_model import status_text


class TaskPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("taskTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(200, 150)
        self.text = QPlainTextEdit(readOnly=True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.image)
        self.stack.addWidget(self.text)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        self._pixmap = QPixmap()
        self.show_task(None, None)

    def show_task(self, project: Project | None, task: Task | None) -> None:
        if task is None:
            self.title.setText("Choose a task on the left.")
            self.text.setPlainText("")
            self.stack.setCurrentWidget(self.text)
            return
        self.title.setText(f"<b>{task.external_id}</b> — {status_text(task.status)}")
        media = _media_file(project, task)
        if media is not None:
            reader = QImageReader(str(media))
            reader.setAutoTransform(True)  # EXIF orientation, as a browser shows it
            image = reader.read()
            if not image.isNull():
                self._pixmap = QPixmap.fromImage(image)
                self._rescale()
                self.stack.setCurrentWidget(self.image)
                return
            self.text.setPlainText(f"Cannot show {media}: {reader.errorString()}")
        else:
            self.text.setPlainText(
                "\n\n".join(f"{k}:\n{v}" for k, v in task.data.items() if isinstance(v, str))
            )
        self.stack.setCurrentWidget(self.text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._pixmap.isNull():
            return
        self.image.setPixmap(
            self._pixmap.scaled(
                self.image.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


def _media_file(project: Project | None, task: Task) -> Path | None:
    if not task.media:
        return None
    root = Path(project.media_root) if project and project.media_root else Path()
    return root / task.media
