"""Re-importing the same file adds nothing twice — for every reader format (issue "Import").

For each format a small valid source is imported into a fresh workspace, then:

* imported again unchanged: no task imported or updated, no annotation added, every
  task counted as skipped, and the workspace byte-for-byte the same (projects, tasks,
  data, sizes, annotations);
* imported after one annotation changed in the file (formats that carry
  annotations): no new task, exactly the new annotation added — and a third import
  of that file adds nothing again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from labelmate.io.formats import READERS
from labelmate.usecases.import_tasks import ImportAs, ImportRequest, import_files
from labelmate.usecases.workspace import open_workspace

IMAGE_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car"/><Label value="Truck"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="image">
    <Label value="Car"/><Label value="Truck"/>
  </PolygonLabels>
</View>
"""
TEXT_CONFIG = """<View>
  <Text name="doc" value="$text"/>
  <Labels name="ner" toName="doc"><Label value="PER"/><Label value="LOC"/></Labels>
</View>
"""


def _png(path: Path, size: tuple[int, int] = (200, 100)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "gray").save(path)


def _rect(x: float, label: str = "Car") -> dict:
    return {
        "id": f"r{x:g}",
        "from_name": "box",
        "to_name": "image",
        "type": "rectanglelabels",
        "original_width": 200,
        "original_height": 100,
        "value": {"x": x, "y": 20, "width": 30, "height": 40, "rectanglelabels": [label]},
    }


def _ls_tasks(root: Path) -> Path:
    _png(root / "img" / "a.png")
    _png(root / "img" / "b.png")
    tasks = [
        {  # no task id: identity is the data's hash
            "data": {"image": "img/a.png"},
            "annotations": [{"completed_by": 1, "result": [_rect(10)]}],
            "predictions": [{"model_version": "m", "result": [_rect(50, "Truck")]}],
        },
        {
            "id": 7,
            "data": {"image": "/data/local-files/?d=img/b.png"},
            "annotations": [{"ground_truth": True, "result": [_rect(20)]}],
        },
        {"data": {"image": "img/missing.png"}},  # imported and marked
    ]
    path = root / "tasks.json"
    path.write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    return path


def _ls_min(root: Path) -> Path:
    _png(root / "img" / "a.png")
    rows = [
        {
            "image": "img/a.png",
            "id": 1,
            "box": [
                {
                    "x": 10,
                    "y": 20,
                    "width": 30,
                    "height": 40,
                    "rotation": 0,
                    "rectanglelabels": ["Car"],
                    "original_width": 200,
                    "original_height": 100,
                }
            ],
            "annotator": 1,
            "annotation_id": 5,
        },
        {"image": "img/a.png", "id": 2},
    ]
    path = root / "tasks_min.json"
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return path


def _csv(root: Path) -> Path:
    path = root / "tasks.tsv"
    path.write_text("text\tref\nZoë met Ada\t007\nBob left\t2\nBob left\t2\n", encoding="utf-8")
    return path


def _ls_csv(root: Path) -> Path:
    """A CSV export (formats.md §3.6): results in the control's column, two annotations
    of task 1, and task 3 with none."""

    def spans(*items: tuple[int, int, str, str]) -> str:
        cells = [{"start": s, "end": e, "text": t, "labels": [label]} for s, e, t, label in items]
        return json.dumps(cells, ensure_ascii=False).replace('"', '""')

    path = root / "export.csv"
    text = '"Zoë met Ada in London"'
    path.write_text(
        '"annotation_id","annotator","id","lead_time","ner","text"\n'
        f'11,1,1,2.5,"{spans((0, 3, "Zoë", "PER"), (8, 11, "Ada", "PER"))}",{text}\n'
        f'12,"b@example.com",1,"","{spans((15, 21, "London", "LOC"))}",{text}\n'
        f'13,1,2,"","{spans((0, 3, "Bob", "PER"))}","Bob left"\n'
        '"","","","","","Nobody here"\n',
        encoding="utf-8",
    )
    return path


def _txt(root: Path) -> Path:
    path = root / "lines.txt"
    path.write_text("Zoë met Ada\nBob left\n", encoding="utf-8")
    return path


def _images(root: Path) -> Path:
    _png(root / "a.png")
    _png(root / "sub" / "b.jpg", (30, 40))
    return root


def _labelme(root: Path) -> Path:
    _png(root / "a.png")
    _png(root / "b.png")
    for name, x in (("a", 10.0), ("b", 12.5)):
        doc = {
            "version": "5.5.0",
            "flags": {},
            "shapes": [
                {
                    "label": "Car",
                    "points": [[x, 20.0], [40.0, 60.0]],
                    "group_id": None,
                    "description": "",
                    "shape_type": "rectangle",
                    "flags": {},
                },
                {
                    "label": "Truck",
                    "points": [[1.0, 2.0], [30.0, 4.0], [20.0, 50.0]],
                    "shape_type": "polygon",
                    "flags": {},
                },
            ],
            "imagePath": f"{name}.png",
            "imageData": None,
            "imageHeight": 100,
            "imageWidth": 200,
        }
        (root / f"{name}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return root


def _coco(root: Path) -> Path:
    _png(root / "img" / "a.png")
    _png(root / "img" / "b.png")
    doc = {
        "images": [
            {"id": 1, "file_name": "img/a.png", "width": 200, "height": 100},
            {"id": 2, "file_name": "img/b.png", "width": 200, "height": 100},
        ],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [10.0, 20.0, 30.0, 40.0],
                "area": 1200.0,
                "segmentation": [],
                "iscrowd": 0,
            },
            {
                "id": 2,
                "image_id": 1,
                "category_id": 2,
                "bbox": [1.0, 2.0, 29.0, 48.0],
                "area": 700.0,
                "segmentation": [[1.0, 2.0, 30.0, 4.0, 20.0, 50.0]],
                "iscrowd": 0,
            },
        ],
        "categories": [{"id": 1, "name": "Car"}, {"id": 2, "name": "Truck"}],
    }
    path = root / "result.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def _yolo(root: Path) -> Path:
    _png(root / "images" / "a.png")
    _png(root / "images" / "b.png")
    _png(root / "images" / "c.png")  # background image: no label file
    (root / "labels").mkdir()
    (root / "labels" / "a.txt").write_text("0 0.25 0.4 0.15 0.4\n1 0.1 0.1 0.3 0.1 0.2 0.5\n")
    (root / "labels" / "b.txt").write_text("")  # checked, nothing there
    (root / "classes.txt").write_text("Car\nTruck\n")
    return root


def _voc(root: Path) -> Path:
    for name, xmin in (("a", 10), ("b", 20)):
        _png(root / "JPEGImages" / f"{name}.png")
        (root / "Annotations").mkdir(exist_ok=True)
        (root / "Annotations" / f"{name}.xml").write_text(
            f"""<annotation><folder>JPEGImages</folder><filename>{name}.png</filename>
<size><width>200</width><height>100</height><depth>3</depth></size>
<object><name>Car</name><difficult>0</difficult>
<bndbox><xmin>{xmin}</xmin><ymin>20</ymin><xmax>40</xmax><ymax>60</ymax></bndbox></object>
</annotation>""",
            encoding="utf-8",
        )
    return root


def _conll(root: Path) -> Path:
    path = root / "doc.conll"
    path.write_text(
        "-DOCSTART- -X- O\n\nZoë -X- _ B-PER\nmet -X- _ O\nAda -X- _ B-PER\nin -X- _ O\n"
        "London -X- _ B-LOC\n\nBob -X- _ B-PER\nleft -X- _ O\n",
        encoding="utf-8",
    )
    return path


def _jsonl(root: Path) -> Path:
    docs = [
        {"id": "d1", "text": "Zoë met Ada in London.", "label": [[0, 3, "PER"], [8, 11, "PER"]]},
        {"text": "Bob left Paris", "label": [[9, 14, "LOC"]]},  # no id: identity is the hash
    ]
    path = root / "docs.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Case:
    fmt: str  # the reader the source must be detected as
    config: str
    build: Callable[[Path], Path]
    # (file relative to the built root or the file itself, old, new): one annotation changes
    edit: tuple[str, str, str] | None


CASES = {
    "ls-json": Case("ls-json", IMAGE_CONFIG, _ls_tasks, ("", '"x": 20', '"x": 21')),
    "ls-min": Case("ls-json", IMAGE_CONFIG, _ls_min, ("", '"x": 10', '"x": 11')),
    "csv": Case("csv", TEXT_CONFIG, _csv, None),
    "ls-csv": Case("csv", TEXT_CONFIG, _ls_csv, ("", '"LOC""', '"PER""')),
    "txt": Case("txt", TEXT_CONFIG, _txt, None),
    "images": Case("images", IMAGE_CONFIG, _images, None),
    "labelme": Case("labelme", IMAGE_CONFIG, _labelme, ("b.json", "12.5", "13.5")),
    "coco": Case("coco", IMAGE_CONFIG, _coco, ("", "10.0,", "11.0,")),
    "yolo": Case("yolo", IMAGE_CONFIG, _yolo, ("labels/a.txt", "0 0.25", "0 0.3")),
    "voc": Case("voc", IMAGE_CONFIG, _voc, ("Annotations/b.xml", ">20</xmin>", ">21</xmin>")),
    "conll": Case("conll", TEXT_CONFIG, _conll, ("", "London -X- _ B-LOC", "London -X- _ O")),
    "jsonl": Case("jsonl", TEXT_CONFIG, _jsonl, ("", "[9, 14, ", "[0, 3, ")),
}


def test_every_reader_format_is_covered():
    assert {case.fmt for case in CASES.values()} == set(READERS)


def _state(ws_path: Path) -> tuple[int, int, str]:
    """(tasks, annotations, a digest of everything stored)."""
    digest = hashlib.sha256()
    tasks = annotations = 0
    with open_workspace(ws_path) as ws:
        for project in ws.list_projects():
            assert project.id is not None
            digest.update(project.model_dump_json(exclude={"created_at"}).encode())
            listed = ws.list_tasks(project.id)
            tasks += len(listed)
            by_task = ws.annotations_for_tasks([t.id for t in listed if t.id is not None])
            for task in listed:
                digest.update(task.model_dump_json().encode())
                for ann in by_task.get(task.id, []):  # type: ignore[arg-type]
                    annotations += 1
                    digest.update(ann.model_dump_json().encode())
    return tasks, annotations, digest.hexdigest()


def _import(path: Path, ws: Path, config: Path, as_: str = "mine"):
    report = import_files(
        ImportRequest(paths=[path], project="P", config=config, as_=ImportAs.parse(as_)), ws
    )
    assert report.ok, report.lines()
    (file_report,) = report.files
    return file_report


@pytest.fixture(params=sorted(CASES))
def built(request, tmp_path: Path):
    case = CASES[request.param]
    root = tmp_path / "src"
    root.mkdir()
    path = case.build(root)
    config = tmp_path / "config.xml"
    config.write_text(case.config, encoding="utf-8")
    return case, path, config, tmp_path / "ws.labelmate"


@pytest.mark.parametrize("as_", ["mine", "gold", "peer:ann"])
def test_importing_the_same_source_twice_adds_nothing(built, as_):
    case, path, config, ws = built
    first = _import(path, ws, config, as_)
    assert first.format == case.fmt
    assert first.imported > 0 and first.refused == 0, first.problems
    state = _state(ws)
    assert state[0] == first.imported
    second = _import(path, ws, config, as_)
    assert (second.imported, second.updated, second.refused) == (0, 0, 0), second.summary()
    assert second.skipped == first.imported
    assert second.annotations_added == 0
    assert second.annotations_skipped == first.annotations_added
    assert _state(ws) == state


def test_a_changed_annotation_on_known_tasks_is_added_once(built):
    case, path, config, ws = built
    if case.edit is None:
        pytest.skip(f"{case.fmt} carries no annotations")
    first = _import(path, ws, config)
    tasks, annotations, _ = _state(ws)
    relative, old, new = case.edit
    edited = path / relative if relative else path
    text = edited.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, text)
    edited.write_text(text.replace(old, new), encoding="utf-8")
    second = _import(path, ws, config)
    assert (second.imported, second.refused) == (0, 0), second.summary()
    assert second.annotations_added == 1, second.summary()
    assert _state(ws)[:2] == (tasks, annotations + 1)
    after = _state(ws)
    third = _import(path, ws, config)
    assert (third.imported, third.updated, third.annotations_added) == (0, 0, 0)
    assert _state(ws) == after
    assert first.imported == third.skipped


def test_a_known_task_id_with_other_data_never_leaves_mismatched_spans_silently(tmp_path):
    config = tmp_path / "config.xml"
    config.write_text(TEXT_CONFIG, encoding="utf-8")
    ws = tmp_path / "ws.labelmate"

    def task(text: str, start: int, end: int, label: str) -> dict:
        span = {"start": start, "end": end, "text": text[start:end], "labels": [label]}
        return {
            "id": 1,  # Label Studio numbers every project's tasks from 1
            "data": {"text": text},
            "annotations": [
                {
                    "completed_by": 1,
                    "result": [
                        {
                            "id": "s1",
                            "from_name": "ner",
                            "to_name": "doc",
                            "type": "labels",
                            "value": span,
                        }
                    ],
                }
            ],
        }

    (tmp_path / "a.json").write_text(json.dumps([task("Ada lives in London", 0, 3, "PER")]))
    (tmp_path / "b.json").write_text(json.dumps([task("Paris is big", 0, 5, "LOC")]))
    _import(tmp_path / "a.json", ws, config)
    second = _import(tmp_path / "b.json", ws, config)
    with open_workspace(ws) as w:
        project = w.project_by_name("P")
        assert project is not None and project.id is not None
        mismatched = [
            (t.data["text"], r.text)
            for t in w.list_tasks(project.id)
            for a in w.annotations_for_task(t.id)  # type: ignore[arg-type]
            for r in a.regions
            if r.text != t.data["text"][r.start : r.end]  # type: ignore[attr-defined]
        ]
    assert not mismatched or [p for p in second.problems if "task 1" in (p.location.field or "")]
