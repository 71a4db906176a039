"""Label Studio result types and how they map to our region types (formats.md §3.2–3.3).

Shared by the reading and the writing side of :mod:`results`.
"""

from __future__ import annotations

from labelmate.core.labeling_interface import IMAGE_CONTROL_TYPES, REGION_TYPES

IMAGE_TYPES = IMAGE_CONTROL_TYPES
REGION_OF_TYPE = REGION_TYPES  # result type → region type, as the config parser maps controls
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
