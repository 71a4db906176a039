"""Write labelme JSON: one file per image that labelme itself opens.

The keys mirror what labelme's `LabelFile.load` requires (`imageData`,
`imagePath`, `shapes`; each shape with `label`, `points`, `shape_type`, and
optional `flags`, `description`, `group_id`, `mask`). `imageData` is always null:
labelme then loads the image from `imagePath`, which is relative to the JSON's
folder. Rectangles are written as labelme draws them, two corners
`[[x1, y1], [x2, y2]]`; labelme has no rotated rectangle, so a rotated box becomes
a polygon of its four corners (with a warning).

The writer's `out_dir` is a staging folder the export use-case moves into place,
so `imagePath` is computed from `ctx.options["dest_dir"]` (the final folder) when
the use-case gives it, else from `out_dir`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labelmate.core.errors import Location, Problem, Severity
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.io.interchange import ExportItem, WriteContext, WriteResult
from labelmate.io.per_image import (
    chosen_annotation,
    count_phrase,
    image_name,
    known_size,
    unique_stems,
)

LABELME_VERSION = "5.5.0"


def write_labelme(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """One `<image stem>.json` per task that has an annotation, in `ctx.out_dir`.

    Tasks without an annotation get no file (labelme treats a missing JSON as
    "not labelled yet"); an annotation with no regions gets a file with no shapes.
    """
    result = WriteResult(files=[])
    chosen = [(item, *chosen_annotation(item)) for item in items]
    chosen = [c for c in chosen if c[1] is not None]
    stems, renamed = unique_stems([_name_key(item) for item, _, _ in chosen])
    for name, stem in renamed:
        result.problems.append(
            _problem(f"two images share the name stem of '{name}'; written as {stem}.json")
        )
    dest = Path(ctx.options.get("dest_dir") or ctx.out_dir)
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    skipped: Counter[str] = Counter()
    for done, ((item, annotation, dropped), stem) in enumerate(zip(chosen, stems, strict=True)):
        assert annotation is not None
        where = item.task.external_id
        if dropped:
            result.problems.append(
                _problem(f"{where}: {len(item.annotations)} annotations; only the first is written")
            )
        shapes: list[dict[str, Any]] = []
        rotated = unlabelled = 0
        for region in annotation.regions:
            shape = _shape(region)
            if shape is None:
                skipped[region.type] += 1
                continue
            rotated += isinstance(region, Box) and region.rotation != 0
            unlabelled += not region.labels
            shapes.append(shape)
        if rotated:
            result.problems.append(
                _problem(
                    f"{where}: {rotated} rotated box(es) written as 4-corner polygons; "
                    "labelme has no rotated rectangle"
                )
            )
        if unlabelled:
            result.problems.append(
                _problem(
                    f"{where}: {unlabelled} region(s) without a label named after their control"
                )
            )
        size = known_size(item)
        if size is None:
            result.problems.append(
                _problem(f"{where}: image size unknown; imageWidth/imageHeight written as null")
            )
        doc = {
            "version": LABELME_VERSION,
            "flags": {},
            "shapes": shapes,
            "imagePath": _image_path(item, dest),
            "imageData": None,
            "imageHeight": size[1] if size else None,
            "imageWidth": size[0] if size else None,
        }
        relative = Path(f"{stem}.json")
        (ctx.out_dir / relative).write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        result.files.append(relative)
        result.exported_tasks += 1
        result.exported_regions += len(shapes)
        if ctx.progress:
            ctx.progress(done + 1, len(chosen))
    if skipped:
        result.problems.append(
            _problem(
                f"skipped {count_phrase(dict(skipped))} region(s): labelme holds image shapes only"
            )
        )
    return result


def _problem(message: str) -> Problem:
    return Problem(Severity.WARNING, message, Location(field="labelme export"))


def _name_key(item: ExportItem) -> str:
    return image_name(item)


def _image_path(item: ExportItem, dest: Path) -> str:
    """The image path relative to the JSON's folder, with forward slashes."""
    if item.image_path is None:
        return item.task.media or image_name(item)
    try:
        return Path(os.path.relpath(item.image_path, dest)).as_posix()
    except ValueError:  # a different drive on Windows: only an absolute path works
        return item.image_path.as_posix()


def _shape(region: object) -> dict[str, Any] | None:
    """A labelme shape dict, or None for regions labelme cannot hold."""
    if isinstance(region, Box):
        if region.rotation == 0:
            x1, y1, x2, y2 = region.bounds()
            kind, points = "rectangle", [[x1, y1], [x2, y2]]
        else:
            kind, points = "polygon", [[x, y] for x, y in region.corners()]
    elif isinstance(region, Polygon):
        kind, points = "polygon", [[x, y] for x, y in region.points]
    elif isinstance(region, Keypoint):
        kind, points = "point", [[region.x, region.y]]
    else:
        return None
    extra = region.extra
    group_id = extra.get("group_id")
    description = extra.get("description")
    flags = extra.get("flags")
    return {
        "label": region.label or region.control,
        "points": points,
        "group_id": group_id
        if isinstance(group_id, int) and not isinstance(group_id, bool)
        else None,
        "description": description if isinstance(description, str) else "",
        "shape_type": kind,
        "flags": flags if _valid_flags(flags) else {},
        "mask": None,
    }


def _valid_flags(flags: object) -> bool:
    """labelme asserts shape flags map text to booleans; anything else would not load."""
    return isinstance(flags, dict) and all(
        isinstance(k, str) and isinstance(v, bool) for k, v in flags.items()
    )
