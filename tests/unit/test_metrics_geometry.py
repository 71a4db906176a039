"""measure() on boxes, polygons and keypoints: the numbers a precision criterion relies on."""

from __future__ import annotations

import pytest

from labelmate.core.metrics import measure
from labelmate.core.regions import Box, Keypoint, Polygon


def box(id, x, y, w, h, label="Solder Bridge", rotation=0.0, control="label"):
    return Box(id=id, control=control, target="image", labels=(label,), x=x, y=y, width=w,
               height=h, rotation=rotation)  # fmt: skip


def poly(id, points, label="Scratch"):
    return Polygon(id=id, control="poly", target="image", labels=(label,), points=tuple(points))


def kp(id, x, y, label, parent=None):
    return Keypoint(id=id, control="kp", target="image", labels=(label,), x=x, y=y,
                    parent_id=parent)  # fmt: skip


def test_box_edges_outside_and_inside_name_the_region_and_edge():
    gold = [box("g1", 10, 10, 50, 30)]
    mine = [box("r3", 10, 10, 54, 29)]  # right edge 4 px out, bottom 1 px in
    m = measure(mine, gold)
    assert m["box.max_outside_px"].value == pytest.approx(4.0)
    assert m["box.max_outside_px"].source == "gold"
    assert m["box.max_outside_px"].detail.startswith("box r3 (Solder Bridge): right edge 4.0 px")
    assert m["box.max_outside_px"].region_ids == ("r3", "g1")
    assert m["box.max_inside_px"].value == pytest.approx(1.0)
    assert "bottom edge" in m["box.max_inside_px"].detail
    assert m["box.iou"].value == pytest.approx(50 * 29 / (54 * 29 + 50 * 30 - 50 * 29))


def test_set_level_value_is_the_worst_matched_pair():
    gold = [box("g1", 0, 0, 40, 40), box("g2", 100, 100, 40, 40)]
    mine = [box("a", 0, 0, 41, 40), box("b", 97, 100, 43, 40)]
    m = measure(mine, gold)
    assert m["box.max_outside_px"].value == pytest.approx(3.0)
    assert m["box.max_outside_px"].region_ids == ("b", "g2")
    assert "left edge" in m["box.max_outside_px"].detail
    assert "worst of 2" in m["box.max_outside_px"].detail


def test_rotated_boxes_are_measured_in_their_own_frame():
    gold = [box("g", 100, 50, 60, 30, rotation=35)]
    mine = [box("r", 100, 50, 63, 30, rotation=35)]
    m = measure(mine, gold)
    assert m["box.max_outside_px"].value == pytest.approx(3.0)
    assert m["box.max_inside_px"].value == 0


def test_without_gold_no_gold_metric_is_invented():
    m = measure([box("r", 0, 0, 10, 10)], None)
    assert not any(k.startswith(("box.", "objects.", "label.")) for k in m)


def test_label_mismatch_counts_missed_extra_and_mismatch():
    gold = [box("g1", 0, 0, 20, 20, label="Scratch"), box("g2", 50, 50, 20, 20)]
    mine = [box("r1", 0, 0, 20, 20, label="Solder Bridge"), box("r2", 50, 50, 20, 20),
            box("r3", 200, 200, 5, 5)]  # fmt: skip
    m = measure(mine, gold)
    assert m["objects.missed"].value == 1
    assert m["objects.missed"].region_ids == ("g1",)
    assert m["objects.extra"].value == 2
    assert set(m["objects.extra"].region_ids) == {"r1", "r3"}
    assert m["objects.recall"].value == pytest.approx(0.5)
    assert m["objects.precision"].value == pytest.approx(1 / 3)
    assert m["label.mismatches"].value == 1
    assert m["label.matches_gold"].value is False
    assert "Scratch" in m["label.matches_gold"].detail
    # The mislabelled box is still measured geometrically: it is perfectly placed.
    assert m["box.iou"].value == pytest.approx(1.0)


def test_objects_match_only_above_the_iou_threshold():
    gold = [box("g", 0, 0, 10, 10)]
    mine = [box("r", 5, 0, 10, 10)]  # IoU = 50 / 150
    assert measure(mine, gold)["objects.missed"].value == 1
    assert measure(mine, gold, iou_threshold=0.3)["objects.missed"].value == 0


def test_objects_in_other_controls_do_not_match():
    gold = [box("g", 0, 0, 10, 10, control="a")]
    mine = [box("r", 0, 0, 10, 10, control="b")]
    m = measure(mine, gold)
    assert m["objects.missed"].value == 1 and m["objects.extra"].value == 1
    only_b = measure(mine, gold, control="b")
    assert only_b["objects.extra"].value == 1
    assert only_b["objects.missed"].value == 0


def test_empty_gold_means_everything_drawn_is_extra():
    m = measure([box("r", 0, 0, 10, 10)], [])
    assert m["objects.extra"].value == 1
    assert m["objects.precision"].value == 0
    assert m["objects.recall"].value == 1.0  # nothing to miss


SQUARE = [(0, 0), (100, 0), (100, 100), (0, 100)]


def test_polygon_offset_two_px_has_two_px_deviation():
    gold = [poly("g", SQUARE)]
    mine = [poly("p", [(x + 2, y) for x, y in SQUARE])]
    m = measure(mine, gold)
    assert m["polygon.max_deviation_px"].value == pytest.approx(2.0)
    assert m["polygon.mean_deviation_px"].value <= 2.0
    assert m["polygon.iou"].value == pytest.approx(98 * 100 / (102 * 100))
    assert m["polygon.max_deviation_px"].source == "gold"


def test_polygon_deviation_is_densified():
    gold = [poly("g", [(0, 0), (100, 0), (0, 100)])]
    mine = [poly("p", [(0, 0), (100, 0), (5, 5), (0, 100)])]
    assert measure(mine, gold, iou_threshold=0.01)["polygon.max_deviation_px"].value > 45


def test_polygon_data_metrics_without_gold():
    bowtie = poly("bow", [(0, 0), (10, 10), (10, 0), (0, 10)])
    good = poly("ok", [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)])
    m = measure([good, bowtie], None)
    assert m["polygon.valid"].value is False
    assert m["polygon.valid"].region_ids == ("bow",)
    assert m["polygon.valid"].source == "data"
    assert m["polygon.area_px"].value == pytest.approx(50)  # the bowtie's two lobes
    assert m["polygon.vertex_count"].value == 4  # closing vertex not double-counted
    assert measure([good], None)["polygon.valid"].value is True


def test_keypoint_at_gold_has_oks_one():
    gold = [box("person", 0, 0, 100, 100), kp("g1", 10, 10, "nose", parent="person")]
    mine = [kp("k1", 10, 10, "nose")]
    m = measure(mine, gold)
    assert m["keypoint.oks"].value == pytest.approx(1.0)
    assert m["keypoint.distance_px"].value == 0


def test_keypoint_oks_follows_coco_formula_and_counts_missing_points():
    import math

    gold = [kp("g1", 10, 10, "nose"), kp("g2", 50, 50, "eye")]
    mine = [kp("k1", 13, 14, "nose")]  # 5 px off; the eye is missing
    m = measure(mine, gold, image_size=(100, 100))
    ks = math.exp(-25 / (2 * 10_000 * 0.2**2))
    assert m["keypoint.oks"].value == pytest.approx(ks / 2)
    assert m["keypoint.distance_px"].value == pytest.approx(5)
    assert "image area" in m["keypoint.oks"].detail


def test_keypoint_oks_needs_a_scale():
    m = measure([kp("k", 0, 0, "nose")], [kp("g", 1, 0, "nose")])
    assert "keypoint.oks" not in m
    assert m["keypoint.distance_px"].value == pytest.approx(1)
