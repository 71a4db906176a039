"""Tasks → one COCO JSON file, `result.json` (the name Label Studio's export uses).

Conventions, written into the file's `info` block too so nobody has to guess:

* `images[].id` and `annotations[].id` start at **0** and follow export order, as
  the Label Studio converter numbers them (formats.md §8b), so our output diffs
  cleanly against theirs. `info.id_base` says so.
* `categories[].id` come from the project's class map (`image_class_map`): the
  config's `category` attributes when every label has one, else config order
  from 0. Never alphabetical (pitfall 8).
* Coordinates are the stored pixel floats, unrounded. A rotated box is written
  as the axis-aligned box that encloses it (COCO has no rotation; pitfall 5), and
  the number of such boxes is reported. `area` is w·h for boxes (of the enclosing
  box when rotated) and the shoelace area for polygons.
* `file_name` is the task's media path relative to the media root. An image with
  no chosen annotation is still listed when its size is known (so "no objects"
  survives); one of unknown size is left out, with a warning.
* Polygons that share `extra["coco"]["group"]` (a multi-ring object read from
  COCO) become one annotation with several rings again. Keypoints are not
  written (COCO keypoints need a per-category skeleton); they are counted.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Sequence
from typing import Any

from labelmate import __version__
from labelmate.core.class_map import image_class_map
from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.core.regions import Box, Polygon
from labelmate.io.coco_yolo_common import (
    chosen_annotation,
    export_image_size,
    media_name,
    size_reader,
)
from labelmate.io.interchange import ExportItem, WriteContext, WriteResult

RESULT_FILE = "result.json"
ID_BASE = 0


def write_coco(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """Write `result.json` into ctx.out_dir; problems are counted, not raised."""
    # Hundreds of thousands of small dicts make the cyclic GC rescan everything over
    # and over (about half the run time); none of them form cycles, so pause it.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _write_coco(items, ctx)
    finally:
        if gc_was_enabled:
            gc.enable()


def _write_coco(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    class_map = image_class_map(ctx.interface, frozenset({"box", "polygon"}))
    if not class_map.names:
        raise InputError(
            "the project's config has no RectangleLabels or PolygonLabels labels to export",
            Location(file=ctx.interface.source),
        )
    class_ids = dict(zip(class_map.names, class_map.ids, strict=True))
    sizes = size_reader()
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    counts = {"rotated": 0, "unlabeled": 0, "unknown": 0, "keypoint": 0, "degenerate": 0}
    unknown_labels: set[str] = set()
    no_size: list[str] = []
    total = len(items)
    for n, item in enumerate(items):
        if ctx.progress and n % 1000 == 0:
            ctx.progress(n, total)
        annotation = chosen_annotation(item)
        name = media_name(item.task)
        size = export_image_size(item, sizes)
        regions = annotation.regions if annotation else []
        if size is None and not regions:
            no_size.append(name)
            continue
        image_id = len(images) + ID_BASE
        images.append(
            {
                "id": image_id,
                "file_name": name,
                "width": size[0] if size else None,
                "height": size[1] if size else None,
            }
        )
        groups: dict[Any, dict[str, Any]] = {}
        for region in regions:
            if isinstance(region, Box):
                label = region.labels[0] if region.labels else None
                if region.rotation % 360:
                    x0, y0, x1, y1 = region.bounds()
                    bbox = [x0, y0, x1 - x0, y1 - y0]
                    counts["rotated"] += 1
                else:
                    bbox = [region.x, region.y, region.width, region.height]
                ring: list[float] | None = None
                area = bbox[2] * bbox[3]
            elif isinstance(region, Polygon):
                label = region.labels[0] if region.labels else None
                if len(region.points) < 3:
                    counts["degenerate"] += 1
                    continue
                ring = [c for point in region.points for c in point]
                xs, ys = ring[0::2], ring[1::2]
                bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
                area = _shoelace(xs, ys)
            else:
                if region.type == "keypoint":
                    counts["keypoint"] += 1
                continue
            if label is None:
                counts["unlabeled"] += 1
                continue
            category_id = class_ids.get(label)
            if category_id is None:
                counts["unknown"] += 1
                unknown_labels.add(label)
                continue
            group = _group(region) if ring is not None else None
            if group is not None and (group, label) in groups:
                _join(groups[(group, label)], ring or [], area)
                continue
            record: dict[str, Any] = {
                "id": len(annotations) + ID_BASE,
                "image_id": image_id,
                "category_id": category_id,
                "bbox": bbox,
                "area": area,
                "segmentation": [ring] if ring is not None else [],
                "iscrowd": 0,
                "ignore": 0,
            }
            if region.score is not None:
                record["score"] = region.score
            annotations.append(record)
            if group is not None:
                groups[(group, label)] = record
        if size is None:
            no_size.append(name)

    doc = {
        "info": {
            "description": f"Labelmate {__version__} export of project '{ctx.project.name}'",
            "version": __version__,
            "id_base": ID_BASE,
            "category_ids": class_map.source,
        },
        "images": images,
        "annotations": annotations,
        "categories": [
            {"id": cid, "name": name, "supercategory": ""}
            for name, cid in zip(class_map.names, class_map.ids, strict=True)
        ],
    }
    target = ctx.out_dir / RESULT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    # json.dumps, not json.dump: only the one-shot call uses the C encoder (~5× faster).
    target.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), "utf-8")
    if ctx.progress:
        ctx.progress(total, total)
    problems = _problems(counts, unknown_labels, no_size, images, RESULT_FILE)
    return WriteResult(
        files=[target.relative_to(ctx.out_dir)],
        problems=problems,
        exported_tasks=len(images),
        exported_regions=len(annotations),
    )


def _shoelace(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    twice = sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))
    return abs(twice) / 2.0


def _group(region: Polygon) -> Any:
    coco = region.extra.get("coco")
    group = coco.get("group") if isinstance(coco, dict) else None
    return group if isinstance(group, int | str) and not isinstance(group, bool) else None


def _join(record: dict[str, Any], ring: list[float], area: float) -> None:
    """Add one more ring to a multi-ring object: union bbox, summed area."""
    record["segmentation"].append(ring)
    x, y, w, h = record["bbox"]
    xs, ys = ring[0::2], ring[1::2]
    x0, y0 = min(x, *xs), min(y, *ys)
    x1, y1 = max(x + w, *xs), max(y + h, *ys)
    record["bbox"] = [x0, y0, x1 - x0, y1 - y0]
    record["area"] += area


def _problems(
    counts: dict[str, int],
    unknown_labels: set[str],
    no_size: list[str],
    images: list[dict[str, Any]],
    file_name: str,
) -> list[Problem]:
    where = Location(file=file_name)
    out: list[Problem] = []

    def warn(message: str) -> None:
        out.append(Problem(Severity.WARNING, message, where))

    if counts["rotated"]:
        warn(f"{counts['rotated']} rotated box(es) written as their enclosing axis-aligned box")
    if counts["unknown"]:
        names = ", ".join(sorted(unknown_labels)[:5])
        warn(f"{counts['unknown']} region(s) skipped: label not in the class map ({names})")
    if counts["unlabeled"]:
        warn(f"{counts['unlabeled']} region(s) without a label skipped")
    if counts["keypoint"]:
        warn(f"{counts['keypoint']} keypoint(s) not written: COCO keypoint export is not supported")
    if counts["degenerate"]:
        warn(f"{counts['degenerate']} polygon(s) with fewer than 3 points skipped")
    listed = {img["file_name"] for img in images}
    left_out = [n for n in no_size if n not in listed]
    sizeless = [n for n in no_size if n in listed]
    if left_out:
        warn(
            f"{len(left_out)} image(s) with no regions and an unknown size left out "
            f"(e.g. {left_out[0]})"
        )
    if sizeless:
        warn(
            f"{len(sizeless)} image(s) written with width/height null: size unknown "
            f"(e.g. {sizeless[0]})"
        )
    return out
