"""Polygon metrics: validity, area and vertex count from the data; deviation and IoU
against gold.

Deviation is measured between outlines densified to ≤ 1 px segments (see
`geometry.max_deviation`). For several polygons the annotation-level value is the
worst one: the largest deviation, the smallest IoU, the smallest area and vertex
count (the numbers a "minimum pixels" or "enough vertices" rule cares about), and
`polygon.valid` is true only when every polygon is valid.
"""

from __future__ import annotations

from collections.abc import Sequence

from labelmate.core.geometry import area_shape, deviations, polygon_shape, polygon_validity
from labelmate.core.metrics.base import Measurement, Observation, describe_region, fmt, worst
from labelmate.core.metrics.objects import TypeMatch
from labelmate.core.regions import Polygon


def polygon_data_metrics(polygons: Sequence[Polygon]) -> dict[str, Measurement]:
    """polygon.valid, polygon.area_px, polygon.vertex_count — no gold needed."""
    if not polygons:
        return {}
    valid_obs, area_obs, count_obs = [], [], []
    for p in polygons:
        who = describe_region(p, "polygon")
        shape = polygon_shape(p)
        ok, reason = polygon_validity(p, shape)
        valid_obs.append(Observation(ok, f"{who}: {reason}", (p.id,)))
        area = float(area_shape(shape).area)  # a bowtie counts both lobes, not 0
        area_obs.append(Observation(area, f"{who}: area {fmt(area)} px²", (p.id,)))
        n = len(p.points)
        if n > 1 and p.points[0] == p.points[-1]:
            n -= 1  # a repeated closing vertex is not a vertex the user placed
        count_obs.append(Observation(n, f"{who}: {n} vertices", (p.id,)))
    out: dict[str, Measurement] = {}
    invalid = [o for o in valid_obs if not o.value]
    if invalid:
        ids = tuple(i for o in invalid for i in o.region_ids)
        text = "; ".join(o.detail for o in invalid[:3])
        if len(invalid) > 3:
            text += f"; and {len(invalid) - 3} more"
        out["polygon.valid"] = Measurement("polygon.valid", False, "data", text, ids)
    else:
        text = (
            f"all {len(polygons)} polygons are simple" if len(polygons) > 1 else valid_obs[0].detail
        )
        out["polygon.valid"] = Measurement("polygon.valid", True, "data", text, ())
    for metric, obs in (("polygon.area_px", area_obs), ("polygon.vertex_count", count_obs)):
        m = worst(metric, obs, higher_is_better=True, source="data", noun="polygons")
        if m is not None:
            out[metric] = m
    return out


def polygon_gold_metrics(match: TypeMatch) -> dict[str, Measurement]:
    """polygon.max_deviation_px, polygon.mean_deviation_px, polygon.iou over matched pairs."""
    dev_obs, mean_obs, iou_obs = [], [], []
    for mine, gold, pair in match.pair_regions():
        assert isinstance(mine, Polygon) and isinstance(gold, Polygon)
        a, b = polygon_shape(mine), polygon_shape(gold)
        ids = (mine.id, gold.id)
        who = describe_region(mine, "polygon")
        dev, mean = deviations(a, b)
        dev_obs.append(
            Observation(dev, f"{who}: outline up to {fmt(dev)} px from gold {gold.id}", ids)
        )
        mean_obs.append(
            Observation(mean, f"{who}: outline {fmt(mean)} px from gold {gold.id} on average", ids)
        )
        iou_obs.append(Observation(pair.similarity, f"{who}: IoU {fmt(pair.similarity)}", ids))
    out: dict[str, Measurement] = {}
    for metric, obs, hib in (
        ("polygon.max_deviation_px", dev_obs, False),
        ("polygon.mean_deviation_px", mean_obs, False),
        ("polygon.iou", iou_obs, True),
    ):
        m = worst(metric, obs, higher_is_better=hib, source="gold", noun="matched polygons")
        if m is not None:
            out[metric] = m
    return out
