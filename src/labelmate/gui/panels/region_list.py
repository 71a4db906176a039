"""The regions of the open task, in drawing order; selection follows the canvas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QVBoxLayout, QWidget

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


class RegionListModel(QAbstractListModel):
    """The regions as rows; text and swatch are made only for the rows on screen."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.regions: list[RegionBase] = []
        self.colour_of: Callable[[RegionBase], QColor] = lambda region: QColor("grey")
        self._icons: dict[int, QIcon] = {}

    def set_regions(
        self, regions: Sequence[RegionBase], colour_of: Callable[[RegionBase], QColor]
    ) -> None:
        self.beginResetModel()
        self.regions = list(regions)
        self.colour_of = colour_of
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.regions)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        region = self.regions[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return describe(region)
        if role == Qt.ItemDataRole.DecorationRole:
            colour = self.colour_of(region)
            icon = self._icons.get(colour.rgba())
            if icon is None:
                icon = self._icons[colour.rgba()] = swatch(colour)
            return icon
        if role == ROLE_ID:
            return region.id
        return None

    def row_of(self, region_id: str) -> int | None:
        return next((i for i, r in enumerate(self.regions) if r.id == region_id), None)


class RegionListPanel(QWidget):
    selectionChanged = Signal(list)  # region ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RegionListModel(self)
        self.list = QListView(objectName="regionList")
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.count = QLabel("No regions")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.count)
        layout.addWidget(self.list)
        self.list.selectionModel().selectionChanged.connect(self._selection_changed)

    def set_regions(
        self, regions: Sequence[RegionBase], colour_of: Callable[[RegionBase], QColor]
    ) -> None:
        with QSignalBlocker(self.list.selectionModel()):
            self.model.set_regions(regions, colour_of)
        n = len(regions)
        self.count.setText("No regions" if n == 0 else f"{n} region{'s' if n != 1 else ''}")

    def texts(self) -> list[str]:
        return [describe(r) for r in self.model.regions]

    def select(self, ids: Sequence[str]) -> None:
        selection = QItemSelection()
        last = None
        for rid in ids:
            row = self.model.row_of(rid)
            if row is not None:
                index = self.model.index(row)
                selection.select(index, index)
                last = index
        chooser = self.list.selectionModel()
        with QSignalBlocker(chooser):
            chooser.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.list.viewport().update()
        if last is not None:
            self.list.scrollTo(last)

    def _selection_changed(self, *_args: object) -> None:
        rows = sorted(i.row() for i in self.list.selectionModel().selectedIndexes())
        self.selectionChanged.emit([self.model.regions[r].id for r in rows])
