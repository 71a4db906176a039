"""The image canvas: a QGraphicsView that turns mouse and keys into region edits.

The view never changes regions itself. A finished gesture becomes a core edit
(`labelmate.core.edits`) sent through `editRequested`; the labeling screen applies
it (saving it) and calls `set_regions` with the result. While a gesture runs, the
affected item shows the candidate shape and `previewChanged` carries it, so hints
update live.

Keys handled here (they need the canvas focused): Delete/Backspace delete the
selection (or the active vertex; while drawing a polygon Backspace removes the last
vertex), Enter closes a polygon, Esc cancels the shape being drawn or clears the
selection, arrows nudge (Shift: 10 px), Space+drag pans. Zoom with the wheel at the
cursor; pan with the middle button.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QKeyEvent, QMouseEvent, QPolygonF
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView

from labelmate.core.edits import EditError, InsertRegions, RemoveRegions, ReplaceRegions
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase
from labelmate.core.shape_edits import (
    clamp_point,
    nearest_edge,
    region_points,
    with_vertex_inserted,
    with_vertex_removed,
)
from labelmate.gui.canvas.drawing import DrawingMixin
from labelmate.gui.canvas.gestures import _Gesture, _moved_together, _near_outline
from labelmate.gui.canvas.image_item import ImageItem
from labelmate.gui.canvas.items import (
    HandlesItem,
    HighlightItem,
    OutlineLayer,
    OverlayItem,
    RegionItem,
    region_outline,
)

HIT_PX = 6.0  # how close (on screen) a click must be to a handle or an outline
MIN_BOX_PX = 2.0  # a smaller rectangle drag is a click
ZOOM_MIN, ZOOM_MAX = 0.02, 64.0


class Tool(StrEnum):
    SELECT = "select"
    RECTANGLE = "rectangle"
    POLYGON = "polygon"
    KEYPOINT = "keypoint"


TOOL_REGION = {Tool.RECTANGLE: "box", Tool.POLYGON: "polygon", Tool.KEYPOINT: "keypoint"}


class CanvasView(DrawingMixin, QGraphicsView):
    editRequested = Signal(object)  # a core edit
    selectionChanged = Signal(list)  # region ids
    previewChanged = Signal(object)  # the region being drawn or changed, or None
    zoomChanged = Signal(float)
    detailWanted = Signal()  # zoomed in past the screen-resolution decode
    message = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setBackgroundBrush(QBrush(QColor(48, 48, 52)))
        self.setMouseTracking(True)
        # Pan with the middle button or Space+drag; scroll bars would only take room.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.image_item = ImageItem()
        self._scene.addItem(self.image_item)
        self.layer = OutlineLayer()
        self._scene.addItem(self.layer)
        self.highlight = HighlightItem()
        self._scene.addItem(self.highlight)
        self.handles = HandlesItem()
        self._scene.addItem(self.handles)
        self.draft = OverlayItem(QColor("#FFEB3B"), dashed=True)
        self._scene.addItem(self.draft)
        self._message_item = QGraphicsSimpleTextItem()
        self._message_item.setBrush(QColor("white"))
        self._scene.addItem(self._message_item)
        self._overlays: list[OverlayItem] = []
        self.items_by_id: dict[str, RegionItem] = {}
        self._order: list[str] = []
        self.selected: list[str] = []
        self.hovered: str | None = None
        self.active_vertex: int | None = None
        self.tool = Tool.SELECT
        self.control: str | None = None  # the control new regions belong to
        self.target = "image"
        self.label: str | None = None
        self.colour_of = lambda region: QColor("#E53935")
        self.image_size: tuple[float, float] | None = None
        self.read_only = False
        self._gesture: _Gesture | None = None
        self._polygon: list[tuple[float, float]] = []
        self._pan_from: QPoint | None = None
        self._space = False
        self._fitted = True

    # -- content -------------------------------------------------------------------------

    def set_image(self, preview: QImage | None, width: int, height: int) -> None:
        """Show `preview` stretched over width × height scene pixels (the full size)."""
        self.clear_message()
        self.image_size = (float(width), float(height))
        self.image_item.set_images(preview if preview is not None else QImage(), width, height)
        margin = max(width, height) * 0.5
        self._scene.setSceneRect(QRectF(-margin, -margin, width + 2 * margin, height + 2 * margin))
        self.fit()

    def set_full_image(self, image: QImage) -> None:
        self.image_item.full = image
        self.image_item.update()

    def show_message(self, text: str) -> None:
        """A problem shown in the canvas itself (missing image, corrupt file…)."""
        self.image_item.set_images(QImage(), 0, 0)
        self.image_size = None
        self._message_item.setText(text)
        self._scene.setSceneRect(self._message_item.boundingRect().adjusted(-40, -40, 40, 40))
        self.resetTransform()
        self.centerOn(self._message_item)

    def clear_message(self) -> None:
        self._message_item.setText("")

    @property
    def message_text(self) -> str:
        return self._message_item.text()

    def set_regions(self, regions: tuple[RegionBase, ...] | list[RegionBase]) -> None:
        """Show exactly `regions`: items are added, updated or removed by id."""
        wanted = {r.id: r for r in regions}
        for rid in [rid for rid in self.items_by_id if rid not in wanted]:
            self._scene.removeItem(self.items_by_id.pop(rid))
        for z, region in enumerate(regions):
            item = self.items_by_id.get(region.id)
            if item is None:
                item = RegionItem(region, self.colour_of(region))
                self.items_by_id[region.id] = item
                self._scene.addItem(item)
            elif item.region != region:
                item.set_region(region, self.colour_of(region))
            item.setZValue(1 + z * 1e-6)
        self._order = [r.id for r in regions]
        kept = [rid for rid in self.selected if rid in wanted]
        if self.hovered not in wanted:
            self.hovered = None
        self._set_selection(kept, emit=kept != self.selected)
        self.clear_overlays()

    def _redraw(self, *, layer: bool = True) -> None:
        """Rebuild the outline layer (unselected regions) and the highlight."""
        selected = [self.items_by_id[rid] for rid in self.selected]
        if layer:
            chosen = set(self.selected)
            self.layer.set_items(
                [
                    self.items_by_id[rid]
                    for rid in self._order
                    if rid not in chosen and not isinstance(self.items_by_id[rid].region, Keypoint)
                ]
            )
        hovered = self.items_by_id.get(self.hovered) if self.hovered else None
        self.highlight.set_items(selected, hovered)

    def recolour(self) -> None:
        for item in self.items_by_id.values():
            item.set_region(item.region, self.colour_of(item.region))
        self._redraw()

    def regions(self) -> list[RegionBase]:
        return [self.items_by_id[rid].region for rid in self._order]

    def set_overlays(self, shapes: list[tuple[QPolygonF, QColor, str]]) -> None:
        """Check findings: (outline, colour, caption) drawn dashed over the image."""
        self.clear_overlays()
        for polygon, colour, caption in shapes:
            item = OverlayItem(colour, dashed=True)
            item.set_polygon(polygon)
            item.caption = caption
            self._scene.addItem(item)
            self._overlays.append(item)

    def clear_overlays(self) -> None:
        for item in self._overlays:
            self._scene.removeItem(item)
        self._overlays = []

    # -- selection -----------------------------------------------------------------------

    def select(self, ids: list[str]) -> None:
        self._set_selection([i for i in ids if i in self.items_by_id], emit=True)

    def _set_selection(self, ids: list[str], *, emit: bool) -> None:
        for rid in self.selected:
            if rid in self.items_by_id:
                self.items_by_id[rid].selected = False
                self.items_by_id[rid].update()
        self.selected = list(ids)
        for rid in self.selected:
            self.items_by_id[rid].selected = True
            self.items_by_id[rid].update()
        if len(self.selected) != 1:
            self.active_vertex = None
        self._redraw()
        self._refresh_handles()
        if emit:
            self.selectionChanged.emit(list(self.selected))

    def _refresh_handles(self) -> None:
        rid = self.selected[0] if len(self.selected) == 1 else self.hovered
        item = self.items_by_id.get(rid) if rid else None
        if item is None or isinstance(item.region, Keypoint):
            self.handles.set_points([], QColor("white"), None)
            return
        points = [QPointF(x, y) for x, y in region_points(item.region)]
        active = self.active_vertex if rid in self.selected else None
        self.handles.set_points(points, item.colour, active)

    # -- tools ---------------------------------------------------------------------------

    def set_tool(self, tool: Tool) -> None:
        self.cancel_drawing()
        self.tool = tool
        cursor = Qt.CursorShape.ArrowCursor if tool == Tool.SELECT else Qt.CursorShape.CrossCursor
        self.viewport().setCursor(cursor)

    def cancel_drawing(self) -> None:
        self._polygon = []
        self._gesture = None
        self.draft.set_polygon(QPolygonF())
        self.previewChanged.emit(None)

    @property
    def drawing(self) -> bool:
        return bool(self._polygon) or (self._gesture is not None and self._gesture.kind == "draw")

    # -- navigation ----------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        if self.image_size is None:
            return
        self._fitted = True
        self.fitInView(QRectF(0, 0, *self.image_size), Qt.AspectRatioMode.KeepAspectRatio)
        self.zoomChanged.emit(self.zoom())

    def actual_size(self) -> None:
        """One image pixel per screen pixel (device pixel on High-DPI screens)."""
        self._fitted = False
        ratio = self.devicePixelRatioF() or 1.0
        self.setTransform(self.transform().fromScale(1 / ratio, 1 / ratio))
        self.zoomChanged.emit(self.zoom())
        self._want_detail()

    def zoom_by(self, factor: float) -> None:
        current = self.zoom()
        factor = max(ZOOM_MIN / current, min(ZOOM_MAX / current, factor))
        self._fitted = False
        self.scale(factor, factor)
        self.zoomChanged.emit(self.zoom())
        self._want_detail()

    def _want_detail(self) -> None:
        device_scale = self.zoom() * (self.devicePixelRatioF() or 1.0)
        if self.image_item.full is None and device_scale > self.image_item.preview_scale() * 1.01:
            self.detailWanted.emit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(1.0015**delta)
        event.accept()

    # -- hit testing ---------------------------------------------------------------------

    def _tolerance(self) -> float:
        return HIT_PX / (self.zoom() or 1.0)

    def region_at(self, p: QPointF) -> RegionItem | None:
        """The region under p: near its outline or inside it; the smallest one wins, so a
        box inside a bigger box can be picked."""
        tol = self._tolerance()
        area = QRectF(p.x() - tol, p.y() - tol, 2 * tol, 2 * tol)
        best: tuple[float, RegionItem] | None = None
        for item in self._scene.items(area, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if not isinstance(item, RegionItem):
                continue
            region = item.region
            if isinstance(region, Keypoint):
                d = ((region.x - p.x()) ** 2 + (region.y - p.y()) ** 2) ** 0.5
                hit, size = d <= tol, 0.0
            else:
                outline = item.outline
                inside = outline.containsPoint(p, Qt.FillRule.OddEvenFill)
                near = inside or _near_outline(outline, p, tol, item.closed)
                rect = outline.boundingRect()
                hit, size = near, rect.width() * rect.height()
            if hit and (best is None or size < best[0]):
                best = (size, item)
        return best[1] if best else None

    def _handle_at(self, p: QPointF) -> tuple[RegionItem, int] | None:
        if len(self.selected) != 1:
            return None
        item = self.items_by_id[self.selected[0]]
        tol = self._tolerance()
        for i, (x, y) in enumerate(region_points(item.region)):
            if abs(x - p.x()) <= tol and abs(y - p.y()) <= tol:
                return item, i
        return None

    # -- mouse ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space
        ):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() != Qt.MouseButton.LeftButton or self.image_size is None:
            return
        p = self.mapToScene(event.position().toPoint())
        x, y = clamp_point(p.x(), p.y(), self.image_size)
        handle = None if self.read_only else self._handle_at(p)
        if handle is not None and not self._polygon:
            item, index = handle
            if event.modifiers() & Qt.KeyboardModifier.AltModifier and isinstance(
                item.region, Polygon
            ):
                self._request_vertex_removal(item, index)
                return
            self.active_vertex = index if isinstance(item.region, Polygon) else None
            self._gesture = _Gesture("handle", item.region, p, index)
            self._refresh_handles()
            return
        if self.tool == Tool.SELECT or self.read_only:
            self._press_select(p, event.modifiers())
        elif self.tool == Tool.RECTANGLE:
            self._gesture = _Gesture("draw", None, QPointF(x, y))
        elif self.tool == Tool.POLYGON:
            self._polygon_click(x, y)
        elif self.tool == Tool.KEYPOINT:
            self._add_new(Keypoint, x=x, y=y)

    def _press_select(self, p: QPointF, modifiers) -> None:
        item = self.region_at(p)
        if item is None:
            self._set_selection([], emit=True)
            return
        rid = item.region_id
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            ids = (
                [i for i in self.selected if i != rid]
                if rid in self.selected
                else [
                    *self.selected,
                    rid,
                ]
            )
            self._set_selection(ids, emit=True)
            return
        if rid not in self.selected:
            self._set_selection([rid], emit=True)
        self.active_vertex = None
        self._refresh_handles()
        if not self.read_only:
            self._gesture = _Gesture("move", None, p, originals=self._selected_regions())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position().toPoint() - self._pan_from
            self._pan_from = event.position().toPoint()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        p = self.mapToScene(event.position().toPoint())
        g = self._gesture
        if g is None:
            if self._polygon:
                self._show_polygon_draft(p)
            else:
                self._update_hover(p)
            return
        candidate = self._candidate(g, p)
        g.changed = True
        if g.kind == "draw":
            if candidate is not None:
                self.draft.set_polygon(region_outline(candidate))
                self.previewChanged.emit(candidate)
            return
        for region in candidate if isinstance(candidate, list) else [candidate]:
            item = self.items_by_id.get(region.id)
            if item is not None:
                item.set_region(region, item.colour)
        self._redraw(layer=False)
        self._refresh_handles()
        self.previewChanged.emit(candidate[0] if isinstance(candidate, list) else candidate)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.set_tool(self.tool) if not self._polygon else None
            return
        g, self._gesture = self._gesture, None
        if g is None or event.button() != Qt.MouseButton.LeftButton:
            return
        p = self.mapToScene(event.position().toPoint())
        if g.kind == "draw":
            self.draft.set_polygon(QPolygonF())
            box = self._candidate(g, p)
            if isinstance(box, Box) and min(box.width, box.height) * self.zoom() >= MIN_BOX_PX:
                self.editRequested.emit(InsertRegions(((len(self._order), box),), "add", "Add box"))
            else:
                self.previewChanged.emit(None)
                self._press_select(p, event.modifiers())
                self._gesture = None
            return
        if not g.changed:
            return
        candidate = self._candidate(g, p)
        after = candidate if isinstance(candidate, list) else [candidate]
        before = g.originals if g.kind == "move" else [g.region]
        if after == before:
            return
        text = "Move" if g.kind == "move" else (
            "Move vertex" if isinstance(g.region, Polygon) else "Resize box"
        )  # fmt: skip
        self.editRequested.emit(ReplaceRegions(tuple(before), tuple(after), "geometry", text))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.image_size is None:
            return
        p = self.mapToScene(event.position().toPoint())
        if self.tool == Tool.POLYGON and self._polygon:
            self.close_polygon()
            return
        if self.read_only or len(self.selected) != 1:
            return
        item = self.items_by_id[self.selected[0]]
        if isinstance(item.region, Polygon):
            edge, distance = nearest_edge(item.region, p.x(), p.y())
            if distance <= self._tolerance():
                x, y = clamp_point(p.x(), p.y(), self.image_size)
                after = with_vertex_inserted(item.region, edge, x, y)
                self.active_vertex = edge + 1
                self.editRequested.emit(
                    ReplaceRegions((item.region,), (after,), "geometry", "Insert vertex")
                )

    def _update_hover(self, p: QPointF) -> None:
        item = self.region_at(p)
        rid = item.region_id if item else None
        if rid == self.hovered:
            return
        if self.hovered in self.items_by_id:
            self.items_by_id[self.hovered].hovered = False
            self.items_by_id[self.hovered].update()
        self.hovered = rid
        if item is not None:
            item.hovered = True
            item.update()
        self._redraw(layer=False)
        if len(self.selected) != 1:
            self._refresh_handles()

    # -- edits --------------------------------------------------------------------------

    def _request_vertex_removal(self, item: RegionItem, index: int) -> None:
        try:
            after = with_vertex_removed(item.region, index)  # type: ignore[arg-type]
        except EditError as exc:
            self.message.emit(str(exc))
            return
        self.active_vertex = None
        self.editRequested.emit(
            ReplaceRegions((item.region,), (after,), "geometry", "Delete vertex")
        )

    def _selected_regions(self) -> list[RegionBase]:
        return [self.items_by_id[rid].region for rid in self.selected]

    # -- keys ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if key == Qt.Key.Key_Escape:
            if self.drawing:
                self.cancel_drawing()
            else:
                self._set_selection([], emit=True)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._polygon:
            self.close_polygon()
            return
        if key == Qt.Key.Key_Backspace and self._polygon:
            self._polygon.pop()
            self._show_polygon_draft(None)
            return
        if (
            key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.selected
            and not self.read_only
        ):
            item = self.items_by_id[self.selected[0]]
            if self.active_vertex is not None and isinstance(item.region, Polygon):
                self._request_vertex_removal(item, self.active_vertex)
            else:
                regions = self._selected_regions()
                items = tuple((self._order.index(r.id), r) for r in regions)
                what = "region" if len(items) == 1 else f"{len(items)} regions"
                self.editRequested.emit(RemoveRegions(items, "delete", f"Delete {what}"))
            return
        arrows = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in arrows and self.selected and not self.read_only:
            step = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
            dx, dy = arrows[key]
            before = self._selected_regions()
            after = _moved_together(before, dx * step, dy * step, self.image_size)
            if after != before:
                key_id = "nudge:" + ",".join(self.selected)
                self.editRequested.emit(
                    ReplaceRegions(tuple(before), tuple(after), "geometry", "Nudge", key_id)
                )
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.set_tool(self.tool) if not self._polygon else None
            return
        super().keyReleaseEvent(event)
