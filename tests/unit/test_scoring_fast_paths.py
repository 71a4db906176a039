"""The shortcuts that make scoring 10,000 tasks fast give exactly the plain path's results.

`worst_edge_offsets` must pick the same pair, value and edge as `edge_extremes` per
pair followed by a first-on-ties pick (what the box.max_outside_px/max_inside_px
evidence names), including offsets that only tie once rounded; a `RubricEvaluator`
prepared once must score every task as a fresh one would; boxes are matched best
pair first, ties by index; annotations read for choosing what to score are the
objects `model_construct` made.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.geometry import (
    aligned_bounds,
    all_aligned_bounds,
    edge_extremes,
    greedy_match,
    worst_edge_offsets,
)
from labelmate.core.metrics.base import Measurement
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Box, Keypoint
from labelmate.core.rubric_engine import RubricEvaluator, evaluate
from labelmate.io.rubric_file import load_rubric
from labelmate.store import Workspace
from labelmate.store.rows import annotation_head

ROOT = Path(__file__).resolve().parents[2]


def reference(pairs: list[tuple[Box, Box]]) -> tuple[int, float, str, int, float, str]:
    """Per pair `edge_extremes`, then the first pair with the largest value."""
    extremes = [edge_extremes(mine, gold) for mine, gold in pairs]
    k_out = max(range(len(pairs)), key=lambda k: (extremes[k][0], -k))
    k_in = max(range(len(pairs)), key=lambda k: (extremes[k][2], -k))
    return (k_out, extremes[k_out][0], extremes[k_out][1], k_in, *extremes[k_in][2:])  # type: ignore[return-value]


# Coordinates from a small grid plus tiny nudges, so exact ties, ties that appear only
# after rounding to 9 decimals, zero offsets and -0.0 all occur often.
coordinate = st.builds(
    lambda base, nudge: base + nudge,
    st.sampled_from([0.0, 1.0, 2.5, 3.0, 10.0, 100.1, 1e6]),
    st.sampled_from([0.0, 0.0, 1e-10, -1e-10, 4e-10, 6e-10, 1e-9, 3e-9, 0.5, -0.5]),
)
size = st.sampled_from([0.0, 1.0, 2.5, 3.0 + 1e-10, 10.0, 7.0000000004])


@st.composite
def box(draw: st.DrawFn, rotated: bool = False) -> Box:
    return Box(
        control="c",
        target="t",
        x=draw(coordinate),
        y=draw(coordinate),
        width=draw(size),
        height=draw(size),
        rotation=draw(st.sampled_from([0.0, 30.0])) if rotated else 0.0,
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(box(), box()), min_size=1, max_size=8))
def test_worst_edge_offsets_equal_the_per_pair_pick(pairs: list[tuple[Box, Box]]) -> None:
    got = worst_edge_offsets(pairs)
    assert got == reference(pairs)
    assert [repr(v) for v in got] == [repr(v) for v in reference(pairs)]  # 0.0, never -0.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(box(rotated=True), box(rotated=True)), min_size=1, max_size=5))
def test_worst_edge_offsets_with_rotated_boxes(pairs: list[tuple[Box, Box]]) -> None:
    assert worst_edge_offsets(pairs) == reference(pairs)


def test_a_tie_that_appears_only_after_rounding_goes_to_the_first_pair() -> None:
    gold = Box(control="c", target="t", x=10.0, y=10.0, width=10.0, height=10.0)
    # Pair 0's left edge lies 2.0000000001 px outside, pair 1's 2.0000000004 px: both
    # read 2.0 px, so the first pair is the one named, as the per-pair pick names it.
    first = Box(control="c", target="t", x=7.9999999999, y=10.0, width=12.0, height=10.0)
    second = Box(control="c", target="t", x=7.9999999996, y=10.0, width=12.0, height=10.0)
    assert worst_edge_offsets([(first, gold), (second, gold)])[:3] == (0, 2.0, "left")
    assert reference([(first, gold), (second, gold)])[:3] == (0, 2.0, "left")


def test_no_pairs_is_refused() -> None:
    with pytest.raises(ValueError):
        worst_edge_offsets([])


# --- the prepared rubric ---------------------------------------------------------------

METRICS = {
    "label.matches_gold": st.booleans(),
    "label.mismatches": st.integers(0, 3),
    "objects.missed": st.integers(0, 3),
    "objects.extra": st.integers(0, 3),
    "box.max_outside_px": st.sampled_from([0.0, 2.9999999, 3.0, 3.0000001, 5.5, 6.0, 9.0]),
    "box.max_inside_px": st.sampled_from([0.0, 1.0, 2.0, 2.0000001, 4.0]),
}


@st.composite
def measurements(draw: st.DrawFn) -> dict[str, Measurement]:
    present = draw(st.sets(st.sampled_from(sorted(METRICS))))
    return {
        m: Measurement(m, draw(METRICS[m]), "gold", f"detail of {m}", ("r1",))
        for m in sorted(present)
    }


def pcb_rubric():
    return load_rubric(ROOT / "rubrics" / "pcb-defect-boxes.yaml", lint=False).require()


@settings(max_examples=100, deadline=None)
@given(st.lists(measurements(), min_size=2, max_size=6))
def test_one_prepared_rubric_scores_many_tasks_like_a_fresh_one(
    runs: list[dict[str, Measurement]],
) -> None:
    rubric = pcb_rubric()
    shared = RubricEvaluator(rubric)
    for values in runs:  # nothing one task leaves behind may change the next one's result
        assert shared.evaluate(values) == RubricEvaluator(rubric).evaluate(values)
        assert shared.evaluate(values, {"clarity": 3}) == evaluate(rubric, values, {"clarity": 3})


def test_a_prepared_rubric_writes_the_evidence_a_user_reads() -> None:
    values = {
        m: Measurement(m, v, "gold")
        for m, v in {
            "label.matches_gold": False,
            "label.mismatches": 1,
            "objects.missed": 0,
            "objects.extra": 0,
            "box.max_outside_px": 3.0000001,
            "box.max_inside_px": 0.0,
        }.items()
    }
    result = RubricEvaluator(pcb_rubric()).evaluate(values)
    correctness = result.criterion("correctness")
    assert (correctness.score, correctness.level_name) == (3, "Acceptable")
    assert [(e.threshold, e.passed, e.matched_level) for e in correctness.evidence] == [
        ("label.matches_gold = true", False, False),
        ("label.mismatches ≤ 1", True, True),
    ]
    assert [e.message for e in correctness.evidence] == [
        "label.matches_gold = false (level 5 needs = true)",
        "label.mismatches = 1 meets ≤ 1 (level 3)",
    ]
    precision = result.criterion("precision")
    assert precision.score == 3
    assert precision.evidence[0].message == (
        "box.max_outside_px = 3.0000001 > 3 (level 5 needs ≤ 3)"
    )
    assert result.criterion("clarity").status == "unscored"  # manual: nothing proposed


# --- matching boxes ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(box(rotated=True), max_size=6))
def test_all_aligned_bounds_are_each_boxs_aligned_bounds(boxes: list[Box]) -> None:
    each = [aligned_bounds(b) for b in boxes]
    assert all_aligned_bounds(boxes) == (None if None in each else each)


def test_all_aligned_bounds_refuse_what_is_not_a_box() -> None:
    point = Keypoint(control="c", target="t", x=1.0, y=2.0)
    square = Box(control="c", target="t", x=0, y=0, width=2, height=2)
    assert all_aligned_bounds([square]) == [(0.0, 0.0, 2.0, 2.0)]
    assert all_aligned_bounds([square, point]) is None


candidate = st.tuples(st.sampled_from([0.0, 0.25, 0.5, 0.5, 0.75, 1.0]), st.integers(0, 4),
                      st.integers(0, 4))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(candidate, max_size=12), st.sampled_from([0.0, 0.5, 0.75]))
def test_greedy_matching_takes_the_best_pair_first_then_the_lowest_indexes(
    candidates: list[tuple[float, int, int]], threshold: float
) -> None:
    expected, used_mine, used_gold = [], set(), set()
    for sim, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if sim >= threshold and i not in used_mine and j not in used_gold:
            expected.append((sim, i, j))
            used_mine.add(i)
            used_gold.add(j)
    assert greedy_match(candidates, threshold) == expected


# --- annotations read for choosing what to score -------------------------------------------


def test_an_annotation_head_is_what_model_construct_makes() -> None:
    row = (7, 3, "me", "gold", 12.5, 1, "2026-01-02T03:04:05+00:00", "2026-01-02T03:05:00+00:00")
    head = annotation_head(*row)
    expected = Annotation.model_construct(
        id=7,
        task_id=3,
        author="me",
        kind=AnnotationKind.GOLD,
        regions=[],
        lead_time=12.5,
        was_cancelled=True,
        model_version=None,
        score=None,
        created_at=datetime.fromisoformat(row[6]),
        updated_at=datetime.fromisoformat(row[7]),
    )
    assert head == expected
    assert list(head.__dict__.items()) == list(expected.__dict__.items())  # order included
    assert head.model_fields_set == expected.model_fields_set
    assert (head.__pydantic_extra__, head.__pydantic_private__) == (None, None)
    assert head.kind is AnnotationKind.GOLD and head.was_cancelled is True
    assert head.regions == [] and head.regions is not annotation_head(*row).regions
    assert head.model_dump() == expected.model_dump()


def test_annotation_heads_list_each_tasks_annotations_without_regions(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "w.labelmate") as ws:
        project = ws.add_project(Project(name="P", config_xml="<View/>"))
        (task,) = ws.add_tasks([Task(project_id=project.id, external_id="a", data={})])
        square = Box(control="c", target="t", x=0, y=0, width=2, height=2)
        stored = [
            ws.add_annotation(Annotation(task_id=task.id, author="me", regions=[square])),
            ws.add_annotation(
                Annotation(task_id=task.id, author="g", kind=AnnotationKind.GOLD, lead_time=3.0)
            ),
        ]
        heads = ws.annotation_heads(project.id)[task.id]
    assert [h.model_dump(exclude={"regions"}) for h in heads] == [
        a.model_dump(exclude={"regions"}) for a in stored
    ]
    assert [h.regions for h in heads] == [[], []]


# --- three-valued conditions -----------------------------------------------------------

METRIC_NAMES = ("m.a", "m.b", "m.c")
leaf = st.builds(lambda metric: {"metric": metric, "max": 1}, st.sampled_from(METRIC_NAMES))
tree = st.recursive(
    leaf,
    lambda kids: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(kids, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)


def kleene(condition: dict, values: dict[str, float]) -> bool | None:
    """True, False or None (a metric is missing), as the rubric engine documents it."""
    if "metric" in condition:
        value = values.get(condition["metric"])
        return None if value is None else value <= condition["max"]
    results = [kleene(c, values) for c in condition.get("all") or condition["any"]]
    decisive = "any" in condition  # one true branch decides an any, one false an all
    if decisive in results:
        return decisive
    return None if None in results else not decisive


@settings(max_examples=300, deadline=None)
@given(when=tree, values=st.dictionaries(st.sampled_from(METRIC_NAMES), st.sampled_from([0, 2])))
def test_nested_conditions_follow_three_valued_logic(when: dict, values: dict) -> None:
    from labelmate.core.rubric import Rubric

    rubric = Rubric.model_validate(
        {
            "id": "r",
            "title": "R",
            "scale": [{"score": 5, "name": "Good"}, {"score": 1, "name": "Poor"}],
            "criteria": [
                {
                    "id": "c",
                    "name": "C",
                    "levels": [
                        {"score": 5, "descriptor": "good", "when": when},
                        {"score": 1, "descriptor": "poor", "otherwise": True},
                    ],
                }
            ],
        }
    )
    result = RubricEvaluator(rubric).evaluate(values).criterion("c")
    expected = kleene(when, values)
    if expected is None:
        assert result.status == "not_measurable"
    else:
        assert (result.status, result.score) == ("proposed", 5 if expected else 1)
