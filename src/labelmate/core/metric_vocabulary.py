"""The fixed, documented vocabulary of metrics a rubric rule may name.

Units are in the name (`_px`, `_chars`). Each metric is measured against a gold
annotation when one exists; some can also be estimated without gold (noted in
`estimable`). `labelmate.core.metrics` computes them; the rubric linter rejects
any name not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ValueKind = Literal["number", "count", "ratio", "bool"]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    kind: ValueKind
    unit: str  # "px", "chars", "px²", "" for ratios, counts and booleans
    region_types: tuple[str, ...]  # control types the metric applies to
    description: str
    estimable: bool = False  # can be estimated from the data without gold
    higher_is_better: bool | None = None  # None for booleans


_IMAGE = ("rectanglelabels", "polygonlabels", "keypointlabels")
_OBJECTS = (*_IMAGE, "labels")

METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in [
        MetricSpec(
            "box.max_outside_px",
            "number",
            "px",
            ("rectanglelabels",),
            "Largest distance any box edge lies outside the gold object's edge (0 when no "
            "edge is outside).",
            estimable=True,
            higher_is_better=False,
        ),
        MetricSpec(
            "box.max_inside_px",
            "number",
            "px",
            ("rectanglelabels",),
            "Largest distance any box edge cuts into the gold object (0 when none does).",
            estimable=True,
            higher_is_better=False,
        ),
        MetricSpec(
            "box.iou",
            "ratio",
            "",
            ("rectanglelabels",),
            "Intersection over union of the box with its matched gold box.",
            higher_is_better=True,
        ),
        MetricSpec(
            "polygon.max_deviation_px",
            "number",
            "px",
            ("polygonlabels",),
            "Hausdorff distance to the gold outline, both densified to 1 px steps.",
            higher_is_better=False,
        ),
        MetricSpec(
            "polygon.mean_deviation_px",
            "number",
            "px",
            ("polygonlabels",),
            "Mean distance from the densified outline to the gold outline.",
            higher_is_better=False,
        ),
        MetricSpec(
            "polygon.iou",
            "ratio",
            "",
            ("polygonlabels",),
            "Intersection over union with the matched gold polygon.",
            higher_is_better=True,
        ),
        MetricSpec(
            "polygon.valid",
            "bool",
            "",
            ("polygonlabels",),
            "The outline is a simple polygon: closed, at least 3 vertices, no self-intersection.",
            estimable=True,
        ),
        MetricSpec(
            "polygon.area_px",
            "number",
            "px²",
            ("polygonlabels",),
            "Area enclosed by the polygon.",
            estimable=True,
        ),
        MetricSpec(
            "polygon.vertex_count",
            "count",
            "",
            ("polygonlabels",),
            "Number of vertices.",
            estimable=True,
        ),
        MetricSpec(
            "keypoint.distance_px",
            "number",
            "px",
            ("keypointlabels",),
            "Largest distance between a keypoint and the gold keypoint of the same label.",
            higher_is_better=False,
        ),
        MetricSpec(
            "keypoint.oks",
            "ratio",
            "",
            ("keypointlabels",),
            "COCO object keypoint similarity against gold (scale from the object area).",
            higher_is_better=True,
        ),
        MetricSpec(
            "objects.recall",
            "ratio",
            "",
            _OBJECTS,
            "Share of gold objects matched by an object of the same label (IoU threshold).",
            higher_is_better=True,
        ),
        MetricSpec(
            "objects.precision",
            "ratio",
            "",
            _OBJECTS,
            "Share of drawn objects that match a gold object of the same label.",
            higher_is_better=True,
        ),
        MetricSpec(
            "objects.missed",
            "count",
            "",
            _OBJECTS,
            "Gold objects with no matching object.",
            higher_is_better=False,
        ),
        MetricSpec(
            "objects.extra",
            "count",
            "",
            _OBJECTS,
            "Drawn objects that match no gold object.",
            higher_is_better=False,
        ),
        MetricSpec(
            "label.matches_gold",
            "bool",
            "",
            _OBJECTS,
            "Every matched object carries the gold object's label.",
        ),
        MetricSpec(
            "label.mismatches",
            "count",
            "",
            _OBJECTS,
            "Matched objects whose label differs from gold.",
            higher_is_better=False,
        ),
        MetricSpec(
            "choices.matches_gold",
            "bool",
            "",
            ("choices",),
            "The chosen options equal the gold options.",
        ),
        MetricSpec(
            "choices.unsure_used",
            "bool",
            "",
            ("choices",),
            "An 'Unsure'-style option (Unsure, Unclear, Not sure, Can't tell) was chosen.",
            estimable=True,
        ),
        MetricSpec(
            "span.boundary_offset_chars",
            "count",
            "chars",
            ("labels",),
            "Largest start or end offset between a matched span and its gold span.",
            higher_is_better=False,
        ),
        MetricSpec(
            "span.f1",
            "ratio",
            "",
            ("labels",),
            "Exact-match F1 of spans (same start, end and label) against gold.",
            higher_is_better=True,
        ),
        MetricSpec(
            "span.edge_whitespace",
            "count",
            "",
            ("labels",),
            "Spans that start or end on whitespace or punctuation.",
            estimable=True,
            higher_is_better=False,
        ),
        MetricSpec(
            "text.length_chars",
            "count",
            "chars",
            ("textarea",),
            "Length of the free-text answer.",
            estimable=True,
        ),
        MetricSpec(
            "rating.distance",
            "number",
            "",
            ("rating",),
            "Absolute difference from the gold rating.",
            higher_is_better=False,
        ),
        MetricSpec(
            "prompt.findings",
            "count",
            "",
            ("textarea",),
            "Errors and warnings the system-prompt linter reports (vague instructions; no "
            "role, tone, output format or edge cases; too few or too many examples; "
            "conflicting instructions; overlong). Info findings, such as an undefined "
            "acronym, are not counted.",
            estimable=True,
            higher_is_better=False,
        ),
    ]
}
