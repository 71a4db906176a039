"""Region → Label Studio result item(s): percent for image regions, code points for spans.

Every image result declares `original_width/original_height` and `image_rotation: 0`
(formats.md §8.3); a span always carries its `text` (§8.10); keys kept in
`Region.extra` by the reader (see :mod:`results`) are written back unchanged.
Nothing is rounded: percent = px * 100 / size.
"""

from __future__ import annotations

from typing import Any

from labelmate.core.regions import (
    Box,
    Choices,
    Keypoint,
    Polygon,
    Rating,
    RegionBase,
    Span,
    TextAnswer,
)
from labelmate.io.label_studio.result_types import (
    DEFAULT_TYPE,
    IMAGE_TYPES,
    REGION_OF_TYPE,
    labels_key,
)


def result_type_for(region: RegionBase, control_type: str | None = None) -> str:
    """The LS `type` to write: the control's (from the config), else the one read, else default."""
    if control_type is not None and REGION_OF_TYPE.get(control_type) == region.type:  # type: ignore[attr-defined]
        return control_type
    kept = region.extra.get("ls_type")
    if isinstance(kept, str) and REGION_OF_TYPE.get(kept) == region.type:  # type: ignore[attr-defined]
        return kept
    return DEFAULT_TYPE[region.type]  # type: ignore[attr-defined]


def region_to_result(
    region: RegionBase,
    *,
    image_size: tuple[int, int] | None,
    control_type: str | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    """The result item for `region` (percent coordinates for image regions).

    Raises ValueError for an image region when `image_size` is None: percent needs it.
    """
    return region_to_results(region, image_size=image_size, control_type=control_type, text=text)[0]


def region_to_results(
    region: RegionBase,
    *,
    image_size: tuple[int, int] | None,
    control_type: str | None = None,
    text: str | None = None,
) -> list[dict[str, Any]]:
    """The item, plus the paired `labels` item when the region was read from such a pair."""
    rtype = result_type_for(region, control_type)
    pair = region.extra.get("ls_pair")
    item: dict[str, Any] = {
        "id": region.id,
        "type": rtype,
        "from_name": region.control,
        "to_name": region.target,
    }
    if rtype in IMAGE_TYPES:
        if image_size is None:
            raise ValueError(f"region {region.id} needs the image size to be written as percent")
        item["original_width"], item["original_height"] = image_size
        item["image_rotation"] = 0
    item["origin"] = region.origin
    if region.score is not None:
        item["score"] = region.score
    if isinstance(region, Keypoint) and region.parent_id is not None:
        item["parentID"] = region.parent_id
    value = _value_of(region, image_size, text)
    key = labels_key(rtype)
    if key is not None and (rtype == key or (region.labels and not isinstance(pair, dict))):
        value[key] = list(region.labels)
    for k, v in _kept(region, "ls_value").items():
        value.setdefault(k, v)
    item["value"] = value
    for k, v in _kept(region, "ls_result").items():
        if k not in ("id", "type", "from_name", "to_name", "value"):
            item[k] = v
    results = [item]
    if isinstance(pair, dict):
        paired = dict(pair)
        paired["id"] = region.id
        paired["value"] = {**(pair.get("value") or {}), "labels": list(region.labels)}
        results.append(paired)
    return results


def _kept(region: RegionBase, key: str) -> dict[str, Any]:
    kept = region.extra.get(key)
    return kept if isinstance(kept, dict) else {}


def _value_of(
    region: RegionBase, image_size: tuple[int, int] | None, text: str | None
) -> dict[str, Any]:
    if isinstance(region, Box | Polygon | Keypoint):
        assert image_size is not None
        w, h = image_size
        if isinstance(region, Box):
            return {
                "x": region.x * 100 / w,
                "y": region.y * 100 / h,
                "width": region.width * 100 / w,
                "height": region.height * 100 / h,
                "rotation": region.rotation,
            }
        if isinstance(region, Polygon):
            return {
                "points": [[px * 100 / w, py * 100 / h] for px, py in region.points],
                "closed": region.closed,
            }
        return {"x": region.x * 100 / w, "y": region.y * 100 / h}
    if isinstance(region, Span):
        value: dict[str, Any] = {"start": region.start, "end": region.end}
        covered = region.text
        if covered is None and text is not None and region.end <= len(text):
            covered = text[region.start : region.end]
        if covered is not None:
            value["text"] = covered
        return value
    if isinstance(region, Choices):
        return {}  # the labels are the choices
    if isinstance(region, TextAnswer):
        return {"text": list(region.text)}
    if isinstance(region, Rating):
        return {"rating": region.rating}
    raise ValueError(f"unsupported region type {type(region).__name__}")
