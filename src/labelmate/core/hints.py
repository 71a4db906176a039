"""Live precision hints for the image canvas, tied to the rubric's levels.

`region_hints` answers "how good is the region I am drawing?" while it is drawn or
dragged: per box edge how far it lies outside or inside the gold box, a polygon's
deviation from the gold outline, a keypoint's distance from its gold point, each
with the rubric level that one figure implies ("→ Precision (Geometry): Needs
Re-Annotation (Acceptable allows ≤ 6 px)"). Without gold, boxes are checked
against image edges (an estimate, and the hint says so) and polygons against the
rules that need only the data (validity, minimum area, vertex count).

`check_hints` is the whole-task report behind "Check": missed, extra and wrongly
labelled objects, then the level each criterion gets for the whole annotation.

All numbers come from `labelmate.core.metrics` and all levels from
`labelmate.core.rubric_engine.evaluate`; this module only picks which figures to
show and words them. `implied_levels` is the generic "what level does this one
figure imply?" helper, usable for any metric (the text screen reuses it).

The level a single figure implies is the best level that figure does not rule
out: the other metrics a level names are left unmeasured, so they cannot pull it
down (a 2 px padding on the top edge reads "Gold Standard" even while the left
edge is 7 px out — the left edge has its own hint, and the Check report gives the
level for the whole annotation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from labelmate.core.geometry import (
    EDGE_NAMES,
    Pair,
    box_edge_offsets,
    box_shape,
    iou_candidates,
    polygon_shape,
    polygon_validity,
)
from labelmate.core.metric_vocabulary import METRICS
from labelmate.core.metrics import measure
from labelmate.core.metrics.base import Measurement, Source, describe_region
from labelmate.core.metrics.image_edges import GrayImage, estimate_box_snugness
from labelmate.core.metrics.keypoints import keypoint_gold_metrics
from labelmate.core.metrics.objects import TypeMatch, match_all
from labelmate.core.metrics.polygons import polygon_data_metrics, polygon_gold_metrics
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase
from labelmate.core.rubric import Criterion, Rubric, Rule, iter_rules
from labelmate.core.rubric_engine import CriterionResult, Evidence, evaluate

__all__ = [
    "Hint",
    "Implication",
    "Severity",
    "check_hints",
    "criteria_using",
    "implied_levels",
    "region_hints",
]

Severity = Literal["good", "info", "warning", "error"]
"""good: at the criterion's best level; warning: below it; error: at the worst level
or invalid; info: a figure no rubric level depends on."""


# Overlap that is enough to show a region's geometry against a gold object, when it is
# too little for the matching threshold (the object still counts as missed).
_ANY_OVERLAP = 1e-9


@dataclass(frozen=True, slots=True)
class Hint:
    """One line the canvas shows next to a region, or the Check report lists."""

    message: str
    severity: Severity
    source: Source
    region_ids: tuple[str, ...] = ()  # the drawn region(s) it is about
    criterion_id: str | None = None
    criterion_name: str | None = None
    level_name: str | None = None
    level_score: float | None = None
    kind: str = ""
    gold_region: RegionBase | None = None  # for "missed": the gold object to draw
    side: str | None = None  # for box edges: "top" | "right" | "bottom" | "left"
    value: float | None = None  # for edges: signed offset, + outside, − inside
    detail: str = ""  # the measurement's own explanation (a tooltip)


# --- the level one figure implies ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Implication:
    """The level of one criterion a figure implies, and the nearest better level's bar."""

    criterion_id: str
    criterion_name: str
    level_name: str
    level_score: float
    max_score: float
    severity: Severity
    better_level_name: str | None = None
    better_rule: Rule | None = None  # the rule on the figure's metric that level needs

    @property
    def text(self) -> str:
        """`Precision (Geometry): Needs Re-Annotation (Acceptable allows ≤ 6 px)`."""
        out = f"{self.criterion_name}: {self.level_name}"
        if self.better_level_name is not None and self.better_rule is not None:
            out += f" ({self.better_level_name} {_allowance(self.better_rule)})"
        return out


def criteria_using(rubric: Rubric, metrics: Iterable[str]) -> list[Criterion]:
    """The rule-based criteria whose levels name any of `metrics`, in rubric order."""
    wanted = set(metrics)
    return [
        c
        for c in rubric.criteria
        if not c.manual
        and any(r.metric in wanted for level in c.levels for r in iter_rules(level.when))
    ]


def implied_levels(rubric: Rubric, measurements: Mapping[str, Measurement]) -> list[Implication]:
    """The level each criterion that uses these metrics gets from these figures alone.

    Metrics a level also names but that are not given count as unknown (see
    `rubric_engine`), so the answer is the best level the figures do not rule out.
    A criterion the figures leave below every level (no `otherwise`) is left out.
    """
    criteria = criteria_using(rubric, measurements)
    if not criteria:
        return []
    result = evaluate(rubric, measurements, criteria=[c.id for c in criteria])
    out = []
    for criterion in criteria:
        found = _implication(criterion, result.criterion(criterion.id))
        if found is not None:
            out.append(found)
    return out


def _implication(criterion: Criterion, result: CriterionResult) -> Implication | None:
    if result.status == "proposed" and result.score is not None and result.level_name:
        score, name = result.score, result.level_name
    elif result.status == "not_measurable" and result.evidence:
        # Evaluation stopped at the first level the figures could not rule out; its
        # rules are the last evidence recorded.
        score, name = result.evidence[-1].level_score, result.evidence[-1].level_name
    else:
        return None
    failed = [e for e in result.evidence if e.passed is False and e.level_score > score]
    better = min(failed, key=lambda e: e.level_score) if failed else None
    return Implication(
        criterion_id=criterion.id,
        criterion_name=criterion.name,
        level_name=name,
        level_score=score,
        max_score=criterion.max_score,
        severity=_severity(criterion, score),
        better_level_name=better.level_name if better else None,
        better_rule=_rule_of(criterion, better) if better else None,
    )


def _severity(criterion: Criterion, score: float) -> Severity:
    scores = [level.score for level in criterion.levels]
    if score >= max(scores):
        return "good"
    return "error" if score <= min(scores) else "warning"


def _rule_of(criterion: Criterion, evidence: Evidence) -> Rule | None:
    for level in criterion.levels:
        if level.score == evidence.level_score:
            for rule in iter_rules(level.when):
                if rule.metric == evidence.metric and rule.describe() == evidence.threshold:
                    return rule
    return None


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _allowance(rule: Rule) -> str:
    """`allows ≤ 6 px`, `needs ≥ 0.75`, `needs polygon.valid = true`."""
    spec = METRICS.get(rule.metric)
    unit = f" {spec.unit}" if spec is not None and spec.unit else ""
    if rule.equals is not None:
        return f"needs {rule.describe()}"
    if rule.min is not None and rule.max is not None:
        return f"allows {_num(rule.min)}–{_num(rule.max)}{unit}"
    if rule.max is not None:
        return f"allows ≤ {_num(rule.max)}{unit}"
    return f"needs ≥ {_num(rule.min)}{unit}"  # type: ignore[arg-type]


def _show(value: float, implications: Sequence[Implication], *, ratio: bool = False) -> str:
    """A figure for a message: 7, 2.5, a ratio as 0.87 or 1.00 — with more digits
    when rounding would make it read as the bound it just misses (6.004 px ≠ 6 px)."""
    text = f"{value:.2f}"
    if not ratio:
        text = text.rstrip("0").rstrip(".")
    bounds = {
        b
        for i in implications
        if i.better_rule is not None
        for b in (i.better_rule.min, i.better_rule.max)
        if b is not None
    }
    if float(text) != value and float(text) in bounds:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text


def _implications(rubric: Rubric | None, *measurements: Measurement) -> list[Implication]:
    if rubric is None:
        return []
    return implied_levels(rubric, {m.metric: m for m in measurements})


def _hint(
    message: str,
    implications: Sequence[Implication],
    *,
    fallback: Severity,
    source: Source,
    region_ids: tuple[str, ...],
    kind: str,
    **fields,
) -> Hint:
    """A hint whose severity and criterion come from the worst implication, if any."""
    worst = min(implications, key=lambda i: i.level_score / i.max_score, default=None)
    if implications:
        message += " → " + "; ".join(i.text for i in implications)
    return Hint(
        message=message,
        severity=worst.severity if worst is not None else fallback,
        source=source,
        region_ids=region_ids,
        criterion_id=worst.criterion_id if worst else None,
        criterion_name=worst.criterion_name if worst else None,
        level_name=worst.level_name if worst else None,
        level_score=worst.level_score if worst else None,
        kind=kind,
        **fields,
    )


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


def _labels(region: RegionBase) -> str:
    return ", ".join(region.labels) if region.labels else "no label"


def _wrong_label_hint(region: RegionBase, target: RegionBase, rubric: Rubric | None) -> Hint:
    text = f"labelled {_labels(region)}, but gold {target.id} is {_labels(target)}"
    ids = (region.id, target.id)
    imps = _implications(
        rubric,
        Measurement("label.matches_gold", False, "gold", text, ids),
        Measurement("label.mismatches", 1, "gold", text, ids),
    )
    return _hint(
        text,
        imps,
        fallback="warning",
        source="gold",
        region_ids=(region.id,),
        kind="wrong-label",
        detail=text,
    )


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


_SELF_INTERSECTION = re.compile(r"Self-intersection\[([-\d.e+]+) ([-\d.e+]+)\]")


def _polygon_data_hints(polygon: Polygon, rubric: Rubric | None, *, live: bool) -> list[Hint]:
    """Validity always (an open outline only outside drawing), and the area and
    vertex-count figures the rubric has rules for — live: every level; in the Check
    report (`live=False`): only those below the best level."""
    ids = (polygon.id,)
    hints = []
    ok, reason = polygon_validity(polygon)
    if not ok and not (live and not polygon.closed):
        crossing = _SELF_INTERSECTION.search(reason)
        if crossing:
            x, y = (float(v) for v in crossing.groups())
            text, kind = f"outline crosses itself near ({x:g}, {y:g})", "self-intersection"
        else:
            text, kind = f"invalid outline: {reason}", "invalid"
        detail = f"{describe_region(polygon, 'polygon')}: {reason}"
        imps = _implications(rubric, Measurement("polygon.valid", False, "data", detail, ids))
        hint = _hint(
            text, imps, fallback="error", source="data", region_ids=ids, kind=kind, detail=detail
        )
        hints.append(replace(hint, severity="error"))  # invalid is an error, rubric or not
    sized = ("polygon.area_px", "polygon.vertex_count")
    if rubric is None or not criteria_using(rubric, sized):
        return hints
    found = polygon_data_metrics([polygon])
    for metric, kind in zip(sized, ("area", "vertex-count"), strict=True):
        m = found.get(metric)
        imps = _implications(rubric, m) if m is not None else []
        if m is None or not imps or (not live and all(i.severity == "good" for i in imps)):
            continue
        shown = _show(float(m.value), imps)
        text = f"area {shown} px²" if kind == "area" else f"{shown} vertices"
        hints.append(
            _hint(
                text,
                imps,
                fallback="info",
                source="data",
                region_ids=ids,
                kind=kind,
                value=float(m.value),
                detail=m.detail,
            )
        )
    return hints


# --- the Check report ---------------------------------------------------------------


def check_hints(
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase] | None,
    rubric: Rubric | None,
    *,
    image: GrayImage | None = None,
    iou_threshold: float = 0.5,
) -> list[Hint]:
    """The "Check" (Ctrl+Enter) report for the whole task: one hint per missed gold
    object (kind "missed", gold_region set), per extra drawn object (kind "extra"),
    per wrong label (kind "wrong-label", naming drawn and gold label), then the
    per-criterion levels the whole annotation implies (kind "level", one per scored
    criterion), and data-only problems (invalid polygons, area below a rubric minimum).

    A drawn object matched to gold under another label is reported once, as a wrong
    label (the rubric's counts also see it as one missed and one extra object).
    """
    hints: list[Hint] = []
    if gold is not None:
        hints += _object_hints(mine, gold, rubric, iou_threshold)
    if rubric is not None:
        measured = measure(mine, gold, image=image, iou_threshold=iou_threshold)
        hints += _level_hints(rubric, measured, {r.id for r in mine}, gold is not None)
    for polygon in mine:
        if isinstance(polygon, Polygon):
            hints += _polygon_data_hints(polygon, rubric, live=False)
    return hints


def _counted_by(rubric: Rubric | None, *metrics: str) -> dict:
    """Criterion fields for a hint counted by `metrics` (no level: one object alone
    does not decide it; the level hints do)."""
    found = criteria_using(rubric, metrics) if rubric is not None else []
    if not found:
        return {}
    return {"criterion_id": found[0].id, "criterion_name": found[0].name}


def _object_hints(
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase],
    rubric: Rubric | None,
    threshold: float,
) -> list[Hint]:
    missed: list[Hint] = []
    extra: list[Hint] = []
    wrong: list[Hint] = []
    for kind, match in match_all(mine, gold, threshold).items():
        paired_mine = {p.mine for p in match.pairs}
        paired_gold = {p.gold for p in match.pairs}
        for j, g in enumerate(match.gold):
            if j not in paired_gold:
                missed.append(
                    Hint(
                        f"missed {describe_region(g, f'gold {kind}')}",
                        "warning",
                        "gold",
                        kind="missed",
                        gold_region=g,
                        detail=f"no drawn {kind} matches gold {g.id}",
                        **_counted_by(rubric, "objects.missed"),
                    )
                )
        for i, r in enumerate(match.mine):
            if i not in paired_mine:
                extra.append(
                    Hint(
                        f"extra {describe_region(r, kind)}: no gold {kind} matches it",
                        "warning",
                        "gold",
                        (r.id,),
                        kind="extra",
                        **_counted_by(rubric, "objects.extra"),
                    )
                )
        for r, g, pair in match.pair_regions():
            if not pair.same_label:
                text = f"{kind} {r.id} is labelled {_labels(r)}, but gold {g.id} is {_labels(g)}"
                wrong.append(
                    Hint(
                        text,
                        "warning",
                        "gold",
                        (r.id,),
                        kind="wrong-label",
                        **_counted_by(rubric, "label.matches_gold", "label.mismatches"),
                    )
                )
    return missed + extra + wrong


def _level_hints(
    rubric: Rubric, measured: Mapping[str, Measurement], drawn_ids: set[str], has_gold: bool
) -> list[Hint]:
    """ "Precision (Geometry): Acceptable (3/5) — box r3 (…): top edge 5.0 px outside gold g1"."""
    result = evaluate(rubric, measured)
    hints = []
    for criterion in rubric.criteria:
        res = result.criterion(criterion.id)
        if res.score is None or res.level_name is None:
            continue
        # Why this level: the failed rules of the nearest better level, else the
        # rules the level met.
        failed = [e for e in res.evidence if e.passed is False and e.level_score > res.score]
        if failed:
            nearest = min(e.level_score for e in failed)
            why = [e for e in failed if e.level_score == nearest]
        else:
            why = [e for e in res.evidence if e.matched_level]
        detail = "; ".join(dict.fromkeys(e.detail for e in why if e.detail))
        text = f"{res.name}: {res.level_name} ({_num(res.score)}/{_num(res.max_score)})"
        ids = tuple(
            dict.fromkeys(
                i for e in why if e.metric in measured for i in measured[e.metric].region_ids
            )
        )
        source = next((e.source for e in why if e.source is not None), None)
        hints.append(
            Hint(
                text + (f" — {detail}" if detail else ""),
                _severity(criterion, res.score),
                source or ("gold" if has_gold else "data"),
                tuple(i for i in ids if i in drawn_ids),
                criterion_id=criterion.id,
                criterion_name=res.name,
                level_name=res.level_name,
                level_score=res.score,
                kind="level",
                detail="; ".join(e.message for e in why),
            )
        )
    return hints
