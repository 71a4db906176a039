"""Pascal VOC export (and, from `voc_read`, import): `Annotations/<stem>.xml` per image.

Pixel convention. Our boxes are floats on pixel *edges*: x = 0 is the left edge
of the first pixel and x + width the right edge of the last covered one. By
default we write those edges rounded once, at the very end, with round-half-even:
`xmin = round(x)`, `ymin = round(y)`, `xmax = round(x + width)`,
`ymax = round(y + height)`. That matches the Label Studio converter's 0-based,
no-+1 output on whole-pixel boxes (formats.md §8b: task 1 → 100 150 340 330)
without its `int()` truncation of each part separately (§8 pitfall 6), which can
make xmax a pixel short. With `ctx.options["voc_one_based"] = True` we write the
classic devkit convention — 1-based inclusive pixel indices: `xmin + 1`,
`ymin + 1`, `xmax`, `ymax` (§6, §8 pitfall 7). The reader takes the same choice.

Such a file records its convention in one extra element of `<annotation>`:
`<labelmate_pixel_convention>one_based</labelmate_pixel_convention>`. VOC tools
read the elements they know by name and ignore the rest (the devkit, torchvision's
`VOCDetection`, CVAT, Roboflow), so the element is harmless to them, and
`read_voc` reads such a file one-based without being told. Files without the
element are 0-based pixel edges unless the reader is told `one_based=True`.

`<filename>` is the image's base name and `<folder>` the folder of its media
path relative to the media root (`pcb` for `pcb/pcb-001.png`, empty for an image
at the root), so `read_voc` finds the image under `--media-root` even when the
export folder lies elsewhere.

VOC holds axis-aligned boxes only. A rotated box is written as the box enclosing
its corners, a polygon as its bounding box (both with a warning count), and
keypoints are skipped. Boxes are clipped to the image, as VOC's `bndbox` is the
visible part, and objects that touch or cross the border get `truncated` 1
(`ctx.options["voc_clip"] = False` keeps the unclipped coordinates).
`difficult`, `pose` and `occluded` read from a VOC file come back from
`Region.extra`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from labelmate.core.errors import Location, Problem, Severity
from labelmate.core.regions import Box, Polygon
from labelmate.io.interchange import ExportItem, WriteContext, WriteResult
from labelmate.io.per_image import (
    chosen_annotation,
    count_phrase,
    geometry_bounds,
    image_name,
    known_size,
    unique_stems,
)
from labelmate.io.voc_read import CONVENTION_TAG, ONE_BASED, read_voc

__all__ = ["read_voc", "voc_bndbox", "write_voc"]


def voc_bndbox(
    bounds: tuple[float, float, float, float], one_based: bool = False
) -> tuple[int, int, int, int]:
    """(xmin, ymin, xmax, ymax) for pixel-edge bounds, rounded once, half to even."""
    x1, y1, x2, y2 = (round(v) for v in bounds)
    if one_based:
        return x1 + 1, y1 + 1, x2, y2
    return x1, y1, x2, y2


def write_voc(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """`Annotations/<image stem>.xml` for every task that has an annotation.

    An annotation with no regions still gets an XML with no objects (a checked
    negative image); a task without an annotation gets none. A task whose image
    size is unknown is skipped with a warning: VOC's `size` is required.
    """
    one_based = bool(ctx.options.get("voc_one_based", False))
    clip = bool(ctx.options.get("voc_clip", True))
    result = WriteResult(files=[])
    chosen = [(item, *chosen_annotation(item)) for item in items]
    chosen = [c for c in chosen if c[1] is not None]
    stems, renamed = unique_stems([image_name(item) for item, _, _ in chosen])
    for name, stem in renamed:
        result.problems.append(
            _warning(f"two images share the name stem of '{name}'; written as {stem}.xml")
        )
    counts: Counter[str] = Counter()
    (ctx.out_dir / "Annotations").mkdir(parents=True, exist_ok=True)
    for done, ((item, annotation, dropped), stem) in enumerate(zip(chosen, stems, strict=True)):
        assert annotation is not None
        where = item.task.external_id
        size = known_size(item)
        if size is None:
            result.problems.append(_warning(f"{where}: image size unknown; no XML written"))
            continue
        if dropped:
            result.problems.append(
                _warning(f"{where}: {len(item.annotations)} annotations; only the first is written")
            )
        root = _annotation_element(item, size)
        if one_based:
            _sub(root, CONVENTION_TAG, ONE_BASED)
        objects = 0
        for region in annotation.regions:
            if not isinstance(region, Box | Polygon):
                counts[f"skipped {region.type}"] += 1
                continue
            if isinstance(region, Polygon):
                counts["polygon written as its bounding box"] += 1
            elif region.rotation % 360 != 0:
                counts["rotated box written as its enclosing box"] += 1
            _object(root, region, size, one_based, clip, counts)
            objects += 1
        ET.indent(root)
        relative = Path("Annotations") / f"{stem}.xml"
        ET.ElementTree(root).write(ctx.out_dir / relative, encoding="utf-8", xml_declaration=True)
        result.files.append(relative)
        result.exported_tasks += 1
        result.exported_regions += objects
        if ctx.progress:
            ctx.progress(done + 1, len(chosen))
    if counts:
        result.problems.append(_warning(f"VOC holds boxes only: {count_phrase(dict(counts))}"))
    return result


def _warning(message: str) -> Problem:
    return Problem(Severity.WARNING, message, Location(field="voc export"))


def _sub(parent: ET.Element, tag: str, text: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(text)
    return element


def _annotation_element(item: ExportItem, size: tuple[int, int]) -> ET.Element:
    root = ET.Element("annotation")
    _sub(root, "folder", _media_folder(item))
    _sub(root, "filename", image_name(item))
    size_el = ET.SubElement(root, "size")
    _sub(size_el, "width", size[0])
    _sub(size_el, "height", size[1])
    _sub(size_el, "depth", 3)
    _sub(root, "segmented", 0)
    return root


def _media_folder(item: ExportItem) -> str:
    """The folder of the image's media path relative to the media root ("" at the root)."""
    media = (item.task.media or "").replace("\\", "/").split("?d=")[-1]
    if not media:
        return item.image_path.parent.name if item.image_path else ""
    folder = PurePosixPath(media).parent.as_posix()
    return "" if folder in (".", "/") else folder.lstrip("/")


def _object(
    root: ET.Element,
    region: Box | Polygon,
    size: tuple[int, int],
    one_based: bool,
    clip: bool,
    counts: Counter[str],
) -> None:
    w, h = size
    x1, y1, x2, y2 = geometry_bounds(region)
    truncated = x1 <= 0 or y1 <= 0 or x2 >= w or y2 >= h
    if clip and (x1 < 0 or y1 < 0 or x2 > w or y2 > h):
        counts["box clipped to the image"] += 1
        x1, x2 = (min(max(v, 0.0), float(w)) for v in (x1, x2))
        y1, y2 = (min(max(v, 0.0), float(h)) for v in (y1, y2))
    if len(region.labels) > 1:
        counts["multi-label region written with its first label"] += 1
    obj = ET.SubElement(root, "object")
    _sub(obj, "name", region.label or region.control)
    _sub(obj, "pose", _text_extra(region.extra.get("pose"), "Unspecified"))
    _sub(obj, "truncated", int(truncated))
    _sub(obj, "difficult", 1 if region.extra.get("difficult") in (1, "1", True) else 0)
    if region.extra.get("occluded") in (0, 1, "0", "1"):
        _sub(obj, "occluded", int(region.extra["occluded"]))
    box = ET.SubElement(obj, "bndbox")
    for tag, value in zip(
        ("xmin", "ymin", "xmax", "ymax"), voc_bndbox((x1, y1, x2, y2), one_based), strict=True
    ):
        _sub(box, tag, value)


def _text_extra(value: object, default: str) -> str:
    return value if isinstance(value, str) and value.strip() else default
