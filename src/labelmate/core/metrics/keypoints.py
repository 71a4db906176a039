"""Keypoint metrics against gold: distance and COCO object keypoint similarity (OKS).

OKS = mean over the gold keypoints of exp(−d² / (2 · s² · κ²)), κ = 2σ, as in
pycocotools; a gold keypoint nobody placed contributes 0. σ defaults to 0.1 for
every label (COCO's body keypoints use 0.025–0.107; 0.1 is the lenient end, right
for generic points) and can be set per label. s² is the object area, taken from the
first that exists: the gold keypoint's parent box (`parent_id`), the bounding box
of the gold keypoints sharing that parent (when it has an area), the image area.
Without any of them OKS is not reported rather than guessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from labelmate.core.metrics.base import Measurement, Observation, describe_region, fmt, worst
from labelmate.core.metrics.objects import TypeMatch
from labelmate.core.regions import Box, Keypoint, RegionBase

DEFAULT_SIGMA = 0.1


def keypoint_similarity(distance: float, area: float, sigma: float = DEFAULT_SIGMA) -> float:
    """COCO's per-keypoint similarity: 1 at the gold point, 0.5 near d = 2σ·s·√(2 ln 2)."""
    kappa = 2 * sigma
    return math.exp(-(distance**2) / (2 * area * kappa**2)) if area > 0 else 0.0


def _scale_area(
    kp: Keypoint,
    gold: Sequence[RegionBase],
    gold_kps: Sequence[Keypoint],
    image_size: tuple[int, int] | None,
) -> tuple[float, str] | None:
    if kp.parent_id is not None:
        for r in gold:
            if isinstance(r, Box) and r.id == kp.parent_id and r.width * r.height > 0:
                return r.width * r.height, f"parent box {r.id} area"
    siblings = [k for k in gold_kps if k.parent_id == kp.parent_id]
    if len(siblings) >= 3:
        xs = [k.x for k in siblings]
        ys = [k.y for k in siblings]
        area = (max(xs) - min(xs)) * (max(ys) - min(ys))
        if area > 0:
            return area, "gold keypoints' bounding box area"
    if image_size is not None and image_size[0] * image_size[1] > 0:
        return float(image_size[0] * image_size[1]), "image area"
    return None


def keypoint_gold_metrics(
    match: TypeMatch,
    gold_regions: Sequence[RegionBase],
    *,
    image_size: tuple[int, int] | None = None,
    sigmas: Mapping[str, float] | None = None,
) -> dict[str, Measurement]:
    """keypoint.distance_px (largest over matched pairs) and keypoint.oks (COCO mean)."""
    gold_kps = [g for g in match.gold if isinstance(g, Keypoint)]
    dist_obs: list[Observation] = []
    by_gold: dict[int, tuple[float, Keypoint]] = {}
    for mine, gold, pair in match.pair_regions():
        assert isinstance(mine, Keypoint) and isinstance(gold, Keypoint)
        d = math.dist((mine.x, mine.y), (gold.x, gold.y))
        who = describe_region(mine, "keypoint")
        dist_obs.append(
            Observation(d, f"{who}: {fmt(d)} px from gold {gold.id}", (mine.id, gold.id))
        )
        by_gold[pair.gold] = (d, mine)
    out: dict[str, Measurement] = {}
    m = worst("keypoint.distance_px", dist_obs, higher_is_better=False, source="gold",
              noun="matched keypoints")  # fmt: skip
    if m is not None:
        out["keypoint.distance_px"] = m
    if not gold_kps:
        return out
    total = 0.0
    scales: set[str] = set()
    low: tuple[float, str, tuple[str, ...]] | None = None
    for j, g in enumerate(match.gold):
        assert isinstance(g, Keypoint)
        scale = _scale_area(g, gold_regions, gold_kps, image_size)
        if scale is None:
            return out  # no honest scale: leave OKS unmeasured
        area, how = scale
        scales.add(how)
        sigma = (sigmas or {}).get(g.label or "", DEFAULT_SIGMA)
        if j in by_gold:
            d, mine = by_gold[j]
            ks = keypoint_similarity(d, area, sigma)
            ids = (mine.id, g.id)
        else:
            ks, ids = 0.0, (g.id,)
        total += ks
        if low is None or ks < low[0]:
            low = (ks, describe_region(g, "gold keypoint"), ids)
    oks = total / len(gold_kps)
    matched = len(by_gold)
    text = f"OKS {fmt(oks)} over {len(gold_kps)} gold keypoints ({matched} placed)"
    if low is not None:
        text += f"; lowest: {low[1]} similarity {fmt(low[0])}"
    text += f"; scale from {', '.join(sorted(scales))}"
    out["keypoint.oks"] = Measurement("keypoint.oks", oks, "gold", text, low[2] if low else ())
    return out
