"""Drawing-tool logic for CanvasView: the shape a drag would make, polygon drawing and
adding new regions. A mixin; it uses CanvasView's state (image_size, control, target,
label, draft, _polygon, _order) and signals (editRequested, previewChanged, message).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPolygonF

from labelmate.core.edits import InsertRegions
from labelmate.core.regions import Box, Polygon, new_region_id
from labelmate.core.shape_edits import (
    BOX_HANDLES,
    box_from_corners,
    clamp_point,
    resized_box,
    with_vertex_moved,
)
from labelmate.gui.canvas.gestures import _Gesture, _moved_together


class DrawingMixin:
    """The drawing tools of CanvasView (see the module docstring)."""

    def _candidate(self, g: _Gesture, p: QPointF):
        bounds = self.image_size
        if g.kind == "draw":
            assert self.control is not None
            base = Box(
                id=g.new_id,
                control=self.control,
                target=self.target,
                labels=(self.label,) if self.label else (),
                x=0,
                y=0,
                width=0,
                height=0,
            )
            return box_from_corners(base, g.start.x(), g.start.y(), p.x(), p.y(), bounds)
        if g.kind == "move":
            dx, dy = p.x() - g.start.x(), p.y() - g.start.y()
            return _moved_together(g.originals, dx, dy, bounds)
        region = g.region
        assert g.index is not None
        if isinstance(region, Box):
            return resized_box(region, BOX_HANDLES[g.index], p.x(), p.y(), bounds)
        if isinstance(region, Polygon):
            return with_vertex_moved(region, g.index, p.x(), p.y(), bounds)
        return region

    def _polygon_click(self, x: float, y: float) -> None:
        if len(self._polygon) >= 3:
            fx, fy = self._polygon[0]
            if abs(fx - x) <= self._tolerance() and abs(fy - y) <= self._tolerance():
                self.close_polygon()
                return
        if self._polygon and self._polygon[-1] == (x, y):
            return  # the second press of a double-click
        self._polygon.append((x, y))
        self._show_polygon_draft(None)

    def _show_polygon_draft(self, cursor: QPointF | None) -> None:
        points = [QPointF(x, y) for x, y in self._polygon]
        if cursor is not None:
            points.append(QPointF(*clamp_point(cursor.x(), cursor.y(), self.image_size)))
        self.draft.set_polygon(QPolygonF(points), closed=False)
        if len(self._polygon) >= 3:
            self.previewChanged.emit(self._polygon_region(self._polygon))

    def _polygon_region(self, points: list[tuple[float, float]]) -> Polygon:
        assert self.control is not None
        return Polygon(
            id=new_region_id(),
            control=self.control,
            target=self.target,
            labels=(self.label,) if self.label else (),
            points=tuple(points),
        )

    def close_polygon(self) -> bool:
        if len(self._polygon) < 3:
            self.message.emit("A polygon needs at least 3 vertices (Esc cancels it).")
            return False
        region = self._polygon_region(self._polygon)
        self.cancel_drawing()
        self.editRequested.emit(InsertRegions(((len(self._order), region),), "add", "Add polygon"))
        return True

    def _add_new(self, cls: type, **geometry: float) -> None:
        if self.control is None:
            return
        region = cls(
            control=self.control,
            target=self.target,
            labels=(self.label,) if self.label else (),
            **geometry,
        )
        self.editRequested.emit(
            InsertRegions(((len(self._order), region),), "add", f"Add {region.type}")
        )
