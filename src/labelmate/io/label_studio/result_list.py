"""A whole `result` list → regions: pairs merged, unsupported types counted, not crashed on.

Per item work is in :mod:`results`; this module handles what only the list shows:
a bare tool (`rectangle`) and a `labels` item that share an id are one region
(formats.md §3.2), relation results have no region to become (our Annotation has
no place for them yet), and types we do not model (brushes, HyperText, …) are
reported once per kind instead of once per item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from labelmate.core.regions import RegionBase
from labelmate.io.label_studio.results import result_to_region

_BARE_TOOLS = frozenset({"rectangle", "polygon", "keypoint"})  # `ls_type` of a pairable region
_SUPPORTED = frozenset(
    {
        "rectanglelabels",
        "rectangle",
        "polygonlabels",
        "polygon",
        "keypointlabels",
        "keypoint",
        "labels",
        "choices",
        "textarea",
        "rating",
    }
)

Warning = tuple[str, str]  # (field, message)


def results_to_regions(
    results: list[Any],
    *,
    field: str,
    image_size: tuple[int, int] | None,
    text_for: Callable[[Any], str | None],
) -> tuple[list[RegionBase], list[Warning]]:
    """Regions of one annotation's `result` list, and what was dropped or doubtful.

    `field` prefixes messages ("annotations[0].result"); `text_for(to_name)` gives
    the task text a span on that object indexes into.
    """
    warnings: list[Warning] = []
    regions: list[RegionBase] = []
    deferred: list[tuple[int, dict[str, Any]]] = []  # `labels` items that may pair with a tool
    unsupported: Counter[str] | None = None
    for k, item in enumerate(results):
        text = None
        if isinstance(item, dict):
            rtype = item.get("type")
            if rtype == "labels":
                value = item.get("value")
                if isinstance(value, dict) and "start" not in value and _key(item.get("id")):
                    deferred.append((k, item))
                    continue
                text = text_for(item.get("to_name"))
            elif not isinstance(rtype, str) or rtype not in _SUPPORTED:
                unsupported = unsupported if unsupported is not None else Counter()
                unsupported[str(rtype)[:40]] += 1
                continue
        _add(regions, warnings, f"{field}[{k}]", item, image_size, text)
    if deferred:
        _pair(regions, warnings, deferred, field, image_size, text_for)
    for rtype, count in sorted((unsupported or {}).items()):
        what = "relations are" if rtype == "relation" else f"results of type '{rtype}' are"
        warnings.append((field, f"{what} not supported yet; {count} dropped"))
    return regions, warnings


def _add(
    regions: list[RegionBase],
    warnings: list[Warning],
    where: str,
    item: Any,
    image_size: tuple[int, int] | None,
    text: str | None,
) -> None:
    region, messages = result_to_region(item, image_size=image_size, text=text)
    if messages:
        warnings.extend((where, m) for m in messages)
    if region is not None:
        regions.append(region)


def _pair(
    regions: list[RegionBase],
    warnings: list[Warning],
    deferred: list[tuple[int, dict[str, Any]]],
    field: str,
    image_size: tuple[int, int] | None,
    text_for: Callable[[Any], str | None],
) -> None:
    """Merge each `labels` item into the bare tool region with its id; convert the rest."""
    by_id: dict[str, int] = {}
    for i, region in enumerate(regions):
        if region.extra.get("ls_type") in _BARE_TOOLS:
            by_id.setdefault(region.id, i)
    for k, item in deferred:
        i = by_id.pop(str(item["id"]), None)
        merged = _merge_pair(regions[i], item, field, warnings) if i is not None else None
        if merged is not None and i is not None:
            regions[i] = merged
        else:
            text = text_for(item.get("to_name"))
            _add(regions, warnings, f"{field}[{k}]", item, image_size, text)


def _key(value: Any) -> str | None:
    """Region ids as results.py stores them: strings, ints as their decimal form."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _merge_pair(
    region: RegionBase, item: dict[str, Any], field: str, warnings: list[Warning]
) -> RegionBase | None:
    labels = item["value"].get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        warnings.append((field, f"labels paired with region {region.id} are not strings; ignored"))
        return None
    pair = {k: v for k, v in item.items() if k != "id"}
    pair["value"] = {k: v for k, v in item["value"].items() if k != "labels"}
    extra = {**region.extra, "ls_pair": pair}
    return region.model_copy(update={"labels": (*region.labels, *labels), "extra": extra})
