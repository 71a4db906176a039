"""Tasks → a YOLO label set: `labels/<stem>.txt`, `classes.txt`, `data.yaml`, `images.txt`.

Conventions:

* Class ids come from the project's class map and must be dense (0..n-1, what
  classes.txt can express); otherwise the export stops with an InputError that
  says which ids are missing.
* Boxes are `c cx cy w h`, polygons `c x1 y1 … xn yn`, normalised by the task's
  image size, rounded to 6 decimals (Python's correctly rounded formatting) with
  trailing zeros dropped: the §8b box prints `0 0.275 0.4 0.3 0.3`. Rotated boxes
  are written as their enclosing axis-aligned box and counted in a warning.
  Keypoints are not written (counted).
* A task whose chosen annotation has no regions gets an empty file ("no
  objects"); a task with no chosen annotation gets no file ("unlabeled"), the
  distinction `read_yolo` reads back. A task whose image size is unknown cannot
  be normalised and is skipped with a warning.
* Label files are named by the image's stem. When two images share a stem
  (`a/001.jpg`, `b/001.jpg`; pitfall 9) every one of them is named by its whole
  media path instead, folders joined by `__` (`a__001.txt`, `b__001.txt`), with
  the extension appended if that still collides; the renames are reported.
* Images are not copied (the media root already holds them, and copying
  gigabytes is the user's call): `images.txt` lists each exported image's media
  path, one per line, in the same order as the label files are written, so the
  pairing is explicit even after renames. `data.yaml` names it as `train:` and
  `val:` (Ultralytics accepts a text file listing image paths; relative lines are
  read from where training runs, so run it from the media root or rewrite the
  paths); `read_yolo` pairs images.txt with the label files to re-import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import yaml

from labelmate.core.class_map import image_class_map
from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.core.models import Task
from labelmate.core.regions import Box, Polygon
from labelmate.io.coco_yolo_common import (
    chosen_annotation,
    export_image_size,
    media_name,
    size_reader,
)
from labelmate.io.interchange import ExportItem, WriteContext, WriteResult, tasks_of

DECIMALS = 6


def write_yolo(items: Sequence[ExportItem], ctx: WriteContext) -> WriteResult:
    """Write the label set into ctx.out_dir; refuses (InputError) a class map with gaps."""
    class_map = image_class_map(ctx.interface, frozenset({"box", "polygon"}))
    if not class_map.names:
        raise InputError(
            "the project's config has no RectangleLabels or PolygonLabels labels to export",
            Location(file=ctx.interface.source),
        )
    if not class_map.dense():
        missing = sorted(set(range(max(class_map.ids) + 1)) - set(class_map.ids))
        raise InputError(
            "YOLO class ids must run 0..n-1 without gaps, but the config's 'category' ids are "
            f"{sorted(class_map.ids)} (missing: {missing[:10]}); renumber the categories",
            Location(file=ctx.interface.source),
        )
    class_ids = dict(zip(class_map.names, class_map.ids, strict=True))
    out = ctx.out_dir
    (out / "labels").mkdir(parents=True, exist_ok=True)
    sizes = size_reader()
    counts = Counter[str]()
    unknown: set[str] = set()
    no_size: list[str] = []
    tasks = tasks_of(items)
    stems = file_stems([media_name(task) for task in tasks])
    files: list[Path] = []
    exported_media: list[str] = []
    regions_written = 0
    total = len(items)
    for n, (item, stem) in enumerate(zip(items, stems, strict=True)):
        if ctx.progress and n % 1000 == 0:
            ctx.progress(n, total)
        annotation = chosen_annotation(item)
        if annotation is None:
            continue
        size = export_image_size(item, sizes)
        if size is None:
            no_size.append(media_name(item.task))
            continue
        lines = []
        for region in annotation.regions:
            line = _region_line(region, size, class_ids, counts, unknown)
            if line is not None:
                lines.append(line)
        rel = Path("labels") / f"{stem}.txt"
        (out / rel).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        files.append(rel)
        exported_media.append(media_name(item.task))
        regions_written += len(lines)

    names = list(class_map.names)
    (out / "classes.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
    (out / "images.txt").write_text("".join(f"{m}\n" for m in exported_media), encoding="utf-8")
    header = (
        f"# Written by Labelmate for project '{ctx.project.name}'.\n"
        "# Class ids are the project's class map. Images are not copied: images.txt lists\n"
        "# their paths relative to the project's media root, in label-file order.\n"
    )
    body = yaml.safe_dump(
        {"path": ".", "train": "images.txt", "val": "images.txt", "nc": len(names), "names": names},
        sort_keys=False,
        allow_unicode=True,
    )
    (out / "data.yaml").write_text(header + body, encoding="utf-8")
    files += [Path("classes.txt"), Path("images.txt"), Path("data.yaml")]
    if ctx.progress:
        ctx.progress(total, total)
    problems = _problems(counts, unknown, no_size, tasks, stems)
    return WriteResult(
        files=files,
        problems=problems,
        exported_tasks=len(exported_media),
        exported_regions=regions_written,
    )


def fmt(value: float) -> str:
    """6 decimals, trailing zeros dropped: 0.275 → "0.275", 0.0 → "0"."""
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _region_line(
    region: object,
    size: tuple[int, int],
    class_ids: dict[str, int],
    counts: Counter[str],
    unknown: set[str],
) -> str | None:
    if not isinstance(region, Box | Polygon):
        counts[getattr(region, "type", "other")] += 1
        return None
    if not region.labels:
        counts["unlabeled"] += 1
        return None
    cls = class_ids.get(region.labels[0])
    if cls is None:
        counts["unknown"] += 1
        unknown.add(region.labels[0])
        return None
    w, h = size
    if isinstance(region, Box):
        if region.rotation % 360:
            counts["rotated"] += 1
            x0, y0, x1, y1 = region.bounds()
        else:
            x0, y0 = region.x, region.y
            x1, y1 = x0 + region.width, y0 + region.height
        coords = ((x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h)
    else:
        if len(region.points) < 3:
            counts["degenerate"] += 1
            return None
        coords = tuple(c for x, y in region.points for c in (x / w, y / h))
    return " ".join([str(cls), *map(fmt, coords)])


def file_stems(names: list[str]) -> list[str]:
    """A unique, deterministic label-file stem per image (see the module docstring)."""
    paths = [PurePosixPath(n) for n in names]
    by_stem = Counter(p.stem for p in paths)
    stems = []
    for p in paths:
        if by_stem[p.stem] == 1:
            stems.append(p.stem)
        else:
            parts = [part for part in p.parent.parts if part not in ("/", "..", ".")]
            stems.append("__".join([*parts, p.stem]))
    collisions = Counter(stems)
    result = []
    seen: Counter[str] = Counter()
    for p, stem in zip(paths, stems, strict=True):
        if collisions[stem] > 1 and p.suffix:
            stem = f"{stem}__{p.suffix.lstrip('.')}"
        seen[stem] += 1
        result.append(stem if seen[stem] == 1 else f"{stem}__{seen[stem]}")
    return [_safe(s) for s in result]


def _safe(stem: str) -> str:
    """No path separators or empty names in a label file name."""
    cleaned = stem.replace("/", "__").replace("\\", "__").replace(":", "_")
    return cleaned or "_"


def _problems(
    counts: Counter[str],
    unknown: set[str],
    no_size: list[str],
    tasks: Sequence[Task],
    stems: list[str],
) -> list[Problem]:
    out: list[Problem] = []

    def warn(message: str, file: str = "labels") -> None:
        out.append(Problem(Severity.WARNING, message, Location(file=file)))

    renamed = [
        (media_name(task), stem)
        for task, stem in zip(tasks, stems, strict=True)
        if PurePosixPath(media_name(task)).stem != stem
    ]
    if renamed:
        examples = "; ".join(f"{m} → labels/{s}.txt" for m, s in renamed[:5])
        warn(
            f"{len(renamed)} image(s) share a file name with another image, so their label "
            f"files are named by their whole path ({examples}); images.txt pairs them"
        )
    if counts["rotated"]:
        warn(f"{counts['rotated']} rotated box(es) written as their enclosing axis-aligned box")
    if counts["unknown"]:
        names = ", ".join(sorted(unknown)[:5])
        warn(f"{counts['unknown']} region(s) skipped: label not in the class map ({names})")
    if counts["unlabeled"]:
        warn(f"{counts['unlabeled']} region(s) without a label skipped")
    if counts["degenerate"]:
        warn(f"{counts['degenerate']} polygon(s) with fewer than 3 points skipped")
    other = sum(v for k, v in counts.items() if k not in _KNOWN)
    if other:
        warn(f"{other} region(s) that are not boxes or polygons (keypoints, …) not written")
    if no_size:
        warn(
            f"{len(no_size)} image(s) skipped: size unknown, so coordinates cannot be "
            f"normalised (e.g. {no_size[0]})"
        )
    return out


_KNOWN = frozenset({"rotated", "unknown", "unlabeled", "degenerate"})
