"""Helpers shared by the per-image formats: labelme, Pascal VOC and image folders.

These formats keep one file per image, find images by paths relative to the
annotation file, and carry bare class names instead of Label Studio's
control/target names. This module answers the questions they share: which
control and object a region belongs to (from the project config, or a generated
config when there is none), where an image path lands inside the media root,
how to order files the way a person would (``img2`` before ``img10``), and how to
name output files when two images share a stem (formats.md §8 pitfall 9).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from labelmate.core.errors import InputError, Location
from labelmate.core.labeling_interface import LabelingInterface, ObjectTag
from labelmate.core.models import Annotation
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.io.interchange import ExportItem, ImportedTask
from labelmate.io.media import MediaRef, MediaResolver

DEFAULT_TARGET = "image"
DEFAULT_IMAGE_KEY = "image"
# Control names used when the project has no config (or no control of that kind).
DEFAULT_CONTROLS = {"box": "label", "polygon": "polygon", "keypoint": "keypoint"}
_CONTROL_TAGS = {"box": "RectangleLabels", "polygon": "PolygonLabels", "keypoint": "KeyPointLabels"}
# Coordinates beyond this are not pixels of any real image; they are corrupt data.
MAX_COORD = 1e7  # pixels; anything larger is a corrupt value, not a big image
MAX_IMAGE_SIDE = 1_000_000


def number(value: object) -> float | None:
    """A finite, sane JSON/text number as float; None for anything else (bools too).

    Shared by every reader so "what counts as a coordinate" is one rule.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:  # an int too large for a float
        return None
    if not math.isfinite(result) or abs(result) > MAX_COORD:
        return None
    return result


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders `img2` before `img10`; case-insensitive, then exact.

    Each chunk is tagged (0 = number, 1 = text) so numbers and words never compare
    directly, which would raise TypeError.
    """
    parts: list[tuple[int, int | str]] = []
    for i, chunk in enumerate(_DIGITS.split(text)):
        if chunk:  # odd chunks are the captured digit runs ("²" is a digit but no number)
            parts.append((0, int(chunk)) if i % 2 else (1, chunk.casefold()))
    parts.append((1, text))  # a deterministic tie-break between `A.jpg` and `a.jpg`
    return tuple(parts)


def is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def list_files(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    """Files under `folder` with these suffixes: recursive, hidden skipped, naturally sorted."""
    wanted = {s.lower() for s in suffixes}
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in wanted and not is_hidden(p.relative_to(folder)) and p.is_file()
    ]
    return sorted(found, key=lambda p: natural_key(p.relative_to(folder).as_posix()))


def input_files(path: Path, suffixes: Iterable[str], what: str) -> list[Path]:
    """The files a reader reads: `path` itself, or the matching files under it."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path} does not exist", Location(file=str(path)))
    files = list_files(path, suffixes)
    if not files:
        raise InputError(f"no {what} found in the folder {path}", Location(file=str(path)))
    return files


# -- where images are -------------------------------------------------------------------------


def resolve_beside(
    media: MediaResolver, folder: Path, written: str, *, fallbacks: Sequence[str] = ()
) -> MediaRef:
    """Resolve an image path written relative to `folder` (an annotation file's folder).

    MediaResolver resolves against its root, so the path is first re-expressed
    relative to the root; one that escapes it is refused with the resolver's own
    message. Backslashes are read as separators, as labelme does for Windows files.

    `fallbacks` are further candidates written relative to the media root (e.g. a
    VOC `<folder>/<filename>` when the XML lies outside the root). The answer is
    `best_ref` of all candidates: refused only when none lies inside the root.
    """
    refs = [_resolve_beside(media, folder, written)]
    refs += [_resolve_beside(media, media.root, f) for f in fallbacks]
    return best_ref(refs)


def best_ref(refs: Sequence[MediaRef]) -> MediaRef:
    """The first candidate whose file exists, else the first inside the root, else the first."""
    assert refs
    for ref in refs:
        if ref.exists:
            return ref
    return next((ref for ref in refs if not ref.refused), refs[0])


def _resolve_beside(media: MediaResolver, folder: Path, written: str) -> MediaRef:
    try:
        if len(urlsplit(written.strip()).scheme) > 1:
            return media.resolve(written)  # a URL: the resolver explains why it is refused
        posix = PureWindowsPath(written.strip()).as_posix()
        target = Path(os.path.normpath(folder / posix))
        try:
            relative = os.path.relpath(target, media.root)
        except ValueError:  # another drive on Windows
            relative = str(target)
        return media.resolve(PurePosixPath(Path(relative).as_posix()).as_posix())
    except (OSError, ValueError) as err:  # a name too long for the file system, "http://[x"
        return MediaRef(written, problem=f"path cannot be used: {err}", refused=True)


def image_size_of(value_w: object, value_h: object) -> tuple[int, int] | None:
    """(w, h) when both are plausible positive integers (JSON may spell 640 as 640.0)."""
    dims: list[int] = []
    for value in (value_w, value_h):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value) or value != int(value) or not 0 < value <= MAX_IMAGE_SIDE:
            return None
        dims.append(int(value))
    return dims[0], dims[1]


def warn_once(task: ImportedTask, message: str, field_name: str | None = None) -> None:
    """A warning that would repeat for every region of a task is said once per task."""
    if all(p.message != message for p in task.problems):
        task.warn(message, field_name)


# -- which control a region belongs to --------------------------------------------------------


@dataclass
class ImageTargets:
    """Maps region kinds to (control, target) names and remembers labels for a config.

    With a project config, the first image control of each kind names the region;
    without one, the default names are used and `config_xml()` writes a config
    offering every label seen, in first-seen order.
    """

    interface: LabelingInterface | None
    labels: dict[str, list[str]] = field(default_factory=dict)

    @property
    def image_key(self) -> str:
        obj = self._image_object()
        return (obj.data_key if obj and obj.data_key else None) or DEFAULT_IMAGE_KEY

    def _image_object(self) -> ObjectTag | None:
        if self.interface is None:
            return None
        return next((o for o in self.interface.objects if o.tag == "Image"), None)

    def names(self, kind: str) -> tuple[str, str, bool]:
        """(control, target, known): `known` is False when the config lacks such a control."""
        if self.interface is not None:
            for control in self.interface.controls:
                if control.is_image_control and control.region_type == kind:
                    for to_name in control.to_names:
                        obj = self.interface.object(to_name)
                        if obj is not None and obj.tag == "Image":
                            return control.name, to_name, True
            image = self._image_object()
            target = image.name if image else DEFAULT_TARGET
            return DEFAULT_CONTROLS[kind], target, False
        return DEFAULT_CONTROLS[kind], DEFAULT_TARGET, True

    def check_label(self, kind: str, label: str, task: ImportedTask, field_name: str) -> None:
        """Remember the label for a generated config; warn when the config does not offer it."""
        seen = self.labels.setdefault(kind, [])
        if label not in seen:
            seen.append(label)
        if self.interface is None:
            return
        control = self.interface.control(self.names(kind)[0])
        if control is not None and control.options and control.option(label) is None:
            task.warn(
                f"label '{label}' is not offered by {control.ref} in the project config; "
                "kept, but annotators cannot pick it",
                field_name,
            )

    def config_xml(self) -> str | None:
        """A config for the labels seen, when the project has none; None otherwise."""
        if self.interface is not None or not self.labels:
            return None
        lines = ["<View>", f'  <Image name="{DEFAULT_TARGET}" value="${DEFAULT_IMAGE_KEY}"/>']
        for kind in ("box", "polygon", "keypoint"):
            if kind not in self.labels:
                continue
            tag = _CONTROL_TAGS[kind]
            lines.append(f'  <{tag} name="{DEFAULT_CONTROLS[kind]}" toName="{DEFAULT_TARGET}">')
            lines += [f"    <Label value={quoteattr(label)}/>" for label in self.labels[kind]]
            lines.append(f"  </{tag}>")
        lines.append("</View>")
        return "\n".join(lines) + "\n"


# -- writing ----------------------------------------------------------------------------------


def unique_stems(names: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """One output stem per image name, unique even on case-insensitive file systems.

    The first image keeps its stem; later ones with the same stem get `_2`, `_3`, …
    (skipping any stem already taken), so the result depends only on the order of
    `names`. Returns the stems and the (name, new stem) pairs that were renamed.
    """
    taken: set[str] = set()
    stems: list[str] = []
    renamed: list[tuple[str, str]] = []
    wanted = [PurePosixPath(name.replace("\\", "/")).stem or "image" for name in names]
    all_wanted = {w.casefold() for w in wanted}
    for name, stem in zip(names, wanted, strict=True):
        candidate = stem
        n = 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem}_{n}"
            if candidate.casefold() in all_wanted:
                candidate = stem  # another image is literally named so: leave it its name
        taken.add(candidate.casefold())
        stems.append(candidate)
        if candidate != stem:
            renamed.append((name, candidate))
    return stems, renamed


def image_name(item: ExportItem) -> str:
    """The image's file name as the task knows it: resolved file, media, or external id."""
    if item.image_path is not None:
        return item.image_path.name
    ref = item.task.media or str(item.task.data.get(DEFAULT_IMAGE_KEY) or item.task.external_id)
    return PurePosixPath(ref.replace("\\", "/").split("?d=")[-1]).name or "image"


def chosen_annotation(item: ExportItem) -> tuple[Annotation | None, bool]:
    """The annotation to write and whether others were dropped (per-image formats hold one)."""
    if not item.annotations:
        return None, False
    return item.annotations[0], len(item.annotations) > 1


def known_size(item: ExportItem, media: MediaResolver | None = None) -> tuple[int, int] | None:
    """(w, h): the task's stored size, else read from the image file (EXIF-aware)."""
    task = item.task
    if task.image_width and task.image_height:
        return task.image_width, task.image_height
    if item.image_path is None:
        return None
    resolver = media or MediaResolver(item.image_path.parent)
    try:
        return resolver.image_size(item.image_path)
    except OSError:
        return None


def geometry_bounds(region: Box | Polygon | Keypoint) -> tuple[float, float, float, float]:
    if isinstance(region, Box):
        return region.bounds()
    if isinstance(region, Polygon):
        xs = [p[0] for p in region.points]
        ys = [p[1] for p in region.points]
        return min(xs), min(ys), max(xs), max(ys)
    return region.x, region.y, region.x, region.y


def outside(bounds: tuple[float, float, float, float], size: tuple[int, int] | None) -> bool:
    if size is None:
        return False
    x1, y1, x2, y2 = bounds
    return x1 < 0 or y1 < 0 or x2 > size[0] or y2 > size[1]


def count_phrase(counts: dict[str, int]) -> str:
    """{"circle": 2, "line": 1} → "2 circle, 1 line"."""
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
