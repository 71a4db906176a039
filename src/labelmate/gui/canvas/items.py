"""Scene items that draw regions. They only draw; the view does all interaction.

Scene coordinates are image pixels (full resolution, EXIF orientation applied), the
same numbers the regions hold, so an item is placed with no conversion.

Speed with thousands of shapes: one `RegionItem` per region stays in the scene so
its BSP index answers "what is under the cursor?", but boxes and polygons do not
paint themselves. `OutlineLayer` draws all of their outlines at once, one cached
QPainterPath per colour with a one-pixel cosmetic pen (Qt's fast line path; wider
or fractional pens go through the stroker and cost five times as much).
`HighlightItem` draws the few selected or hovered regions on top, thicker and
filled, and `HandlesItem` the vertex handles of one region only.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase

KEYPOINT_RADIUS_PX = 4.0  # on screen
HANDLE_PX = 7.0  # on screen

REGION_TYPE = QGraphicsItem.UserType + 1


def label_colour(configured: str | None, fallback: str) -> QColor:
    """The config's colour when Qt can read it, else `fallback` (the palette's)."""
    colour = QColor(configured) if configured else QColor()
    return colour if colour.isValid() else QColor(fallback)


def box_polygon(box: Box) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in box.corners()])


def region_outline(region: RegionBase) -> QPolygonF:
    """The outline in scene coordinates (a keypoint gives its single point)."""
    if isinstance(region, Box):
        return box_polygon(region)
    if isinstance(region, Polygon):
        return QPolygonF([QPointF(x, y) for x, y in region.points])
    if isinstance(region, Keypoint):
        return QPolygonF([QPointF(region.x, region.y)])
    return QPolygonF()


class _Item(QGraphicsItem):
    """An item whose bounds are computed when its content is set, not on every call."""

    _bounds = QRectF()

    def boundingRect(self) -> QRectF:
        return self._bounds


class RegionItem(_Item):
    """One drawn region: box, polygon or keypoint."""

    def __init__(self, region: RegionBase, colour: QColor) -> None:
        super().__init__()
        self.selected = False
        self.hovered = False
        self.setAcceptHoverEvents(False)
        self.set_region(region, colour)

    def type(self) -> int:
        return REGION_TYPE

    def set_region(self, region: RegionBase, colour: QColor) -> None:
        self.prepareGeometryChange()
        self.region = region
        self.colour = colour
        self.outline = region_outline(region)
        self.closed = not (isinstance(region, Polygon) and not region.closed)
        # Only keypoints paint themselves (at a fixed screen size); the outline layer
        # draws boxes and polygons.
        self.setFlag(
            QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, not isinstance(region, Keypoint)
        )
        if isinstance(region, Keypoint):
            # Generous bounds: the marker is drawn at a fixed screen size.
            self._bounds = QRectF(region.x - 64, region.y - 64, 128, 128)
        else:
            self._bounds = self.outline.boundingRect().adjusted(-2, -2, 2, 2)
        self.update()

    @property
    def region_id(self) -> str:
        return self.region.id

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        if isinstance(self.region, Keypoint):
            path.addEllipse(QPointF(self.region.x, self.region.y), 3, 3)
        else:
            path.addPolygon(self.outline)
            path.closeSubpath()
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if not isinstance(self.region, Keypoint):
            return
        pen = QPen(QColor(20, 20, 20) if self.selected else self.colour, 2 if self.selected else 1)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QBrush(self.colour))
        scale = painter.worldTransform().m11() or 1.0
        grow = 1.5 if (self.selected or self.hovered) else 1.0
        r = KEYPOINT_RADIUS_PX / scale * grow
        painter.drawEllipse(QPointF(self.region.x, self.region.y), r, r)


class OutlineLayer(_Item):
    """Every box and polygon outline, drawn as one cached path per colour."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(1)
        self._paths: list[tuple[QPen, QPainterPath]] = []
        self._bounds = QRectF()

    def set_items(self, items: list[RegionItem]) -> None:
        self.prepareGeometryChange()
        paths: dict[int, tuple[QColor, QPainterPath]] = {}
        for item in items:
            key = item.colour.rgba()
            if key not in paths:
                paths[key] = (item.colour, QPainterPath())
            path = paths[key][1]
            path.addPolygon(item.outline)
            if item.closed:
                path.closeSubpath()
        self._paths = []
        bounds = QRectF()
        for colour, path in paths.values():
            pen = QPen(colour, 1)
            pen.setCosmetic(True)
            self._paths.append((pen, path))
            bounds = bounds.united(path.boundingRect())
        self._bounds = bounds.adjusted(-2, -2, 2, 2)
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for pen, path in self._paths:
            painter.setPen(pen)
            painter.drawPath(path)


class HighlightItem(_Item):
    """The selected regions (filled, thick) and the hovered one (thick) over the layer."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(3)
        self._items: list[tuple[RegionItem, bool]] = []
        self._bounds = QRectF()

    def set_items(self, selected: list[RegionItem], hovered: RegionItem | None) -> None:
        self.prepareGeometryChange()
        self._items = [(item, True) for item in selected]
        if hovered is not None and hovered not in selected:
            self._items.append((hovered, False))
        bounds = QRectF()
        for item, _ in self._items:
            bounds = bounds.united(item.outline.boundingRect())
        self._bounds = bounds.adjusted(-4, -4, 4, 4)
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        for item, selected in self._items:
            if isinstance(item.region, Keypoint):
                continue
            pen = QPen(item.colour, 2.5 if selected else 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            fill = QColor(item.colour)
            fill.setAlpha(60 if selected else 30)
            painter.setBrush(fill)
            if item.closed:
                painter.drawPolygon(item.outline)
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPolyline(item.outline)


class HandlesItem(_Item):
    """Vertex and corner handles of one region, at a fixed size on screen."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(10)
        self.points: list[QPointF] = []
        self.active: int | None = None
        self.colour = QColor("white")
        self._bounds = QRectF()

    def set_points(self, points: list[QPointF], colour: QColor, active: int | None) -> None:
        self.prepareGeometryChange()
        self.points = points
        self.colour = colour
        self.active = active
        self._bounds = (
            QPolygonF(points).boundingRect().adjusted(-64, -64, 64, 64) if points else QRectF()
        )
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        scale = painter.worldTransform().m11() or 1.0
        half = HANDLE_PX / 2 / scale
        pen = QPen(QColor(20, 20, 20), 1)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for i, p in enumerate(self.points):
            painter.setBrush(self.colour if i == self.active else QColor("white"))
            painter.drawRect(QRectF(p.x() - half, p.y() - half, 2 * half, 2 * half))


class OverlayItem(_Item):
    """Shapes that are not regions: the shape being drawn, Check findings (missed gold)."""

    def __init__(self, colour: QColor, *, dashed: bool = False, closed: bool = True) -> None:
        super().__init__()
        self.setZValue(5)
        self.colour = colour
        self.dashed = dashed
        self.closed = closed
        self.polygon = QPolygonF()
        self.caption = ""
        self._bounds = QRectF()

    def set_polygon(self, polygon: QPolygonF, *, closed: bool | None = None) -> None:
        self.prepareGeometryChange()
        self.polygon = polygon
        if closed is not None:
            self.closed = closed
        self._bounds = polygon.boundingRect().adjusted(-64, -64, 64, 64)
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self.polygon.isEmpty():
            return
        pen = QPen(self.colour, 2)
        pen.setCosmetic(True)
        if self.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        scale = painter.worldTransform().m11() or 1.0
        if self.polygon.size() == 1:
            r = KEYPOINT_RADIUS_PX * 1.5 / scale
            painter.drawEllipse(self.polygon.at(0), r, r)
        elif self.closed:
            painter.drawPolygon(self.polygon)
        else:
            painter.drawPolyline(self.polygon)
        if self.caption:
            font = painter.font()
            font.setPixelSize(max(1, round(12 / scale)))
            painter.setFont(font)
            painter.setPen(self.colour)
            corner = self.polygon.boundingRect().topLeft()
            painter.drawText(corner - QPointF(0, 3 / scale), self.caption)
