"""Pure helpers for the canvas: the drag in progress and geometry tests it needs."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPolygonF

from labelmate.core.regions import RegionBase, new_region_id
from labelmate.core.shape_edits import moved, nearest_segment, region_points


class _Gesture:
    """A mouse drag in progress."""

    def __init__(
        self,
        kind: str,
        region: RegionBase | None,
        start: QPointF,
        index: int | None = None,
        originals: list[RegionBase] | None = None,
    ) -> None:
        self.kind = kind  # draw | move | handle
        self.region = region
        self.start = start
        self.index = index
        self.originals = originals or []
        self.changed = False
        self.new_id = new_region_id()


def _moved_together(
    regions: list[RegionBase], dx: float, dy: float, bounds: tuple[float, float] | None
) -> list[RegionBase]:
    """Shift every region by the same amount, stopping where the first one hits the edge."""
    if bounds is not None:
        for region in regions:
            probe = moved(region, dx, dy, bounds)
            pts0, pts1 = region_points(region), region_points(probe)
            if pts0 and pts1:
                dx, dy = pts1[0][0] - pts0[0][0], pts1[0][1] - pts0[0][1]
    return [moved(r, dx, dy) for r in regions]


def _near_outline(outline: QPolygonF, p: QPointF, tol: float, closed: bool) -> bool:
    points = [(outline.at(i).x(), outline.at(i).y()) for i in range(outline.size())]
    return bool(points) and nearest_segment(points, p.x(), p.y(), closed=closed)[1] <= tol
