"""Read Pascal VOC XML: one `<annotation>` per image, `bndbox` corners in pixels.

VOC files come from anywhere, so they are parsed like configs are
(`labelmate.core.xml_tree`): expat directly, DOCTYPE and entity declarations
refused (billion laughs, XXE), every element keeping its line so messages say
where to look.

Coordinates: see `labelmate.io.voc` — 0-based pixel edges by default,
`one_based=True` for the devkit's 1-based inclusive indices. A file carrying
`<labelmate_pixel_convention>one_based</labelmate_pixel_convention>` (what our
writer records for a one-based export) is read one-based regardless.

Images are looked for beside the XML and in the usual VOC folders, then under
the media root as `<folder>/<filename>` and `<filename>`, so an export written
outside the media root re-imports with `--media-root`.
"""

from __future__ import annotations

import math
from pathlib import Path

from labelmate.core.errors import InputError, Location, Problem, Severity
from labelmate.core.regions import Box
from labelmate.core.xml_tree import XmlNode, read_tree
from labelmate.io.interchange import ImportedAnnotation, ImportedTask, ReadContext, ReadResult
from labelmate.io.media import MediaRef, MediaResolver
from labelmate.io.per_image import (
    MAX_COORD,
    ImageTargets,
    best_ref,
    image_size_of,
    input_files,
    outside,
    resolve_beside,
    warn_once,
)
from labelmate.io.text_files import decode_utf8, read_bytes

# Written by `write_voc` in one-based exports; other VOC tools ignore unknown tags.
CONVENTION_TAG = "labelmate_pixel_convention"
ONE_BASED = "one_based"

MAX_DEPTH = 50
# Where VOC-style datasets keep images, relative to the XML's folder.
_IMAGE_FOLDERS = (".", "../JPEGImages", "../images", "..", "../Images")


def parse_xml(text: str, source: str) -> XmlNode:
    """A tree with text and start-tag positions; InputError with a line otherwise."""
    return read_tree(
        text, source, what="VOC file", error=InputError, keep_text=True, max_depth=MAX_DEPTH
    )


def read_voc(path: Path, ctx: ReadContext, *, one_based: bool = False) -> ReadResult:
    """A folder of VOC XML files (recursive, naturally sorted) or one file.

    As with labelme, a bad file raises InputError when it is the input, and is
    reported and skipped when it is one of a folder's files.
    """
    single = path.is_file()
    files = input_files(path, {".xml"}, "VOC .xml files")
    targets = ImageTargets(ctx.interface)
    tasks: list[ImportedTask] = []
    problems: list[Problem] = []
    for done, file in enumerate(files):
        source = str(file)
        try:
            root = parse_xml(decode_utf8(read_bytes(file), source), source)
            if root.tag != "annotation":
                raise InputError(
                    f"not a VOC file: the root tag is <{root.tag}>, not <annotation>",
                    Location(file=source, line=root.line, column=root.column),
                )
        except InputError as err:
            if single:
                raise
            problems.append(Problem(Severity.ERROR, f"skipped: {err.message}", err.location))
            continue
        task = ImportedTask(index=len(tasks), source=source, data={})
        _read_task(root, file, task, targets, ctx, one_based)
        tasks.append(task)
        if ctx.progress:
            ctx.progress(done + 1, len(files))
    return ReadResult(tasks=tasks, problems=problems, config_xml=targets.config_xml())


def _find_image(
    media: MediaResolver, folder: Path, filename: str, voc_folder: str | None = None
) -> MediaRef:
    """The image beside the XML, in the usual VOC folders, or under the media root.

    Media-root candidates are `<folder>/<filename>` and `<filename>`. The first
    existing candidate wins; if none exists, the first inside the media root (so a
    "file not found" is reported rather than a refusal); refused only when every
    candidate escapes the root.
    """
    refs = [resolve_beside(media, folder, f"{sub}/{filename}") for sub in _IMAGE_FOLDERS]
    beside_root = [filename]
    if voc_folder and voc_folder.strip() not in ("", "."):
        beside_root.insert(0, f"{voc_folder.strip()}/{filename}")
    refs += [resolve_beside(media, media.root, written) for written in beside_root]
    return best_ref(refs)


def _read_task(
    root: XmlNode,
    file: Path,
    task: ImportedTask,
    targets: ImageTargets,
    ctx: ReadContext,
    one_based: bool,
) -> None:
    key = targets.image_key
    filename = root.text_of("filename")
    if not filename:
        task.data = {key: None}
        task.refuse(f"<filename> is missing or empty (line {root.line})", "filename")
        return
    ref = _find_image(ctx.media, file.parent, filename, root.text_of("folder"))
    task.data = {key: ref.relative or filename}
    if ref.refused:
        task.refuse(f"filename '{filename}': {ref.problem}", "filename")
        return
    task.media = ref.relative
    task.external_id = ref.relative

    size_node = root.find("size")
    size = None
    if size_node is not None:
        size = image_size_of(
            _number(size_node.text_of("width")), _number(size_node.text_of("height"))
        )
        if size is None:
            task.warn(
                f"<size> (line {size_node.line}) is not a positive width and height; "
                "the size is read from the image instead",
                "size",
            )
    task.image_size = size
    one_based = one_based or (root.text_of(CONVENTION_TAG) or "").strip() == ONE_BASED

    regions = []
    control, target, known = targets.names("box")
    for obj in (c for c in root.children if c.tag == "object"):
        where = f"object (line {obj.line})"
        box = _read_object(obj, where, task, one_based)
        if box is None:
            continue
        label, x, y, w, h, extra = box
        if not known:
            warn_once(task, f"the project config has no rectangle control; '{control}' is used")
        targets.check_label("box", label, task, where)
        region = Box(
            control=control,
            target=target,
            labels=(label,),
            x=x,
            y=y,
            width=w,
            height=h,
            extra=extra,
        )
        if outside(region.bounds(), size):
            task.warn(f"{label!r} lies partly outside the {size[0]}×{size[1]} image; kept", where)  # type: ignore[index]
        regions.append(region)
    task.annotations.append(ImportedAnnotation(regions=regions))


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _read_object(
    obj: XmlNode, where: str, task: ImportedTask, one_based: bool
) -> tuple[str, float, float, float, float, dict[str, object]] | None:
    label = obj.text_of("name")
    if not label:
        task.warn("object has no <name>; skipped", where)
        return None
    bndbox = obj.find("bndbox")
    if bndbox is None:
        task.warn(f"{label!r} has no <bndbox>; skipped", where)
        return None
    values = [_number(bndbox.text_of(t)) for t in ("xmin", "ymin", "xmax", "ymax")]
    if any(v is None or not math.isfinite(v) or abs(v) > MAX_COORD for v in values):
        task.warn(
            f"{label!r}: xmin/ymin/xmax/ymax must be finite numbers of plausible size; skipped",
            where,
        )
        return None
    xmin, ymin, xmax, ymax = (float(v) for v in values)  # type: ignore[arg-type]
    if one_based:
        xmin, ymin = xmin - 1, ymin - 1
    if xmax < xmin or ymax < ymin:
        task.warn(f"{label!r}: xmax/ymax lie before xmin/ymin; skipped", where)
        return None
    extra: dict[str, object] = {}
    for tag in ("difficult", "occluded"):
        value = obj.text_of(tag)
        if value in ("0", "1") and (value == "1" or tag == "occluded"):
            extra[tag] = int(value)
    pose = obj.text_of("pose")
    if pose and pose != "Unspecified":
        extra["pose"] = pose
    return label, xmin, ymin, xmax - xmin, ymax - ymin, extra
