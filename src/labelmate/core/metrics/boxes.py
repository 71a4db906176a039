"""Box metrics against gold: IoU and how far each edge lies outside or inside the object.

Edge offsets are measured in the gold box's own (rotated) frame — see
`geometry.EdgeOffsets` — so rotated boxes get real numbers, not their axis-aligned
bounds. The annotation-level value is the worst over matched pairs.
"""

from __future__ import annotations

from labelmate.core.geometry import worst_edge_offsets
from labelmate.core.metrics.base import Measurement, describe_region, fmt
from labelmate.core.metrics.objects import TypeMatch
from labelmate.core.regions import Box


def box_gold_metrics(match: TypeMatch) -> dict[str, Measurement]:
    """box.iou, box.max_outside_px, box.max_inside_px over the matched pairs.

    Each value is the worst over the pairs (ties: the first pair), as `worst` picks
    it; only the reported pair's detail is written out, since scoring thousands of
    tasks would otherwise spend its time formatting text nobody reads.
    """
    pairs = match.pair_regions()
    if not pairs:
        return {}
    k_out, outside, out_edge, k_in, inside, in_edge = worst_edge_offsets(
        [(mine, gold) for mine, gold, _ in pairs]  # type: ignore[misc]
    )
    ious = [pair.similarity for _, _, pair in pairs]
    n = len(pairs)
    suffix = f" (worst of {n} matched boxes)" if n > 1 else ""

    def measurement(metric: str, k: int, value: float, detail: str) -> Measurement:
        mine, gold, _ = pairs[k]
        return Measurement(metric, value, "gold", detail + suffix, (mine.id, gold.id))

    def who(k: int) -> str:
        mine = pairs[k][0]
        assert isinstance(mine, Box)
        return describe_region(mine, "box")

    k = _worst(ious, higher_is_better=True)
    out = {"box.iou": measurement("box.iou", k, ious[k], f"{who(k)}: IoU {fmt(ious[k])}")}
    for metric, k, value, edge, where in (
        ("box.max_outside_px", k_out, outside, out_edge, "outside"),
        ("box.max_inside_px", k_in, inside, in_edge, "inside"),
    ):
        gold_id = pairs[k][1].id
        text = (
            f"{who(k)}: {edge} edge {fmt(value)} px {where} gold {gold_id}"
            if value > 0
            else f"{who(k)}: no edge {where} gold {gold_id}"
        )
        out[metric] = measurement(metric, k, value, text)
    return out


def _worst(values: list[float], *, higher_is_better: bool) -> int:
    """Index of the worst value, the first one on ties (as `base.worst` chooses)."""
    pick = 0
    for i in range(1, len(values)):
        v = values[i]
        if (v < values[pick]) if higher_is_better else (v > values[pick]):
            pick = i
    return pick
