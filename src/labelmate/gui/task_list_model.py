"""A table model over a project's tasks that reads the store a page at a time.

Tens of thousands of tasks scroll smoothly because the view asks only for the rows
it shows and we fetch them in pages, never one widget per row.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from labelmate.core.ids import ProjectId
from labelmate.core.models import Task, TaskStatus
from labelmate.store import Workspace

_PAGE = 256
_Index = QModelIndex | QPersistentModelIndex


def task_summary(task: Task) -> str:
    """One line that identifies a task: its media file or the start of its text."""
    if task.media:
        return task.media.rsplit("/", 1)[-1]
    for value in task.data.values():
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= 80 else text[:79] + "…"
    return ""


def status_text(status: TaskStatus) -> str:
    return {TaskStatus.TODO: "to do", TaskStatus.DONE: "done", TaskStatus.FLAGGED: "flagged"}[
        status
    ]


class TaskListModel(QAbstractTableModel):
    COLUMNS = ("#", "Task", "Status")

    def __init__(self, workspace: Workspace, parent: Any = None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._project: ProjectId | None = None
        self._status: TaskStatus | None = None
        self._count = 0
        self._pages: dict[int, list[Task]] = {}

    def set_project(self, project_id: ProjectId | None, status: TaskStatus | None = None) -> None:
        self.beginResetModel()
        self._project, self._status = project_id, status
        self._pages.clear()
        self._count = (
            self._ws.count_tasks(project_id, status=status) if project_id is not None else 0
        )
        self.endResetModel()

    def task_at(self, row: int) -> Task | None:
        if self._project is None or not 0 <= row < self._count:
            return None
        page = row // _PAGE
        if page not in self._pages:
            self._pages[page] = self._ws.list_tasks(
                self._project, status=self._status, offset=page * _PAGE, limit=_PAGE
            )
        rows = self._pages[page]
        offset = row - page * _PAGE
        return rows[offset] if offset < len(rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        task = self.task_at(index.row())
        if task is None:
            return None
        column = index.column()
        if column == 0:
            return index.row() + 1
        if column == 1:
            return task.external_id if role == Qt.ItemDataRole.ToolTipRole else task_summary(task)
        return status_text(task.status)

    def refresh_task(self, task: Task) -> None:
        """Show a task's new status without reloading the page it is on."""
        for page, rows in self._pages.items():
            for offset, cached in enumerate(rows):
                if cached.id == task.id:
                    rows[offset] = task
                    row = page * _PAGE + offset
                    self.dataChanged.emit(self.index(row, 0), self.index(row, 2))
                    return

    def row_of(self, external_id: str) -> int | None:
        """The row showing the task with this external id (asked of the store, so no
        page is loaded to find it)."""
        if self._project is None:
            return None
        return self._ws.task_row(self._project, external_id, self._status)
