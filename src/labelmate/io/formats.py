"""Which reader or writer handles a path or a format name.

Detection looks at content, not only at the file name: a `.json` file may be a
Label Studio task list, a COCO file or a single labelme file; a folder may hold
labelme files, a YOLO dataset, VOC annotations or just images. `--format`
overrides it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from labelmate.core.errors import InputError, Location
from labelmate.io import coco, conll, doccano, image_folder, labelme, voc, yolo
from labelmate.io.interchange import ExportItem, ReadContext, ReadResult, WriteContext, WriteResult
from labelmate.io.label_studio import read_json, read_tabular, write
from labelmate.io.media import is_image_file

Reader = Callable[[Path, ReadContext], ReadResult]
Writer = Callable[[Sequence[ExportItem], WriteContext], WriteResult]

READERS: dict[str, Reader] = {
    "ls-json": read_json.read_label_studio_json,
    "csv": read_tabular.read_csv,
    "txt": read_tabular.read_txt,
    "images": image_folder.read_image_folder,
    "labelme": labelme.read_labelme,
    "coco": coco.read_coco,
    "yolo": yolo.read_yolo,
    "voc": voc.read_voc,
    "conll": conll.read_conll,
    "jsonl": doccano.read_jsonl,
}

WRITERS: dict[str, Writer] = {
    "ls-json": write.write_ls_json,
    "ls-min": write.write_ls_min,
    "ls-csv": write.write_ls_csv,
    "coco": coco.write_coco,
    "yolo": yolo.write_yolo,
    "voc": voc.write_voc,
    "labelme": labelme.write_labelme,
    "conll": conll.write_conll,
    "jsonl": doccano.write_jsonl,
}

# Formats that hold one annotation per image or document: `--which` picks it.
SINGLE_ANNOTATION_FORMATS = frozenset({"coco", "yolo", "voc", "labelme", "conll", "jsonl"})

_HEAD_BYTES = 1 << 16


def detect_format(path: Path) -> str:
    """The reader for `path`, judged from its content; raises InputError if unknown."""
    if path.is_dir():
        return _detect_folder(path)
    if not path.is_file():
        raise InputError("no such file or folder", Location(file=str(path)))
    suffix = path.suffix.lower()
    by_suffix = {
        ".csv": "csv",
        ".tsv": "csv",
        ".txt": "txt",
        ".jsonl": "jsonl",
        ".conll": "conll",
        ".xml": "voc",
    }
    if suffix in by_suffix:
        return by_suffix[suffix]
    if is_image_file(path):
        return "images"
    if suffix == ".json":
        return _detect_json(path)
    raise InputError(
        f"cannot tell the format of '{path.name}'; name it with --format "
        f"({', '.join(sorted(READERS))})",
        Location(file=str(path)),
    )


def _detect_json(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "coco" if _first_is_detection(head) else "ls-json"
    if head.startswith(b"{"):
        if b'"categories"' in head and b'"images"' in head:
            return "coco"
        if b'"shapes"' in head and b'"imagePath"' in head:
            return "labelme"
        if len(head) < _HEAD_BYTES:  # small enough to look at properly
            try:
                doc = json.loads(head)
            except (ValueError, UnicodeDecodeError):
                return "ls-json"  # its reader reports the syntax error with a line
            if isinstance(doc, dict) and {"images", "annotations"} <= doc.keys():
                return "coco"
            if isinstance(doc, dict) and "shapes" in doc:
                return "labelme"
        return "ls-json"
    return "ls-json"  # let the reader say what is wrong, with the line


def _first_is_detection(head: bytes) -> bool:
    """A list whose first item is a COCO detection (`image_id`, `category_id`): a COCO
    results file, not a Label Studio task list."""
    try:
        text = head.decode("utf-8", errors="ignore")
        start = text.index("[") + 1
        while start < len(text) and text[start] in " \t\r\n":
            start += 1
        first, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError:  # includes a first item longer than the head
        return False
    return (
        isinstance(first, dict)
        and {"image_id", "category_id"} <= first.keys()
        and not {"data", "annotations", "predictions"} & first.keys()
    )


def _detect_folder(folder: Path) -> str:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and not _hidden(p, folder)]
    jsons = [p for p in files if p.suffix.lower() == ".json"]
    for candidate in jsons[:20]:
        try:
            with candidate.open("rb") as fh:
                head = fh.read(_HEAD_BYTES)
        except OSError:
            continue
        if b'"shapes"' in head:
            return "labelme"
    names = {p.name.lower() for p in files}
    if (folder / "labels").is_dir() or "classes.txt" in names or "data.yaml" in names:
        return "yolo"
    if any(p.suffix.lower() == ".xml" for p in files) and (folder / "Annotations").is_dir():
        return "voc"
    if any(is_image_file(p) for p in files):
        return "images"
    raise InputError(
        "the folder holds no images or annotation files Labelmate reads", Location(file=str(folder))
    )


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)
