"""Live precision hints for the image canvas, tied to the rubric's levels.

`region_hints` answers "how good is the region I am drawing?" while it is drawn or
dragged: per box edge how far it lies outside or inside the gold box, a polygon's
deviation from the gold outline, a keypoint's distance from its gold point, each
with the rubric level that one figure implies ("→ Precision (Geometry): Needs
Re-Annotation (Acceptable allows ≤ 6 px)"). Without gold, boxes are checked
against image edges (an estimate, and the hint says so) and polygons against the
rules that need only the data (validity, minimum area, vertex count).

The whole-task "Check" report (`check_hints`) lives in `labelmate.core.check_hints`,
and `Hint`, `implied_levels` and the level/message helpers in
`labelmate.core.hint_levels`; both are re-exported here (with the private helpers
`labelmate.core.text_hints` uses), so `labelmate.core.hints` stays the one import.
All numbers come from `labelmate.core.metrics` and all levels from
`labelmate.core.rubric_engine.evaluate`; this module only picks which figures to
show and words them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from labelmate.core.check_hints import _counted_by as _counted_by
from labelmate.core.check_hints import _level_hints as _level_hints
from labelmate.core.check_hints import _object_hints as _object_hints
from labelmate.core.check_hints import _polygon_data_hints, check_hints
from labelmate.core.geometry import (
    EDGE_NAMES,
    Pair,
    box_edge_offsets,
    box_shape,
    iou_candidates,
    polygon_shape,
)
from labelmate.core.hint_levels import (
    Hint,
    Implication,
    Severity,
    _hint,
    _implications,
    _labels,
    _show,
    _wrong_label_hint,
    criteria_using,
    implied_levels,
)
from labelmate.core.metrics.base import Measurement, describe_region
from labelmate.core.metrics.image_edges import GrayImage, estimate_box_snugness
from labelmate.core.metrics.keypoints import keypoint_gold_metrics
from labelmate.core.metrics.objects import TypeMatch, match_all
from labelmate.core.metrics.polygons import polygon_gold_metrics
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase
from labelmate.core.rubric import Rubric

__all__ = [
    "Hint",
    "Implication",
    "Severity",
    "check_hints",
    "criteria_using",
    "implied_levels",
    "region_hints",
]


# Overlap that is enough to show a region's geometry against a gold object, when it is
# too little for the matching threshold (the object still counts as missed).
_ANY_OVERLAP = 1e-9


# --- live hints for one region ------------------------------------------------------


def region_hints(
    region: RegionBase,
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase] | None,
    rubric: Rubric | None,
    *,
    image: GrayImage | None = None,
    iou_threshold: float = 0.5,
) -> list[Hint]:
    """Live hints for one drawn region (the selected or being-drawn one). `mine` is the
    whole drawn set (the region may or may not be in it yet — while drawing it is not).

    Only regions of the same control and type are matched, and only the focused
    region's figures are measured, so a drag stays cheap on a busy image.
    """
    if not isinstance(region, Box | Polygon | Keypoint):
        return []
    hints: list[Hint] = []
    if isinstance(region, Polygon):
        hints += _polygon_data_hints(region, rubric, live=True)
    if gold is None:
        if isinstance(region, Box) and image is not None:
            hints += _estimate_hints(region, image, rubric)
        return hints

    kind = region.type
    drawn = [r for r in mine if r.control == region.control and isinstance(r, type(region))]
    at = next((i for i, r in enumerate(drawn) if r.id == region.id), None)
    if at is None:
        at = len(drawn)
        drawn.append(region)
    else:
        drawn[at] = region  # the caller's copy may be older than the one being dragged
    ref = [g for g in gold if g.control == region.control and isinstance(g, type(region))]
    if not isinstance(region, Keypoint):
        drawn, ref, at = _neighbourhood(drawn, ref, at)
    match = match_all(drawn, ref, iou_threshold)[kind]
    pair = next((p for p in match.pairs if p.mine == at), None)
    unmatched: Hint | None = None
    if pair is None:
        unmatched = _unmatched_hint(region, drawn, ref, match, rubric, iou_threshold)
        if isinstance(region, Keypoint):
            return [*hints, unmatched]
        # Too little overlap to count as a match, but the user is plainly aiming at
        # the nearest gold object: show how far off each edge is, so they can fix it.
        loose = match_all(drawn, ref, _ANY_OVERLAP)[kind]
        pair = next((p for p in loose.pairs if p.mine == at), None)
        if pair is None:
            return [*hints, unmatched]

    target = ref[pair.gold]
    if isinstance(region, Box):
        assert isinstance(target, Box)
        hints = _box_gold_hints(region, target, rubric) + hints
        hints.append(_iou_hint("box.iou", region, target, pair.similarity, rubric))
    elif isinstance(region, Polygon):
        single = TypeMatch(kind, (region,), (target,), (Pair(0, 0, pair.similarity, True),), None)
        found = polygon_gold_metrics(single)
        dev = found["polygon.max_deviation_px"]
        imps = _implications(rubric, dev)
        hints.insert(
            0,
            _hint(
                f"outline up to {_show(float(dev.value), imps)} px from gold {target.id}",
                imps,
                fallback="info",
                source="gold",
                region_ids=(region.id,),
                kind="deviation",
                value=float(dev.value),
                detail=dev.detail,
            ),
        )
        hints.append(_iou_hint("polygon.iou", region, target, pair.similarity, rubric))
    else:
        hints += _keypoint_gold_hints(region, ref, pair, gold, image, rubric)
    if unmatched is not None:
        return [unmatched, *hints]  # what Check will say comes first
    if not pair.same_label:
        hints.append(_wrong_label_hint(region, target, rubric))
    return hints


def _bounds(region: RegionBase) -> tuple[float, float, float, float]:
    """Bounds enclosing the shape — loose for rotated boxes (the circle the box turns
    in around its pivot), which is cheaper than their corners and still encloses."""
    if isinstance(region, Box):
        x, y, w, h = region.x, region.y, region.width, region.height
        if region.rotation == 0:
            return x, y, x + w, y + h
        r = w + h
        return x - r, y - r, x + r, y + r
    xs, ys = zip(*region.points, strict=True)  # type: ignore[attr-defined]
    return min(xs), min(ys), max(xs), max(ys)


def _neighbourhood(
    drawn: list[RegionBase], ref: list[RegionBase], at: int
) -> tuple[list[RegionBase], list[RegionBase], int]:
    """The drawn and gold shapes linked to `drawn[at]` by chains of overlapping bounds.

    Greedy matching pairs objects only along overlaps, so matching this cluster gives
    the focused region exactly the partner matching everything would (order is kept,
    and with it the tie-breaks) at the cost of a few shapes instead of the image's.
    """
    bm = [_bounds(r) for r in drawn]
    bg = [_bounds(g) for g in ref]

    def touch(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]

    mine_in, gold_in = {at}, set()
    frontier = [at]
    while frontier:
        new_gold = [
            j
            for j in range(len(ref))
            if j not in gold_in and any(touch(bm[i], bg[j]) for i in frontier)
        ]
        gold_in.update(new_gold)
        frontier = [
            i
            for i in range(len(drawn))
            if i not in mine_in and any(touch(bm[i], bg[j]) for j in new_gold)
        ]
        mine_in.update(frontier)
    keep = sorted(mine_in)
    return [drawn[i] for i in keep], [ref[j] for j in sorted(gold_in)], keep.index(at)


def _box_gold_hints(box: Box, target: Box, rubric: Rubric | None) -> list[Hint]:
    """One hint per edge off the gold outline, or one good hint when none is."""
    offsets = box_edge_offsets(box, target)
    ids = (box.id,)
    sides = [(side, v) for side, v in offsets.as_dict().items() if v != 0]
    if not sides:
        zero = [
            Measurement(metric, 0.0, "gold", f"box {box.id}: every edge on gold {target.id}", ids)
            for metric in ("box.max_outside_px", "box.max_inside_px")
        ]
        imps = _implications(rubric, *zero)
        return [
            _hint(
                "all edges on the gold outline",
                imps,
                fallback="good",
                source="gold",
                region_ids=ids,
                kind="edge",
                value=0.0,
            )
        ]
    hints = []
    for side, v in sides:
        outside = v > 0
        metric = "box.max_outside_px" if outside else "box.max_inside_px"
        where = "outside gold" if outside else "inside gold (cuts the object)"
        detail = f"{describe_region(box, 'box')}: {side} edge {abs(v):g} px {where} {target.id}"
        imps = _implications(rubric, Measurement(metric, abs(v), "gold", detail, ids))
        hints.append(
            _hint(
                f"{side} edge {_show(abs(v), imps)} px {where}",
                imps,
                fallback="info" if outside else "warning",
                source="gold",
                region_ids=ids,
                kind="edge",
                side=side,
                value=v,
                detail=detail,
            )
        )
    return hints


def _iou_hint(
    metric: str, region: RegionBase, target: RegionBase, value: float, rubric: Rubric | None
) -> Hint:
    detail = f"{describe_region(region)}: IoU {value:.3f} with gold {target.id}"
    imps = _implications(rubric, Measurement(metric, value, "gold", detail, (region.id,)))
    return _hint(
        f"IoU {_show(value, imps, ratio=True)} with gold {target.id}",
        imps,
        fallback="info",
        source="gold",
        region_ids=(region.id,),
        kind="iou",
        value=value,
        detail=detail,
    )


def _keypoint_gold_hints(
    point: Keypoint,
    ref: Sequence[RegionBase],
    pair: Pair,
    gold: Sequence[RegionBase],
    image: GrayImage | None,
    rubric: Rubric | None,
) -> list[Hint]:
    target = ref[pair.gold]
    # Every gold point of the control with only this one placed: OKS is then this
    # point's similarity divided by the number of gold points (the others score 0),
    # on the same scale the whole-annotation OKS uses.
    single = TypeMatch(
        "keypoint", (point,), tuple(ref), (Pair(0, pair.gold, pair.similarity, True),), None
    )
    size = (image.width, image.height) if image is not None else None
    found = keypoint_gold_metrics(single, gold, image_size=size)
    dist = found["keypoint.distance_px"]
    imps = _implications(rubric, dist)
    hints = [
        _hint(
            f"{_show(float(dist.value), imps)} px from {describe_region(target, 'gold keypoint')}",
            imps,
            fallback="info",
            source="gold",
            region_ids=(point.id,),
            kind="keypoint-distance",
            value=float(dist.value),
            detail=dist.detail,
        )
    ]
    if "keypoint.oks" in found:
        oks = found["keypoint.oks"]
        ks = min(1.0, float(oks.value) * len(ref))
        m = Measurement("keypoint.oks", ks, "gold", oks.detail, (point.id,))
        imps = _implications(rubric, m)
        hints.append(
            _hint(
                f"keypoint similarity (OKS) {_show(ks, imps, ratio=True)} with gold {target.id}",
                imps,
                fallback="info",
                source="gold",
                region_ids=(point.id,),
                kind="oks",
                value=ks,
                detail=oks.detail,
            )
        )
    return hints


def _unmatched_hint(
    region: RegionBase,
    drawn: Sequence[RegionBase],
    ref: Sequence[RegionBase],
    match: TypeMatch,
    rubric: Rubric | None,
    threshold: float,
) -> Hint:
    """An extra object, or a second one on a gold object another drawn one matched."""
    noun = region.type
    taken = {p.gold: drawn[p.mine] for p in match.pairs}
    value: float | None = None
    if isinstance(region, Keypoint):
        same = [j for j, g in enumerate(ref) if frozenset(g.labels) == frozenset(region.labels)]
        best = same[0] if same else None
        text = f"no gold keypoint labelled {_labels(region)}: an extra keypoint?"
    else:
        shape = box_shape(region) if isinstance(region, Box) else polygon_shape(region)  # type: ignore[arg-type]
        shapes = [box_shape(g) if isinstance(g, Box) else polygon_shape(g) for g in ref]  # type: ignore[arg-type]
        found = max(iou_candidates([shape], shapes), default=None)
        best = None
        if found is None:
            text = f"no gold {noun} overlaps this {noun}: an extra {noun}?"
        else:
            value, best = found[0], found[2]
            text = (
                f"no gold {noun} overlaps this {noun} enough (best IoU {value:.2f} "
                f"< {threshold:g}): an extra {noun}?"
            )
            if value < threshold:
                best = None
    if best is not None and best in taken:
        text = (
            f"gold {ref[best].id} is already matched by {describe_region(taken[best], noun)}: "
            f"a duplicate {noun}?"
        )
    extra = Measurement("objects.extra", 1, "gold", text, (region.id,))
    return _hint(
        text,
        _implications(rubric, extra),
        fallback="warning",
        source="gold",
        region_ids=(region.id,),
        kind="extra",
        value=value,
        detail=text,
    )


_EDGE_IN_DETAIL = re.compile(rf": ({'|'.join(EDGE_NAMES)}) edge ≈")
_EDGES_FOUND = re.compile(r"(\d) of 4 edges found")


def _estimate_hints(box: Box, image: GrayImage, rubric: Rubric | None) -> list[Hint]:
    """Snugness against the image's own edges: the worst outside and inside edge.

    `estimate_box_snugness` reports the worst edge each way, naming it in its
    detail; that is what is shown (fix it, and the next worst shows).
    """
    ids = (box.id,)
    found = estimate_box_snugness(box, image)
    if not found:
        return [
            Hint(
                "no clear object edge near this box in the image: snugness not estimated",
                "info",
                "estimate",
                ids,
                kind="estimate",
            )
        ]
    out_m, in_m = found["box.max_outside_px"], found["box.max_inside_px"]
    seen = _EDGES_FOUND.search(out_m.detail)
    note = (
        f"(estimate from image edges, {seen.group(1)} of 4 edges found)"
        if seen
        else ("(estimate from image edges)")
    )
    if out_m.value == 0 and in_m.value == 0:
        imps = _implications(rubric, out_m, in_m)
        return [
            _hint(
                f"all edges on the object's edge in the image {note}",
                imps,
                fallback="good",
                source="estimate",
                region_ids=ids,
                kind="estimate",
                value=0.0,
                detail=out_m.detail,
            )
        ]
    hints = []
    for m, word, sign in ((out_m, "outside", 1.0), (in_m, "inside", -1.0)):
        if m.value <= 0:
            continue
        edge = _EDGE_IN_DETAIL.search(m.detail)
        side = edge.group(1) if edge else None
        imps = _implications(rubric, m)
        hints.append(
            _hint(
                f"{side or 'an'} edge ≈{_show(float(m.value), imps)} px {word} the nearest "
                f"image edge{'' if sign > 0 else ' (cuts the object)'} {note}",
                imps,
                fallback="info",
                source="estimate",
                region_ids=ids,
                kind="estimate",
                side=side,
                value=sign * float(m.value),
                detail=m.detail,
            )
        )
    return hints
