"""The rubric engine: proposed levels, evidence, manual criteria and weighted totals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.errors import InputError
from labelmate.core.metrics import Measurement
from labelmate.core.rubric import Rubric
from labelmate.core.rubric_engine import ManualScoreError, evaluate

PRECISION = {
    "id": "precision",
    "name": "Precision (Geometry)",
    "weight": 3,
    "levels": [
        {"score": 5, "descriptor": "Within 3 px, never inside.",
         "when": {"all": [{"metric": "box.max_outside_px", "max": 3},
                          {"metric": "box.max_inside_px", "max": 0}]}},
        {"score": 3, "descriptor": "Within 5 px, never inside.",
         "when": {"all": [{"metric": "box.max_outside_px", "max": 5},
                          {"metric": "box.max_inside_px", "max": 0}]}},
        {"score": 1, "descriptor": "Cuts in or more than 5 px out.", "otherwise": True},
    ],
}  # fmt: skip
CLARITY = {
    "id": "clarity",
    "name": "Clarity / Ambiguity",
    "weight": 1,
    "manual": True,
    "levels": [
        {"score": 5, "descriptor": "Unsure only where unclear."},
        {"score": 3, "descriptor": "Mostly."},
        {"score": 1, "descriptor": "Misused."},
    ],
}
SCALE = [
    {"score": 5, "name": "Gold Standard"},
    {"score": 3, "name": "Acceptable"},
    {"score": 1, "name": "Needs Re-Annotation"},
]


def rubric(*criteria) -> Rubric:
    return Rubric.model_validate(
        {"id": "pcb", "title": "PCB", "scale": SCALE, "criteria": list(criteria or [PRECISION])}
    )


def ms(**values) -> dict[str, Measurement]:
    return {
        k.replace("__", "."): Measurement(k.replace("__", "."), v, "gold", f"detail of {k}")
        for k, v in values.items()
    }


@pytest.mark.parametrize(
    ("outside", "score"),
    [(0.0, 5), (3.0, 5), (3.0000001, 3), (5.0, 3), (5.01, 1)],
)
def test_bounds_are_inclusive(outside, score):
    r = evaluate(rubric(), ms(box__max_outside_px=outside, box__max_inside_px=0.0))
    c = r.criterion("precision")
    assert c.status == "proposed"
    assert c.score == score


def test_evidence_explains_the_level_and_why_not_better():
    r = evaluate(rubric(), ms(box__max_outside_px=4.0, box__max_inside_px=0.0))
    c = r.criterion("precision")
    assert (c.score, c.level_name) == (3, "Acceptable")
    assert c.descriptor == "Within 5 px, never inside."
    failed = [e for e in c.evidence if not e.matched_level]
    assert len(failed) == 1  # only the rule that failed at level 5, not the one that passed
    assert failed[0].message == "box.max_outside_px = 4.0 > 3 (level 5 needs ≤ 3)"
    assert failed[0].passed is False and failed[0].level_score == 5
    matched = [e for e in c.evidence if e.matched_level]
    assert [(e.metric, e.passed, e.threshold) for e in matched] == [
        ("box.max_outside_px", True, "box.max_outside_px ≤ 5"),
        ("box.max_inside_px", True, "box.max_inside_px ≤ 0"),
    ]
    assert matched[0].source == "gold" and matched[0].detail == "detail of box__max_outside_px"


def test_value_just_over_the_bound_is_shown_precisely():
    r = evaluate(rubric(), ms(box__max_outside_px=3.0000001, box__max_inside_px=0.0))
    msg = r.criterion("precision").evidence[0].message
    assert msg.startswith("box.max_outside_px = 3.0000001 > 3")


def test_otherwise_level_collects_all_failures():
    r = evaluate(rubric(), ms(box__max_outside_px=9.0, box__max_inside_px=2.0))
    c = r.criterion("precision")
    assert c.score == 1 and c.level_name == "Needs Re-Annotation"
    assert {(e.level_score, e.metric) for e in c.evidence} == {
        (5, "box.max_outside_px"), (5, "box.max_inside_px"),
        (3, "box.max_outside_px"), (3, "box.max_inside_px"),
    }  # fmt: skip


def test_missing_metric_is_not_measurable_not_the_worst_level():
    r = evaluate(rubric(), ms(box__max_outside_px=1.0))
    c = r.criterion("precision")
    assert c.status == "not_measurable"
    assert c.score is None
    assert c.missing_metrics == ("box.max_inside_px",)
    assert r.total is None and not r.complete


def test_any_tree_and_boolean_equals():
    crit = {
        "id": "shape",
        "name": "Shape",
        "levels": [
            {"score": 5, "descriptor": "ok",
             "when": {"all": [{"metric": "polygon.valid", "equals": True},
                              {"any": [{"metric": "polygon.iou", "min": 0.9},
                                       {"metric": "polygon.max_deviation_px", "max": 2}]}]}},
            {"score": 1, "descriptor": "bad", "otherwise": True},
        ],
    }  # fmt: skip
    rb = rubric(crit)
    # The `any` holds through its measured branch although the other is missing.
    ok = evaluate(rb, ms(polygon__valid=True, polygon__max_deviation_px=1.5))
    assert ok.criterion("shape").score == 5
    bad = evaluate(rb, ms(polygon__valid=False, polygon__iou=0.95))
    assert bad.criterion("shape").score == 1
    assert bad.criterion("shape").evidence[0].message == (
        "polygon.valid = false (level 5 needs = true)"
    )
    # A false `all` branch decides even with a missing metric elsewhere.
    assert evaluate(rb, ms(polygon__valid=False)).criterion("shape").score == 1


def test_manual_criteria_stay_unscored_until_scored():
    rb = rubric(PRECISION, CLARITY)
    values = ms(box__max_outside_px=2.0, box__max_inside_px=0.0)
    r = evaluate(rb, values)
    assert r.criterion("clarity").status == "unscored"
    assert not r.complete
    assert r.total == pytest.approx(100.0)  # only precision is scored so far
    assert (r.scored_weight, r.total_weight) == (3, 4)
    r = evaluate(rb, values, manual_scores={"clarity": 3})
    c = r.criterion("clarity")
    assert (c.status, c.score, c.level_name) == ("manual", 3, "Acceptable")
    assert r.complete


def test_manual_score_must_be_a_level():
    with pytest.raises(ManualScoreError, match="allowed: 1, 3, 5") as err:
        evaluate(rubric(PRECISION, CLARITY), {}, manual_scores={"clarity": 4})
    assert isinstance(err.value, InputError)
    assert err.value.location.field == "manual_scores.clarity"
    with pytest.raises(ManualScoreError, match="no criterion 'nope'"):
        evaluate(rubric(), {}, manual_scores={"nope": 5})


def test_manual_score_overrides_a_proposal_and_keeps_it():
    values = ms(box__max_outside_px=4.0, box__max_inside_px=0.0)
    c = evaluate(rubric(), values, manual_scores={"precision": 5}).criterion("precision")
    assert (c.status, c.score, c.proposed_score) == ("manual", 5, 3)
    assert c.evidence


def test_weighted_total():
    rb = rubric(PRECISION, CLARITY)
    r = evaluate(rb, ms(box__max_outside_px=1.0, box__max_inside_px=0.0),
                 manual_scores={"clarity": 1})  # fmt: skip
    assert r.total == pytest.approx((3 * 1 + 1 * 0.2) / 4 * 100)
    assert r.total == pytest.approx(80.0)


def test_criteria_filter():
    rb = rubric(PRECISION, CLARITY)
    r = evaluate(rb, ms(box__max_outside_px=1.0, box__max_inside_px=0.0), criteria=["precision"])
    assert [c.criterion_id for c in r.criteria] == ["precision"]
    assert r.complete and r.total_weight == 3
    with pytest.raises(ManualScoreError):
        evaluate(rb, {}, criteria=["precision", "missing"])


metric_value = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.booleans())


@given(metric_value, metric_value, st.floats(0, 10), st.floats(0, 10))
def test_otherwise_always_gives_a_level_and_total_is_bounded(out, inside, w1, w2):
    values = {}
    if out is not None:
        values["box.max_outside_px"] = Measurement("box.max_outside_px", out, "gold")
    if inside is not None:
        values["box.max_inside_px"] = Measurement("box.max_inside_px", inside, "gold")
    crit = dict(PRECISION, weight=w1)
    other = dict(PRECISION, id="other", weight=w2, levels=[
        {"score": 3, "descriptor": "x", "when": {"metric": "box.max_outside_px", "max": 1}},
        {"score": 1, "descriptor": "y", "otherwise": True},
    ])  # fmt: skip
    r = evaluate(rubric(crit, other), values)
    for c in r.criteria:
        if c.status == "proposed":
            assert c.score in {1, 3, 5}
        else:
            assert c.status == "not_measurable" and c.missing_metrics
    if out is not None and inside is not None:
        assert r.criterion("precision").status == "proposed"
    if r.total is not None:
        assert 0.0 <= r.total <= 100.0
