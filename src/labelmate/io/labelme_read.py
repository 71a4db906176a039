"""Read labelme (and X-AnyLabeling) JSON: one file per image, shapes in pixels.

labelme writes `{version, flags, shapes[{label, points, group_id, description,
shape_type, flags, mask?}], imagePath, imageData, imageHeight, imageWidth}`.
Shapes map to our regions: `rectangle` → Box (two opposite corners in any order,
or X-AnyLabeling's four corners), X-AnyLabeling's `rotation` → a rotated Box,
`polygon` → Polygon, `point` → Keypoint. labelme's circle, line, linestrip,
points and mask shapes have no Label Studio counterpart; they are skipped and
counted in a warning so nobody believes they were imported.

`imagePath` is relative to the JSON file's folder. Embedded `imageData` is never
decoded or written anywhere: the image file is what Labelmate shows, so a file
that only exists as embedded bytes is refused with a message saying so.

`group_id`, `description`, shape `flags` and unknown shape keys go to
`Region.extra` so a labelme → Labelmate → labelme trip keeps them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.core.regions import Box, Keypoint, Polygon, Region
from labelmate.io.interchange import ImportedAnnotation, ImportedTask, ReadContext, ReadResult
from labelmate.io.per_image import (
    MAX_COORD,
    ImageTargets,
    count_phrase,
    geometry_bounds,
    image_size_of,
    input_files,
    outside,
    resolve_beside,
    warn_once,
)
from labelmate.io.text_files import decode_utf8, read_bytes

_KNOWN_SHAPE_KEYS = {"label", "points", "group_id", "description", "shape_type", "flags", "mask"}
_UNSUPPORTED = {"circle", "line", "linestrip", "points", "mask", "cuboid", "ellipse"}
# Relative tolerance for "these four points form a rectangle".
_RECT_TOL = 1e-4


def read_labelme(path: Path, ctx: ReadContext) -> ReadResult:
    """A folder of labelme JSON files (recursive, naturally sorted) or one file.

    A single file that is not labelme JSON raises InputError; in a folder such a
    file is reported in `ReadResult.problems` and skipped, so one stray JSON does
    not block a thousand good ones.
    """
    single = path.is_file()
    files = input_files(path, {".json"}, "labelme .json files")
    targets = ImageTargets(ctx.interface)
    tasks: list[ImportedTask] = []
    problems: list[Problem] = []
    for done, file in enumerate(files):
        try:
            doc = _load(file)
        except InputError as err:
            if single:
                raise
            problems.append(Problem(Severity.ERROR, f"skipped: {err.message}", err.location))
            continue
        task = ImportedTask(index=len(tasks), source=str(file), data={})
        _read_task(doc, file, task, targets, ctx)
        tasks.append(task)
        if ctx.progress:
            ctx.progress(done + 1, len(files))
    return ReadResult(tasks=tasks, problems=problems, config_xml=targets.config_xml())


def _load(file: Path) -> dict[str, Any]:
    source = str(file)
    text = decode_utf8(read_bytes(file), source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"not valid JSON: {err.msg}", Location(file=source, line=err.lineno, column=err.colno)
        ) from None
    except RecursionError:
        raise InputError("JSON is nested too deeply", Location(file=source)) from None
    if not isinstance(doc, dict) or not ("shapes" in doc or "imagePath" in doc):
        raise InputError(
            "not a labelme file: expected an object with 'shapes' and 'imagePath'",
            Location(file=source, line=1, column=1),
        )
    return doc


def _read_task(
    doc: dict[str, Any], file: Path, task: ImportedTask, targets: ImageTargets, ctx: ReadContext
) -> None:
    key = targets.image_key
    image_path = doc.get("imagePath")
    has_data = isinstance(doc.get("imageData"), str) and bool(doc["imageData"])
    if not isinstance(image_path, str) or not image_path.strip() or not _encodable(image_path):
        task.data = {key: None}
        task.refuse(
            "imagePath is missing, empty or not valid text"
            + ("; embedded imageData is not extracted, so there is no image" if has_data else ""),
            "imagePath",
        )
        return
    ref = resolve_beside(ctx.media, file.parent, image_path)
    task.data = {key: ref.relative or image_path}
    if ref.refused:
        task.refuse(f"imagePath '{image_path}': {ref.problem}", "imagePath")
        return
    task.media = ref.relative
    task.external_id = ref.relative
    if has_data:
        if not ref.exists:
            task.refuse(
                f"image file '{image_path}' not found next to the JSON, and the image embedded "
                "in imageData is not extracted; put the image file beside the JSON",
                "imageData",
            )
            return
        task.warn("embedded imageData is ignored; the image file is used instead", "imageData")

    size = image_size_of(doc.get("imageWidth"), doc.get("imageHeight"))
    if size is None and (doc.get("imageWidth") is not None or doc.get("imageHeight") is not None):
        task.warn(
            f"imageWidth/imageHeight ({doc.get('imageWidth')!r} × {doc.get('imageHeight')!r}) "
            "are not positive whole numbers; the size is read from the image instead",
            "imageWidth",
        )
    task.image_size = size

    shapes = doc.get("shapes")
    if shapes is None:
        shapes = []
    if not isinstance(shapes, list):
        task.warn(f"shapes must be a list, got {type(shapes).__name__}; no regions read", "shapes")
        return
    regions: list[Region] = []
    skipped: Counter[str] = Counter()
    for i, shape in enumerate(shapes):
        region = _read_shape(shape, f"shapes[{i}]", task, targets, skipped, size)
        if region is not None:
            regions.append(region)
    if skipped:
        task.warn(
            f"skipped {count_phrase(dict(skipped))} shape(s): Labelmate has no matching "
            "region type (rectangles, rotated rectangles, polygons and points are read)",
            "shapes",
        )
    task.annotations.append(ImportedAnnotation(regions=regions))


def _encodable(text: str) -> bool:
    """False for text with lone surrogates (JSON allows "\\ud800"); it cannot be stored."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _points(value: object) -> list[tuple[float, float]] | None:
    if not isinstance(value, list) or not value:
        return None
    out: list[tuple[float, float]] = []
    for point in value:
        if not isinstance(point, list | tuple) or len(point) != 2:
            return None
        x, y = point
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (x, y)):
            return None
        out.append((float(x), float(y)))
    return out


def _read_shape(
    shape: object,
    where: str,
    task: ImportedTask,
    targets: ImageTargets,
    skipped: Counter[str],
    size: tuple[int, int] | None,
) -> Region | None:
    if not isinstance(shape, dict):
        task.warn(f"a shape must be an object, got {type(shape).__name__}; skipped", where)
        return None
    shape_type = shape.get("shape_type") or "polygon"  # labelme < 4 wrote no shape_type
    if not isinstance(shape_type, str):
        task.warn(f"shape_type must be text, got {shape_type!r}; skipped", where)
        return None
    if shape_type in _UNSUPPORTED or shape_type not in {
        "rectangle",
        "rotation",
        "polygon",
        "point",
    }:
        skipped[shape_type] += 1
        return None
    label = shape.get("label")
    if not isinstance(label, str) or not label.strip() or not _encodable(label):
        task.warn(f"label must be non-empty text, got {label!r}; shape skipped", f"{where}.label")
        return None
    points = _points(shape.get("points"))
    if points is None:
        task.warn("points must be a non-empty list of [x, y] numbers; shape skipped", where)
        return None
    if not all(math.isfinite(c) and abs(c) <= MAX_COORD for p in points for c in p):
        task.warn(
            f"points hold NaN, infinite or implausibly large values; {label!r} skipped", where
        )
        return None
    kind, fields = _geometry(shape_type, points, label, where, task)
    if kind is None:
        return None
    control, target, known = targets.names(kind)
    if not known:
        warn_once(task, f"the project config has no {kind} control; '{control}' is used", "shapes")
    targets.check_label(kind, label, task, f"{where}.label")
    region: Region
    extra = _extra(shape)
    common: dict[str, Any] = {"control": control, "target": target, "labels": (label,)}
    if kind == "box":
        region = Box(**common, **fields, extra=extra)
    elif kind == "polygon":
        region = Polygon(**common, **fields, extra=extra)
    else:
        region = Keypoint(**common, **fields, extra=extra)
    if outside(geometry_bounds(region), size):
        task.warn(f"{label!r} lies partly outside the {size[0]}×{size[1]} image; kept", where)  # type: ignore[index]
    return region


def _geometry(
    shape_type: str, points: list[tuple[float, float]], label: str, where: str, task: ImportedTask
) -> tuple[str | None, dict[str, Any]]:
    """(region kind, model fields) for a supported shape, or (None, {}) after a warning."""
    n = len(points)
    if shape_type == "point":
        if n != 1:
            task.warn(f"a point needs 1 point, got {n}; {label!r} skipped", where)
            return None, {}
        return "keypoint", {"x": points[0][0], "y": points[0][1]}
    if shape_type == "polygon":
        if n < 3:
            task.warn(f"a polygon needs at least 3 points, got {n}; {label!r} skipped", where)
            return None, {}
        return "polygon", {"points": tuple(points), "closed": True}
    if shape_type == "rectangle" and n == 2:
        (x1, y1), (x2, y2) = points
        return "box", {
            "x": min(x1, x2),
            "y": min(y1, y2),
            "width": abs(x2 - x1),
            "height": abs(y2 - y1),
        }
    if n != 4:
        task.warn(f"a {shape_type} needs 2 or 4 points, got {n}; {label!r} skipped", where)
        return None, {}
    xs = sorted({p[0] for p in points})
    ys = sorted({p[1] for p in points})
    corners = {(x, y) for x in xs for y in ys}
    if shape_type == "rectangle" and len(corners) == 4 and set(points) == corners:
        # X-AnyLabeling writes an axis-aligned rectangle as its 4 corners
        return "box", {"x": xs[0], "y": ys[0], "width": xs[1] - xs[0], "height": ys[1] - ys[0]}
    fields = box_from_corners(points)
    if fields is None:
        task.warn(f"the 4 points of {label!r} do not form a rectangle; read as a polygon", where)
        return "polygon", {"points": tuple(points), "closed": True}
    return "box", fields


def box_from_corners(points: list[tuple[float, float]]) -> dict[str, float] | None:
    """x, y, width, height, rotation of the Box whose `corners()` are these 4 points.

    The first point becomes the pivot; the edge to the neighbour that keeps the
    corners clockwise on screen is the width. An axis-aligned result gets rotation
    0 exactly. None when the points are not a (non-degenerate) rectangle.
    """
    p0, p1, p2, p3 = points
    ux, uy = p1[0] - p0[0], p1[1] - p0[1]
    vx, vy = p3[0] - p0[0], p3[1] - p0[1]
    cross = ux * vy - uy * vx
    if cross < 0:  # counter-clockwise on screen: walk the other way round
        ux, uy, vx, vy = vx, vy, ux, uy
        cross = -cross
    w, h = math.hypot(ux, uy), math.hypot(vx, vy)
    if w == 0 or h == 0 or cross == 0:
        return None
    scale = max(w, h)
    if abs(ux * vx + uy * vy) > _RECT_TOL * w * h:
        return None
    if math.hypot(p0[0] + ux + vx - p2[0], p0[1] + uy + vy - p2[1]) > _RECT_TOL * scale:
        return None
    rotation = math.degrees(math.atan2(uy, ux)) % 360.0
    if uy == 0 and ux > 0:
        rotation = 0.0
    return {"x": p0[0], "y": p0[1], "width": w, "height": h, "rotation": rotation}


def _extra(shape: dict[str, Any]) -> dict[str, Any]:
    """labelme's per-shape keys we do not model, kept for the trip back."""
    extra: dict[str, Any] = {}
    if shape.get("group_id") is not None:
        extra["group_id"] = shape["group_id"]
    if shape.get("description"):
        extra["description"] = shape["description"]
    if shape.get("flags"):
        extra["flags"] = shape["flags"]
    for key, value in shape.items():
        if key not in _KNOWN_SHAPE_KEYS:
            extra[key] = value  # e.g. X-AnyLabeling's direction, difficult, attributes
    return extra
