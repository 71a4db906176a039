"""Label Studio result types and how they map to our region types (formats.md §3.2–3.3).

Shared by the reading and the writing side of :mod:`results`.
"""

from __future__ import annotations

IMAGE_TYPES = frozenset(
    {"rectanglelabels", "rectangle", "polygonlabels", "polygon", "keypointlabels", "keypoint"}
)
REGION_OF_TYPE = {
    "rectanglelabels": "box",
    "rectangle": "box",
    "polygonlabels": "polygon",
    "polygon": "polygon",
    "keypointlabels": "keypoint",
    "keypoint": "keypoint",
    "labels": "span",
    "choices": "choices",
    "textarea": "text",
    "rating": "rating",
}
DEFAULT_TYPE = {
    "box": "rectanglelabels",
    "polygon": "polygonlabels",
    "keypoint": "keypointlabels",
    "span": "labels",
    "choices": "choices",
    "text": "textarea",
    "rating": "rating",
}


def labels_key(result_type: str) -> str | None:
    """The value key holding the labels (`rectanglelabels` for both rectangle types).

    None for TextArea and Rating, whose value has no labels.
    """
    if result_type in ("rectangle", "polygon", "keypoint"):
        return result_type + "labels"
    if result_type in ("textarea", "rating"):
        return None
    return result_type
