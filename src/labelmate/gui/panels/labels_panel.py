"""The config's labels for the drawing tools: colour, hotkey, and which one is active.

Clicking a label makes it the label for new regions and, when regions are selected,
relabels them (as Label Studio does). The digit keys do the same through the
labeling screen's actions.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

ROLE_KEY = Qt.ItemDataRole.UserRole  # (control, label value)


def swatch(colour: QColor, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(colour)
    return QIcon(pixmap)


class LabelsPanel(QWidget):
    labelChosen = Signal(str, str)  # control, label value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(objectName="labelList")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        self.list.itemClicked.connect(self._clicked)

    def set_labels(
        self, entries: list[tuple[str, str, QColor, str | None]], show_controls: bool
    ) -> None:
        """entries: (control, label value, colour, hotkey) in config order."""
        self.list.clear()
        control = None
        for ctl, value, colour, hotkey in entries:
            if show_controls and ctl != control:
                header = QListWidgetItem(ctl)
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                self.list.addItem(header)
            control = ctl
            text = f"{hotkey}   {value}" if hotkey else f"     {value}"
            item = QListWidgetItem(swatch(colour), text)
            item.setData(ROLE_KEY, (ctl, value))
            item.setToolTip(f"{value} ({ctl})" + (f" — key {hotkey}" if hotkey else ""))
            self.list.addItem(item)

    def set_active(self, control: str | None, value: str | None) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ROLE_KEY) == (control, value):
                self.list.setCurrentItem(item)
                return
        self.list.setCurrentItem(None)

    def _clicked(self, item: QListWidgetItem) -> None:
        key = item.data(ROLE_KEY)
        if key:
            self.labelChosen.emit(*key)
