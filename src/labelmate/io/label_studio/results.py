"""One Label Studio result item ⇄ one region (pixels inside, percent outside).

Conventions, so a write → read round trip is exact (formats.md §3.2–3.3):

* image geometry is percent of `original_width/height` in the file and pixels in
  a region; conversion multiplies first (`pct * W / 100`, `px * 100 / W`) so the
  usual round values stay exact, and nothing is rounded;
* a missing `rotation` is 0, a missing polygon `closed` is True;
* LS keys we do not model are kept in `Region.extra` and written back unchanged:
  ``ls_result`` (result-level keys such as `readonly`, `hidden`, `item_index`, a
  non-zero `image_rotation`), ``ls_value`` (value keys such as a keypoint's
  cosmetic `width`), ``ls_type`` (the result type when it is not the default for
  the region, e.g. a bare `rectangle`), ``ls_pair`` (the `labels` item that shares
  the region's id when a bare tool is paired with a Labels control);
* a region that cannot be represented (NaN, negative size, wrong types) is
  dropped with a message; one that is merely odd (outside the image, values that
  look normalized) is kept with a warning.

Regions are built with the validating constructor: measured, it is faster than
`model_construct` (whose defaults are filled in Python), and it is a second guard.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

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
from labelmate.io.label_studio.common import number, positive_size
from labelmate.io.label_studio.offsets import check_span
from labelmate.io.label_studio.result_types import (
    DEFAULT_TYPE,
    IMAGE_TYPES,
    REGION_OF_TYPE,
    labels_key,
)
from labelmate.io.label_studio.results_write import (  # re-exported: both directions live here
    region_to_result,
    region_to_results,
    result_type_for,
)

_RESULT_KEYS = frozenset(
    {
        "id",
        "type",
        "from_name",
        "to_name",
        "value",
        "original_width",
        "original_height",
        "image_rotation",
        "origin",
        "score",
        "parentID",
    }
)
_VALUE_KEYS = {
    "box": frozenset({"x", "y", "width", "height", "rotation"}),
    "polygon": frozenset({"points", "closed"}),
    "keypoint": frozenset({"x", "y"}),
    "span": frozenset({"start", "end", "text"}),
    "choices": frozenset(),
    "text": frozenset({"text"}),
    "rating": frozenset({"rating"}),
}
_ORIGINS = frozenset({"manual", "prediction", "prediction-changed"})
_NORMALIZED_LIMIT = 1.0


class Dropped(Exception):
    """A result that cannot become a region; the message says why."""


# Per result type: the value keys we model (geometry and the labels list).
_KNOWN_VALUE_KEYS: dict[str, frozenset[str]] = {
    rtype: _VALUE_KEYS[region] | {k for k in (labels_key(rtype),) if k is not None}
    for rtype, region in REGION_OF_TYPE.items()
}


def needs_image_size(item: Any) -> bool:
    """True for an image result that declares no usable `original_width/height`."""
    return _is_image_result(item) and (
        positive_size(item.get("original_width")) is None
        or positive_size(item.get("original_height")) is None
    )


def _is_image_result(item: Any) -> bool:
    """A dict whose `type` is an image result type (a non-string type is not one)."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("type"), str)
        and (item["type"] in IMAGE_TYPES)
    )


def declared_size(item: Any) -> tuple[int, int] | None:
    if not _is_image_result(item):
        return None
    w, h = positive_size(item.get("original_width")), positive_size(item.get("original_height"))
    return (w, h) if w is not None and h is not None else None


def result_to_region(
    item: Any,
    *,
    image_size: tuple[int, int] | None = None,
    text: str | None = None,
) -> tuple[RegionBase | None, list[str]]:
    """(region or None, messages). The item's own original_width/height win over `image_size`.

    `text` is the task text a span indexes into (None: offsets are not checked).
    """
    warnings: list[str] = []
    try:
        region = _convert(item, image_size, text, warnings)
    except Dropped as exc:
        return None, [*warnings, str(exc)]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "value"
        return None, [*warnings, f"result dropped: {where}: {first.get('msg', 'invalid')}"]
    return region, warnings


def _convert(
    item: Any, image_size: tuple[int, int] | None, text: str | None, warnings: list[str]
) -> RegionBase:
    if not isinstance(item, dict):
        raise Dropped(f"result dropped: expected an object, got {type(item).__name__}")
    rtype = item.get("type")
    region_type = REGION_OF_TYPE.get(rtype) if isinstance(rtype, str) else None
    if region_type is None:
        raise Dropped(f"result dropped: type {str(rtype)[:40]!r} is not supported")
    value = item.get("value")
    if not isinstance(value, dict):
        raise Dropped("result dropped: 'value' must be an object")
    base = _base_fields(item, rtype, region_type, value, warnings)
    if region_type in ("box", "polygon", "keypoint"):
        size = declared_size(item) or image_size
        if size is None:
            raise Dropped(
                "result dropped: it needs the image size (no original_width/original_height, "
                "and the image could not be read)"
            )
        return _image_region(region_type, value, size, base, warnings)
    if region_type == "span":
        return _span(value, text, base, warnings)
    if region_type == "choices":
        return Choices(**base)
    if region_type == "text":
        answer = value.get("text", [])
        if isinstance(answer, str):
            answer = [answer]
        if not isinstance(answer, list) or not all(isinstance(t, str) for t in answer):
            raise Dropped("result dropped: textarea 'text' must be a list of strings")
        return TextAnswer(**base, text=tuple(answer))
    rating = number(value.get("rating"))
    if rating is None or not rating.is_integer() or rating < 0:
        raise Dropped(f"result dropped: rating {value.get('rating')!r} is not a whole number ≥ 0")
    return Rating(**base, rating=int(rating))


def _base_fields(
    item: dict[str, Any], rtype: str, region_type: str, value: dict[str, Any], warnings: list[str]
) -> dict[str, Any]:
    control, target = item.get("from_name"), item.get("to_name")
    if not isinstance(control, str) or not control:
        raise Dropped("result dropped: it has no 'from_name' (the control)")
    if not isinstance(target, str) or not target:
        raise Dropped("result dropped: it has no 'to_name' (the object)")
    key = labels_key(rtype)
    labels = value.get(key, []) if key is not None else []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise Dropped(f"result dropped: '{key}' must be a list of strings (nested not supported)")
    base: dict[str, Any] = {"control": control, "target": target, "labels": tuple(labels)}
    rid = item.get("id")
    if isinstance(rid, str) and rid:
        base["id"] = rid
    elif isinstance(rid, int) and not isinstance(rid, bool):
        base["id"] = str(rid)
    elif rid is not None:
        warnings.append(f"result id {str(rid)[:40]!r} is not a string; a new id was given")
    ls_result = (
        {}
        if _RESULT_KEYS.issuperset(item)
        else {k: v for k, v in item.items() if k not in _RESULT_KEYS}
    )
    origin = item.get("origin")
    if origin in _ORIGINS:
        base["origin"] = origin
    elif origin is not None:
        ls_result["origin"] = origin
    score = item.get("score")
    if number(score) is not None:
        base["score"] = float(score)
    elif score is not None:
        ls_result["score"] = score
    rotation = item.get("image_rotation", 0)
    if rotation not in (0, None):
        ls_result["image_rotation"] = rotation
        warnings.append(
            f"image_rotation {rotation!r} (image rotated in Label Studio) is not supported; "
            "coordinates kept as written"
        )
    parent = item.get("parentID")
    if region_type == "keypoint" and isinstance(parent, str):
        base["parent_id"] = parent
    elif parent is not None:
        ls_result["parentID"] = parent
    extra: dict[str, Any] = {}
    if ls_result:
        extra["ls_result"] = ls_result
    known = _KNOWN_VALUE_KEYS[rtype]
    if not known.issuperset(value):
        extra["ls_value"] = {k: v for k, v in value.items() if k not in known}
    if rtype != DEFAULT_TYPE[region_type]:
        extra["ls_type"] = rtype
    base["extra"] = extra
    return base


def _coord(value: dict[str, Any], key: str, default: float | None = None) -> float:
    raw = value.get(key)
    if raw is None and default is not None:
        return default
    n = number(raw)
    if n is None:
        raise Dropped(f"result dropped: {key} = {str(raw)[:40]!r} is not a finite number")
    return n


def _px(pct: float, size: int, key: str) -> float:
    px = pct * size / 100
    if px != px or px in (float("inf"), float("-inf")):
        raise Dropped(f"result dropped: {key} = {pct!r} % is too large")
    return px


def _image_region(
    region_type: str,
    value: dict[str, Any],
    size: tuple[int, int],
    base: dict[str, Any],
    warnings: list[str],
) -> RegionBase:
    w, h = size
    if region_type == "box":
        x, y = _coord(value, "x"), _coord(value, "y")
        bw, bh = _coord(value, "width"), _coord(value, "height")
        rotation = _coord(value, "rotation", 0.0)
        if bw < 0 or bh < 0:
            raise Dropped(f"result dropped: box width/height {bw!r}/{bh!r} % is negative")
        pcts = [x, y, bw, bh]
        region: RegionBase = Box(
            **base,
            x=_px(x, w, "x"),
            y=_px(y, h, "y"),
            width=_px(bw, w, "width"),
            height=_px(bh, h, "height"),
            rotation=rotation,
        )
        xs = [c[0] for c in region.corners()]  # type: ignore[attr-defined]
        ys = [c[1] for c in region.corners()]  # type: ignore[attr-defined]
    elif region_type == "polygon":
        points = value.get("points")
        if not isinstance(points, list) or not points:
            raise Dropped("result dropped: polygon 'points' must be a non-empty list")
        px_points = []
        pcts = []
        for i, point in enumerate(points):
            if not isinstance(point, list | tuple) or len(point) < 2:
                raise Dropped(f"result dropped: polygon point {i} is not an [x, y] pair")
            pair = {"x": point[0], "y": point[1]}
            px_, py_ = _coord(pair, "x"), _coord(pair, "y")
            pcts += [px_, py_]
            px_points.append((_px(px_, w, f"points[{i}].x"), _px(py_, h, f"points[{i}].y")))
        closed = value.get("closed", True)
        if not isinstance(closed, bool):
            warnings.append(f"polygon 'closed' = {str(closed)[:20]!r} is not true/false; closed")
            closed = True
        region = Polygon(**base, points=tuple(px_points), closed=closed)
        xs, ys = [p[0] for p in px_points], [p[1] for p in px_points]
    else:
        x, y = _coord(value, "x"), _coord(value, "y")
        pcts = [x, y]
        region = Keypoint(**base, x=_px(x, w, "x"), y=_px(y, h, "y"))
        xs, ys = [region.x], [region.y]  # type: ignore[attr-defined]
    _check_inside(xs, ys, size, pcts, region_type, warnings)
    return region


def _check_inside(
    xs: list[float],
    ys: list[float],
    size: tuple[int, int],
    pcts: list[float],
    region_type: str,
    warnings: list[str],
) -> None:
    w, h = size
    tol_x, tol_y = w * 1e-9, h * 1e-9
    if min(xs) < -tol_x or min(ys) < -tol_y or max(xs) > w + tol_x or max(ys) > h + tol_y:
        big = max(abs(p) for p in pcts)
        hint = (
            f"; a value of {big:g} > 100 suggests pixels written as percent (formats.md §8.1)"
            if big > 100
            else ""
        )
        warnings.append(f"{region_type} lies partly outside the {w}×{h} image; kept{hint}")
    elif max(abs(p) for p in pcts) <= _NORMALIZED_LIMIT and any(p != 0 for p in pcts):
        warnings.append(
            f"{region_type} coordinates are all ≤ 1 %: they look normalized (0–1) rather "
            "than percent (0–100); kept as percent"
        )


def _span(
    value: dict[str, Any], text: str | None, base: dict[str, Any], warnings: list[str]
) -> RegionBase:
    start, end = value.get("start"), value.get("end")
    s, e = number(start), number(end)
    if s is None or e is None or not s.is_integer() or not e.is_integer():
        if isinstance(start, str) or isinstance(end, str):
            raise Dropped("result dropped: XPath span offsets (HyperText) are not supported yet")
        raise Dropped(f"result dropped: span start/end {start!r}/{end!r} are not whole numbers")
    if s < 0 or e < s:
        raise Dropped(f"result dropped: span {int(s)}–{int(e)} is not a valid range")
    written = value.get("text")
    if written is not None and not isinstance(written, str):
        warnings.append("span 'text' is not a string; ignored")
        written = None
    checked = check_span(text, int(s), int(e), written)
    if checked.warning:
        warnings.append(checked.warning)
    return Span(**base, start=checked.start, end=checked.end, text=checked.text)


__all__ = [
    "DEFAULT_TYPE",
    "IMAGE_TYPES",
    "REGION_OF_TYPE",
    "Dropped",
    "declared_size",
    "labels_key",
    "needs_image_size",
    "region_to_result",
    "region_to_results",
    "result_to_region",
    "result_type_for",
]
