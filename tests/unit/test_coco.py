"""COCO import/export: golden output vs the LS converter, round trips, and hostile input."""

from __future__ import annotations

import copy
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from labelmate.core.class_map import image_class_map
from labelmate.core.errors import InputError, Severity
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.io.coco import read_coco, write_coco
from labelmate.io.formats import detect_format
from labelmate.io.interchange import ExportItem, ReadContext, ReadResult, WriteContext
from labelmate.io.media import MediaResolver
from labelmate.usecases.import_tasks import ImportAs, ImportRequest, import_files
from labelmate.usecases.workspace import open_workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BOXES_XML = (FIXTURES / "configs" / "config_image_boxes.xml").read_text(encoding="utf-8")
POLY_KP_XML = (FIXTURES / "coco" / "config_polygon_keypoints.xml").read_text(encoding="utf-8")
ROUND_TRIP_XML = """<View>
  <Image name="img" value="$picture"/>
  <RectangleLabels name="boxes" toName="img">
    <Label value="Car"/><Label value="Truck"/>
  </RectangleLabels>
  <PolygonLabels name="shapes" toName="img">
    <Label value="Car"/><Label value="Truck"/>
  </PolygonLabels>
</View>"""


def _write(items: list[ExportItem], xml: str, out: Path) -> tuple[dict[str, Any], Any]:
    interface = parse_labeling_config(xml)
    project = Project(name="demo", config_xml=xml)
    result = write_coco(items, WriteContext(project=project, interface=interface, out_dir=out))
    return json.loads((out / "result.json").read_text(encoding="utf-8")), result


def _read(path: Path, xml: str | None = None) -> ReadResult:
    interface = parse_labeling_config(xml) if xml else None
    return read_coco(path, ReadContext(media=MediaResolver(path.parent), interface=interface))


def _item(name: str, regions: list[Any], size: tuple[int, int] | None = (800, 600)) -> ExportItem:
    task = Task(
        external_id=name,
        media=name,
        data={"image": name},
        image_width=size[0] if size else None,
        image_height=size[1] if size else None,
    )
    return ExportItem(task, [Annotation(author="me", regions=regions)], None)


# --- golden: formats.md §8b ----------------------------------------------------------------


def test_golden_matches_label_studio_converter_for_sample_task_1(tmp_path):
    """§8b: the converter's COCO for tasks.json task 1, built from our core models.

    Deliberate difference: `file_name` is the media path relative to the media root,
    where the converter (download off) wrote the raw `/data/local-files/?d=` URL.
    We also add an `info` block; everything else is byte-for-byte the same value.
    """
    ls_task = json.loads((FIXTURES / "coco" / "ls_tasks.json").read_text())[0]
    result = ls_task["annotations"][0]["result"][0]
    w, h, v = result["original_width"], result["original_height"], result["value"]
    box = Box(
        control=result["from_name"],
        target=result["to_name"],
        labels=tuple(v["rectanglelabels"]),
        x=v["x"] / 100 * w,
        y=v["y"] / 100 * h,
        width=v["width"] / 100 * w,
        height=v["height"] / 100 * h,
    )
    doc, res = _write([_item("street/frame_0001.jpg", [box], (w, h))], BOXES_XML, tmp_path)
    assert doc["images"] == [
        {"id": 0, "file_name": "street/frame_0001.jpg", "width": 800, "height": 600}
    ]
    assert doc["annotations"] == [
        {
            "id": 0,
            "image_id": 0,
            "category_id": 0,
            "bbox": [100.0, 150.0, 240.0, 180.0],
            "area": 43200.0,
            "segmentation": [],
            "iscrowd": 0,
            "ignore": 0,
        }
    ]
    assert [(c["name"], c["id"]) for c in doc["categories"]] == [
        ("Car", 0),
        ("Truck", 1),
        ("Pedestrian", 2),
    ]
    assert doc["info"]["id_base"] == 0
    assert res.files == [Path("result.json")]
    assert (res.exported_tasks, res.exported_regions, res.problems) == (1, 1, [])


# --- export behaviour ------------------------------------------------------------------------


def test_image_without_annotation_is_listed_only_when_its_size_is_known(tmp_path):
    known = ExportItem(
        Task(external_id="a.jpg", media="a.jpg", image_width=4, image_height=3), [], None
    )
    unknown = ExportItem(Task(external_id="b.jpg", media="b.jpg"), [], None)
    doc, res = _write([known, unknown], BOXES_XML, tmp_path)
    assert doc["images"] == [{"id": 0, "file_name": "a.jpg", "width": 4, "height": 3}]
    assert any("left out" in p.message and "b.jpg" in p.message for p in res.problems)


def test_rotated_box_becomes_its_enclosing_box_and_is_counted(tmp_path):
    rotated = Box(control="box", target="image", labels=("Truck",), x=100, y=100, width=40,
                  height=20, rotation=90)  # fmt: skip
    doc, res = _write([_item("a.jpg", [rotated])], BOXES_XML, tmp_path)
    bbox = doc["annotations"][0]["bbox"]
    assert bbox == pytest.approx([80.0, 100.0, 20.0, 40.0])
    assert doc["annotations"][0]["area"] == pytest.approx(800.0)
    assert any("1 rotated box" in p.message for p in res.problems)


def test_polygon_gets_flat_segmentation_shoelace_area_and_bounding_bbox(tmp_path):
    tri = Polygon(control="outline", target="photo", labels=("Stem",),
                  points=((0, 0), (10, 0), (10, 10)))  # fmt: skip
    doc, _ = _write([_item("a.jpg", [tri])], POLY_KP_XML, tmp_path)
    ann = doc["annotations"][0]
    assert ann["segmentation"] == [[0.0, 0.0, 10.0, 0.0, 10.0, 10.0]]
    assert ann["area"] == pytest.approx(50.0)
    assert ann["bbox"] == [0.0, 0.0, 10.0, 10.0]
    assert ann["category_id"] == 1  # config order: Leaf 0, Stem 1


def test_labels_outside_the_class_map_and_keypoints_are_skipped_and_reported(tmp_path):
    regions = [
        Box(control="box", target="image", labels=("Bicycle",), x=1, y=1, width=2, height=2),
        Keypoint(control="points", target="image", labels=("Tip",), x=1, y=1),
    ]
    doc, res = _write([_item("a.jpg", regions)], BOXES_XML, tmp_path)
    assert doc["annotations"] == []
    messages = " | ".join(p.message for p in res.problems)
    assert "Bicycle" in messages and "keypoint" in messages


# --- reading ---------------------------------------------------------------------------------


def test_reads_polygons_rle_and_keypoints_and_generates_a_config():
    result = _read(FIXTURES / "coco" / "instances_small.json")
    assert result.problems == []
    t1, t2 = result.tasks
    assert (t1.external_id, t1.media, t1.data, t1.image_size) == (
        "leaves/leaf_01.jpg",
        "leaves/leaf_01.jpg",
        {"image": "leaves/leaf_01.jpg"},
        (640, 480),
    )
    regions = t1.annotations[0].regions
    assert [r.type for r in regions] == ["polygon", "polygon", "polygon", "box"]
    assert regions[0].points == ((10, 20), (110, 20), (110, 70))
    assert regions[1].extra == regions[2].extra == {"coco": {"group": 2}}  # one object, 2 rings
    assert regions[3].labels == ("Stem",) and regions[3].extra == {"coco": {"iscrowd": 1}}
    assert [p.message for p in t1.problems] == ["RLE masks are not supported; kept the bbox"]

    box, tip, base = t2.annotations[0].regions
    assert (box.type, box.x, box.y, box.width, box.height) == ("box", 50, 60, 70, 80)
    assert [(k.labels, k.x, k.y, k.parent_id) for k in (tip, base)] == [
        (("Tip",), 60, 70, box.id),
        (("Base",), 100, 120, box.id),
    ]  # "Middle" has v=0: not labeled, skipped
    interface = parse_labeling_config(result.config_xml or "")
    assert interface.errors == ()
    class_map = image_class_map(interface, frozenset({"box", "polygon"}))
    assert class_map.as_dict() == {1: "Leaf", 2: "Stem"}  # COCO's own ids survive


def test_reading_into_a_project_config_uses_its_controls_and_data_key():
    result = _read(FIXTURES / "coco" / "instances_small.json", POLY_KP_XML)
    assert result.config_xml is None
    t1, t2 = result.tasks
    assert {(r.control, r.target) for r in t1.annotations[0].regions} == {("outline", "photo")}
    assert any("no RectangleLabels control" in p.message for p in t1.problems)  # the RLE box
    assert [r.control for r in t2.annotations[0].regions] == ["points", "points"]


def test_unknown_category_is_a_task_problem_and_unknown_image_a_file_problem(tmp_path):
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 9, "bbox": [1, 1, 2, 2]},
            {"id": 2, "image_id": 7, "category_id": 1, "bbox": [1, 1, 2, 2]},
            {"id": 3, "image_id": 1, "category_id": 1, "bbox": [8, 8, 5, 5]},
        ],
        "categories": [{"id": 1, "name": "Car"}],
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc))
    result = _read(path)
    (task,) = result.tasks
    assert len(task.annotations[0].regions) == 1
    messages = [p.message for p in task.problems]
    assert any("category_id 9" in m for m in messages)
    assert any("outside" in m for m in messages)  # kept, but noted
    assert task.problems[0].location.field == "task 1: annotations[0]"
    assert [p.message for p in result.problems] == [
        "1 annotation(s) point to an image id not in 'images'; skipped"
    ]


def test_missing_size_is_read_from_the_image_and_a_bad_size_without_image_refuses(tmp_path):
    Image.new("RGB", (7, 5)).save(tmp_path / "here.png")
    doc = {
        "images": [
            {"id": 1, "file_name": "here.png"},
            {"id": 2, "file_name": "gone.png", "width": 0, "height": -3},
        ],
        "annotations": [],
        "categories": [],
    }
    (tmp_path / "c.json").write_text(json.dumps(doc))
    here, gone = _read(tmp_path / "c.json").tasks
    assert here.image_size == (7, 5) and not here.refused
    assert gone.refused and "image size unknown" in gone.problems[0].message


def test_multi_ring_object_round_trips_as_one_annotation(tmp_path):
    result = _read(FIXTURES / "coco" / "instances_small.json")
    regions = result.tasks[0].annotations[0].regions
    xml = result.config_xml or ""
    doc, _ = _write([_item("leaf.jpg", regions, (640, 480))], xml, tmp_path)
    rings = [a["segmentation"] for a in doc["annotations"] if len(a["segmentation"]) > 1]
    assert rings == [[[200, 200, 230, 200, 230, 240], [300, 300, 310, 300, 310, 310, 300, 310]]]


@pytest.mark.parametrize(
    ("content", "line", "column", "fragment"),
    [
        (b'{"images": [\n  {"id": 1,,}\n]}', 2, 12, "not valid JSON"),
        (b'{"images": [],\n "x": "caf\xe9"}', 2, 11, "not UTF-8"),
        (b"[1, 2]", 1, 1, "list of detections"),
        (b'{"annotations": []}', 1, 1, "JSON object"),
    ],
)
def test_whole_file_problems_raise_input_error_with_a_position(tmp_path, content, line, column,
                                                                fragment):  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        _read(path)
    loc = info.value.location
    assert (loc.file, loc.line, loc.column) == (str(path), line, column)
    assert fragment in info.value.message


# --- properties ------------------------------------------------------------------------------

_coord = st.floats(min_value=0, max_value=2000, allow_nan=False, allow_infinity=False)
_size = st.floats(min_value=0, max_value=500, allow_nan=False, allow_infinity=False)
_label = st.sampled_from(["Car", "Truck"])
_box = st.builds(
    lambda label, x, y, w, h: Box(control="boxes", target="img", labels=(label,), x=x, y=y,
                                  width=w, height=h),
    _label, _coord, _coord, _size, _size,
)  # fmt: skip
_polygon = st.builds(
    lambda label, pts: Polygon(control="shapes", target="img", labels=(label,), points=pts),
    _label,
    st.lists(st.tuples(_coord, _coord), min_size=3, max_size=8).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(images=st.lists(st.lists(st.one_of(_box, _polygon), max_size=6), min_size=1, max_size=4))
def test_boxes_and_polygons_round_trip_within_1e_6_px(images):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        items = [_item(f"dir/{i}.jpg", regions, (2500, 2500)) for i, regions in enumerate(images)]
        _write(items, ROUND_TRIP_XML, out)
        result = _read(out / "result.json", ROUND_TRIP_XML)
    assert [t.external_id for t in result.tasks] == [f"dir/{i}.jpg" for i in range(len(images))]
    for task, regions in zip(result.tasks, images, strict=True):
        assert task.data == {"picture": task.external_id}
        # an image without annotations comes back without one, not with an empty one
        assert len(task.annotations) == (1 if regions else 0)
        got = task.annotations[0].regions if regions else []
        assert len(got) == len(regions)
        for a, b in zip(got, regions, strict=True):
            assert (a.type, a.control, a.target, a.labels) == (
                b.type,
                b.control,
                b.target,
                b.labels,
            )
            if isinstance(b, Box):
                assert math.dist((a.x, a.y), (b.x, b.y)) <= 1e-6
                assert abs(a.width - b.width) <= 1e-6 and abs(a.height - b.height) <= 1e-6
            else:
                for p, q in zip(a.points, b.points, strict=True):
                    assert math.dist(p, q) <= 1e-6


def _valid_doc() -> dict[str, Any]:
    return json.loads((FIXTURES / "coco" / "instances_small.json").read_text())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


_PATHS = _paths(_valid_doc())[1:]
_nasty_numbers = st.sampled_from(
    [math.nan, math.inf, -math.inf, 1e308, -1e308, 2**64, -1, 0, -0.5, 1e9, True]
)
_hostile = st.one_of(
    _nasty_numbers,
    _nasty_numbers,  # twice: numbers are where readers break
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN, ±inf, huge, negative
    st.text(max_size=5),
    st.lists(st.floats(), max_size=7),
    st.lists(st.lists(st.integers(-5, 5), max_size=7), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)


def _assert_sane(result: ReadResult) -> None:
    for task in result.tasks:
        assert task.image_size is None or min(task.image_size) > 0
        for problem in task.problems:
            assert problem.location.file and problem.location.field
        if task.refused:
            assert any(p.severity is Severity.ERROR for p in task.problems)


def _read_bytes_or_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.json"
        path.write_bytes(data)
        try:
            result = _read(path)
        except InputError as exc:
            assert exc.location.file == str(path)
            return
        _assert_sane(result)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(_PATHS), _hostile), min_size=1, max_size=8))
def test_fuzzed_values_become_problems_never_crashes(edits):
    doc = copy.deepcopy(_valid_doc())
    for path, value in edits:
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    _read_bytes_or_input_error(json.dumps(doc).encode())


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=2000), latin1=st.booleans())
def test_truncated_or_latin1_files_raise_located_input_errors(cut, latin1):
    text = (
        json.dumps(_valid_doc())
        if not latin1
        else json.dumps(_valid_doc()).replace("Leaf", "Blätt")
    )
    data = text.encode("latin-1" if latin1 else "utf-8")
    _read_bytes_or_input_error(data[:cut] if not latin1 else data)


def test_a_file_without_categories_proposes_no_config(tmp_path):
    """A control with no labels is not a valid config, so none is generated."""
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"images": [], "annotations": [], "categories": []}))
    assert _read(path).config_xml is None


# --- images without annotations; results files (detections) ----------------------------------

DATASET = {
    "images": [
        {"id": 1, "file_name": "a.jpg", "width": 200, "height": 100},
        {"id": 2, "file_name": "b.jpg", "width": 200, "height": 100},  # no annotations
        {"id": 3, "file_name": "c.jpg", "width": 200, "height": 100},  # only unreadable ones
    ],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40]},
        {"id": 2, "image_id": 3, "category_id": 99, "bbox": [1, 2, 3, 4]},
    ],
    "categories": [{"id": 1, "name": "Car"}, {"id": 2, "name": "Truck"}],
}
DETECTIONS = [
    {"image_id": 1, "category_id": 2, "bbox": [11.5, 20, 30, 40], "score": 0.91},
    {"image_id": 2, "category_id": 1, "bbox": [50, 10, 20, 20], "score": 0.42},
    {"image_id": 2, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.05},
]


def test_an_image_without_annotations_is_a_task_without_an_annotation(tmp_path):
    """formats.md §8.13: COCO lists images nobody annotated too, so an empty list is not
    "reviewed, nothing here"; an image whose annotations could not be read neither."""
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(DATASET), encoding="utf-8")
    a, b, c = _read(path, BOXES_XML).tasks
    ((box,),) = [ann.regions for ann in a.annotations]
    assert (box.x, box.labels) == (10, ("Car",))
    assert a.annotations[0].kind is None  # the user's --as decides whose work it is
    assert b.annotations == [] and not b.problems
    assert c.annotations == []
    assert any("none of its 1 annotation(s) could be read" in p.message for p in c.problems)


def test_a_results_file_is_detected_and_needs_its_dataset_or_a_config(tmp_path):
    results = tmp_path / "detections.json"
    results.write_text(json.dumps(DETECTIONS), encoding="utf-8")
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"data": {"image_id": 1, "category_id": 2}}]), encoding="utf-8")
    assert (detect_format(results), detect_format(tasks)) == ("coco", "ls-json")
    with pytest.raises(InputError, match="names categories only by id"):
        _read(results)
    with pytest.raises(InputError, match="import the dataset file first"):
        _read(results, BOXES_XML)  # numeric image ids, and no dataset read before it


def test_a_results_file_with_file_names_imports_as_predictions(tmp_path):
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (200, 100)).save(tmp_path / name)
    rows = [dict(d, image_id="ab"[d["image_id"] - 1] + ".jpg") for d in DETECTIONS]
    path = tmp_path / "yolov8n-run3.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    a, b = _read(path, BOXES_XML).tasks  # the config's categories: Car 0, Truck 1, Pedestrian 2
    assert (a.external_id, a.data, a.image_size) == ("a.jpg", {"image": "a.jpg"}, (200, 100))
    (prediction,) = b.annotations
    assert prediction.kind is AnnotationKind.PREDICTION
    assert prediction.model_version == prediction.author == "yolov8n-run3"
    assert [(r.labels, r.score) for r in prediction.regions] == [
        (("Truck",), 0.42),
        (("Truck",), 0.05),
    ]
    assert a.annotations[0].regions[0].labels == ("Pedestrian",)


def test_detections_land_on_their_datasets_tasks_as_predictions(tmp_path):
    dataset, results = tmp_path / "instances.json", tmp_path / "detections.json"
    dataset.write_text(json.dumps(DATASET), encoding="utf-8")
    results.write_text(json.dumps(DETECTIONS), encoding="utf-8")
    ws_path = tmp_path / "ws.labelmate"
    request = ImportRequest(paths=[dataset, results], project="Cars", as_=ImportAs.parse("gold"))
    report = import_files(request, ws_path)
    assert report.ok, report.lines()
    first, second = report.files
    assert (first.imported, first.annotations_added) == (3, 1)
    assert (second.format, second.imported, second.skipped) == ("coco", 0, 2)
    assert second.annotations_added == 2
    with open_workspace(ws_path) as ws:
        a, b, c = ws.list_tasks(ws.project_by_name("Cars").id)
        kinds = {t.external_id: [x.kind for x in ws.annotations_for_task(t.id)] for t in (a, b, c)}
        assert kinds == {
            "a.jpg": [AnnotationKind.GOLD, AnnotationKind.PREDICTION],
            "b.jpg": [AnnotationKind.PREDICTION],
            "c.jpg": [],
        }
        (prediction,) = ws.annotations_for_task(b.id, AnnotationKind.PREDICTION)
        assert prediction.model_version == "detections"
        assert [r.score for r in prediction.regions] == [0.42, 0.05]
        (truck,) = ws.annotations_for_task(a.id, AnnotationKind.PREDICTION)[0].regions
        assert truck.labels == ("Truck",) and truck.x == 11.5
    again = import_files(request, ws_path)  # adds nothing twice
    assert [f.annotations_added for f in again.files] == [0, 0]
