"""A YOLO dataset folder → imported tasks (formats.md §5).

Layouts read: Ultralytics (`images/…` beside `labels/…`, any splits such as
`images/train`), and Darknet-style `.txt` files next to their images. For each
image, the label file is found the way Ultralytics finds it (the last `images`
folder of the path replaced by `labels`, extension `.txt`), else beside the image.

Decisions:

* One task per image file under the folder (sorted, symlinked folders not
  followed); external id = the image path relative to the folder, POSIX style.
* A Labelmate export holds no images but an `images.txt`: one media path per
  line, in label-file order. When the folder has one, each line is resolved
  against the media root (`--media-root`) and paired with `labels/<stem>.txt`,
  the stem chosen as `write_yolo` chooses it (`file_stems`; if a skipped image
  changed the renaming, the whole-path names are tried too). These tasks come
  first (external id = the media path); images under the folder that
  images.txt does not list follow as above.
* An **empty** label file means "no objects": the task gets an annotation with
  no regions. A **missing** label file means "not labeled": no annotation.
* Class names come from `data.yaml` (`names` as a list or an id → name map), else
  `classes.txt` / `obj.names` (line i = class i), else the id itself ("0", "1").
* Lines: `c cx cy w h` → Box; `c cx cy w h score` → Box with a score (the LS
  converter's 6th column); `c x1 y1 … xn yn` (n ≥ 3) → Polygon. Eight
  coordinates are a 4-point polygon unless data.yaml says `task: obb`, then they
  are an oriented box (Box with rotation). With `kpt_shape` (pose) only the box
  of each line is read, and the file gets one warning.
* Coordinates are normalised; the image size is read from the image file (EXIF
  orientation applied, as Ultralytics does). A labeled image whose size cannot
  be read is refused: its numbers cannot be turned into pixels.
* A bad line (wrong count, not numbers, values far outside 0–1, unknown class)
  is skipped with a warning naming the label file and line.
"""

from __future__ import annotations

import math
import os
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.core.regions import Box, Polygon, Region
from labelmate.io.coco_yolo_common import (
    ImageTargets,
    check_label,
    generated_config,
    image_targets,
    is_outside,
)
from labelmate.io.interchange import ImportedAnnotation, ImportedTask, ReadContext, ReadResult
from labelmate.io.media import MediaRef, is_image_file
from labelmate.io.text_files import decode_utf8, read_bytes
from labelmate.io.yaml_source import parse_yaml
from labelmate.io.yolo_write import file_stems

CLASS_FILES = ("classes.txt", "obj.names")
IMAGE_LIST = "images.txt"
DATA_FILES = ("data.yaml", "data.yml", "dataset.yaml")
_FAR_OUTSIDE = 1.0  # normalised values beyond [-1, 2] are pixels or garbage, not data


class _Dataset:
    def __init__(self, names: dict[int, str] | None, obb: bool, pose: bool) -> None:
        self.names = names
        self.obb = obb
        self.pose = pose


def read_yolo(path: Path, ctx: ReadContext) -> ReadResult:
    """Read a YOLO dataset folder (or its data.yaml); whole-dataset problems raise InputError."""
    root = path.parent if path.is_file() else path
    if not root.is_dir():
        raise InputError("a YOLO dataset is a folder of images and labels", Location(str(path)))
    problems: list[Problem] = []
    dataset = _dataset(root, path if path.is_file() else None, problems)
    targets = image_targets(ctx.interface)
    images, label_files = _walk(root)
    tasks: list[ImportedTask] = []
    used: set[Path] = set()
    listed: set[Path] = set()
    for line, stem in _image_list(root):
        ref = ctx.media.resolve(line)
        label = next((c for c in _listed_labels(root, line, stem) if c in label_files), None)
        if label is not None:
            used.add(label)
        if ref.path is not None:
            listed.add(ref.path)
        tasks.append(_listed_task(len(tasks), root, line, ref, label, dataset, targets, ctx))
    images = [image for image in images if image.resolve() not in listed]
    for n, image in enumerate(images):
        label = _label_for(root, image, label_files)
        task = _task(len(tasks), root, image, label, dataset, targets, ctx)
        if label is not None:
            used.add(label)
        tasks.append(task)
        if ctx.progress and n % 500 == 0:
            ctx.progress(n, len(images))
    orphans = sorted(p for p in label_files if p not in used)
    if orphans:
        example = orphans[0].relative_to(root).as_posix()
        problems.append(
            Problem(
                Severity.WARNING,
                f"{len(orphans)} label file(s) have no image beside them (e.g. {example}); ignored",
                Location(file=str(root)),
            )
        )
    if not tasks:
        problems.append(Problem(Severity.WARNING, "no image files found", Location(file=str(root))))
    config = None
    if not targets.from_interface:
        config = _config(dataset, tasks)
    return ReadResult(tasks=tasks, problems=problems, config_xml=config)


# --- the dataset description -------------------------------------------------------------


def _dataset(root: Path, given: Path | None, problems: list[Problem]) -> _Dataset:
    data_file = given if given is not None and given.suffix in {".yaml", ".yml"} else None
    if data_file is None:
        data_file = next((root / n for n in DATA_FILES if (root / n).is_file()), None)
    names: dict[int, str] | None = None
    obb = pose = False
    if data_file is not None:
        source = str(data_file)
        doc = parse_yaml(decode_utf8(read_bytes(data_file), source), source)
        data = doc.data
        if not isinstance(data, dict):
            raise InputError("data.yaml must be a mapping with 'names'", Location(source, 1, 1))
        obb = data.get("task") == "obb"
        pose = "kpt_shape" in data or data.get("task") == "pose"
        if "names" in data:
            names = _names(data["names"], doc.locate(("names",)))
    if names is None:
        class_file = next(
            (d / n for d in (root, root / "labels") for n in CLASS_FILES if (d / n).is_file()),
            None,
        )
        if class_file is not None:
            text = decode_utf8(read_bytes(class_file), str(class_file))
            lines = [line.strip() for line in text.splitlines()]
            while lines and not lines[-1]:
                lines.pop()
            names = dict(enumerate(lines))
    if names is None:
        problems.append(
            Problem(
                Severity.WARNING,
                "no data.yaml or classes.txt: classes are named by their id ('0', '1', …)",
                Location(file=str(root)),
            )
        )
    if pose:
        problems.append(
            Problem(
                Severity.WARNING,
                "pose keypoints are not imported; only the box of each line is read",
                Location(file=str(data_file)),
            )
        )
    return _Dataset(names, obb, pose)


def _names(raw: Any, where: Location) -> dict[int, str]:
    if isinstance(raw, list):
        pairs = list(enumerate(raw))
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise InputError("'names' must be a list or a mapping of id → name", where)
    names: dict[int, str] = {}
    for key, value in pairs:
        if not isinstance(key, int) or isinstance(key, bool) or key < 0:
            raise InputError(f"class id {key!r} in 'names' is not an integer ≥ 0", where)
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InputError(f"class {key}: name {value!r} is not text", where)
        names[key] = str(value)
    return names


# --- files -------------------------------------------------------------------------------


def _walk(root: Path) -> tuple[list[Path], set[Path]]:
    images: list[Path] = []
    labels: set[Path] = set()
    skip = {n.lower() for n in (*CLASS_FILES, IMAGE_LIST)}
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            file = Path(folder) / name
            if is_image_file(file):
                images.append(file)
            elif file.suffix.lower() == ".txt" and name.lower() not in skip:
                labels.add(file)
    images.sort(key=lambda p: p.relative_to(root).as_posix())
    return images, labels


def _label_for(root: Path, image: Path, label_files: set[Path]) -> Path | None:
    parts = list(image.relative_to(root).parts)
    candidates = []
    if "images" in parts[:-1]:
        i = len(parts) - 2 - parts[-2::-1].index("images")
        swapped = [*parts[:i], "labels", *parts[i + 1 :]]
        candidates.append(root.joinpath(*swapped).with_suffix(".txt"))
    candidates.append(image.with_suffix(".txt"))
    return next((c for c in candidates if c in label_files), None)


def _image_list(root: Path) -> list[tuple[str, str]]:
    """(media path, label stem) per line of the folder's images.txt, if it has one."""
    file = root / IMAGE_LIST
    if not file.is_file():
        return []
    text = decode_utf8(read_bytes(file), str(file))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return list(zip(lines, file_stems(lines), strict=True))


def _listed_labels(root: Path, line: str, stem: str) -> list[Path]:
    """Where `write_yolo` may have put this image's labels: its stem, then whole-path names."""
    path = PurePosixPath(line.replace("\\", "/"))
    parts = [part for part in path.parent.parts if part not in ("/", "..", ".")]
    whole = "__".join([*parts, path.stem])
    names = [stem, whole, f"{whole}__{path.suffix.lstrip('.')}" if path.suffix else whole]
    safe = [n.replace("/", "__").replace("\\", "__").replace(":", "_") or "_" for n in names]
    return [root / "labels" / f"{name}.txt" for name in dict.fromkeys(safe)]


# --- one image ---------------------------------------------------------------------------


def _listed_task(
    index: int,
    root: Path,
    line: str,
    ref: MediaRef,
    label: Path | None,
    dataset: _Dataset,
    targets: ImageTargets,
    ctx: ReadContext,
) -> ImportedTask:
    """A task for one images.txt line, its media resolved inside the media root."""
    if ref.refused or ref.path is None:
        task = ImportedTask(
            index=index, source=str(root), data={targets.data_key: line}, external_id=line
        )
        task.refuse(f"{IMAGE_LIST}: '{line}': {ref.problem}")
        return task
    media = ref.relative or line
    return _task(index, root, ref.path, label, dataset, targets, ctx, media=media)


def _task(
    index: int,
    root: Path,
    image: Path,
    label: Path | None,
    dataset: _Dataset,
    targets: ImageTargets,
    ctx: ReadContext,
    *,
    media: str | None = None,
) -> ImportedTask:
    """A task for one image; `media` given (from images.txt) is also its external id."""
    if media is not None:
        rel = media
    else:
        rel = image.relative_to(root).as_posix()
        try:
            media = ctx.media.relative_to_root(image)
        except ValueError:
            media = rel
    task = ImportedTask(
        index=index, source=str(root), data={targets.data_key: media}, external_id=rel
    )
    task.media = media
    try:
        task.image_size = ctx.media.image_size(image)
    except OSError as exc:
        size_problem = str(exc)
    else:
        size_problem = ""
    if label is None:
        return task
    label_name = PurePosixPath(label.relative_to(root).as_posix())
    try:
        text = decode_utf8(read_bytes(label), str(label_name))
    except InputError as exc:
        task.refuse(f"label file {label_name}: {exc.message}")
        return task
    lines = [(n, line.split()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if lines and task.image_size is None:
        task.refuse(
            f"cannot read the image size ({size_problem}), so the normalised "
            f"coordinates in {label_name} cannot be turned into pixels"
        )
        return task
    regions: list[Region] = []
    warned: set[tuple[str, str]] = set()

    def line_warning(number: int, message: str) -> None:
        where = Location(file=str(label), line=number, field=task.where().field)
        task.problems.append(Problem(Severity.WARNING, f"{label_name}: {message}", where))

    for number, tokens in lines:
        try:
            region = _line(tokens, dataset, targets, task.image_size or (1, 1))
        except _BadLine as exc:
            line_warning(number, f"{exc}; line skipped")
            continue
        ref = targets.get(region.type)
        assert ref is not None
        for name in region.labels:
            check_label(task, ref, name, warned)
        if task.image_size and is_outside(_bounds(region), task.image_size):
            line_warning(number, "region lies (partly) outside the image; kept as drawn")
        regions.append(region)
    task.annotations.append(ImportedAnnotation(regions=regions))
    return task


class _BadLine(ValueError):
    pass


def _line(
    tokens: list[str], dataset: _Dataset, targets: ImageTargets, size: tuple[int, int]
) -> Box | Polygon:
    try:
        cls_value = float(tokens[0])
        values = [float(t) for t in tokens[1:]]
    except ValueError:
        raise _BadLine("expected numbers ('class cx cy w h' or 'class x1 y1 …')") from None
    if not math.isfinite(cls_value) or not cls_value.is_integer() or cls_value < 0:
        raise _BadLine(f"class id {tokens[0]!r} is not an integer ≥ 0")
    cls = int(cls_value)
    if dataset.names is None:
        label = str(cls)
    elif cls in dataset.names:
        label = dataset.names[cls]
    else:
        raise _BadLine(f"class {cls} is not in the class names (0–{len(dataset.names) - 1})")
    if any(not math.isfinite(v) for v in values):
        raise _BadLine("coordinates must be finite numbers")
    n = len(values)
    if dataset.pose and n > 4:
        values, n = values[:4], 4
    score = None
    if n == 5:
        values, score, n = values[:4], values[4], 4
    coords = values
    if any(v < -_FAR_OUTSIDE or v > 1 + _FAR_OUTSIDE for v in coords):
        raise _BadLine("coordinates must be normalised to 0–1; these look like pixels")
    w, h = size
    if n == 4:
        cx, cy, bw, bh = coords
        if bw < 0 or bh < 0:
            raise _BadLine("width and height must not be negative")
        kind = "box"
        geometry: dict[str, Any] = {
            "x": _px((cx - bw / 2) * w),
            "y": _px((cy - bh / 2) * h),
            "width": _px(bw * w),
            "height": _px(bh * h),
        }
    elif n == 8 and dataset.obb:
        kind = "box"
        geometry = _obb([(coords[i] * w, coords[i + 1] * h) for i in range(0, 8, 2)])
    elif n >= 6 and n % 2 == 0:
        kind = "polygon"
        geometry = {
            "points": tuple((_px(coords[i] * w), _px(coords[i + 1] * h)) for i in range(0, n, 2))
        }
    else:
        raise _BadLine(f"{n + 1} values: expected 5 (box), 6 (box + score) or 1 + 2n (polygon)")
    ref = targets.get(kind)
    if ref is None:
        tag = "RectangleLabels" if kind == "box" else "PolygonLabels"
        raise _BadLine(f"the config has no {tag} control for this {kind}")
    model = Box if kind == "box" else Polygon
    if score is not None and not 0 <= score <= 1:
        raise _BadLine(f"score {score} is not between 0 and 1")
    try:
        return model(
            control=ref.control, target=ref.target, labels=(label,), score=score, **geometry
        )
    except ValidationError as exc:  # defensive: the checks above should make this unreachable
        raise _BadLine(f"not a valid {kind}: {exc.errors()[0]['msg']}") from None


def _px(value: float) -> float:
    """Drop float dust ((0.275 - 0.15) * 800 = 100.00000000000003 → 100.0).

    Nine decimals keep a thousand times the precision 6-decimal YOLO files carry.
    """
    return round(value, 9) + 0.0  # + 0.0 turns -0.0 into 0.0


def _obb(corners: list[tuple[float, float]]) -> dict[str, float]:
    """Four corners → Box(x, y = first corner, rotation = direction of its first edge).

    Corners listed counter-clockwise on screen are reversed first, so the box
    always extends to the right-hand side of its first edge, as `Box.corners()` does.
    """
    (x0, y0), (x1, y1), _, (x3, y3) = corners
    if (x1 - x0) * (y3 - y0) - (y1 - y0) * (x3 - x0) < 0:
        corners = [corners[0], corners[3], corners[2], corners[1]]
        (x0, y0), (x1, y1), _, (x3, y3) = corners
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0)) % 360.0
    return {
        "x": _px(x0),
        "y": _px(y0),
        "width": _px(math.hypot(x1 - x0, y1 - y0)),
        "height": _px(math.hypot(x3 - x0, y3 - y0)),
        "rotation": 0.0 if math.isclose(angle, 360.0) else _px(angle),
    }


def _bounds(region: Box | Polygon) -> tuple[float, float, float, float]:
    if isinstance(region, Box):
        return region.bounds()
    xs, ys = zip(*region.points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _config(dataset: _Dataset, tasks: list[ImportedTask]) -> str | None:
    kinds = {r.type for t in tasks for a in t.annotations for r in a.regions} or {"box"}
    if dataset.names is not None:
        categories: list[tuple[int | None, str]] = sorted(dataset.names.items())
    else:
        seen = {int(r.labels[0]) for t in tasks for a in t.annotations for r in a.regions}
        categories = [(c, str(c)) for c in sorted(seen)]
    return generated_config(categories, kinds)
