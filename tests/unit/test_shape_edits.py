"""Canvas gestures without Qt: resize by a handle, move inside the image, vertex edits."""

from __future__ import annotations

import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.edits import EditError
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.core.shape_edits import (
    BOX_HANDLES,
    MIN_POLYGON_VERTICES,
    box_from_corners,
    clamp_point,
    moved,
    nearest_edge,
    nearest_segment,
    region_points,
    resized_box,
    with_vertex_inserted,
    with_vertex_moved,
    with_vertex_removed,
)

# Examples are never timed: a loaded machine must not fail the run.
NO_DEADLINE = settings(deadline=None)


def box(x=10.0, y=20.0, w=30.0, h=40.0, rotation=0.0) -> Box:
    return Box(
        id="b",
        control="box",
        target="image",
        labels=("Car",),
        x=x,
        y=y,
        width=w,
        height=h,
        rotation=rotation,
    )


def polygon(*points, closed=True) -> Polygon:
    return Polygon(
        id="p", control="poly", target="image", labels=("Car",), points=points, closed=closed
    )


SQUARE = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))


def xywh(b: Box) -> tuple[float, float, float, float]:
    return (b.x, b.y, b.width, b.height)


def close(p, q, tol=1e-6) -> bool:
    return math.hypot(p[0] - q[0], p[1] - q[1]) <= tol


# -- resizing an unrotated box ---------------------------------------------------------
# The box spans x 10..40, y 20..60.


@pytest.mark.parametrize(
    ("handle", "to", "expected"),
    [
        ("top-left", (5, 15), (5, 15, 35, 45)),
        ("top-right", (50, 15), (10, 15, 40, 45)),
        ("bottom-right", (50, 70), (10, 20, 40, 50)),
        ("bottom-left", (5, 70), (5, 20, 35, 50)),
        ("top", (999, 15), (10, 15, 30, 45)),  # an edge handle ignores the other axis
        ("right", (50, -999), (10, 20, 40, 40)),
        ("bottom", (-999, 70), (10, 20, 30, 50)),
        ("left", (5, 999), (5, 20, 35, 40)),
    ],
)
def test_each_handle_moves_only_its_own_edges(handle, to, expected):
    original = box()
    out = resized_box(original, handle, *to, None)
    assert xywh(out) == expected
    assert out.rotation == 0
    assert (out.id, out.labels, out.control, out.target) == ("b", ("Car",), "box", "image")
    assert original == box()  # regions are values: the input is untouched


def test_handles_are_listed_clockwise_corners_then_edges():
    assert BOX_HANDLES == (
        "top-left",
        "top-right",
        "bottom-right",
        "bottom-left",
        "top",
        "right",
        "bottom",
        "left",
    )


@pytest.mark.parametrize(
    ("handle", "to", "expected"),
    [
        ("left", (50, 0), (40, 20, 10, 40)),  # past the right edge at 40
        ("right", (0, 0), (0, 20, 10, 40)),  # past the left edge at 10
        ("top", (0, 100), (10, 60, 30, 40)),  # past the bottom edge at 60
        ("bottom", (0, 0), (10, 0, 30, 20)),  # past the top edge at 20
        ("bottom-right", (0, 0), (0, 0, 10, 20)),
        ("top-left", (45, 70), (40, 60, 5, 10)),
        ("top-right", (4, 65), (4, 60, 6, 5)),
        ("bottom-left", (41, 19), (40, 19, 1, 1)),
    ],
)
def test_dragging_past_the_opposite_edge_flips_instead_of_going_negative(handle, to, expected):
    out = resized_box(box(), handle, *to, None)
    assert xywh(out) == expected
    assert out.width >= 0 and out.height >= 0


def test_dragging_onto_the_opposite_edge_gives_zero_size():
    assert xywh(resized_box(box(), "right", 10, 0, None)) == (10, 20, 0, 40)


@pytest.mark.parametrize(
    ("handle", "to", "expected"),
    [
        ("bottom-right", (150, 200), (10, 20, 90, 60)),
        ("top-left", (-20, -30), (0, 0, 40, 60)),
        ("right", (1e9, 0), (10, 20, 90, 40)),
        ("top", (0, -5), (10, 0, 30, 60)),
        ("left", (-1, 0), (0, 20, 40, 40)),
        ("bottom", (0, 81), (10, 20, 30, 60)),
    ],
)
def test_an_unrotated_box_is_clamped_to_the_image(handle, to, expected):
    out = resized_box(box(), handle, *to, (100, 80))
    assert xywh(out) == expected


def test_an_unknown_handle_is_refused():
    with pytest.raises(EditError, match="unknown box handle 'middle'"):
        resized_box(box(), "middle", 0, 0, None)


# -- resizing a rotated box ------------------------------------------------------------

# For each handle, the corners (indices into Box.corners()) that must not move.
FIXED_CORNERS = {
    "top-left": (2,),
    "top-right": (3,),
    "bottom-right": (0,),
    "bottom-left": (1,),
    "top": (2, 3),  # the bottom edge
    "right": (0, 3),  # the left edge
    "bottom": (0, 1),  # the top edge
    "left": (1, 2),  # the right edge
}

finite = st.floats(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False)
sizes = st.floats(min_value=0, max_value=500, allow_nan=False, allow_infinity=False)
angles = st.floats(min_value=-360, max_value=360, allow_nan=False, allow_infinity=False)


@NO_DEADLINE
@given(
    x=finite,
    y=finite,
    w=sizes,
    h=sizes,
    rotation=angles,
    handle=st.sampled_from(BOX_HANDLES),
    tx=finite,
    ty=finite,
)
def test_resizing_a_rotated_box_keeps_the_opposite_side_and_the_rotation(
    x, y, w, h, rotation, handle, tx, ty
):
    original = box(x, y, w, h, rotation)
    out = resized_box(original, handle, tx, ty, None)

    assert out.rotation == rotation
    assert out.width >= 0 and out.height >= 0
    assert out.id == original.id and out.labels == original.labels
    new_corners = out.corners()
    for i in FIXED_CORNERS[handle]:
        fixed = original.corners()[i]
        # Still a corner of the box (another one when the drag flipped the box).
        assert any(close(fixed, c) for c in new_corners), (fixed, new_corners)
    if "-" in handle:  # a corner handle: the grabbed corner lands on the pointer
        assert any(close((tx, ty), c) for c in new_corners), ((tx, ty), new_corners)


@NO_DEADLINE
@given(
    x=finite,
    y=finite,
    w=sizes,
    h=sizes,
    rotation=angles,
    handle=st.sampled_from(BOX_HANDLES),
    ddx=st.floats(-1, 1),
    ddy=st.floats(-1, 1),
)
def test_a_small_drag_without_flipping_keeps_the_very_opposite_corner(
    x, y, w, h, rotation, handle, ddx, ddy
):
    original = box(x, y, w + 5, h + 5, rotation)  # at least 5 px: a 1 px drag cannot flip
    grabbed = region_points(original)[BOX_HANDLES.index(handle)]
    out = resized_box(original, handle, grabbed[0] + ddx, grabbed[1] + ddy, None)
    for i in FIXED_CORNERS[handle]:
        assert close(out.corners()[i], original.corners()[i])


@NO_DEADLINE
@given(x=finite, y=finite, w=sizes, h=sizes, rotation=angles, handle=st.sampled_from(BOX_HANDLES))
def test_dragging_a_handle_onto_itself_changes_nothing(x, y, w, h, rotation, handle):
    original = box(x, y, w, h, rotation)
    grabbed = region_points(original)[BOX_HANDLES.index(handle)]
    out = resized_box(original, handle, *grabbed, None)
    assert out.rotation == original.rotation
    for a, b in zip(out.corners(), original.corners(), strict=True):
        assert close(a, b)


def test_a_box_rotated_90_degrees_grows_along_its_own_axes():
    # Rotated 90° clockwise about (10, 20): its own x axis points down the image.
    original = box(10, 20, 30, 40, 90)
    out = resized_box(original, "right", 0, 60, None)  # the right edge is now at y = 50
    assert out.x == pytest.approx(10) and out.y == pytest.approx(20)
    assert out.width == pytest.approx(40) and out.height == pytest.approx(40)
    assert out.rotation == 90


# -- grab points, corners, clamping ----------------------------------------------------


def test_region_points_follow_the_handle_order():
    assert region_points(box()) == [
        (10, 20),
        (40, 20),
        (40, 60),
        (10, 60),
        (25, 20),
        (40, 40),
        (25, 60),
        (10, 40),
    ]
    assert region_points(polygon(*SQUARE)) == list(SQUARE)
    assert region_points(Keypoint(control="kp", target="image", x=3, y=4)) == [(3, 4)]


def test_clamp_point():
    assert clamp_point(-5, 120, None) == (-5, 120)
    assert clamp_point(-5, 120, (100, 80)) == (0, 80)
    assert clamp_point(50, 40, (100, 80)) == (50, 40)
    assert clamp_point(101, -1, (100, 80)) == (100, 0)


def test_box_from_corners_in_any_order_is_clamped_and_unrotated():
    base = box(rotation=30)
    out = box_from_corners(base, 50, 40, 10, 5, (45, 100))
    assert xywh(out) == (10, 5, 35, 35)
    assert out.rotation == 0
    assert (out.id, out.labels) == ("b", ("Car",))
    assert xywh(box_from_corners(base, 1, 2, 3, 4, None)) == (1, 2, 2, 2)
    assert xywh(box_from_corners(base, -10, -10, -5, -5, (45, 100))) == (0, 0, 0, 0)


# -- moving inside the image -----------------------------------------------------------


@st.composite
def regions_inside(draw):
    """(region, (image width, image height)) with the region wholly inside the image."""
    width = draw(st.floats(min_value=10, max_value=2000))
    height = draw(st.floats(min_value=10, max_value=2000))
    frac = st.floats(min_value=0, max_value=1)
    kind = draw(st.sampled_from(["box", "rotated", "polygon", "keypoint"]))
    if kind == "box":
        x, y = draw(frac) * width, draw(frac) * height
        w, h = draw(frac) * (width - x), draw(frac) * (height - y)
        region = box(x, y, w, h)
    elif kind == "rotated":
        limit = min(width, height) / 2
        w, h, rotation = draw(frac) * limit, draw(frac) * limit, draw(angles)
        xs, ys = zip(*box(0, 0, w, h, rotation).corners(), strict=True)
        # Place the pivot so that every corner is inside.
        x = -min(xs) + draw(frac) * (width - (max(xs) - min(xs)))
        y = -min(ys) + draw(frac) * (height - (max(ys) - min(ys)))
        region = box(x, y, w, h, rotation)
    elif kind == "polygon":
        n = draw(st.integers(3, 8))
        points = [(draw(frac) * width, draw(frac) * height) for _ in range(n)]
        region = polygon(*points)
    else:
        region = Keypoint(control="kp", target="image", x=draw(frac) * width, y=draw(frac) * height)
    return region, (width, height)


shifts = st.floats(min_value=-5000, max_value=5000, allow_nan=False, allow_infinity=False)


def offsets(points):
    x0, y0 = points[0]
    return [(x - x0, y - y0) for x, y in points]


@NO_DEADLINE
@given(case=regions_inside(), dx=shifts, dy=shifts)
def test_moving_with_bounds_keeps_the_region_inside_and_its_shape(case, dx, dy):
    region, (width, height) = case
    out = moved(region, dx, dy, (width, height))
    tol = 1e-6
    for x, y in region_points(out):
        assert -tol <= x <= width + tol
        assert -tol <= y <= height + tol
    assert out.id == region.id and type(out) is type(region)
    if isinstance(region, Box):
        assert (out.width, out.height, out.rotation) == (
            region.width,
            region.height,
            region.rotation,
        )
    if isinstance(region, Polygon):
        assert len(out.points) == len(region.points)
        for a, b in zip(offsets(out.points), offsets(region.points), strict=True):
            assert close(a, b)
    # The shift actually made goes the way asked, no further.
    (ox, oy), (nx, ny) = region_points(region)[0], region_points(out)[0]
    got_dx, got_dy = nx - ox, ny - oy
    assert min(0, dx) - tol <= got_dx <= max(0, dx) + tol
    assert min(0, dy) - tol <= got_dy <= max(0, dy) + tol


@NO_DEADLINE
@given(case=regions_inside(), dx=shifts, dy=shifts)
def test_a_move_that_stays_inside_is_made_in_full(case, dx, dy):
    region, (width, height) = case
    xs, ys = zip(*region_points(region), strict=True)
    m = 1e-6  # clear of the edges, so rounding cannot decide
    inside = (
        m <= min(xs) + dx
        and max(xs) + dx <= width - m
        and m <= min(ys) + dy
        and max(ys) + dy <= height - m
    )
    out = moved(region, dx, dy, (width, height))
    if inside:
        free = moved(region, dx, dy)
        for a, b in zip(region_points(out), region_points(free), strict=True):
            assert close(a, b)


def test_moving_without_bounds_shifts_exactly():
    assert xywh(moved(box(), -50, 7)) == (-40, 27, 30, 40)
    assert moved(polygon(*SQUARE), 1, 2).points == ((1, 2), (11, 2), (11, 12), (1, 12))
    kp = moved(Keypoint(id="k", control="kp", target="image", x=3, y=4), 1, 1)
    assert (kp.x, kp.y, kp.id) == (4, 5, "k")


def test_moving_stops_at_the_image_edge():
    # x 10..40, y 20..60 inside 100 x 80: at most 60 right, 20 down, 10 left, 20 up.
    assert xywh(moved(box(), 500, 500, (100, 80))) == (70, 40, 30, 40)
    assert xywh(moved(box(), -500, -500, (100, 80))) == (0, 0, 30, 40)
    assert xywh(moved(box(), 5, -5, (100, 80))) == (15, 15, 30, 40)
    assert moved(polygon(*SQUARE), -3, 200, (20, 20)).points == (
        (0, 10),
        (10, 10),
        (10, 20),
        (0, 20),
    )


# -- vertex edits ----------------------------------------------------------------------


def test_moving_a_vertex_changes_only_that_vertex_and_is_clamped():
    p = polygon(*SQUARE)
    assert with_vertex_moved(p, 1, 12, -3, None).points == (
        (0, 0),
        (12, -3),
        (10, 10),
        (0, 10),
    )
    out = with_vertex_moved(p, 1, 12, -3, (11, 11))
    assert out.points == ((0, 0), (11, 0), (10, 10), (0, 10))
    assert (out.id, out.labels, out.closed) == ("p", ("Car",), True)
    assert p.points == SQUARE


@pytest.mark.parametrize("index", [-1, 4, 100])
def test_moving_a_vertex_that_does_not_exist_is_refused(index):
    with pytest.raises(EditError, match=f"polygon p has no vertex {index}"):
        with_vertex_moved(polygon(*SQUARE), index, 1, 1, None)


def test_inserting_a_vertex_goes_after_the_given_one():
    p = polygon(*SQUARE)
    assert with_vertex_inserted(p, 0, 5, 0).points == (
        (0, 0),
        (5, 0),
        (10, 0),
        (10, 10),
        (0, 10),
    )
    # After the last vertex: on the closing edge, so it is appended.
    assert with_vertex_inserted(p, 3, 0, 5).points == (*SQUARE, (0, 5))
    with pytest.raises(EditError, match="has no vertex 4"):
        with_vertex_inserted(p, 4, 0, 0)
    with pytest.raises(EditError, match="has no vertex -1"):
        with_vertex_inserted(p, -1, 0, 0)


def test_removing_a_vertex_keeps_the_others_in_order():
    p = polygon(*SQUARE)
    assert with_vertex_removed(p, 0).points == SQUARE[1:]
    assert with_vertex_removed(p, 2).points == (SQUARE[0], SQUARE[1], SQUARE[3])
    with pytest.raises(EditError, match="has no vertex 4"):
        with_vertex_removed(p, 4)


def test_a_polygon_keeps_at_least_three_vertices():
    assert MIN_POLYGON_VERTICES == 3
    triangle = polygon(*SQUARE[:3])
    with pytest.raises(EditError) as err:
        with_vertex_removed(triangle, 0)
    assert str(err.value) == ("a polygon needs at least 3 vertices; delete the region instead")
    assert triangle.points == SQUARE[:3]


@NO_DEADLINE
@given(
    n=st.integers(3, 10),
    data=st.data(),
)
def test_insert_then_remove_a_vertex_is_the_same_polygon(n, data):
    points = [(float(i), float(i * i % 7)) for i in range(n)]
    p = polygon(*points)
    after = data.draw(st.integers(0, n - 1))
    grown = with_vertex_inserted(p, after, 0.5, 0.5)
    assert len(grown.points) == n + 1
    assert grown.points[after + 1] == (0.5, 0.5)
    assert with_vertex_removed(grown, after + 1) == p


# -- nearest edge ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "edge", "distance"),
    [
        ((5, -2), 0, 2),
        ((12, 5), 1, 2),
        ((5, 11), 2, 1),
        ((-3, 5), 3, 3),  # the closing edge of a closed polygon
        ((5, 4), 0, 4),  # inside: the nearest edge from within
        ((10, 7), 1, 0),  # on an edge
        ((13, 14), 1, 5),  # beyond a corner: distance to the vertex (10, 10)
    ],
)
def test_nearest_edge_of_a_closed_polygon(point, edge, distance):
    assert nearest_edge(polygon(*SQUARE), *point) == (edge, pytest.approx(distance))


def test_an_open_polygon_has_no_closing_edge():
    open_square = polygon(*SQUARE, closed=False)
    index, distance = nearest_edge(open_square, -3, 2)
    assert index == 0  # not 3: (0, 10) → (0, 0) is not part of an open outline
    assert distance == pytest.approx(math.hypot(3, 2))
    assert nearest_edge(polygon(*SQUARE), -3, 2) == (3, pytest.approx(3))


def test_nearest_segment_of_degenerate_outlines():
    assert nearest_segment([(3, 4)], 0, 0) == (0, pytest.approx(5))
    # A repeated vertex makes a zero-length segment: no division by zero.
    index, distance = nearest_segment([(0, 0), (0, 0), (10, 0)], 5, 1)
    assert index == 1 and distance == pytest.approx(1)


grid = st.integers(min_value=-1000, max_value=1000).map(float)


def outline(segment) -> shapely.Geometry:
    a, b = segment
    return shapely.Point(a) if a == b else shapely.LineString(segment)


@NO_DEADLINE
@given(
    points=st.lists(st.tuples(grid, grid), min_size=2, max_size=8),
    x=finite,
    y=finite,
    closed=st.booleans(),
)
def test_nearest_segment_agrees_with_shapely(points, x, y, closed):
    index, distance = nearest_segment(points, x, y, closed=closed)
    n = len(points)
    segments = [(points[i], points[(i + 1) % n]) for i in range(n if closed else n - 1)]
    assert 0 <= index < len(segments)
    here = shapely.Point(x, y)
    expected = min(here.distance(outline(s)) for s in segments)
    assert distance == pytest.approx(expected, abs=1e-6)
    assert here.distance(outline(segments[index])) == pytest.approx(distance, abs=1e-6)
