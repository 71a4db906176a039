"""Which drawn object corresponds to which gold object, and the counting metrics.

Objects are matched within one control (a box of the `defects` control never pairs
with a gold box of another control) and within one region type. Boxes and polygons
match on area IoU, spans on character IoU, both at a threshold (inclusive, default
0.5); keypoints match on their label (the keypoint's identity, e.g. "left_eye"),
nearest first, since their accuracy is what `keypoint.distance_px`/`oks` measure.

Matching prefers pairs with the same label and then pairs what is left regardless
of label (see `geometry.match_objects`). Geometry metrics use every pair; the
`objects.*` counts only credit pairs whose labels agree, so a perfect box with the
wrong label is one missed and one extra object *and* one label mismatch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from labelmate.core.geometry import (
    Pair,
    aligned_iou_candidates,
    all_aligned_bounds,
    box_shape,
    iou_candidates,
    match_objects,
    polygon_shape,
)
from labelmate.core.metrics.base import Measurement, describe_region
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase, Span

Candidates = Callable[[Sequence[RegionBase], Sequence[RegionBase]], list[tuple[float, int, int]]]


@dataclass(frozen=True, slots=True)
class TypeMatch:
    """Drawn and gold regions of one type, and the pairs found between them."""

    kind: str
    mine: tuple[RegionBase, ...]
    gold: tuple[RegionBase, ...]
    pairs: tuple[Pair, ...]
    threshold: float | None  # None when matching is by label only (keypoints)

    def pair_regions(self) -> list[tuple[RegionBase, RegionBase, Pair]]:
        return [(self.mine[p.mine], self.gold[p.gold], p) for p in self.pairs]


def _area_candidates(mine: Sequence[RegionBase], gold: Sequence[RegionBase]):
    mine_b = all_aligned_bounds(mine)
    gold_b = all_aligned_bounds(gold) if mine_b is not None else None
    if mine_b is not None and gold_b is not None:
        return aligned_iou_candidates(mine_b, gold_b)

    def shape(r: RegionBase):
        return box_shape(r) if isinstance(r, Box) else polygon_shape(r)  # type: ignore[arg-type]

    return iou_candidates([shape(r) for r in mine], [shape(r) for r in gold])


def span_iou(a: Span, b: Span) -> float:
    """Character IoU of two spans; two empty spans at the same offset score 1."""
    if a.target != b.target:
        return 0.0
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    if union == 0:
        return 1.0 if a.start == b.start else 0.0
    return inter / union


def _span_candidates(mine: Sequence[RegionBase], gold: Sequence[RegionBase]):
    out = []
    for i, a in enumerate(mine):
        for j, b in enumerate(gold):
            value = span_iou(a, b)  # type: ignore[arg-type]
            if value > 0:
                out.append((value, i, j))
    return out


def _keypoint_candidates(mine: Sequence[RegionBase], gold: Sequence[RegionBase]):
    # Similarity decreasing with distance; only same-label keypoints are candidates.
    out = []
    for i, a in enumerate(mine):
        for j, b in enumerate(gold):
            if frozenset(a.labels) != frozenset(b.labels):
                continue
            d = math.dist((a.x, a.y), (b.x, b.y))  # type: ignore[attr-defined]
            out.append((1.0 / (1.0 + d), i, j))
    return out


def _match_type(
    kind: str,
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase],
    candidates: Candidates,
    threshold: float | None,
) -> TypeMatch:
    controls = sorted({r.control for r in (*mine, *gold)})
    if len(controls) == 1:  # the common case: no renumbering, already in order
        found = (
            match_objects(
                candidates(mine, gold),
                [r.labels for r in mine],
                [r.labels for r in gold],
                threshold if threshold is not None else 0.0,
            )
            if mine and gold
            else []
        )
        return TypeMatch(kind, tuple(mine), tuple(gold), tuple(found), threshold)
    pairs: list[Pair] = []
    for control in controls:
        mi = [i for i, r in enumerate(mine) if r.control == control]
        gi = [j for j, r in enumerate(gold) if r.control == control]
        if not mi or not gi:
            continue
        local = candidates([mine[i] for i in mi], [gold[j] for j in gi])
        found = match_objects(
            local,
            [mine[i].labels for i in mi],
            [gold[j].labels for j in gi],
            threshold if threshold is not None else 0.0,
        )
        pairs.extend(Pair(mi[p.mine], gi[p.gold], p.similarity, p.same_label) for p in found)
    pairs.sort(key=lambda p: (p.mine, p.gold))
    return TypeMatch(kind, tuple(mine), tuple(gold), tuple(pairs), threshold)


def match_all(
    mine: Sequence[RegionBase], gold: Sequence[RegionBase], iou_threshold: float
) -> dict[str, TypeMatch]:
    """Match every object type present on either side; keys are box/polygon/span/keypoint."""
    spec: list[tuple[str, type, Candidates, float | None]] = [
        ("box", Box, _area_candidates, iou_threshold),
        ("polygon", Polygon, _area_candidates, iou_threshold),
        ("span", Span, _span_candidates, iou_threshold),
        ("keypoint", Keypoint, _keypoint_candidates, None),
    ]
    out: dict[str, TypeMatch] = {}
    mine_types = {type(r) for r in mine}
    gold_types = {type(r) for r in gold}
    for kind, cls, cand, threshold in spec:
        if not any(issubclass(t, cls) for t in mine_types | gold_types):
            continue
        m = [r for r in mine if isinstance(r, cls)]
        g = [r for r in gold if isinstance(r, cls)]
        if m or g:
            out[kind] = _match_type(kind, m, g, cand, threshold)
    return out


def _names(regions: Sequence[RegionBase], limit: int = 5) -> str:
    shown = [describe_region(r) for r in regions[:limit]]
    more = len(regions) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def object_metrics(matches: dict[str, TypeMatch]) -> dict[str, Measurement]:
    """objects.recall/precision/missed/extra and label.matches_gold/mismatches."""
    if not matches:
        return {}
    n_mine = sum(len(m.mine) for m in matches.values())
    n_gold = sum(len(m.gold) for m in matches.values())
    missed: list[RegionBase] = []
    extra: list[RegionBase] = []
    mismatched: list[tuple[RegionBase, RegionBase]] = []
    good = 0
    for m in matches.values():
        credited_mine = {p.mine for p in m.pairs if p.same_label}
        credited_gold = {p.gold for p in m.pairs if p.same_label}
        good += len(credited_gold)
        missed += [g for j, g in enumerate(m.gold) if j not in credited_gold]
        extra += [r for i, r in enumerate(m.mine) if i not in credited_mine]
        mismatched += [(a, b) for a, b, p in m.pair_regions() if not p.same_label]
    thresholds = {m.threshold for m in matches.values() if m.threshold is not None}
    at = f" at IoU ≥ {min(thresholds):g}" if thresholds else ""
    # An empty side makes the ratio vacuous: nothing to miss, or nothing wrongly drawn.
    recall = good / n_gold if n_gold else 1.0
    precision = good / n_mine if n_mine else 1.0
    out = {
        "objects.recall": Measurement(
            "objects.recall",
            recall,
            "gold",
            f"{good} of {n_gold} gold objects matched with the same label{at}",
            tuple(r.id for r in missed),
        ),
        "objects.precision": Measurement(
            "objects.precision",
            precision,
            "gold",
            f"{good} of {n_mine} drawn objects match a gold object with the same label{at}",
            tuple(r.id for r in extra),
        ),
        "objects.missed": Measurement(
            "objects.missed",
            len(missed),
            "gold",
            f"missed: {_names(missed)}" if missed else "no gold object missed",
            tuple(r.id for r in missed),
        ),
        "objects.extra": Measurement(
            "objects.extra",
            len(extra),
            "gold",
            f"extra: {_names(extra)}" if extra else "no extra object",
            tuple(r.id for r in extra),
        ),
    }
    if mismatched:
        first_mine, first_gold = mismatched[0]
        text = (
            f"{len(mismatched)} matched object(s) labelled differently from gold, e.g. "
            f"{describe_region(first_mine)} vs gold {describe_region(first_gold)}"
        )
    else:
        text = "every matched object carries the gold label"
    ids = tuple(r.id for pair in mismatched for r in pair)
    out["label.matches_gold"] = Measurement("label.matches_gold", not mismatched, "gold", text, ids)
    out["label.mismatches"] = Measurement("label.mismatches", len(mismatched), "gold", text, ids)
    return out
