"""The regions of the open task, in drawing order; selection follows the canvas."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labelmate.core.regions import (
    Box,
    Choices,
    Keypoint,
    Polygon,
    Rating,
    RegionBase,
    Span,
    TextAnswer,
)
from labelmate.gui.panels.labels_panel import swatch

ROLE_ID = Qt.ItemDataRole.UserRole


def describe(region: RegionBase) -> str:
    """What a row says about a region, e.g. "Scratch — box 42 × 17 px at (310, 96)"."""
    label = ", ".join(region.labels) or "(no label)"
    if isinstance(region, Box):
        shape = (
            f"box {region.width:.0f} × {region.height:.0f} px at ({region.x:.0f}, {region.y:.0f})"
        )
        if region.rotation:
            shape += f", turned {region.rotation:.0f}°"
    elif isinstance(region, Polygon):
        shape = f"polygon, {len(region.points)} vertices"
    elif isinstance(region, Keypoint):
        shape = f"point at ({region.x:.0f}, {region.y:.0f})"
    elif isinstance(region, Span):
        quoted = (region.text or "").replace("\n", " ")
        quoted = quoted if len(quoted) <= 40 else quoted[:39] + "…"
        shape = f"“{quoted}” at {region.start}–{region.end}"
    elif isinstance(region, Choices):
        return f"{region.control}: {label}"
    elif isinstance(region, Rating):
        return f"{region.control}: {region.rating} ★"
    elif isinstance(region, TextAnswer):
        chars = sum(len(t) for t in region.text)
        tests = len(region.extra.get("test_cases", []))
        return f"{region.control}: {chars} characters" + (f", {tests} test cases" if tests else "")
    else:
        shape = region.type  # type: ignore[attr-defined]
    return f"{label} — {shape}"


class RegionListPanel(QWidget):
    selectionChanged = Signal(list)  # region ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(objectName="regionList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.count = QLabel("No regions")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.count)
        layout.addWidget(self.list)
        self.list.itemSelectionChanged.connect(self._selection_changed)

    def set_regions(
        self, regions: Sequence[RegionBase], colour_of: Callable[[RegionBase], QColor]
    ) -> None:
        with QSignalBlocker(self.list):
            self.list.clear()
            for region in regions:
                item = QListWidgetItem(swatch(colour_of(region)), describe(region))
                item.setData(ROLE_ID, region.id)
                self.list.addItem(item)
        n = len(regions)
        self.count.setText("No regions" if n == 0 else f"{n} region{'s' if n != 1 else ''}")

    def select(self, ids: Sequence[str]) -> None:
        wanted = set(ids)
        with QSignalBlocker(self.list):
            for i in range(self.list.count()):
                item = self.list.item(i)
                item.setSelected(item.data(ROLE_ID) in wanted)
                if item.data(ROLE_ID) in wanted:
                    self.list.scrollToItem(item)

    def _selection_changed(self) -> None:
        self.selectionChanged.emit([item.data(ROLE_ID) for item in self.list.selectedItems()])
