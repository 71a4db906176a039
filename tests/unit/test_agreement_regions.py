"""Agreement between annotators on the regions of one control (core.agreement_regions).

Hand-built cases whose figures can be worked out on paper; the classification
statistics themselves are tested against published examples in test_agreement.py,
and one of those (Wikipedia's 50 grant proposals, kappa 0.4) is rebuilt here from
Choices regions to show the workspace path feeds the same numbers.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.agreement import RatingsTable, compute_agreement
from labelmate.core.agreement_regions import (
    TaskAnnotators,
    category_of,
    control_agreement,
    kind_of_control,
)
from labelmate.core.regions import Box, Choices, Keypoint, Polygon, Rating, Span


def box(x, y, w, h, label="Scratch", control="defect"):
    return Box(control=control, target="image", labels=(label,), x=x, y=y, width=w, height=h)


def span(start, end, label="PER"):
    return Span(control="ner", target="doc", labels=(label,), start=start, end=end)


def choice(label):
    return Choices(control="sentiment", target="review", labels=(label,))


def kp(x, y, label="tip"):
    return Keypoint(control="points", target="image", labels=(label,), x=x, y=y)


def task(name, size=None, **regions):
    return TaskAnnotators(name, regions, size)


# --- boxes and polygons ----------------------------------------------------------------


def test_box_precision_recall_f1_and_mean_iou_by_hand():
    # ana: two boxes. ben: the first shifted 1 px right (IoU 90/110), the second exact
    # but labelled differently, and a third box nobody else drew.
    ana = [box(0, 0, 10, 10), box(20, 0, 10, 10)]
    ben = [box(1, 0, 10, 10), box(20, 0, 10, 10, "Solder Bridge"), box(50, 50, 5, 5)]
    result = control_agreement([task("t1", ana=ana, ben=ben)], "defect")
    assert result.kind == "box" and result.statistic == "f1"
    (pair,) = result.pairs
    assert (pair.a, pair.b, pair.tasks) == ("ana", "ben", 1)
    assert pair.get("matched") == 2 and pair.get("agreed") == 1
    assert pair.get("label_mismatches") == 1
    assert pair.get("precision") == pytest.approx(1 / 3)  # ana is the reference
    assert pair.get("recall") == pytest.approx(1 / 2)
    assert pair.get("f1") == pytest.approx(2 * 1 / (2 + 3))
    assert pair.get("mean_iou") == pytest.approx((90 / 110 + 1.0) / 2)
    assert pair.per_label["Scratch"]["f1"] == pytest.approx(2 * 1 / (2 + 2))
    assert pair.per_label["Solder Bridge"]["f1"] == 0.0
    assert result.matrix == ((None, pytest.approx(0.4)), (pytest.approx(0.4), None))


def test_iou_threshold_is_inclusive():
    ana, ben = [box(0, 0, 10, 10)], [box(0, 0, 20, 10)]  # IoU exactly 0.5
    at = control_agreement([task("t", ana=ana, ben=ben)], "defect", iou_threshold=0.5)
    above = control_agreement([task("t", ana=ana, ben=ben)], "defect", iou_threshold=0.51)
    assert at.pairs[0].get("f1") == 1.0 and at.pairs[0].get("mean_iou") == 0.5
    assert above.pairs[0].get("f1") == 0.0 and above.pairs[0].get("mean_iou") is None
    assert "IoU ≥ 0.51" in above.pairs[0].notes["mean_iou"]


def test_counts_pool_over_tasks_and_skip_tasks_a_pair_did_not_share():
    tasks = [
        task("t1", ana=[box(0, 0, 10, 10)], ben=[box(0, 0, 10, 10)], chen=[]),
        task("t2", ana=[box(0, 0, 10, 10), box(30, 30, 10, 10)], ben=[box(0, 0, 10, 10)]),
        task("t3", ana=[], ben=[]),  # both say "nothing here": agreement, no objects
    ]
    result = control_agreement(tasks, "defect")
    assert result.annotators == ("ana", "ben", "chen") and result.tasks == 3
    ana_ben = result.pair("ana", "ben")
    assert ana_ben is not None and ana_ben.tasks == 3
    assert ana_ben.get("f1") == pytest.approx(2 * 2 / (3 + 2))
    ana_chen = result.pair("chen", "ana")
    assert ana_chen is not None and ana_chen.tasks == 1
    assert ana_chen.get("f1") == 0.0 and ana_chen.get("precision") is None
    assert ana_chen.notes["precision"] == "chen drew no boxes"
    # Per task: the mean of the pairs' F1 there, worst first.
    detail = {t.task: t for t in result.tasks_detail}
    assert detail["t3"].value == 1.0 and detail["t1"].value == pytest.approx((1 + 0 + 0) / 3)
    assert result.tasks_detail[0].task == "t1"
    assert detail["t2"].detail == "boxes drawn: ana 2, ben 1"


def test_no_objects_anywhere_gives_none_with_reasons_never_nan():
    result = control_agreement([task("t", ana=[], ben=[])], "defect", kind="box")
    pair = result.pairs[0]
    assert pair.get("f1") is None and "neither annotator drew any boxes" in pair.notes["f1"]
    assert result.overall["mean_f1"] is None and "mean_f1" in result.notes
    json.dumps(result.to_json(), allow_nan=False)


def test_polygons_match_on_area_iou():
    square = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
    shifted = tuple((x + 5, y) for x, y in square)  # IoU 50 / 150
    a = Polygon(control="outline", target="image", labels=("Leaf",), points=square)
    b = Polygon(control="outline", target="image", labels=("Leaf",), points=shifted)
    loose = control_agreement([task("t", ana=[a], ben=[b])], "outline", iou_threshold=0.3)
    assert loose.kind == "polygon"
    assert loose.pairs[0].get("mean_iou") == pytest.approx(1 / 3)
    assert loose.pairs[0].get("f1") == 1.0
    strict = control_agreement([task("t", ana=[a], ben=[b])], "outline")
    assert strict.pairs[0].get("f1") == 0.0


def test_other_controls_are_ignored():
    tasks = [task("t", ana=[box(0, 0, 5, 5), box(0, 0, 5, 5, control="other")], ben=[])]
    result = control_agreement(tasks, "defect")
    assert result.pairs[0].get("a_count") == 1


# --- spans -----------------------------------------------------------------------------


def test_span_exact_and_overlap_f1_per_label():
    ana = [span(0, 5), span(10, 15, "ORG")]
    ben = [span(0, 5), span(11, 15, "ORG"), span(20, 22)]
    result = control_agreement([task("t", ana=ana, ben=ben)], "ner")
    assert result.kind == "span" and result.statistic == "f1_exact"
    pair = result.pairs[0]
    assert pair.get("exact_matches") == 1 and pair.get("overlap_matches") == 2
    assert pair.get("f1_exact") == pytest.approx(2 / 5)
    assert pair.get("f1_overlap") == pytest.approx(4 / 5)
    assert pair.get("precision_exact") == pytest.approx(1 / 3)
    assert pair.get("recall_overlap") == 1.0
    assert pair.per_label["ORG"] == {
        "a_count": 1,
        "b_count": 1,
        "f1_exact": 0.0,
        "f1_overlap": 1.0,
    }
    assert pair.per_label["PER"]["f1_exact"] == pytest.approx(2 / 3)
    assert result.matrices["f1_overlap"][0][1] == pytest.approx(4 / 5)


def test_overlapping_spans_with_different_labels_do_not_agree():
    result = control_agreement([task("t", ana=[span(0, 5)], ben=[span(0, 5, "ORG")])], "ner")
    assert result.pairs[0].get("f1_exact") == 0.0
    assert result.pairs[0].get("f1_overlap") == 0.0


# --- classification --------------------------------------------------------------------


def test_cohen_kappa_wikipedia_50_proposals_from_choices():
    """Wikipedia, "Cohen's kappa", worked example: 20 yes/yes, 5 yes/no, 10 no/yes,
    15 no/no → p_o = 0.7, p_e = 0.5, kappa = 0.4."""
    pairs = [("Yes", "Yes")] * 20 + [("Yes", "No")] * 5 + [("No", "Yes")] * 10
    pairs += [("No", "No")] * 15
    tasks = [task(f"p{i}", a=[choice(x)], b=[choice(y)]) for i, (x, y) in enumerate(pairs)]
    result = control_agreement(tasks, "sentiment")
    assert result.kind == "classification" and result.statistic == "cohen_kappa"
    assert result.pairs[0].get("cohen_kappa") == pytest.approx(0.4)
    assert result.pairs[0].get("percent_agreement") == pytest.approx(0.7)
    assert result.overall["cohen_kappa"] == pytest.approx(0.4)
    assert result.matrix[1][0] == pytest.approx(0.4)


def test_three_annotators_get_fleiss_and_alpha_from_the_whole_table():
    votes = [("P", "P", "P"), ("P", "N", "P"), ("N", "N", "N"), ("U", "N", "P"), ("N", "N", "U")]
    tasks = [
        task(f"t{i}", ana=[choice(a)], ben=[choice(b)], chen=[choice(c)])
        for i, (a, b, c) in enumerate(votes)
    ]
    result = control_agreement(tasks, "sentiment")
    expected = compute_agreement(RatingsTable.from_rows(("ana", "ben", "chen"), votes))
    assert result.overall["fleiss_kappa"] == pytest.approx(expected.values["fleiss_kappa"])
    assert result.overall["krippendorff_alpha"] == pytest.approx(
        expected.values["krippendorff_alpha"]
    )
    assert result.overall["cohen_kappa"] is None  # three raters
    assert "overall.cohen_kappa" in result.notes
    pair = compute_agreement(RatingsTable.from_rows(("ana", "ben"), [v[:2] for v in votes]))
    ana_ben = result.pair("ana", "ben")
    assert ana_ben is not None
    assert ana_ben.get("cohen_kappa") == pytest.approx(pair.values["cohen_kappa"])
    detail = {t.task: t for t in result.tasks_detail}
    assert detail["t3"].value == 0.0 and detail["t1"].value == pytest.approx(1 / 3)
    assert detail["t3"].detail == "ana: U, ben: N, chen: P"


def test_a_missing_answer_is_a_missing_rating_and_one_category_is_a_note():
    tasks = [
        task("t1", a=[choice("P")], b=[choice("P")]),
        task("t2", a=[choice("P")], b=[]),
    ]
    result = control_agreement(tasks, "sentiment")
    pair = result.pairs[0]
    assert pair.get("items") == 1 and pair.get("percent_agreement") == 1.0
    assert pair.get("cohen_kappa") is None and pair.notes["cohen_kappa"]
    json.dumps(result.to_json(), allow_nan=False)


def test_several_options_are_one_category_and_ratings_are_ordinal():
    both = Choices(control="tags", target="t", labels=("B", "A"))
    assert category_of([both]) == "A|B"
    assert category_of([]) is None
    rating = Rating(control="stars", target="t", rating=4)
    assert category_of([rating]) == "4"
    tasks = [
        task(f"t{i}", a=[Rating(control="stars", target="t", rating=x)], b=[
            Rating(control="stars", target="t", rating=y)
        ])
        for i, (x, y) in enumerate([(1, 1), (2, 3), (5, 5), (4, 4)])
    ]  # fmt: skip
    result = control_agreement(tasks, "stars")
    assert result.kind == "classification"
    assert result.overall["krippendorff_alpha"] is not None


def test_kinds_of_controls():
    assert kind_of_control("box") == "box" and kind_of_control("choices") == "classification"
    assert kind_of_control("rating") == "classification" and kind_of_control("text") is None


# --- keypoints -------------------------------------------------------------------------


def test_keypoint_oks_both_ways():
    """ben's tip is 2 px from ana's; ana also placed a base ben did not. Scale: image
    area 100 × 100, σ 0.1 → per-keypoint similarity exp(−4 / (2 · 10⁴ · 0.2²)).
    ben as reference: OKS = ks; ana as reference: (ks + 0) / 2; the mean: 0.75 · ks."""
    ks = math.exp(-4 / (2 * 10_000 * 0.2**2))
    tasks = [task("t", (100, 100), ana=[kp(10, 10), kp(50, 50, "base")], ben=[kp(12, 10)])]
    result = control_agreement(tasks, "points")
    assert result.kind == "keypoint" and result.statistic == "oks"
    assert result.pairs[0].get("oks") == pytest.approx(0.75 * ks)
    assert result.pairs[0].get("mean_distance_px") == pytest.approx(2.0)


def test_keypoint_oks_without_scale_is_none_with_a_note():
    result = control_agreement([task("t", ana=[kp(1, 1)], ben=[kp(2, 2)])], "points")
    assert result.pairs[0].get("oks") is None
    assert "no scale" in result.pairs[0].notes["oks"]


# --- shape of the result ---------------------------------------------------------------


def test_one_annotator_gives_an_empty_matrix_and_a_note():
    result = control_agreement([task("t", ana=[box(0, 0, 1, 1)])], "defect")
    assert result.pairs == () and result.matrix == ((None,),)
    assert "two annotators" in result.notes["annotators"]


def test_json_shape():
    data = control_agreement(
        [task("t", ana=[box(0, 0, 10, 10)], ben=[box(0, 0, 10, 10)])], "defect"
    ).to_json()
    assert set(data) == {
        "control",
        "kind",
        "iou_threshold",
        "annotators",
        "tasks",
        "statistic",
        "matrix",
        "matrices",
        "overall",
        "pairs",
        "notes",
        "tasks_detail",
    }
    assert data["matrix"] == [[None, 1.0], [1.0, None]]
    assert data["overall"] == {"mean_f1": 1.0, "mean_iou": 1.0}
    assert data["pairs"][0]["per_label"]["Scratch"]["f1"] == 1.0


# --- never NaN, never a crash ----------------------------------------------------------

NAMES = ("ana", "ben", "chen")
coord = st.floats(min_value=-50, max_value=150, allow_nan=False, allow_infinity=False)
size = st.floats(min_value=0, max_value=60, allow_nan=False, allow_infinity=False)
labels = st.sampled_from(("A", "B"))
boxes = st.builds(
    lambda x, y, w, h, r, lab: Box(
        control="c", target="i", labels=(lab,), x=x, y=y, width=w, height=h, rotation=r
    ),
    coord,
    coord,
    size,
    size,
    st.sampled_from((0.0, 0.0, 30.0)),
    labels,
)
polygons = st.builds(
    lambda pts, lab: Polygon(control="c", target="i", labels=(lab,), points=tuple(pts)),
    st.lists(st.tuples(coord, coord), min_size=1, max_size=6),
    labels,
)
spans = st.integers(0, 30).flatmap(
    lambda s: st.builds(
        lambda e, lab: Span(control="c", target="d", labels=(lab,), start=s, end=s + e),
        st.integers(0, 10),
        labels,
    )
)
keypoints = st.builds(
    lambda x, y, lab: Keypoint(control="c", target="i", labels=(lab,), x=x, y=y),
    coord,
    coord,
    labels,
)
choices = st.builds(
    lambda labs: Choices(control="c", target="t", labels=tuple(labs)),
    st.lists(labels, max_size=2, unique=True),
)


@pytest.mark.parametrize(
    ("kind", "regions"),
    [
        ("box", boxes),
        ("polygon", polygons),
        ("span", spans),
        ("keypoint", keypoints),
        ("classification", choices),
    ],
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_agreement_never_nan_and_never_raises(kind, regions, data):
    tasks = []
    for t in range(data.draw(st.integers(0, 4))):
        who = data.draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
        tasks.append(
            TaskAnnotators(
                f"t{t}",
                {name: data.draw(st.lists(regions, max_size=3)) for name in who},
                data.draw(st.sampled_from((None, (100, 80)))),
            )
        )
    for k in (kind, None):
        result = control_agreement(tasks, "c", kind=k)
        text = json.dumps(result.to_json(), allow_nan=False)
        assert "NaN" not in text
        for row in result.matrix:
            assert all(v is None or -1.0 <= v <= 1.0 + 1e-9 for v in row)
