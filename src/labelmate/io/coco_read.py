"""COCO detection / segmentation / keypoint JSON → imported tasks (formats.md §4).

Two kinds of file are read:

* A **dataset** (an object with `images`, `annotations`, `categories`): one task
  per `images[]` entry; an image's annotations become one annotation of the task
  (whose work it is comes from `--as`). An image listed with **no annotations
  becomes a task with no annotation**, not an empty one: a COCO file lists images
  nobody annotated too (Label Studio's converter lists tasks with
  `"annotations": []`, formats.md §8 pitfall 13, and our writer lists every image
  of known size), so an empty list does not say "reviewed, nothing here". An
  image whose annotations were all unreadable gets none either, with a warning.
* A **results file** (a JSON list of detections, each with `image_id`,
  `category_id`, `bbox`/`segmentation`/`keypoints` and a `score`, as pycocotools'
  `loadRes` and most detectors write): each image's detections become one
  **prediction**, its `model_version` (and author) the file's name without the
  suffix, each region keeping its `score`. A results file names images and
  categories by the ids of its dataset, so the images come from a COCO dataset
  file read earlier in the same import (`labelmate import instances.json
  detections.json`); an `image_id` that is a string is taken as the file name.
  Categories come from that dataset, else from the project's config (its
  `category` attributes or config order, as the COCO writer numbers them).

For both: `external_id` and `media` are the image's `file_name` as written (the
import use-case resolves it), data is `{<image key>: file_name}`, so detections
land on the tasks their dataset made. COCO is already in absolute pixels, so
regions are built without conversion.

Decisions, each chosen so nothing the user labeled disappears silently:

* `bbox` only → a Box. A polygon `segmentation` → one Polygon per ring (the bbox
  is derived from the rings and not kept separately). An object made of several
  rings gets several polygons that share `extra["coco"]["group"]` (the COCO
  annotation id), and the writer joins them back into one annotation. RLE masks
  (a dict) cannot be drawn here: the bbox is kept and the task gets a warning.
* `keypoints` (x, y, v triples) → Keypoint regions named by the category's
  `keypoints` list; v = 0 (not labeled) is skipped. The person box, when there is
  one, becomes the keypoints' parent (`parent_id`); v = 1 (labeled, hidden) is kept
  as `extra["coco"]["visibility"]`. An annotation's `score` becomes the region score.
* `iscrowd` is kept in `extra["coco"]["iscrowd"]` when it is not 0.
* The image size is `width`/`height` when they are positive integers; otherwise
  it is read from the image file (EXIF-aware); when neither works the task is
  refused, because its regions cannot be checked against the image.
* An unknown `category_id`, a malformed bbox or ring, a region outside the image:
  per-task problems. An annotation pointing at an unknown image: a file problem.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from labelmate.core.class_map import image_class_map
from labelmate.core.errors import InputError, LabelmateError, Location, Problem, Severity
from labelmate.core.models import AnnotationKind
from labelmate.core.regions import Box, Keypoint, Polygon, Region
from labelmate.io.coco_yolo_common import (
    ImageTargets,
    check_label,
    generated_config,
    image_targets,
    is_outside,
    positive_int,
)
from labelmate.io.interchange import ImportedAnnotation, ImportedTask, ReadContext, ReadResult
from labelmate.io.per_image import number
from labelmate.io.text_files import decode_utf8, read_bytes

_SHARED = "coco_dataset"  # ReadContext.shared key: the last dataset's images and categories


def read_coco(path: Path, ctx: ReadContext) -> ReadResult:
    """Read a COCO JSON file; whole-file problems raise InputError with a location."""
    source = str(path)
    doc = _load(path, source)
    if isinstance(doc, list):
        return _read_results(doc, path, ctx)
    file_problems: list[Problem] = []

    def file_warn(message: str, field: str | None = None) -> None:
        file_problems.append(Problem(Severity.WARNING, message, Location(file=source, field=field)))

    categories = _categories(doc.get("categories", []), source, file_warn)
    images = _list(doc, "images", source)
    annotations = _list(doc, "annotations", source, required=False)
    targets = image_targets(ctx.interface)

    tasks: list[ImportedTask] = []
    by_image_id: dict[Any, ImportedTask] = {}
    for index, image in enumerate(images):
        task = _task(index, image, source, ctx, targets)
        tasks.append(task)
        image_id = image.get("id") if isinstance(image, dict) else None
        if task.refused or image_id is None:
            continue
        if image_id in by_image_id:
            first = by_image_id[image_id].index + 1
            task.refuse(f"image id {image_id!r} is already used by task {first}", "id")
            continue
        by_image_id[image_id] = task

    grouped, missing = _by_image(annotations, "annotations", by_image_id.keys(), file_warn)
    for image_id, anns in grouped.items():
        task = by_image_id[image_id]
        builder = _RegionBuilder(task, categories, targets)
        for i, ann in anns:
            builder.add(i, ann)
        if builder.regions:
            task.annotations.append(ImportedAnnotation(regions=builder.regions))
        else:  # stored empty, it would say "reviewed, nothing here"
            task.warn(
                f"none of its {len(anns)} annotation(s) could be read; the image is imported "
                "without an annotation"
            )
    if missing:
        refused = sum(t.refused for t in tasks)
        why = " (or to a refused image)" if refused else ""
        file_warn(f"{missing} annotation(s) point to an image id not in 'images'{why}; skipped")
    if ctx.progress:
        ctx.progress(len(tasks), len(tasks))
    ctx.shared[_SHARED] = _Dataset(
        {i: (t.media or "", t.image_size) for i, t in by_image_id.items() if not t.refused},
        categories,
    )

    config = None
    if not targets.from_interface:
        config = _config(categories, tasks)
    return ReadResult(tasks=tasks, problems=file_problems, config_xml=config)


class _Dataset:
    """What a results file read later in the same import needs from its dataset."""

    __slots__ = ("categories", "images")

    def __init__(
        self,
        images: dict[Any, tuple[str, tuple[int, int] | None]],
        categories: dict[int, _Category],
    ) -> None:
        self.images = images  # image id → (file_name, size)
        self.categories = categories


def _by_image(
    items: list[Any], key: str, known: Any, file_warn: Any
) -> tuple[dict[Any, list[tuple[int, dict[str, Any]]]], int]:
    """Annotations (or detections) grouped by a known image id, in file order, and how
    many name an image id that is not known."""
    grouped: dict[Any, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    missing = 0
    for i, ann in enumerate(items):
        if not isinstance(ann, dict):
            file_warn("an entry must be an object; skipped", f"{key}[{i}]")
            continue
        image_id = ann.get("image_id")
        if not isinstance(image_id, int | str) or isinstance(image_id, bool):
            file_warn(f"image_id {image_id!r} is not an id; skipped", f"{key}[{i}]")
            continue
        if image_id in known:
            grouped[image_id].append((i, ann))
        else:
            missing += 1
    return grouped, missing


def _read_results(rows: list[Any], path: Path, ctx: ReadContext) -> ReadResult:
    """A results file: each image's detections become one prediction (see the docstring)."""
    source = str(path)
    file_problems: list[Problem] = []

    def file_warn(message: str, field: str | None = None) -> None:
        file_problems.append(Problem(Severity.WARNING, message, Location(file=source, field=field)))

    dataset = ctx.shared.get(_SHARED)
    targets = image_targets(ctx.interface)
    categories = dataset.categories if dataset is not None else _config_categories(ctx, source)
    images: dict[Any, tuple[str, tuple[int, int] | None]] = dict(dataset.images) if dataset else {}
    for row in rows:  # a string image id is the image's file name
        image_id = row.get("image_id") if isinstance(row, dict) else None
        if isinstance(image_id, str) and image_id.strip() and image_id not in images:
            images[image_id] = (image_id, None)
    grouped, missing = _by_image(rows, "detections", images.keys(), file_warn)
    if missing and not grouped:
        raise InputError(
            f"none of the {missing} detection(s) name an image this import knows: a COCO "
            "results file names images by the ids of its dataset, so import the dataset file "
            "first, in the same import (labelmate import instances.json detections.json)",
            Location(file=source),
        )
    model = path.stem
    tasks: list[ImportedTask] = []
    for image_id, detections in grouped.items():
        file_name, size = images[image_id]
        task = ImportedTask(len(tasks), source, {targets.data_key: file_name}, file_name, file_name)
        tasks.append(task)
        task.image_size = size or _size_from_file(task, file_name, ctx, "a results file has none")
        if task.refused:
            continue
        builder = _RegionBuilder(task, categories, targets, "detections")
        for i, detection in detections:
            builder.add(i, detection)
        if not builder.regions:
            task.warn(f"none of its {len(detections)} detection(s) could be read; skipped")
            continue
        task.annotations.append(
            ImportedAnnotation(
                regions=builder.regions,
                kind=AnnotationKind.PREDICTION,
                author=model,
                model_version=model,
            )
        )
    if missing:
        file_warn(
            f"{missing} detection(s) name an image id that no COCO dataset read earlier in this "
            "import lists; skipped"
        )
    if ctx.progress:
        ctx.progress(len(tasks), len(tasks))
    config = None if targets.from_interface else _config(categories, tasks)
    return ReadResult(tasks=tasks, problems=file_problems, config_xml=config)


def _config_categories(ctx: ReadContext, source: str) -> dict[int, _Category]:
    """Category id → label from the project's config, numbered as the COCO writer does."""
    where = Location(file=source)
    if ctx.interface is None:
        raise InputError(
            "a COCO results file names categories only by id: import it into a project with "
            "a labeling config (--config), or after its dataset file in the same import",
            where,
        )
    try:
        class_map = image_class_map(ctx.interface, frozenset({"box", "polygon", "keypoint"}))
    except LabelmateError as exc:
        raise InputError(f"the config's category ids cannot be used: {exc}", where) from None
    if not class_map.names:
        raise InputError("the project's config has no image labels to match categories", where)
    return {
        cid: _Category(name, []) for name, cid in zip(class_map.names, class_map.ids, strict=True)
    }


def _load(path: Path, source: str) -> dict[str, Any] | list[Any]:
    text = decode_utf8(read_bytes(path), source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", Location(file=source, line=exc.lineno, column=exc.colno)
        ) from None
    except RecursionError:
        raise InputError("the JSON is nested too deeply", Location(file=source)) from None
    if isinstance(doc, list):
        if not is_results_list(doc):
            raise InputError(
                "a COCO results file is a list of detections with 'image_id' and 'category_id'",
                Location(file=source, line=1, column=1),
            )
        return doc
    if not isinstance(doc, dict) or "images" not in doc:
        raise InputError(
            "a COCO file is a JSON object with 'images', 'annotations' and 'categories'",
            Location(file=source, line=1, column=1),
        )
    return doc


def is_results_list(doc: Any) -> bool:
    """A COCO results file: a list whose objects are detections (image and category ids)."""
    first = next((row for row in doc if isinstance(row, dict)), None) if doc else None
    return first is not None and "image_id" in first and "category_id" in first


def _list(doc: dict[str, Any], key: str, source: str, *, required: bool = True) -> list[Any]:
    value = doc.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InputError(
            f"'{key}' must be a list, got {type(value).__name__}",
            Location(file=source, field=key),
        )
    return value


class _Category:
    __slots__ = ("keypoints", "name")

    def __init__(self, name: str, keypoints: list[str]) -> None:
        self.name = name
        self.keypoints = keypoints


def _categories(raw: Any, source: str, warn: Any) -> dict[int, _Category]:
    if not isinstance(raw, list):
        raise InputError(
            f"'categories' must be a list, got {type(raw).__name__}",
            Location(file=source, field="categories"),
        )
    out: dict[int, _Category] = {}
    for i, cat in enumerate(raw):
        field = f"categories[{i}]"
        if not isinstance(cat, dict):
            warn("a category must be an object; skipped", field)
            continue
        cid, name = cat.get("id"), cat.get("name")
        if not isinstance(cid, int) or isinstance(cid, bool) or abs(cid) > 2**31:
            warn(f"category id {cid!r} is not an integer; skipped", field)
            continue
        if not isinstance(name, str) or not name.strip():
            warn(f"category {cid} has no name; skipped", field)
            continue
        if cid in out:
            warn(f"category id {cid} is repeated; the first ('{out[cid].name}') is kept", field)
            continue
        if any(c.name == name for c in out.values()):
            warn(f"category name '{name}' is used by two ids; both import as one label", field)
        kps = cat.get("keypoints")
        names = [k for k in kps if isinstance(k, str)] if isinstance(kps, list) else []
        out[cid] = _Category(name, names)
    return out


def _task(
    index: int, image: Any, source: str, ctx: ReadContext, targets: ImageTargets
) -> ImportedTask:
    task = ImportedTask(index=index, source=source, data={})
    if not isinstance(image, dict):
        task.refuse(f"an image entry must be an object, got {type(image).__name__}")
        return task
    file_name = image.get("file_name")
    if not isinstance(file_name, str) or not file_name.strip():
        task.refuse("the image has no 'file_name'", "file_name")
        return task
    image_id = image.get("id")
    if not isinstance(image_id, int | str) or isinstance(image_id, bool):
        task.refuse(f"image id {image_id!r} is not an id", "id")
        return task
    task.external_id = file_name
    task.media = file_name
    task.data = {targets.data_key: file_name}
    width, height = positive_int(image.get("width")), positive_int(image.get("height"))
    if width and height:
        task.image_size = (width, height)
        return task
    declared = f"width={image.get('width')!r}, height={image.get('height')!r}"
    task.image_size = _size_from_file(task, file_name, ctx, declared)
    if task.image_size and (image.get("width") is not None or image.get("height") is not None):
        task.warn(f"image size {declared} is not positive integers; read {task.image_size} instead")
    return task


def _size_from_file(
    task: ImportedTask, file_name: str, ctx: ReadContext, declared: str
) -> tuple[int, int] | None:
    """The image file's size; without one the task is refused (its regions cannot be
    checked against the image)."""
    ref = ctx.media.resolve(file_name)
    if ref.path is None or ref.refused:
        task.refuse(f"image size unknown ({declared}) and the image cannot be read: {ref.problem}")
        return None
    try:
        return ctx.media.image_size(ref.path)
    except OSError as exc:
        task.refuse(f"image size unknown ({declared}) and the image cannot be read: {exc}")
        return None


class _RegionBuilder:
    """Turns the COCO annotations of one image into regions, noting problems on the task."""

    def __init__(
        self,
        task: ImportedTask,
        categories: dict[int, _Category],
        targets: ImageTargets,
        key: str = "annotations",
    ) -> None:
        self.key = key  # the list the items come from, for messages
        self.task = task
        self.categories = categories
        self.targets = targets
        self.regions: list[Region] = []
        self.warned: set[tuple[str, str]] = set()
        self.outside = 0

    def add(self, i: int, ann: dict[str, Any]) -> None:
        try:
            self._add(i, ann)
        except ValidationError as exc:  # defensive: values are checked before this point
            detail = exc.errors()[0]["msg"]
            self.task.warn(f"not a valid region ({detail}); skipped", f"{self.key}[{i}]")

    def _add(self, i: int, ann: dict[str, Any]) -> None:
        where = f"{self.key}[{i}]"
        cid = ann.get("category_id")
        category = self.categories.get(cid) if isinstance(cid, int) else None
        if category is None:
            self.task.warn(f"category_id {cid!r} is not in 'categories'; skipped", where)
            return
        coco: dict[str, Any] = {}
        iscrowd = ann.get("iscrowd", 0)
        if iscrowd not in (0, None, False):
            coco["iscrowd"] = iscrowd
        score = number(ann.get("score"))
        box = self._bbox(ann, where)
        seg = ann.get("segmentation")
        rings = self._rings(seg, where) if isinstance(seg, list) else []
        if isinstance(seg, dict):
            self.task.warn("RLE masks are not supported; kept the bbox", where)
        elif seg not in (None, []) and not isinstance(seg, list):
            self.task.warn("segmentation must be a list of polygons or an RLE dict", where)
        parent: str | None = None
        if rings and (ref := self.targets.get("polygon")) is not None:
            if len(rings) > 1:
                coco["group"] = ann.get("id", i)
            for ring in rings:
                self._keep(
                    Polygon(
                        control=ref.control,
                        target=ref.target,
                        labels=(category.name,),
                        points=ring,
                        score=score,
                        extra={"coco": dict(coco)} if coco else {},
                    ),
                    ref,
                    where,
                )
        elif box is not None and (ref := self.targets.get("box")) is not None:
            if rings:
                self.task.warn("the config has no PolygonLabels control; kept the bbox", where)
            region = Box(
                control=ref.control,
                target=ref.target,
                labels=(category.name,),
                x=box[0],
                y=box[1],
                width=box[2],
                height=box[3],
                score=score,
                extra={"coco": coco} if coco else {},
            )
            parent = region.id
            self._keep(region, ref, where)
        elif rings or box is not None:
            kind = "PolygonLabels" if rings else "RectangleLabels"
            self.task.warn(f"the config has no {kind} control; region skipped", where)
        if "keypoints" in ann:
            self._keypoints(ann.get("keypoints"), category, parent, where)

    def _keep(self, region: Box | Polygon | Keypoint, ref: Any, where: str) -> None:
        for label in region.labels:
            check_label(self.task, ref, label, self.warned)
        size = self.task.image_size
        if size is not None:
            if isinstance(region, Box):
                bounds = region.bounds()
            elif isinstance(region, Polygon):
                xs, ys = zip(*region.points, strict=True)
                bounds = (min(xs), min(ys), max(xs), max(ys))
            else:
                bounds = (region.x, region.y, region.x, region.y)
            if is_outside(bounds, size):
                self.task.warn(
                    f"region lies (partly) outside the {size[0]}×{size[1]} image; kept as drawn",
                    where,
                )
        self.regions.append(region)

    def _bbox(self, ann: dict[str, Any], where: str) -> tuple[float, float, float, float] | None:
        raw = ann.get("bbox")
        if raw is None or raw == []:
            return None
        values = [number(v) for v in raw] if isinstance(raw, list) else []
        if len(values) != 4 or any(v is None for v in values):
            self.task.warn(f"bbox must be 4 finite numbers [x, y, w, h], got {raw!r}", where)
            return None
        x, y, w, h = (float(v) for v in values if v is not None)
        if w < 0 or h < 0:
            self.task.warn(f"bbox has a negative width or height: {raw!r}; skipped", where)
            return None
        return x, y, w, h

    def _rings(self, seg: list[Any], where: str) -> list[tuple[tuple[float, float], ...]]:
        rings = []
        for r, ring in enumerate(seg):
            values = [number(v) for v in ring] if isinstance(ring, list) else []
            if len(values) < 6 or len(values) % 2 or any(v is None for v in values):
                self.task.warn(
                    f"segmentation ring {r} is not a flat list of ≥ 3 finite x, y pairs; skipped",
                    where,
                )
                continue
            flat = [float(v) for v in values if v is not None]
            rings.append(tuple(zip(flat[0::2], flat[1::2], strict=True)))
        return rings

    def _keypoints(self, raw: Any, category: _Category, parent: str | None, where: str) -> None:
        ref = self.targets.get("keypoint")
        if not isinstance(raw, list) or len(raw) % 3:
            self.task.warn("keypoints must be a flat list of x, y, v triples; skipped", where)
            return
        if ref is None:
            if any(v not in (0, None) for v in raw[2::3]):
                self.task.warn("the config has no KeyPointLabels control; keypoints skipped", where)
            return
        for k in range(len(raw) // 3):
            x, y, v = number(raw[3 * k]), number(raw[3 * k + 1]), raw[3 * k + 2]
            if v == 0:
                continue
            if x is None or y is None or v not in (1, 2):
                self.task.warn(f"keypoint {k} is not (x, y, v∈{{0,1,2}}); skipped", where)
                continue
            name = category.keypoints[k] if k < len(category.keypoints) else f"keypoint_{k}"
            extra = {"coco": {"visibility": v}} if v == 1 else {}
            self._keep(
                Keypoint(
                    control=ref.control,
                    target=ref.target,
                    labels=(name,),
                    x=x,
                    y=y,
                    parent_id=parent,
                    extra=extra,
                ),
                ref,
                where,
            )


def _config(categories: dict[int, _Category], tasks: list[ImportedTask]) -> str | None:
    kinds: set[str] = set()
    for task in tasks:
        for ann in task.annotations:
            kinds.update(r.type for r in ann.regions)
    if not kinds - {"keypoint"}:
        kinds.add("box")
    names = sorted(categories.items())
    keypoint_names: list[str] = []
    for _, cat in names:
        keypoint_names.extend(k for k in cat.keypoints if k not in keypoint_names)
    for task in tasks:
        for ann in task.annotations:
            for r in ann.regions:
                if r.type == "keypoint" and r.labels[0] not in keypoint_names:
                    keypoint_names.append(r.labels[0])
    return generated_config([(cid, c.name) for cid, c in names], kinds, tuple(keypoint_names))
