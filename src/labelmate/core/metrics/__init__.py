"""Compute the metric vocabulary (`labelmate.core.metric_vocabulary.METRICS`) for an annotation.

`measure(mine, gold)` returns every metric it can compute for the region types
present: against gold when gold is given (`source="gold"`), plus the metrics that
need only the data (`source="data"`), plus — when an image is given and there is no
gold — box snugness estimated from image edges (`source="estimate"`). A metric that
cannot be computed is absent, and the rubric engine reports the criterion as not
measurable instead of guessing.

Set-level values are the worst over matched pairs (largest deviation, smallest IoU),
and the measurement names the region it came from. `prompt.findings` belongs to the
prompt linter, not here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from labelmate.core.metrics.base import Measurement, Source
from labelmate.core.metrics.boxes import box_gold_metrics
from labelmate.core.metrics.choices import (
    choices_data_metrics,
    choices_gold_metrics,
    is_unsure,
    rating_gold_metrics,
)
from labelmate.core.metrics.image_edges import GrayImage, estimate_box_snugness
from labelmate.core.metrics.keypoints import DEFAULT_SIGMA, keypoint_gold_metrics
from labelmate.core.metrics.objects import match_all, object_metrics
from labelmate.core.metrics.polygons import polygon_data_metrics, polygon_gold_metrics
from labelmate.core.metrics.text import span_data_metrics, span_gold_metrics, text_data_metrics
from labelmate.core.regions import Box, Choices, Polygon, Rating, RegionBase, Span, TextAnswer

__all__ = [
    "DEFAULT_SIGMA",
    "GrayImage",
    "Measurement",
    "Source",
    "estimate_box_snugness",
    "is_unsure",
    "measure",
]


def _of(regions: Sequence[RegionBase], cls: type) -> list:
    return [r for r in regions if isinstance(r, cls)]


class _ByType:
    """Regions split by type in one pass: `of(cls)` equals `_of(regions, cls)`, order
    included, without an isinstance test per region for every type asked for."""

    def __init__(self, regions: Sequence[RegionBase]) -> None:
        self._regions = regions
        self._groups: dict[type, list[RegionBase]] = {}
        for r in regions:
            self._groups.setdefault(type(r), []).append(r)

    def of(self, cls: type) -> list:
        matching = [t for t in self._groups if issubclass(t, cls)]
        if not matching:
            return []
        if len(matching) == 1:
            return list(self._groups[matching[0]])
        return _of(self._regions, cls)


def measure(
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase] | None,
    *,
    text: str | None = None,
    iou_threshold: float = 0.5,
    control: str | None = None,
    image: GrayImage | None = None,
    image_size: tuple[int, int] | None = None,
    keypoint_sigmas: Mapping[str, float] | None = None,
) -> dict[str, Measurement]:
    """Every computable metric for `mine`, keyed by metric name.

    gold: the reference regions, or None when there is no gold (an empty list means
    gold says there is nothing to label). text: the task text spans refer to.
    control: restrict both sides to one control (from_name). image: luminance pixels
    for estimating box snugness without gold. image_size: (width, height) for the
    OKS scale fallback (taken from `image` when not given). keypoint_sigmas: COCO σ
    per keypoint label (default 0.1).
    """
    if control is not None:
        mine = [r for r in mine if r.control == control]
        gold = None if gold is None else [r for r in gold if r.control == control]
    if image_size is None and image is not None:
        image_size = (image.width, image.height)

    out: dict[str, Measurement] = {}
    own = _ByType(mine)
    out.update(polygon_data_metrics(own.of(Polygon)))
    out.update(span_data_metrics(own.of(Span), text))
    out.update(choices_data_metrics(own.of(Choices)))
    out.update(text_data_metrics(own.of(TextAnswer)))

    if gold is None:
        if image is not None:
            out.update(_estimate_boxes(own.of(Box), image))
        return out

    matches = match_all(mine, gold, iou_threshold)
    out.update(object_metrics(matches))
    if "box" in matches:
        out.update(box_gold_metrics(matches["box"]))
    if "polygon" in matches:
        out.update(polygon_gold_metrics(matches["polygon"]))
    if "span" in matches:
        out.update(span_gold_metrics(matches["span"]))
    if "keypoint" in matches:
        out.update(
            keypoint_gold_metrics(
                matches["keypoint"], gold, image_size=image_size, sigmas=keypoint_sigmas
            )
        )
    ref = _ByType(gold)
    out.update(choices_gold_metrics(own.of(Choices), ref.of(Choices)))
    out.update(rating_gold_metrics(own.of(Rating), ref.of(Rating)))
    return out


def _estimate_boxes(boxes: Sequence[Box], image: GrayImage) -> dict[str, Measurement]:
    """Worst estimated snugness over the boxes, naming the box it came from."""
    out: dict[str, Measurement] = {}
    n = len(boxes)
    for box in boxes:
        for metric, m in estimate_box_snugness(box, image).items():
            if metric not in out or m.value > out[metric].value:
                out[metric] = m
    if n > 1:
        for metric, m in out.items():
            out[metric] = Measurement(
                m.metric, m.value, m.source, f"{m.detail} (worst of {n} boxes)", m.region_ids
            )
    return out
