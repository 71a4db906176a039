"""Precision hints for the open task, each naming the rubric criterion and level it implies.

Click a hint to select the region it is about on the canvas. In exam mode the
panel says why it is empty instead of showing hints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from labelmate.gui.panels.labels_panel import swatch

if TYPE_CHECKING:
    from labelmate.core.hints import Hint

ROLE_IDS = Qt.ItemDataRole.UserRole
SEVERITY_COLOURS = {
    "good": QColor("#2E7D32"),
    "info": QColor("#1565C0"),
    "warning": QColor("#EF6C00"),
    "error": QColor("#C62828"),
}
SOURCE_NOTE = {"gold": "", "estimate": " (estimate)", "data": ""}


class HintsPanel(QWidget):
    regionsClicked = Signal(list)  # region ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Select or draw a region to see hints.")
        self.title.setWordWrap(True)
        self.list = QListWidget(objectName="hintList")
        self.list.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        self.list.itemClicked.connect(self._clicked)
        self.hints: list[Hint] = []

    def set_hints(self, title: str, hints: Sequence[Hint]) -> None:
        self.title.setText(title)
        self.hints = list(hints)
        self.list.clear()
        for hint in hints:
            item = QListWidgetItem(
                swatch(SEVERITY_COLOURS.get(hint.severity, QColor("grey"))), hint.message
            )
            item.setData(ROLE_IDS, list(hint.region_ids))
            tip = hint.message
            if hint.source == "estimate":
                tip += "\nEstimated from the image (no gold answer for this task)."
            item.setToolTip(tip)
            self.list.addItem(item)

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        ids = item.data(ROLE_IDS)
        if ids:
            self.regionsClicked.emit(list(ids))
