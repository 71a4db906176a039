"""Geometry of the canvas gestures, without Qt: move, resize by a handle, vertex edits.

Every function returns a new region (regions are immutable) with the same id, so
the caller can wrap old and new in a `labelmate.core.edits.ReplaceRegions`.
Coordinates are image pixels; `bounds` is the image (width, height) when results
must stay inside it, as Label Studio keeps them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

from labelmate.core.edits import EditError
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase

R = TypeVar("R", bound=RegionBase)

# Box handles, clockwise from the pivot (top-left): corners then edge midpoints.
BOX_HANDLES = (
    "top-left",
    "top-right",
    "bottom-right",
    "bottom-left",
    "top",
    "right",
    "bottom",
    "left",
)
MIN_POLYGON_VERTICES = 3


def clamp_point(x: float, y: float, bounds: tuple[float, float] | None) -> tuple[float, float]:
    if bounds is None:
        return x, y
    return min(max(x, 0.0), float(bounds[0])), min(max(y, 0.0), float(bounds[1]))


def box_from_corners(
    base: Box, x0: float, y0: float, x1: float, y1: float, bounds: tuple[float, float] | None
) -> Box:
    """An unrotated box spanning two corners (any order), clamped to the image."""
    x0, y0 = clamp_point(x0, y0, bounds)
    x1, y1 = clamp_point(x1, y1, bounds)
    return base.model_copy(
        update={
            "x": min(x0, x1),
            "y": min(y0, y1),
            "width": abs(x1 - x0),
            "height": abs(y1 - y0),
            "rotation": 0.0,
        }
    )


def region_points(region: RegionBase) -> list[tuple[float, float]]:
    """The points a user can grab: box corners and edge midpoints, polygon vertices,
    the keypoint itself."""
    if isinstance(region, Box):
        corners = region.corners()
        mids = [
            (
                (corners[i][0] + corners[(i + 1) % 4][0]) / 2,
                (corners[i][1] + corners[(i + 1) % 4][1]) / 2,
            )
            for i in range(4)
        ]
        return corners + mids
    if isinstance(region, Polygon):
        return [tuple(p) for p in region.points]  # type: ignore[misc]
    if isinstance(region, Keypoint):
        return [(region.x, region.y)]
    return []


def moved(region: R, dx: float, dy: float, bounds: tuple[float, float] | None = None) -> R:
    """The region shifted by (dx, dy); with `bounds` the shift stops at the image edge
    so the whole region stays inside."""
    points = region_points(region)
    if bounds is not None and points:
        xs, ys = zip(*points, strict=True)
        dx = min(max(dx, -min(xs)), bounds[0] - max(xs))
        dy = min(max(dy, -min(ys)), bounds[1] - max(ys))
    if isinstance(region, Box | Keypoint):
        return region.model_copy(update={"x": region.x + dx, "y": region.y + dy})
    if isinstance(region, Polygon):
        return region.model_copy(
            update={"points": tuple((x + dx, y + dy) for x, y in region.points)}
        )
    return region


def resized_box(
    box: Box, handle: str, x: float, y: float, bounds: tuple[float, float] | None
) -> Box:
    """Drag one of `BOX_HANDLES` to the image point (x, y).

    Works in the box's own frame, so a rotated box keeps its rotation and its
    opposite edge stays put. Dragging past the opposite edge flips the box instead
    of giving it a negative size. Unrotated boxes are clamped to the image.
    """
    if handle not in BOX_HANDLES:
        raise EditError(f"unknown box handle {handle!r}")
    if bounds is not None and box.rotation == 0:
        x, y = clamp_point(x, y, bounds)
    t = math.radians(box.rotation)
    c, s = math.cos(t), math.sin(t)
    dx, dy = x - box.x, y - box.y
    lx, ly = dx * c + dy * s, -dx * s + dy * c  # the point in the box's frame
    left, top, right, bottom = 0.0, 0.0, box.width, box.height
    if "left" in handle:
        left = lx
    if "right" in handle:
        right = lx
    if "top" in handle:
        top = ly
    if "bottom" in handle:
        bottom = ly
    left, right = min(left, right), max(left, right)
    top, bottom = min(top, bottom), max(top, bottom)
    # The new pivot is the new top-left corner, mapped back to the image.
    px = box.x + left * c - top * s
    py = box.y + left * s + top * c
    return box.model_copy(update={"x": px, "y": py, "width": right - left, "height": bottom - top})


def with_vertex_moved(
    polygon: Polygon, index: int, x: float, y: float, bounds: tuple[float, float] | None
) -> Polygon:
    x, y = clamp_point(x, y, bounds)
    points = list(polygon.points)
    if not 0 <= index < len(points):
        raise EditError(f"polygon {polygon.id} has no vertex {index}")
    points[index] = (x, y)
    return polygon.model_copy(update={"points": tuple(points)})


def with_vertex_inserted(polygon: Polygon, after: int, x: float, y: float) -> Polygon:
    """A new vertex between vertex `after` and the next one."""
    points = list(polygon.points)
    if not 0 <= after < len(points):
        raise EditError(f"polygon {polygon.id} has no vertex {after}")
    points.insert(after + 1, (x, y))
    return polygon.model_copy(update={"points": tuple(points)})


def with_vertex_removed(polygon: Polygon, index: int) -> Polygon:
    points = list(polygon.points)
    if not 0 <= index < len(points):
        raise EditError(f"polygon {polygon.id} has no vertex {index}")
    if len(points) <= MIN_POLYGON_VERTICES:
        raise EditError(
            f"a polygon needs at least {MIN_POLYGON_VERTICES} vertices; delete the region instead"
        )
    del points[index]
    return polygon.model_copy(update={"points": tuple(points)})


def nearest_edge(polygon: Polygon, x: float, y: float) -> tuple[int, float]:
    """(index of the edge's first vertex, distance in px) of the edge nearest (x, y)."""
    return nearest_segment(polygon.points, x, y, closed=polygon.closed)


def nearest_segment(
    points: Sequence[tuple[float, float]], x: float, y: float, *, closed: bool = True
) -> tuple[int, float]:
    """(index of the segment's first point, distance) of the outline segment nearest (x, y)."""
    best = (0, math.inf)
    n = len(points)
    if n == 1:
        return 0, math.hypot(points[0][0] - x, points[0][1] - y)
    for i in range(n if closed else n - 1):
        (ax, ay), (bx, by) = points[i], points[(i + 1) % n]
        vx, vy = bx - ax, by - ay
        length2 = vx * vx + vy * vy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * vx + (y - ay) * vy) / length2))
        d = math.hypot(ax + t * vx - x, ay + t * vy - y)
        if d < best[1]:
            best = (i, d)
    return best
