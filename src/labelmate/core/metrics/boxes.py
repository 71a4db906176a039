"""Box metrics against gold: IoU and how far each edge lies outside or inside the object.

Edge offsets are measured in the gold box's own (rotated) frame — see
`geometry.EdgeOffsets` — so rotated boxes get real numbers, not their axis-aligned
bounds. The annotation-level value is the worst over matched pairs.
"""

from __future__ import annotations

from labelmate.core.geometry import box_edge_offsets
from labelmate.core.metrics.base import Measurement, Observation, describe_region, fmt, worst
from labelmate.core.metrics.objects import TypeMatch
from labelmate.core.regions import Box


def box_gold_metrics(match: TypeMatch) -> dict[str, Measurement]:
    """box.iou, box.max_outside_px, box.max_inside_px over the matched pairs."""
    ious: list[Observation] = []
    outside: list[Observation] = []
    inside: list[Observation] = []
    for mine, gold, pair in match.pair_regions():
        assert isinstance(mine, Box) and isinstance(gold, Box)
        ids = (mine.id, gold.id)
        who = describe_region(mine, "box")
        ious.append(Observation(pair.similarity, f"{who}: IoU {fmt(pair.similarity)}", ids))
        offsets = box_edge_offsets(mine, gold)
        out_v, out_edge = offsets.worst_outside()
        in_v, in_edge = offsets.worst_inside()
        out_text = (
            f"{who}: {out_edge} edge {fmt(out_v)} px outside gold {gold.id}"
            if out_v > 0
            else f"{who}: no edge outside gold {gold.id}"
        )
        in_text = (
            f"{who}: {in_edge} edge {fmt(in_v)} px inside gold {gold.id}"
            if in_v > 0
            else f"{who}: no edge inside gold {gold.id}"
        )
        outside.append(Observation(out_v, out_text, ids))
        inside.append(Observation(in_v, in_text, ids))
    out: dict[str, Measurement] = {}
    for metric, obs, hib in (
        ("box.iou", ious, True),
        ("box.max_outside_px", outside, False),
        ("box.max_inside_px", inside, False),
    ):
        m = worst(metric, obs, higher_is_better=hib, source="gold", noun="matched boxes")
        if m is not None:
            out[metric] = m
    return out
