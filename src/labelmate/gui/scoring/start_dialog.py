"""Start a self-score session: a seeded random sample, or tasks you pick by hand."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from labelmate.core.ids import TaskId
from labelmate.core.models import AnnotationKind, Project
from labelmate.store import Workspace

ROLE = Qt.ItemDataRole.UserRole


class StartSessionDialog(QDialog):
    def __init__(self, ws: Workspace, project: Project, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("startSession")
        self.setWindowTitle(f"Start a self-score session — {project.name}")
        assert project.id is not None
        tasks = ws.list_tasks(project.id)
        by_task = ws.annotations_for_tasks(t.id for t in tasks if t.id is not None)
        labelled = [
            t
            for t in tasks
            if any(a.kind == AnnotationKind.MINE for a in by_task.get(t.id, []))  # type: ignore[arg-type]
        ]
        self.sample = QRadioButton("A random sample of", objectName="byStart")
        self.size = QSpinBox(objectName="sampleSize", minimum=1, maximum=max(1, len(labelled)))
        self.size.setValue(min(15, max(1, len(labelled))))
        self.seed = QLineEdit(objectName="sampleSeed", placeholderText="seed (blank: new)")
        self.picked = QRadioButton("These tasks:", objectName="byHand")
        group = QButtonGroup(self)
        group.addButton(self.sample)
        group.addButton(self.picked)
        self.sample.setChecked(True)
        self.tasks = QListWidget(objectName="pickTasks")
        for task in labelled:
            item = QListWidgetItem(task.external_id)
            item.setData(ROLE, task.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.tasks.addItem(item)
        self.tasks.itemChanged.connect(lambda _i: self.picked.setChecked(True))
        row = QHBoxLayout()
        row.addWidget(self.sample)
        row.addWidget(self.size)
        row.addWidget(QLabel(f"of your {len(labelled)} labelled tasks"))
        row.addWidget(self.seed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.picked)
        layout.addWidget(self.tasks, 1)
        layout.addWidget(buttons)

    def chosen_tasks(self) -> list[TaskId] | None:
        """The hand-picked tasks in list order, or None for a random sample."""
        if not self.picked.isChecked():
            return None
        return [
            TaskId(self.tasks.item(i).data(ROLE))
            for i in range(self.tasks.count())
            if self.tasks.item(i).checkState() == Qt.CheckState.Checked
        ]

    def chosen_seed(self) -> int | None:
        text = self.seed.text().strip()
        return int(text) if text.lstrip("-").isdigit() else None
