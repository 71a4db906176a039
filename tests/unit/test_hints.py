"""Live precision hints and the Check report, worded with the shipped rubrics' levels."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.geometry import box_edge_offsets
from labelmate.core.hints import Hint, check_hints, implied_levels, region_hints
from labelmate.core.metrics import GrayImage, Measurement
from labelmate.core.metrics.objects import match_all
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.core.rubric import Rubric
from labelmate.io.rubric_file import load_rubric

SHIPPED = Path(__file__).parents[2] / "rubrics"
PCB = load_rubric(SHIPPED / "pcb-defect-boxes.yaml").require()
POLY = load_rubric(SHIPPED / "polygon-precision.yaml").require()
KEYPOINTS = load_rubric(SHIPPED / "keypoints.yaml").require()


def box(id, x, y, w, h, label="Solder Bridge", control="label", rotation=0.0):
    return Box(id=id, control=control, target="image", labels=(label,), x=x, y=y, width=w,
               height=h, rotation=rotation)  # fmt: skip


def poly(id, points, label="Leaf", closed=True):
    return Polygon(id=id, control="poly", target="image", labels=(label,), points=tuple(points),
                   closed=closed)  # fmt: skip


def kp(id, x, y, label):
    return Keypoint(id=id, control="kp", target="image", labels=(label,), x=x, y=y)


def of_kind(hints: list[Hint], kind: str) -> list[Hint]:
    return [h for h in hints if h.kind == kind]


GOLD = box("g1", 100, 100, 50, 40)
# left 7 px outside, top 2 px inside, right 3 px outside, bottom 2 px inside.
OFF = box("r3", 93, 102, 60, 36)


# --- boxes against gold -----------------------------------------------------------


def test_box_edges_give_one_hint_per_side_with_the_level_each_implies():
    hints = region_hints(OFF, [OFF], [GOLD], PCB)
    edges = {h.side: h for h in of_kind(hints, "edge")}
    assert set(edges) == {"top", "right", "bottom", "left"}

    left = edges["left"]
    assert left.message == (
        "left edge 7 px outside gold → Precision (Geometry): Needs Re-Annotation "
        "(Acceptable allows ≤ 6 px)"
    )
    assert (left.severity, left.value, left.source) == ("error", 7.0, "gold")
    assert (left.criterion_id, left.level_name, left.level_score) == (
        "precision",
        "Needs Re-Annotation",
        1,
    )
    assert left.region_ids == ("r3",)

    top = edges["top"]
    assert top.message == (
        "top edge 2 px inside gold (cuts the object) → Precision (Geometry): Acceptable "
        "(Gold Standard allows ≤ 0 px)"
    )
    assert (top.severity, top.value, top.level_name) == ("warning", -2.0, "Acceptable")

    # 3 px of padding is within the Gold Standard's 3 px on its own.
    right = edges["right"]
    assert right.message == "right edge 3 px outside gold → Precision (Geometry): Gold Standard"
    assert (right.severity, right.value) == ("good", 3.0)
    assert edges["bottom"].value == -2.0


def test_box_iou_hint_names_the_gold_box():
    (iou,) = of_kind(region_hints(OFF, [OFF], [GOLD], PCB), "iou")
    # intersection 50×36, union 60×36 + 50×40 − 50×36
    assert iou.message == "IoU 0.76 with gold g1"
    assert iou.value == pytest.approx(1800 / 2360)
    assert iou.severity == "info"  # the PCB rubric has no rule on box.iou


def test_perfect_box_gives_a_single_good_edge_hint():
    hints = region_hints(box("r1", 100, 100, 50, 40), [], [GOLD], PCB)
    (edge,) = of_kind(hints, "edge")
    assert edge.message == "all edges on the gold outline → Precision (Geometry): Gold Standard"
    assert edge.severity == "good" and edge.side is None
    assert of_kind(hints, "iou")[0].message == "IoU 1.00 with gold g1"
    assert not of_kind(hints, "wrong-label") and not of_kind(hints, "extra")


def test_region_being_dragged_replaces_its_older_copy_in_the_drawn_set():
    older = box("r3", 100, 100, 50, 40)
    hints = region_hints(OFF, [older], [GOLD], PCB)
    assert len(of_kind(hints, "edge")) == 4  # measured at its new place, not matched twice
    assert not of_kind(hints, "extra")


def test_wrong_label_on_a_matched_box():
    scratch = box("r1", 100, 100, 50, 40, label="Scratch")
    (wrong,) = of_kind(region_hints(scratch, [], [GOLD], PCB), "wrong-label")
    assert wrong.message == (
        "labelled Scratch, but gold g1 is Solder Bridge → Correctness: Acceptable "
        "(Gold Standard needs label.matches_gold = true)"
    )
    assert (wrong.severity, wrong.criterion_id) == ("warning", "correctness")


def test_unmatched_box_is_a_possible_extra_with_the_completeness_level():
    (hint,) = region_hints(box("r9", 500, 500, 50, 40), [], [GOLD], PCB)
    assert hint.kind == "extra"
    assert hint.message == (
        "no gold box overlaps this box: an extra box? → Completeness: Acceptable "
        "(Gold Standard allows ≤ 0)"
    )
    assert (hint.severity, hint.level_name) == ("warning", "Acceptable")


def test_box_overlapping_gold_too_little_still_shows_its_edges_against_it():
    hint, *rest = region_hints(box("r9", 130, 100, 50, 40), [], [GOLD], PCB)
    assert hint.message.startswith(
        "no gold box overlaps this box enough (best IoU 0.25 < 0.5): an extra box?"
    )
    assert hint.value == pytest.approx(0.25)
    # The user is aiming at g1: say which edges to move and how far.
    edges = {h.side: h.value for h in rest if h.kind == "edge"}
    assert edges == {"left": -30.0, "right": 30.0}


def test_second_box_on_an_already_matched_gold_is_a_possible_duplicate():
    first = box("r1", 100, 100, 50, 40)
    (hint,) = region_hints(box("r2", 102, 100, 50, 40), [first], [GOLD], PCB)
    assert hint.kind == "extra"
    assert hint.message.startswith(
        "gold g1 is already matched by box r1 (Solder Bridge): a duplicate box?"
    )


def test_gold_of_another_control_is_never_compared():
    other = box("g1", 100, 100, 50, 40, control="components")
    (hint,) = region_hints(OFF, [], [other], PCB)
    assert hint.kind == "extra"
    assert not of_kind(region_hints(OFF, [], [other], PCB), "edge")


def test_without_rubric_the_figures_come_without_a_level():
    hints = region_hints(OFF, [OFF], [GOLD], None)
    edges = {h.side: h for h in of_kind(hints, "edge")}
    assert edges["left"].message == "left edge 7 px outside gold"
    assert edges["top"].message == "top edge 2 px inside gold (cuts the object)"
    assert edges["left"].severity == "info" and edges["top"].severity == "warning"
    assert all("→" not in h.message for h in hints)
    assert all(h.criterion_id is None and h.level_name is None for h in hints)


def test_a_figure_just_over_a_bound_is_not_rounded_onto_it():
    hints = region_hints(box("r1", 93.996, 100, 56.004, 40), [], [GOLD], PCB)
    (left,) = [h for h in of_kind(hints, "edge") if h.side == "left"]
    assert left.message.startswith("left edge 6.004 px outside gold → ")
    assert left.level_name == "Needs Re-Annotation"


# --- the generic "level a figure implies" -----------------------------------------


def test_implied_level_of_one_figure_ignores_the_other_metrics_of_the_level():
    m = Measurement("box.max_outside_px", 4.0, "gold")
    (imp,) = implied_levels(PCB, {m.metric: m})
    assert (imp.criterion_id, imp.level_name, imp.severity) == (
        "precision",
        "Acceptable",
        "warning",
    )
    assert imp.text == "Precision (Geometry): Acceptable (Gold Standard allows ≤ 3 px)"
    unused = Measurement("box.iou", 0.2, "gold")
    assert implied_levels(PCB, {unused.metric: unused}) == []


# --- polygons -----------------------------------------------------------------------

SQUARE = poly("g1", [(0, 0), (100, 0), (100, 100), (0, 100)])
BOWTIE = poly("p2", [(0, 0), (10, 10), (10, 0), (0, 10)])


def test_polygon_deviation_hint_with_its_level():
    wide = poly("p1", [(0, 0), (104, 0), (104, 100), (0, 100)])  # right side 4 px out
    hints = region_hints(wide, [], [SQUARE], POLY)
    (dev,) = of_kind(hints, "deviation")
    assert dev.message == (
        "outline up to 4 px from gold g1 → Precision (Geometry): Acceptable "
        "(Gold Standard allows ≤ 2 px)"
    )
    assert dev.value == pytest.approx(4.0) and dev.severity == "warning"
    assert of_kind(hints, "iou")[0].message == "IoU 0.96 with gold g1"


def test_self_intersecting_polygon_is_an_error_for_every_criterion_that_needs_validity():
    for gold in (None, [SQUARE]):
        (hint,) = of_kind(region_hints(BOWTIE, [], gold, POLY), "self-intersection")
        assert hint.message == (
            "outline crosses itself near (5, 5) → Precision (Geometry): Needs Re-Annotation "
            "(Acceptable needs polygon.valid = true); Valid outline: Needs Re-Annotation "
            "(Gold Standard needs polygon.valid = true)"
        )
        assert hint.severity == "error" and hint.source == "data"
        assert hint.region_ids == ("p2",)


def test_invalid_polygon_is_an_error_even_without_a_rubric():
    (hint,) = region_hints(BOWTIE, [], None, None)
    assert (hint.kind, hint.message, hint.severity) == (
        "self-intersection",
        "outline crosses itself near (5, 5)",
        "error",
    )


def test_open_outline_being_drawn_is_not_flagged_live_but_is_in_the_check():
    drawing = poly("p3", [(0, 0), (10, 0), (10, 10)], closed=False)
    assert region_hints(drawing, [], None, POLY) == []
    (hint,) = of_kind(check_hints([drawing], None, None), "invalid")
    assert hint.message == "invalid outline: outline is not closed"


SIZE_RUBRIC = Rubric.model_validate(
    {
        "id": "sizes",
        "title": "Minimum size",
        "scale": [{"score": 5, "name": "Good"}, {"score": 1, "name": "Too small"}],
        "criteria": [
            {
                "id": "size",
                "name": "Minimum pixels",
                "levels": [
                    {"score": 5, "descriptor": "≥ 400 px² and ≥ 4 vertices",
                     "when": {"all": [{"metric": "polygon.area_px", "min": 400},
                                      {"metric": "polygon.vertex_count", "min": 4}]}},
                    {"score": 1, "descriptor": "smaller", "otherwise": True},
                ],
            }
        ],
    }
)  # fmt: skip


def test_polygon_without_gold_checks_the_rubrics_area_and_vertex_rules():
    small = poly("p4", [(0, 0), (10, 0), (10, 10)])  # 50 px², 3 vertices
    hints = region_hints(small, [], None, SIZE_RUBRIC)
    (area,) = of_kind(hints, "area")
    assert area.message == "area 50 px² → Minimum pixels: Too small (Good needs ≥ 400 px²)"
    assert area.severity == "error" and area.value == 50
    (count,) = of_kind(hints, "vertex-count")
    assert count.message == "3 vertices → Minimum pixels: Too small (Good needs ≥ 4)"
    # Without such rules a valid polygon has nothing to report.
    assert region_hints(small, [], None, POLY) == []
    # The Check lists only the figures below the best level.
    big = poly("p5", [(0, 0), (40, 0), (40, 40), (0, 40)])
    checked = check_hints([small, big], None, SIZE_RUBRIC)
    assert [(h.kind, h.region_ids) for h in checked if h.kind in ("area", "vertex-count")] == [
        ("area", ("p4",)),
        ("vertex-count", ("p4",)),
    ]


# --- keypoints ----------------------------------------------------------------------

KP_GOLD = [kp("g1", 50, 50, "Tip"), kp("g2", 80, 120, "Base")]


def test_keypoint_distance_to_the_gold_point_of_its_label():
    hints = region_hints(kp("k1", 53, 54, "Tip"), [], KP_GOLD, KEYPOINTS)
    (dist,) = of_kind(hints, "keypoint-distance")
    assert dist.message == (
        "5 px from gold keypoint g1 (Tip) → Precision (Geometry): Acceptable "
        "(Gold Standard allows ≤ 3 px)"
    )
    assert dist.value == pytest.approx(5.0) and dist.severity == "warning"
    assert not of_kind(hints, "oks")  # no image, no parent box: no honest OKS scale


def test_keypoint_oks_with_an_image_for_scale():
    image = GrayImage(200, 200, bytes([200] * 40000))
    (oks,) = of_kind(region_hints(kp("k1", 53, 54, "Tip"), [], KP_GOLD, KEYPOINTS,
                                  image=image), "oks")  # fmt: skip
    # exp(−25 / (2 · 40000 · 0.2²)), this point's own similarity, not the mean over 2
    assert oks.value == pytest.approx(0.99222, abs=1e-4)
    assert oks.message == "keypoint similarity (OKS) 0.99 with gold g1"


def test_keypoint_of_a_label_gold_does_not_have():
    (hint,) = region_hints(kp("k1", 53, 54, "Nose"), [], KP_GOLD, KEYPOINTS)
    assert hint.kind == "extra"
    assert hint.message == (
        "no gold keypoint labelled Nose: an extra keypoint? → Completeness: Acceptable "
        "(Gold Standard allows ≤ 0)"
    )


# --- without gold: image-edge estimates ---------------------------------------------

W, H = 120, 100


def board() -> GrayImage:
    """A dark part at x 30–89, y 25–69 on a light board."""
    px = bytearray([220] * (W * H))
    for y in range(25, 70):
        for x in range(30, 90):
            px[y * W + x] = 30
    return GrayImage(W, H, bytes(px))


def test_without_gold_box_edges_are_estimated_from_the_image_and_say_so():
    hints = region_hints(box("r1", 26, 27, 64, 43), [], None, PCB, image=board())
    assert [(h.kind, h.side, h.source) for h in hints] == [
        ("estimate", "left", "estimate"),
        ("estimate", "top", "estimate"),
    ]
    left, top = hints
    assert left.message == (
        "left edge ≈4 px outside the nearest image edge (estimate from image edges, 4 of 4 "
        "edges found) → Precision (Geometry): Acceptable (Gold Standard allows ≤ 3 px)"
    )
    assert left.value == pytest.approx(4.0, abs=0.5)
    assert top.message.startswith("top edge ≈2 px inside the nearest image edge (cuts the object)")
    assert top.value == pytest.approx(-2.0, abs=0.5)


def test_snug_box_on_the_image_is_good_and_a_flat_image_gives_no_estimate():
    (snug,) = region_hints(box("r1", 30, 25, 60, 45), [], None, PCB, image=board())
    assert snug.severity == "good" and snug.source == "estimate"
    assert snug.message.startswith("all edges on the object's edge in the image (estimate")
    flat = GrayImage(W, H, bytes([128] * (W * H)))
    (none,) = region_hints(box("r1", 30, 25, 60, 45), [], None, PCB, image=flat)
    assert none.severity == "info" and "not estimated" in none.message
    assert region_hints(box("r1", 30, 25, 60, 45), [], None, PCB) == []  # no image, no gold


# --- the Check report ---------------------------------------------------------------


def test_check_lists_missed_extra_wrong_label_then_the_levels():
    gold = [GOLD, box("g2", 300, 300, 20, 20, "Scratch"), box("g3", 700, 10, 30, 30, "Scratch")]
    mine = [OFF, box("r4", 301, 300, 20, 20), box("r5", 600, 600, 20, 20)]
    hints = check_hints(mine, gold, PCB)
    assert [h.kind for h in hints] == ["missed", "extra", "wrong-label", "level", "level", "level"]
    missed, extra, wrong, correctness, completeness, precision = hints
    assert missed.message == "missed gold box g3 (Scratch)"
    assert missed.gold_region == gold[2] and missed.region_ids == ()
    assert missed.criterion_id == "completeness"
    assert extra.message == "extra box r5 (Solder Bridge): no gold box matches it"
    assert extra.region_ids == ("r5",)
    assert wrong.message == "box r4 is labelled Solder Bridge, but gold g2 is Scratch"
    assert wrong.criterion_id == "correctness"

    assert correctness.message.startswith("Correctness: Acceptable (3/5) — ")
    assert correctness.severity == "warning"
    # The wrong label also counts as one missed and one extra for the rubric.
    assert completeness.message.startswith("Completeness: Needs Re-Annotation (1/5) — missed: ")
    assert completeness.severity == "error"
    assert precision.message == (
        "Precision (Geometry): Needs Re-Annotation (1/5) — box r3 (Solder Bridge): left edge "
        "7.0 px outside gold g1 (worst of 2 matched boxes)"
    )
    assert (precision.level_name, precision.level_score, precision.region_ids) == (
        "Needs Re-Annotation",
        1,
        ("r3",),
    )
    assert all(h.criterion_id != "clarity" for h in hints)  # manual: the user scores it


def test_check_of_a_perfect_annotation_is_all_good():
    hints = check_hints([box("r1", 100, 100, 50, 40)], [GOLD], PCB)
    assert [(h.criterion_id, h.severity, h.level_name) for h in hints] == [
        ("correctness", "good", "Gold Standard"),
        ("completeness", "good", "Gold Standard"),
        ("precision", "good", "Gold Standard"),
    ]


def test_check_without_rubric_lists_objects_and_data_problems_but_no_levels():
    hints = check_hints([OFF, BOWTIE], [box("g9", 500, 500, 10, 10)], None)
    assert [(h.kind, h.region_ids) for h in hints] == [
        ("missed", ()),
        ("extra", ("r3",)),
        ("extra", ("p2",)),
        ("self-intersection", ("p2",)),
    ]
    assert all(h.criterion_id is None for h in hints)
    # Without gold there is nothing to miss: only the data problems remain.
    assert [h.kind for h in check_hints([OFF, BOWTIE], None, None)] == ["self-intersection"]


def test_check_without_gold_uses_image_estimates_for_the_levels():
    hints = check_hints([box("r1", 26, 27, 64, 43)], None, PCB, image=board())
    (precision,) = of_kind(hints, "level")
    assert precision.message.startswith("Precision (Geometry): Acceptable (3/5) — box r1")
    assert precision.source == "estimate"


# --- properties -----------------------------------------------------------------------


@given(
    dx=st.floats(-15, 15),
    dy=st.floats(-15, 15),
    dw=st.floats(-20, 20),
    dh=st.floats(-20, 20),
    rotation=st.sampled_from([0.0, 0.0, 3.0, -8.5]),
    rubric=st.sampled_from([PCB, None]),
)
def test_side_hints_report_the_edge_offsets_exactly(dx, dy, dw, dh, rotation, rubric):
    drawn = box("r1", 100 + dx, 100 + dy, 50 + dw, 40 + dh, rotation=rotation)
    hints = region_hints(drawn, [drawn], [GOLD], rubric)
    offsets = box_edge_offsets(drawn, GOLD).as_dict()
    edges = [h for h in of_kind(hints, "edge") if h.side is not None]
    for h in edges:
        assert h.value == offsets[h.side] != 0
        assert ("outside gold" in h.message) == (h.value > 0)
        assert h.severity in ("good", "info", "warning", "error")
    if of_kind(hints, "edge"):  # matched: every non-zero side has its hint
        assert {h.side for h in edges} == {s for s, v in offsets.items() if v != 0}


@given(
    x=st.floats(-50, 250),
    y=st.floats(-50, 250),
    w=st.floats(0, 120),
    h=st.floats(0, 120),
    rotation=st.floats(-180, 180),
)
def test_region_hints_never_raise_on_any_box(x, y, w, h, rotation):
    drawn = box("r1", x, y, w, h, rotation=rotation)
    for gold in ([GOLD], [], None):
        hints = region_hints(drawn, [], gold, PCB, image=board())
        assert all(isinstance(hint, Hint) and hint.message for hint in hints)


small_boxes = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(5, 30), st.integers(5, 30),
              st.sampled_from(["Scratch", "Solder Bridge"]), st.sampled_from([0.0, 0.0, 30.0])),
    max_size=8,
)  # fmt: skip


@given(small_boxes, small_boxes)
def test_live_hints_pair_each_box_with_the_gold_the_whole_task_check_pairs_it_with(m, g):
    mine = [
        box(f"r{i}", x, y, w, h, lab, rotation=rot) for i, (x, y, w, h, lab, rot) in enumerate(m)
    ]
    gold = [
        box(f"g{i}", x, y, w, h, lab, rotation=rot) for i, (x, y, w, h, lab, rot) in enumerate(g)
    ]
    found = match_all(mine, gold, 0.5).get("box")
    paired = {r.id: t.id for r, t, _ in found.pair_regions()} if found else {}
    for r in mine:
        hints = region_hints(r, mine, gold, None)
        ious = of_kind(hints, "iou")
        if r.id in paired:
            assert [h.message.rsplit(" ", 1)[1] for h in ious] == [paired[r.id]]
        else:
            # Unmatched: said first; geometry only against an overlapping gold box.
            assert hints[0].kind == "extra"
            assert all(h.value < 0.5 for h in ious)
