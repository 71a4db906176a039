"""Geometry helpers: rotated boxes, validity, densified deviation, IoU and matching."""

from __future__ import annotations

import math

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.geometry import (
    box_edge_offsets,
    box_shape,
    greedy_match,
    iou,
    match_objects,
    max_deviation,
    mean_deviation,
    polygon_validity,
)
from labelmate.core.regions import Box, Polygon


def box(x, y, w, h, rotation=0.0, label="A", id="b"):
    return Box(id=id, control="c", target="t", labels=(label,), x=x, y=y, width=w, height=h,
               rotation=rotation)  # fmt: skip


def test_rotated_box_shape_uses_rotated_corners():
    b = box(10, 10, 20, 10, rotation=90)
    shape = box_shape(b)
    # Rotated 90° clockwise about (10, 10): spans x in [0, 10], y in [10, 30].
    assert shape.bounds == pytest.approx((0, 10, 10, 30))
    assert shape.area == pytest.approx(200)


def test_rotated_box_iou_with_unrotated_copy_is_known():
    # A square rotated 45° about its centre vs the same square: IoU = 0.7071…/(2-0.7071…)
    # Build the rotated square with its pivot placed so the centres coincide.
    side = 10.0
    c = side / 2
    t = math.radians(45)
    # pivot p such that p + R(c, c) = (c, c)
    px = c - (c * math.cos(t) - c * math.sin(t))
    py = c - (c * math.sin(t) + c * math.cos(t))
    a = box_shape(box(0, 0, side, side))
    b = box_shape(box(px, py, side, side, rotation=45))
    inter = a.intersection(b).area
    assert iou(a, b) == pytest.approx(inter / (200 - inter))
    assert iou(a, b) == pytest.approx(0.7071, abs=1e-3)


def test_edge_offsets_in_the_gold_frame_for_rotated_boxes():
    gold = box(50, 50, 40, 20, rotation=30)
    # The same box 2 px wider to the right (along its own x axis).
    mine = box(50, 50, 42, 20, rotation=30)
    offsets = box_edge_offsets(mine, gold)
    assert offsets.right == pytest.approx(2)
    assert offsets.left == offsets.top == offsets.bottom == 0
    assert offsets.worst_outside() == (pytest.approx(2), "right")
    assert offsets.worst_inside()[0] == 0.0


def test_bowtie_polygon_is_invalid():
    bowtie = Polygon(control="c", target="t", points=((0, 0), (10, 10), (10, 0), (0, 10)))
    ok, reason = polygon_validity(bowtie)
    assert not ok
    assert "Self-intersection" in reason


def test_square_offset_by_two_px_deviates_by_two():
    gold = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    mine = shapely.affinity.translate(gold, 2, 0)
    assert max_deviation(mine, gold) == pytest.approx(2)


def test_densifying_catches_deviation_between_vertices():
    gold = shapely.Polygon([(0, 0), (100, 0), (0, 100)])
    # Every vertex of each outline lies within 5 px of the other outline, yet the gold
    # hypotenuse's middle is ≈47 px from the drawn outline.
    mine = shapely.Polygon([(0, 0), (100, 0), (5, 5), (0, 100)])
    assert shapely.hausdorff_distance(mine.boundary, gold.boundary) == pytest.approx(5)
    assert max_deviation(mine, gold) == pytest.approx(47.30, abs=0.5)


def test_mean_deviation_of_offset_square():
    gold = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    mine = shapely.affinity.translate(gold, 0, 2)
    # Top and bottom edges are 2 px off, the vertical ones lie on gold's lines
    # except for their 2 px overhang: the mean is well below the max.
    assert 0.9 < mean_deviation(mine, gold) < 1.2


def test_greedy_match_is_best_first_and_deterministic():
    cands = [(0.6, 0, 0), (0.9, 1, 0), (0.7, 0, 1), (0.7, 1, 1)]
    assert greedy_match(cands, 0.5) == [(0.9, 1, 0), (0.7, 0, 1)]
    # Ties go to the lower index.
    assert greedy_match([(0.5, 1, 0), (0.5, 0, 0)], 0.5) == [(0.5, 0, 0)]
    # Threshold is inclusive.
    assert greedy_match([(0.5, 0, 0)], 0.5) == [(0.5, 0, 0)]
    assert greedy_match([(0.4999, 0, 0)], 0.5) == []


def test_label_aware_matching_prefers_same_label_then_fills():
    cands = [(0.9, 0, 0), (0.6, 0, 1), (0.8, 1, 0)]
    pairs = match_objects(cands, [["car"], ["bus"]], [["bus"], ["car"]], 0.5)
    by_mine = {p.mine: p for p in pairs}
    assert by_mine[0].gold == 1 and by_mine[0].same_label  # car-car despite lower IoU
    assert by_mine[1].gold == 0 and by_mine[1].same_label
    # A pair with different labels is still found when nothing better is available.
    pairs = match_objects([(0.9, 0, 0)], [["car"]], [["bus"]], 0.5)
    assert len(pairs) == 1 and not pairs[0].same_label


coord = st.floats(-500, 500, allow_nan=False, allow_infinity=False)
size = st.floats(0.5, 300, allow_nan=False, allow_infinity=False)
angle = st.floats(-360, 360, allow_nan=False, allow_infinity=False)


@given(coord, coord, size, size, angle, coord, coord, size, size, angle)
def test_iou_is_bounded_and_symmetric(x1, y1, w1, h1, r1, x2, y2, w2, h2, r2):
    a = box_shape(box(x1, y1, w1, h1, r1))
    b = box_shape(box(x2, y2, w2, h2, r2))
    value = iou(a, b)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(iou(b, a), abs=1e-9)


@given(coord, coord, size, size, angle)
def test_box_against_itself_is_perfect(x, y, w, h, r):
    b = box(x, y, w, h, r)
    offsets = box_edge_offsets(b, b)
    assert offsets.worst_outside()[0] == 0
    assert offsets.worst_inside()[0] == 0
    assert iou(box_shape(b), box_shape(b)) == pytest.approx(1.0)


def test_aligned_candidates_quietly_drop_boxes_whose_area_rounds_to_zero():
    import warnings

    from labelmate.core.geometry import aligned_iou_candidates

    far = 1e16  # a 1-px box here has (x + 1) - x == 0 in floating point
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            aligned_iou_candidates([(far, far, far + 1, far + 1)], [(far, far, far + 1, far + 1)])
            == []
        )
        assert aligned_iou_candidates([(0, 0, 2, 2)], [(1, 1, 3, 3)]) == [(1 / 7, 0, 0)]
