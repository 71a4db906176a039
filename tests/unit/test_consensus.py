"""Adjudication by consensus (core.consensus) and its use-case (usecases.agreement).

Merged geometry is checked to exact numbers; the quorum is inclusive, like rubric
bounds; ties and low agreement go to the review queue with the reason; accepted
tasks become gold that exports like any annotation.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.consensus import consensus, median_box, median_span, medoid, meets
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Box, Choices, Keypoint, Polygon, Span, TextAnswer
from labelmate.core.rubric import Adjudication
from labelmate.store import Workspace
from labelmate.usecases.agreement import (
    ADJUDICATED_AUTHOR,
    adjudicate,
    annotators_of,
    resolve,
    review_queue,
    task_versions,
    workspace_agreement,
)
from labelmate.usecases.export import Which, export_project

Q66 = Adjudication(strategy="consensus_vote", quorum=0.66, tie_breaker="domain_expert")


def box(x, y, w, h, label="Scratch", rotation=0.0):
    return Box(
        control="defect",
        target="image",
        labels=(label,),
        x=x,
        y=y,
        width=w,
        height=h,
        rotation=rotation,
    )


def choice(label):
    return Choices(control="sentiment", target="review", labels=(label,))


# --- merging ---------------------------------------------------------------------------


def test_median_box_takes_the_median_of_each_edge():
    merged = median_box([box(10, 20, 30, 40), box(12, 19, 30, 45), box(11, 23, 25, 40)])
    # x0 {10, 12, 11} → 11; y0 {20, 19, 23} → 20; x1 {40, 42, 36} → 40; y1 {60, 64, 63} → 63
    assert (merged.x, merged.y, merged.width, merged.height) == (11, 20, 29, 43)


def test_median_of_two_boxes_is_the_mean():
    merged = median_box([box(10, 10, 10, 10), box(13, 10, 10, 12)])
    assert (merged.x, merged.y, merged.width, merged.height) == (11.5, 10, 10, 11)


def test_rotated_boxes_merge_by_centre_size_and_rotation():
    def rotated(cx, cy, w, h, rotation):
        t = math.radians(rotation)
        c, s = math.cos(t), math.sin(t)
        return box(cx - (w * c - h * s) / 2, cy - (w * s + h * c) / 2, w, h, rotation=rotation)

    merged = median_box(
        [rotated(50, 50, 20, 10, 10), rotated(52, 49, 22, 10, 20), rotated(51, 60, 21, 12, 30)]
    )
    assert merged.rotation == pytest.approx(20)
    assert (merged.width, merged.height) == (21, 10)
    centre = [sum(v) / 4 for v in zip(*merged.corners(), strict=True)]
    assert centre == pytest.approx([51, 50])
    # 350° and 10° are 20° apart, not 340°: the median lies between them.
    wrapped = median_box([rotated(0, 0, 4, 4, 350), rotated(0, 0, 4, 4, 10)])
    assert wrapped.rotation % 360 == pytest.approx(0)


def test_polygon_medoid_is_the_member_closest_to_the_others():
    def square(x):
        return Polygon(
            control="o",
            target="i",
            labels=("Leaf",),
            points=((x, 0.0), (x + 10, 0.0), (x + 10, 10.0), (x, 10.0)),
        )

    assert medoid([square(0), square(2), square(4)]) == 1
    assert medoid([square(0), square(3)]) == 0  # two: the first


def test_median_span_rounds_outward_and_takes_the_text():
    text = "The Bank of England said"
    a = Span(control="ner", target="doc", labels=("ORG",), start=4, end=19)
    b = Span(control="ner", target="doc", labels=("ORG",), start=5, end=20)
    merged = median_span([a, b], text)
    assert (merged.start, merged.end, merged.text) == (4, 20, "Bank of England ")


# --- classification --------------------------------------------------------------------


def test_a_label_meeting_the_quorum_wins():
    result = consensus(
        {"ana": [choice("Pos")], "ben": [choice("Pos")], "chen": [choice("Neg")]},
        "sentiment",
        rule=Q66,
    )
    assert result.accepted and result.reasons == ()
    (region,) = result.regions
    assert isinstance(region, Choices) and region.labels == ("Pos",)
    (cluster,) = result.clusters
    assert cluster.votes == (("Pos", 2), ("Neg", 1)) and cluster.label_share == pytest.approx(2 / 3)


def test_quorum_is_inclusive():
    assert meets(1, 2, Adjudication(quorum=0.5))
    assert meets(2, 3, Adjudication(quorum=2 / 3))
    assert meets(2, 3, Adjudication(quorum=0.66))
    assert not meets(2, 3, Adjudication(quorum=0.67))
    assert not meets(0, 3, Adjudication(quorum=0.1)) and not meets(1, 0, Adjudication())
    two = {"ana": [choice("Pos")], "ben": [choice("Pos")], "chen": [choice("Neg")]}
    assert consensus(two, "sentiment", rule=Adjudication(quorum=2 / 3)).accepted
    strict = consensus(two, "sentiment", rule=Adjudication(quorum=0.67))
    assert not strict.accepted
    assert strict.reasons == (
        "Pos chosen by 2 of 3 annotators; quorum 0.67 not met: Pos (ana, ben), Neg (chen)",
    )


def test_a_tie_goes_to_the_review_queue():
    votes = {"ana": [choice("Pos")], "ben": [choice("Neg")], "chen": [choice("Neu")]}
    result = consensus(votes, "sentiment", rule=Q66)
    assert not result.accepted and result.regions == ()
    assert result.reasons == ("tie, left to a domain expert: Pos (ana), Neg (ben), Neu (chen)",)
    # The proposal is the first annotator's label, for the expert to confirm or change.
    assert result.clusters[0].region.labels == ("Pos",)


def test_tie_breakers():
    votes = {"ana": [choice("Pos")], "ben": [choice("Neg")]}
    first = consensus(votes, "sentiment", rule=Adjudication(tie_breaker="first"))
    assert first.accepted and first.regions[0].labels == ("Pos",)
    gold = consensus(
        votes, "sentiment", rule=Adjudication(tie_breaker="gold"), gold=[choice("Neg")]
    )
    assert gold.accepted and gold.regions[0].labels == ("Neg",)
    no_gold = consensus(votes, "sentiment", rule=Adjudication(tie_breaker="gold"))
    assert not no_gold.accepted and "no gold answer" in no_gold.reasons[0]
    none = consensus(votes, "sentiment", rule=Adjudication(tie_breaker="none"))
    assert not none.accepted and "names no tie-breaker" in none.reasons[0]


def test_strategies():
    two_of_four = {
        "a": [choice("Pos")],
        "b": [choice("Pos")],
        "c": [choice("Neg")],
        "d": [choice("Neu")],
    }
    assert consensus(two_of_four, "sentiment", rule=Adjudication(quorum=0.5)).accepted
    majority = consensus(two_of_four, "sentiment", rule=Adjudication(strategy="majority"))
    assert not majority.accepted and "a majority not met" in majority.reasons[0]
    unanimous = {"a": [choice("Pos")], "b": [choice("Pos")]}
    expert = consensus(unanimous, "sentiment", rule=Adjudication(strategy="domain_expert"))
    assert not expert.accepted and expert.regions[0].labels == ("Pos",)
    assert "domain_expert" in expert.reasons[0]
    gold_wins = consensus(
        {"a": [choice("Pos")], "b": [choice("Neg")]},
        "sentiment",
        rule=Adjudication(strategy="gold_wins"),
        gold=[choice("Neu")],
    )
    assert gold_wins.accepted and gold_wins.regions[0].labels == ("Neu",)


def test_an_annotator_without_an_answer_counts_against_every_answer():
    result = consensus(
        {"ana": [choice("Pos")], "ben": [choice("Pos")], "chen": []}, "sentiment", rule=Q66
    )
    assert result.accepted  # 2 of 3
    lonely = consensus({"ana": [choice("Pos")], "ben": [], "chen": []}, "sentiment", rule=Q66)
    assert not lonely.accepted and "no answer from ben, chen" in lonely.reasons[0]
    nobody = consensus({"ana": [], "ben": []}, "sentiment", kind="classification")
    assert nobody.accepted and nobody.regions == ()


# --- boxes -----------------------------------------------------------------------------


def test_matched_boxes_merge_and_are_accepted():
    result = consensus(
        {
            "ana": [box(10, 20, 30, 40), box(200, 200, 20, 20, "Solder Bridge")],
            "ben": [box(12, 19, 30, 45), box(201, 200, 20, 20, "Solder Bridge")],
            "chen": [box(11, 23, 25, 40, "Solder Bridge"), box(200, 201, 20, 20, "Scratch")],
        },
        "defect",
        rule=Q66,
    )
    assert result.accepted, result.reasons
    first, second = result.regions
    assert (first.x, first.y, first.width, first.height) == (11, 20, 29, 43)
    assert first.labels == ("Scratch",)  # 2 of 3 say Scratch
    assert (second.x, second.y, second.width, second.height) == (200, 200, 20, 20)
    assert second.labels == ("Solder Bridge",)
    assert [c.support for c in result.clusters] == [1.0, 1.0]
    assert dict(result.counts) == {"ana": 2, "ben": 2, "chen": 2}


def test_a_box_too_few_annotators_drew_goes_to_review():
    result = consensus(
        {"ana": [box(0, 0, 10, 10)], "ben": [box(0, 0, 10, 10)], "chen": []},
        "defect",
        rule=Adjudication(quorum=0.75),
    )
    assert not result.accepted
    assert result.reasons[0] == (
        "2 of 3 annotators boxed a Scratch at (0, 0) (ana, ben); quorum 0.75 not met"
    )
    assert result.reasons[1].startswith(
        "the annotators drew different numbers of boxes: ana 1, ben 1, chen 0"
    )


def test_a_missed_box_meets_the_quorum_but_the_count_disagreement_needs_review():
    result = consensus(
        {"ana": [box(0, 0, 10, 10)], "ben": [box(1, 0, 10, 10)], "chen": []},
        "defect",
        rule=Q66,
    )
    assert not result.accepted
    assert result.clusters[0].accepted and len(result.regions) == 1
    assert result.reasons == (
        "the annotators drew different numbers of boxes: ana 1, ben 1, chen 0 "
        "(chen drew nothing at the Scratch at (0, 0))",
    )


def test_a_label_tie_inside_a_cluster_goes_to_review():
    result = consensus(
        {"ana": [box(0, 0, 10, 10)], "ben": [box(0, 0, 10, 10, "Solder Bridge")]},
        "defect",
        rule=Q66,
    )
    assert not result.accepted
    assert result.reasons == (
        "at (0, 0): tie, left to a domain expert: Scratch (ana), Solder Bridge (ben)",
    )


def test_boxes_below_the_iou_threshold_are_separate_clusters():
    result = consensus({"ana": [box(0, 0, 10, 10)], "ben": [box(0, 0, 21, 10)]}, "defect", rule=Q66)
    assert not result.accepted and len(result.clusters) == 2
    assert all(c.support == 0.5 for c in result.clusters)
    looser = consensus(
        {"ana": [box(0, 0, 10, 10)], "ben": [box(0, 0, 21, 10)]},
        "defect",
        rule=Q66,
        iou_threshold=0.4,
    )
    assert looser.accepted and looser.regions[0].width == 15.5


def test_spans_cluster_on_overlap():
    text = "Ada met Bob in Paris."
    a = [Span(control="ner", target="doc", labels=("PER",), start=0, end=3)]
    b = [Span(control="ner", target="doc", labels=("PER",), start=0, end=4)]
    result = consensus({"ana": a, "ben": b}, "ner", rule=Adjudication(quorum=0.5), text=text)
    assert result.accepted
    (merged,) = result.regions
    assert (merged.start, merged.end, merged.text) == (0, 4, "Ada ")


def test_keypoints_and_text_are_accepted_only_when_identical():
    same = [Keypoint(control="k", target="i", labels=("tip",), x=1, y=2)]
    assert consensus({"a": same, "b": same}, "k").accepted
    moved = [Keypoint(control="k", target="i", labels=("tip",), x=1, y=3)]
    result = consensus({"a": same, "b": moved}, "k")
    assert not result.accepted and "keypoints have no automatic consensus" in result.reasons[0]
    text = {"a": [TextAnswer(control="t", target="s", text=("x",))], "b": []}
    assert not consensus(text, "t", kind="text").accepted


def test_consensus_is_deterministic_and_json_ready():
    regions = {"ana": [box(0, 0, 10, 10)], "ben": [box(1, 1, 10, 10)]}
    one, two = consensus(regions, "defect"), consensus(regions, "defect")
    assert one == two and one.regions[0].id == two.regions[0].id
    json.dumps(one.to_json(), allow_nan=False)


coord = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
any_box = st.builds(
    lambda x, y, w, h, r, lab: box(x, y, w, h, lab, r),
    coord,
    coord,
    coord,
    coord,
    st.sampled_from((0.0, 0.0, 45.0)),
    st.sampled_from(("Scratch", "Solder Bridge")),
)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from(("ana", "ben", "chen")), st.lists(any_box, max_size=4)),
    st.floats(min_value=0.05, max_value=1.0),
)
def test_consensus_never_raises(regions, quorum):
    result = consensus(regions, "defect", kind="box", rule=Adjudication(quorum=quorum))
    json.dumps(result.to_json(), allow_nan=False)
    assert result.accepted == (not result.reasons)
    members = sorted(r.id for c in result.clusters for _, r in c.members)
    assert members == sorted(r.id for rs in regions.values() for r in rs)


# --- in a workspace --------------------------------------------------------------------

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="defect" toName="image">
    <Label value="Scratch"/><Label value="Solder Bridge"/>
  </RectangleLabels>
  <Choices name="quality" toName="image"><Choice value="Good"/><Choice value="Bad"/></Choices>
</View>"""

RUBRIC = """id: boxes
title: Boxes
scale: [{score: 5, name: Good}, {score: 1, name: Poor}]
criteria:
  - id: c
    name: C
    levels: [{score: 5, descriptor: Fine., otherwise: true}]
adjudication: {strategy: consensus_vote, quorum: 0.66, tie_breaker: domain_expert}
"""


def peer(author, *regions, kind=AnnotationKind.PEER):
    return Annotation(author=author, kind=kind, regions=list(regions))


def quality(label):
    return Choices(control="quality", target="image", labels=(label,))


@pytest.fixture
def ws(tmp_path: Path):
    with Workspace.open(tmp_path / "ws.labelmate") as ws:
        project = ws.add_project(
            Project(name="Boards", config_xml=CONFIG, rubric_id="boxes", rubric_yaml=RUBRIC)
        )
        tasks = ws.add_tasks(
            Task(
                project_id=project.id,
                external_id=f"b{i}",
                data={"image": f"b{i}.png"},
                media=f"b{i}.png",
                image_width=100,
                image_height=100,
            )
            for i in range(1, 6)
        )
        ids = [t.id for t in tasks]
        annotations = {
            # b1: all agree (chen's box is 1 px off; quality 2 of 3) → accepted
            ids[0]: [
                peer("ana", box(10, 10, 20, 20), quality("Good")),
                peer("ben", box(10, 10, 20, 20), quality("Good")),
                peer("chen", box(11, 10, 20, 20), quality("Bad")),
            ],
            # b2: a tie on the label → review
            ids[1]: [
                peer("ana", box(10, 10, 20, 20), quality("Good")),
                peer("ben", box(10, 10, 20, 20, "Solder Bridge"), quality("Good")),
            ],
            # b3: one annotator only → skipped
            ids[2]: [peer("ana", box(0, 0, 5, 5))],
            # b4: already has gold → skipped
            ids[3]: [
                peer("ana", box(0, 0, 5, 5)),
                peer("ben", box(0, 0, 5, 5)),
                peer("gold", box(0, 0, 5, 5), kind=AnnotationKind.GOLD),
            ],
            # b5: the user's own work ("me") is an annotator too; nothing drawn → accepted empty
            ids[4]: [peer("ana"), peer("me", kind=AnnotationKind.MINE)],
        }
        for task_id, found in annotations.items():
            for annotation in found:
                ws.add_annotation(annotation.model_copy(update={"task_id": task_id}))
        yield ws


def test_annotators_are_peers_by_author_and_mine():
    mine = peer("ana", kind=AnnotationKind.MINE)
    found = annotators_of([peer("ben"), peer("ana"), mine, peer("g", kind=AnnotationKind.GOLD)])
    assert list(found) == ["ana", "ana (mine)", "ben"]
    cancelled = peer("zoe").model_copy(update={"was_cancelled": True})
    assert "zoe" not in annotators_of([cancelled])
    assert "gold:g" in annotators_of([peer("g", kind=AnnotationKind.GOLD)], include_gold=True)


def test_adjudicate_saves_accepted_tasks_as_gold_and_queues_the_rest(ws):
    report = adjudicate(ws, "Boards")
    assert report.rule == Adjudication(quorum=0.66) and report.rule_source == "rubric boxes"
    assert [a.external_id for a in report.accepted] == ["b1", "b5"]
    assert [q.external_id for q in report.queue] == ["b2"]
    assert report.queue[0].reasons == (
        "defect: at (10, 10): tie, left to a domain expert: Scratch (ana), Solder Bridge (ben)",
    )
    assert dict(report.skipped) == {
        "b3": "needs two annotators; has 1",
        "b4": "already has gold by gold",
    }
    assert report.saved == 2
    b1 = report.accepted[0].task_id
    (gold,) = ws.annotations_for_task(b1, AnnotationKind.GOLD)
    assert gold.author == ADJUDICATED_AUTHOR
    assert gold.model_version == (
        "consensus: consensus_vote, quorum 0.66, IoU 0.5, of ana, ben, chen"
    )
    merged, answer = gold.regions
    assert (merged.x, merged.y, merged.width, merged.height) == (10, 10, 20, 20)
    assert answer.labels == ("Good",)
    json.dumps(report.to_json(), allow_nan=False)

    again = adjudicate(ws, "Boards")
    assert again.saved == 0 and len(ws.annotations_for_task(b1, AnnotationKind.GOLD)) == 1


def test_a_dry_run_saves_nothing_and_the_queue_carries_a_proposal(ws):
    queue = review_queue(ws, "Boards")
    assert [q.external_id for q in queue] == ["b2"]
    proposal = queue[0].proposal
    assert [type(r).__name__ for r in proposal] == ["Box", "Choices"]
    assert proposal[0].labels == ("Scratch",)  # the first annotator's, to confirm
    assert all(
        not ws.annotations_for_task(a.task_id, AnnotationKind.GOLD)
        for a in adjudicate(ws, "Boards", save=False).accepted
    )


def test_resolve_saves_the_experts_answer_and_adjudicate_keeps_it(ws):
    item = review_queue(ws, "Boards")[0]
    versions = task_versions(ws, item.task_id)
    assert list(versions) == ["ana", "ben"]
    chosen = [versions["ben"].regions[0], item.proposal[1]]
    saved = resolve(ws, item.task_id, chosen, expert="QA lead")
    assert saved.kind is AnnotationKind.GOLD and saved.model_version == "expert review by QA lead"
    report = adjudicate(ws, "Boards")
    assert ("b2", "resolved by an expert") in report.skipped and report.queue == []
    resolve(ws, item.task_id, chosen[:1])
    (gold,) = ws.annotations_for_task(item.task_id, AnnotationKind.GOLD)
    assert len(gold.regions) == 1


def test_stale_consensus_gold_is_removed_when_the_consensus_breaks(ws):
    report = adjudicate(ws, "Boards")
    b1 = report.accepted[0].task_id
    chen = next(a for a in ws.annotations_for_task(b1) if a.author == "chen")
    ws.update_annotation(chen.model_copy(update={"regions": [box(60, 60, 10, 10)]}))
    again = adjudicate(ws, "Boards")
    assert "b1" in [q.external_id for q in again.queue] and again.removed == ["b1"]
    assert ws.annotations_for_task(b1, AnnotationKind.GOLD) == []


def test_adjudicated_gold_exports_like_any_annotation(ws, tmp_path):
    adjudicate(ws, "Boards")
    ws.close()
    out = tmp_path / "coco"
    report = export_project(
        "Boards", "coco", out, which=Which("gold"), workspace=tmp_path / "ws.labelmate"
    )
    assert report.ok, [p.format() for p in report.problems]
    (written,) = [f for f in report.files if f.suffix == ".json"]
    data = json.loads(written.read_text(encoding="utf-8"))
    # b1's merged box and b4's original gold box; b5's gold is empty.
    boxes = sorted(a["bbox"] for a in data["annotations"])
    assert boxes == [[0.0, 0.0, 5.0, 5.0], [10.0, 10.0, 20.0, 20.0]]


def test_workspace_agreement_report(ws):
    report = workspace_agreement(ws, "Boards", "defect")
    data = report.to_json()
    assert data["project"] == "Boards" and data["control_tag"] == "RectangleLabels"
    assert data["annotators"] == ["ana", "ben", "chen", "me"]
    ana_ben = report.agreement.pair("ana", "ben")
    assert ana_ben is not None and ana_ben.tasks == 3
    assert "Agreement on 'defect'" in "\n".join(report.lines())
    with_gold = workspace_agreement(ws, "Boards", "defect", include_gold=True)
    assert "gold:gold" in with_gold.agreement.annotators
    choices = workspace_agreement(ws, "Boards", "quality")
    assert choices.agreement.kind == "classification"
