"""What the COCO and YOLO readers and writers share.

Both formats carry image regions in (absolute or normalised) pixels with class
ids, and neither says which Label Studio control or image they belong to. So both
readers need the same answer to "which control gets a box / a polygon?", both
must invent a config when the project has none yet, and both writers need the
same answers to "which annotation, which image size, which file name?".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from labelmate.core.labeling_interface import LabelingInterface
from labelmate.core.models import Annotation, Task
from labelmate.io.interchange import ExportItem, ImportedTask
from labelmate.io.media import MediaResolver
from labelmate.io.per_image import number

DEFAULT_TARGET = "image"
DEFAULT_DATA_KEY = "image"
DEFAULT_CONTROLS = {"box": "label", "polygon": "polygon", "keypoint": "keypoint"}
OUTSIDE_TOLERANCE_PX = 0.5  # float noise and half-pixel conventions are not "outside"
_LABELS_TAGS = {"box": "RectangleLabels", "polygon": "PolygonLabels", "keypoint": "KeyPointLabels"}
_LABELS_TYPES = {"box": "rectanglelabels", "polygon": "polygonlabels", "keypoint": "keypointlabels"}


@dataclass(frozen=True, slots=True)
class ControlRef:
    control: str
    target: str
    options: frozenset[str] | None  # None: any label is fine (a generated config)


@dataclass(frozen=True, slots=True)
class ImageTargets:
    """Where imported regions go: one control per region kind, and the task-data key."""

    controls: dict[str, ControlRef]  # "box" / "polygon" / "keypoint" → control
    data_key: str
    from_interface: bool

    def get(self, kind: str) -> ControlRef | None:
        return self.controls.get(kind)


def image_targets(interface: LabelingInterface | None) -> ImageTargets:
    """The first RectangleLabels / PolygonLabels / KeyPointLabels control of the config.

    Without a config the defaults ("label", "polygon", "keypoint" → "image") are
    used, matching `generated_config`.
    """
    if interface is None:
        controls = {
            kind: ControlRef(name, DEFAULT_TARGET, None) for kind, name in DEFAULT_CONTROLS.items()
        }
        return ImageTargets(controls, DEFAULT_DATA_KEY, from_interface=False)
    found: dict[str, ControlRef] = {}
    data_key: str | None = None
    for kind, type_name in _LABELS_TYPES.items():
        control = next((c for c in interface.controls if c.type == type_name and c.to_names), None)
        if control is None:
            continue
        target = control.to_names[0]
        options = frozenset(o.result_value for o in control.options) if control.options else None
        found[kind] = ControlRef(control.name, target, options)
        obj = interface.object(target)
        if data_key is None and obj is not None and obj.data_key:
            data_key = obj.data_key
    return ImageTargets(found, data_key or DEFAULT_DATA_KEY, from_interface=True)


def generated_config(
    categories: list[tuple[int | None, str]],
    kinds: set[str],
    keypoint_names: tuple[str, ...] = (),
) -> str | None:
    """A Label Studio config for a dataset imported without a project config.

    Box and polygon labels carry `category="<id>"` when every class has an id, so
    `image_class_map` gives the dataset's own ids back on export. None when the
    dataset names no classes at all: a control without labels is not a valid config.
    """
    if not categories:
        return None
    with_ids = bool(categories) and all(cid is not None for cid, _ in categories)
    lines = ["<View>", f'  <Image name="{DEFAULT_TARGET}" value="${DEFAULT_DATA_KEY}"/>']
    for kind in ("box", "polygon"):
        if kind not in kinds:
            continue
        lines.append(
            f'  <{_LABELS_TAGS[kind]} name="{DEFAULT_CONTROLS[kind]}" toName="{DEFAULT_TARGET}">'
        )
        for cid, name in categories:
            category = f' category="{cid}"' if with_ids else ""
            lines.append(f"    <Label value={quoteattr(name)}{category}/>")
        lines.append(f"  </{_LABELS_TAGS[kind]}>")
    if "keypoint" in kinds and keypoint_names:
        tag = _LABELS_TAGS["keypoint"]
        lines.append(f'  <{tag} name="{DEFAULT_CONTROLS["keypoint"]}" toName="{DEFAULT_TARGET}">')
        for index, name in enumerate(keypoint_names):
            lines.append(f'    <Label value={quoteattr(name)} model_index="{index}"/>')
        lines.append(f"  </{tag}>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


# --- values ------------------------------------------------------------------------------


def positive_int(value: object) -> int | None:
    """A positive integer image size; 800.0 counts, 800.5 and "800" do not."""
    as_float = number(value)
    if as_float is None or as_float <= 0 or not as_float.is_integer():
        return None
    return int(as_float)


def is_outside(bounds: tuple[float, float, float, float], size: tuple[int, int]) -> bool:
    x0, y0, x1, y1 = bounds
    w, h = size
    tol = OUTSIDE_TOLERANCE_PX
    return x0 < -tol or y0 < -tol or x1 > w + tol or y1 > h + tol


def check_label(
    task: ImportedTask, ref: ControlRef, label: str, warned: set[tuple[str, str]]
) -> None:
    """Warn once per task and label when the config does not offer the label."""
    if ref.options is None or label in ref.options or (ref.control, label) in warned:
        return
    warned.add((ref.control, label))
    task.warn(
        f"label '{label}' is not an option of the config's control '{ref.control}'; "
        "the region is kept but the class will not be exported until the config offers it"
    )


# --- export ------------------------------------------------------------------------------


def chosen_annotation(item: ExportItem) -> Annotation | None:
    """Per-image formats hold one annotation: the first one the use-case chose."""
    return item.annotations[0] if item.annotations else None


def export_image_size(item: ExportItem, sizes: MediaResolver | None) -> tuple[int, int] | None:
    """The size stored on the task, else the size of its image file, else None."""
    task = item.task
    if task.image_width and task.image_height:
        return task.image_width, task.image_height
    if item.image_path is None or sizes is None:
        return None
    try:
        return sizes.image_size(item.image_path)
    except OSError:
        return None


def media_name(task: Task) -> str:
    """The task's image path relative to the media root (what exports call `file_name`)."""
    if task.media:
        return task.media.replace("\\", "/")
    value = task.data.get(DEFAULT_DATA_KEY)
    return value if isinstance(value, str) and value else task.external_id


def size_reader() -> MediaResolver:
    """A resolver used only to read (cached, EXIF-aware) sizes of absolute image paths."""
    return MediaResolver(Path.cwd())
