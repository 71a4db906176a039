"""Self-scoring figures on hand-built cases: totals, calibration, time, bottlenecks, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from labelmate.core.rubric import Criterion, Level, Rule
from labelmate.core.scoring import (
    UNATTRIBUTED,
    EditEvent,
    ItemScore,
    SessionPoint,
    attribute_time,
    bottlenecks,
    calibration,
    criterion_kind,
    edit_kind,
    level_label,
    next_level_up,
    progress,
    slope,
    weighted_total,
)
from labelmate.io.rubric_file import load_rubric

RUBRICS = Path(__file__).parents[2] / "rubrics"
PCB = load_rubric(RUBRICS / "pcb-defect-boxes.yaml").require()
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def crit(cid: str, name: str, *metrics: str, manual: bool = False) -> Criterion:
    levels = [Level(score=5, descriptor="top", when=Rule(metric=m, max=1)) for m in metrics[:1]]
    levels.append(Level(score=1, descriptor="bottom", otherwise=not manual and bool(metrics)))
    return Criterion(id=cid, name=name, manual=manual, levels=levels)


# --- kinds ------------------------------------------------------------------------------


def test_the_shipped_pcb_criteria_map_to_the_four_core_kinds() -> None:
    assert {c.id: criterion_kind(c) for c in PCB.criteria} == {
        "correctness": "correctness",
        "completeness": "completeness",
        "precision": "precision",
        "clarity": "clarity",
    }


@pytest.mark.parametrize(
    ("criterion", "kind"),
    [
        (crit("fit", "Fit", "box.max_outside_px"), "precision"),
        (crit("outline", "Outline", "polygon.max_deviation_px"), "precision"),
        (crit("edges", "Edges", "span.boundary_offset_chars"), "precision"),
        (crit("found", "Found all", "objects.missed"), "completeness"),
        (crit("tags", "Tags", "label.matches_gold"), "correctness"),
        (crit("sentiment", "Sentiment", "choices.matches_gold"), "correctness"),
        (crit("doubt", "Doubt", "choices.unsure_used"), "clarity"),
        (crit("tone", "Tone", manual=True), None),
        (crit("pitfalls", "Linter pitfalls", "prompt.findings"), None),
    ],
)
def test_criterion_kind_from_words_then_metrics(criterion: Criterion, kind: str | None) -> None:
    assert criterion_kind(criterion) == kind


def test_words_in_the_id_win_over_metrics() -> None:
    # text-sentiment's clarity criterion uses choices.matches_gold too, but is clarity
    assert criterion_kind(crit("clarity", "Clarity", "choices.matches_gold")) == "clarity"


@pytest.mark.parametrize(
    ("action", "detail", "kind"),
    [
        ("annotation_updated", "geometry", "precision"),
        ("annotation_added", "add", "completeness"),
        ("annotation_updated", "delete", "completeness"),
        ("annotation_updated", "paste", "completeness"),
        ("annotation_updated", "label", "correctness"),
        ("annotation_updated", "status", "clarity"),
        ("status_set", "flagged", "clarity"),
        ("status_set", "done", "clarity"),
        ("annotation_updated", "time", None),
        ("annotation_added", "mine", None),
        ("annotation_added", None, None),
    ],
)
def test_edit_kinds(action: str, detail: str | None, kind: str | None) -> None:
    assert edit_kind(action, detail) == kind


# --- levels and totals ------------------------------------------------------------------


def test_level_label_and_next_level() -> None:
    precision = PCB.criterion("precision")
    assert level_label(PCB, precision, 3) == "Acceptable (3/5)"
    assert level_label(PCB, precision, None) == ""
    up = next_level_up(precision, 1)
    assert up is not None and up.score == 3 and "6 px" in up.descriptor
    assert next_level_up(precision, 2.2).score == 3  # type: ignore[union-attr]
    assert next_level_up(precision, 3).score == 5  # type: ignore[union-attr]
    assert next_level_up(precision, 5) is None


def test_weighted_total_with_the_manual_criterion_unscored_and_scored() -> None:
    scores = {"correctness": 5.0, "completeness": 3.0, "precision": 1.0, "clarity": None}
    # (3·5/5 + 3·3/5 + 2·1/5) / (3 + 3 + 2) · 100
    assert weighted_total(PCB, scores) == pytest.approx(65.0)
    scores["clarity"] = 5.0
    assert weighted_total(PCB, scores) == pytest.approx((3 + 1.8 + 0.4 + 1) / 9 * 100)
    scores["clarity"] = 1.0
    assert weighted_total(PCB, scores) == pytest.approx((3 + 1.8 + 0.4 + 0.2) / 9 * 100)
    assert weighted_total(PCB, {"clarity": None}) is None


# --- calibration ------------------------------------------------------------------------


def item(task: str, cid: str, proposed: float | None, final: float | None, gold: bool = True):
    return ItemScore(task, cid, proposed, final, 5.0, gold)


def test_calibration_figures_on_a_hand_built_case() -> None:
    items = [
        item("t1", "precision", 3, 5),
        item("t2", "precision", 3, 5),
        item("t3", "precision", 3, 3),
        item("t1", "correctness", 5, 3),
        item("t2", "correctness", 5, 5),
        item("t3", "correctness", 1, 1),
        item("t1", "completeness", 1, 5, gold=False),  # estimated: not calibration
        item("t2", "completeness", 3, None),  # not decided yet
        item("t3", "clarity", None, 3),  # manual: nothing measured
    ]
    cal = calibration(items, worst=3)
    rows = {c.criterion_id: c for c in cal.criteria}
    assert set(rows) == {"precision", "correctness"}
    p, c = rows["precision"], rows["correctness"]
    assert (p.count, p.higher, p.lower, p.equal) == (3, 2, 0, 1)
    assert p.mean_difference == pytest.approx(4 / 3)
    assert p.mean_abs_difference == pytest.approx(4 / 3)
    assert p.verdict == "over-confident"
    assert (c.count, c.higher, c.lower, c.equal) == (3, 0, 1, 2)
    assert c.mean_difference == pytest.approx(-2 / 3)
    assert c.verdict == "under-confident"
    assert cal.count == 6
    assert cal.mean_difference == pytest.approx((2 + 2 + 0 - 2 + 0 + 0) / 6)
    assert [(d.task, d.criterion_id, d.difference) for d in cal.disagreements] == [
        ("t1", "correctness", -2),
        ("t1", "precision", 2),
        ("t2", "precision", 2),
    ]


def test_calibration_within_tolerance_is_calibrated_and_empty_is_empty() -> None:
    cal = calibration([item("a", "x", 3, 3), item("b", "x", 3, 5), item("c", "x", 5, 3)])
    assert cal.criteria[0].verdict == "calibrated" and cal.criteria[0].mean_difference == 0
    empty = calibration([item("a", "x", 3, 5, gold=False)])
    assert empty.criteria == [] and empty.count == 0 and empty.mean_difference is None


# --- time attribution -------------------------------------------------------------------


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


HAND_LOG = [
    EditEvent(at(0), "add", "annotation_added"),
    EditEvent(at(10), "geometry"),
    EditEvent(at(30), "geometry"),
    EditEvent(at(35), "label"),
    EditEvent(at(500), "flagged", "status_set"),  # 465 s later: capped at 60
]


def test_time_attribution_on_a_hand_built_edit_log() -> None:
    # weights: first = mean gap (10 + 20 + 5 + 60) / 4 = 23.75, then 10, 20, 5, 60
    split = attribute_time(HAND_LOG, 118.75, PCB.criteria)
    assert split.total == pytest.approx(118.75)
    assert split.by_criterion == pytest.approx(
        {"completeness": 23.75, "precision": 30.0, "correctness": 5.0, "clarity": 60.0}
    )
    assert split.unattributed == 0
    # the lead time (active time) is what gets shared, in the same proportions
    doubled = attribute_time(HAND_LOG, 237.5, PCB.criteria)
    assert doubled.by_criterion["precision"] == pytest.approx(60.0)
    assert sum(doubled.by_kind.values()) == pytest.approx(237.5)


def test_time_events_in_any_order_and_unknown_reasons_stay_unattributed() -> None:
    events = [EditEvent(at(20), "time"), EditEvent(at(0), "add"), EditEvent(at(10), "label")]
    split = attribute_time(events, 30.0, PCB.criteria)
    # weights: first (add) = mean(10, 10) = 10, label 10, time 10
    assert split.by_criterion["completeness"] == pytest.approx(10)
    assert split.by_criterion["correctness"] == pytest.approx(10)
    assert split.unattributed == pytest.approx(10)
    assert split.by_criterion["precision"] == 0


def test_time_without_lead_time_uses_the_capped_gaps() -> None:
    split = attribute_time(HAND_LOG, None, PCB.criteria)
    assert split.total == pytest.approx(95)
    assert split.by_criterion == pytest.approx(
        {"completeness": 0.0, "precision": 30.0, "correctness": 5.0, "clarity": 60.0}
    )


def test_time_with_no_edits_or_no_matching_criterion() -> None:
    assert attribute_time([], 42.0, PCB.criteria).unattributed == 42.0
    assert attribute_time([], None, PCB.criteria).total == 0.0
    only_precision = [c for c in PCB.criteria if c.id == "precision"]
    split = attribute_time(HAND_LOG, 118.75, only_precision)
    assert split.by_criterion == pytest.approx({"precision": 30.0})
    assert split.by_kind[UNATTRIBUTED] == pytest.approx(88.75)


def test_time_of_a_kind_is_shared_by_the_criteria_of_that_kind() -> None:
    two = [crit("fit", "Fit", "box.max_outside_px"), crit("shape", "Shape", "box.iou")]
    split = attribute_time([EditEvent(at(0), "geometry")], 12.0, two)
    assert split.by_criterion == {"fit": 6.0, "shape": 6.0}


def test_edits_at_the_same_instant_share_the_time_equally() -> None:
    events = [EditEvent(at(0), "add"), EditEvent(at(0), "geometry")]
    split = attribute_time(events, 10.0, PCB.criteria)
    assert split.by_criterion["completeness"] == split.by_criterion["precision"] == 5.0


def test_time_splits_add_up() -> None:
    a = attribute_time(HAND_LOG, 118.75, PCB.criteria)
    total = a + a
    assert total.total == pytest.approx(237.5)
    assert total.by_criterion["clarity"] == pytest.approx(120)


# --- bottlenecks ------------------------------------------------------------------------


def test_bottlenecks_rank_points_lost_and_time_with_the_next_level_descriptor() -> None:
    items = [
        item("t1", "correctness", 5, 5),
        item("t2", "correctness", 5, 3),
        item("t1", "completeness", 5, 5),
        item("t2", "completeness", 5, 5),
        item("t1", "precision", 1, 1),
        item("t2", "precision", 3, 3),
        item("t1", "clarity", None, None),
        item("t2", "clarity", None, 3),
    ]
    seconds = {"correctness": 5.0, "completeness": 50.0, "precision": 20.0, "clarity": 1.0}
    report = bottlenecks(PCB, items, seconds)
    # points lost: precision 2·(4 + 2) = 12, correctness 3·2 = 6, clarity 1·2 = 2
    assert [(b.criterion_id, b.points_lost) for b in report.by_points] == [
        ("precision", 12),
        ("correctness", 6),
        ("clarity", 2),
        ("completeness", 0),
    ]
    top = report.by_points[0]
    assert top.mean_score == 2 and top.count == 2
    assert top.next_level is not None and top.next_level.score == 3
    assert top.next_level_name == "Acceptable"
    assert top.next_level.descriptor.startswith("Every edge within 6 px")
    # 12 points of weight·score over 2 tasks: 12 / 5 / 9 · 100 / 2
    assert top.total_points_lost == pytest.approx(12 / 5 / 9 * 100 / 2)
    assert [b.criterion_id for b in report.by_time] == [
        "completeness",
        "precision",
        "correctness",
        "clarity",
    ]
    assert report.by_time[0].time_share == pytest.approx(50 / 76)
    assert report.by_time[0].next_level is None  # already at the top


# --- progress ---------------------------------------------------------------------------


def test_progress_series_trend_and_weakest() -> None:
    points = [
        SessionPoint(2, T0 + timedelta(days=2), {"precision": 3.0, "correctness": 4.0}, 70.0),
        SessionPoint(1, T0 + timedelta(days=1), {"precision": 1.0, "correctness": 5.0}, 60.0),
        SessionPoint(3, T0 + timedelta(days=3), {"precision": 4.0, "correctness": 3.0}, 80.0),
    ]
    maxima = {c.id: c.max_score for c in PCB.criteria}
    result = progress(points, maxima)
    assert [p.session_id for p in result.sessions] == [1, 2, 3]
    assert result.series["precision"] == [1.0, 3.0, 4.0]
    assert result.series["clarity"] == [None, None, None]
    assert result.slopes["precision"] == pytest.approx(1.5)
    assert result.trends == {
        "correctness": "down",
        "completeness": None,
        "precision": "up",
        "clarity": None,
    }
    assert result.weakest == "correctness"  # latest 3.0 of 5 is below precision's 4.0
    assert result.total_series == [60.0, 70.0, 80.0] and result.total_trend == "up"


def test_slope_skips_gaps_and_needs_two_points() -> None:
    assert slope([None, 2.0, None, 4.0]) == pytest.approx(1.0)
    assert slope([3.0]) is None
    assert slope([2.0, 2.0]) == 0
    assert progress([], {"x": 5.0}).weakest is None


# --- the fast paths scoring relies on give the general path's numbers --------------------


def _general_offsets(mine, gold):
    """box_edge_offsets' rotated formula, evaluated for rotation 0 (no fast path)."""
    import math

    from labelmate.core.geometry import EdgeOffsets, _clean

    t = math.radians(gold.rotation)
    c, s = math.cos(t), math.sin(t)
    local = [((x - gold.x) * c + (y - gold.y) * s, -(x - gold.x) * s + (y - gold.y) * c)
             for x, y in mine.corners()]  # fmt: skip
    xs, ys = [p[0] for p in local], [p[1] for p in local]
    return EdgeOffsets(
        top=_clean(0.0 - min(ys)),
        right=_clean(max(xs) - gold.width),
        bottom=_clean(max(ys) - gold.height),
        left=_clean(0.0 - min(xs)),
    )


def test_unrotated_fast_paths_match_the_general_formulas() -> None:
    import random

    from labelmate.core.geometry import (
        aligned_bounds,
        aligned_iou_candidates,
        box_edge_offsets,
        box_shape,
        edge_extremes,
        iou_candidates,
    )
    from labelmate.core.regions import Box

    rng = random.Random(9)

    def box(rotation: float = 0.0) -> Box:
        return Box(control="c", target="t", x=round(rng.uniform(0, 60), rng.choice([0, 1, 9])),
                   y=rng.uniform(0, 60), width=rng.choice([1.0, rng.uniform(1, 40)]),
                   height=rng.uniform(1, 40), rotation=rotation)  # fmt: skip

    for _ in range(300):
        mine, gold = [box() for _ in range(6)], [box() for _ in range(6)]
        fast = aligned_iou_candidates([aligned_bounds(b) for b in mine],  # type: ignore[misc]
                                      [aligned_bounds(b) for b in gold])  # fmt: skip
        slow = iou_candidates([box_shape(b) for b in mine], [box_shape(b) for b in gold])
        assert sorted((i, j) for _, i, j in fast) == sorted((i, j) for _, i, j in slow)
        exact = {(i, j): v for v, i, j in slow}
        for v, i, j in fast:
            assert v == pytest.approx(exact[(i, j)], rel=1e-12, abs=1e-15)
        for a, b in zip(mine, gold, strict=True):
            offsets = box_edge_offsets(a, b)
            assert offsets == _general_offsets(a, b)
            assert edge_extremes(a, b) == (*offsets.worst_outside(), *offsets.worst_inside())
    tilted, flat = box(15.0), box()
    assert aligned_bounds(tilted) is None
    offsets = box_edge_offsets(flat, tilted)
    assert edge_extremes(flat, tilted) == (*offsets.worst_outside(), *offsets.worst_inside())
    assert aligned_bounds(Box(control="c", target="t", x=0, y=0, width=0, height=5)) is None
