"""YOLO import/export: golden output vs the LS converter, round trips, and hostile input."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from labelmate.core.errors import InputError, Severity
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, Project, Task
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.io.interchange import ExportItem, ReadContext, ReadResult, WriteContext
from labelmate.io.media import MediaResolver
from labelmate.io.yolo import read_yolo, write_yolo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BOXES_XML = (FIXTURES / "configs" / "config_image_boxes.xml").read_text(encoding="utf-8")
POLY_XML = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car"/><Label value="Truck"/>
  </RectangleLabels>
  <PolygonLabels name="outline" toName="image">
    <Label value="Car"/><Label value="Truck"/>
  </PolygonLabels>
</View>"""


def _png(path: Path, size: tuple[int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size).save(path)


def _read(root: Path, xml: str | None = None) -> ReadResult:
    interface = parse_labeling_config(xml) if xml else None
    return read_yolo(root, ReadContext(media=MediaResolver(root), interface=interface))


def _write(items: list[ExportItem], xml: str, out: Path) -> Any:
    ctx = WriteContext(
        project=Project(name="demo", config_xml=xml),
        interface=parse_labeling_config(xml),
        out_dir=out,
    )
    return write_yolo(items, ctx)


def _item(media: str, regions: list[Any] | None, size: tuple[int, int] = (800, 600)) -> ExportItem:
    task = Task(external_id=media, media=media, image_width=size[0], image_height=size[1])
    annotations = [] if regions is None else [Annotation(author="me", regions=regions)]
    return ExportItem(task, annotations, None)


@pytest.fixture
def ultralytics(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(FIXTURES / "yolo" / "ultralytics", root)
    for name in ("frame_0001", "frame_0002", "frame_0003"):
        _png(root / "images" / "train" / f"{name}.png", (800, 600))
    _png(root / "images" / "val" / "frame_0004.png", (200, 100))
    return root


# --- golden: formats.md §8b ----------------------------------------------------------------


def test_golden_matches_label_studio_converter_for_sample_task_1(tmp_path):
    """§8b: `labels/frame_0001.txt` is `0 0.275 0.4 0.3 0.3` and classes.txt the 3 names.

    We round to 6 decimals and drop trailing zeros; the converter prints unrounded
    floats, which for this box happen to be the same text.
    """
    box = Box(control="box", target="image", labels=("Car",), x=100, y=150, width=240, height=180)
    result = _write([_item("street/frame_0001.jpg", [box])], BOXES_XML, tmp_path)
    assert (tmp_path / "labels" / "frame_0001.txt").read_text() == "0 0.275 0.4 0.3 0.3\n"
    assert (tmp_path / "classes.txt").read_text() == "Car\nTruck\nPedestrian\n"
    data = yaml.safe_load((tmp_path / "data.yaml").read_text())
    assert data["names"] == ["Car", "Truck", "Pedestrian"] and data["nc"] == 3
    assert (tmp_path / "images.txt").read_text() == "street/frame_0001.jpg\n"
    assert Path("labels/frame_0001.txt") in result.files
    assert (result.exported_tasks, result.exported_regions, result.problems) == (1, 1, [])


# --- export behaviour ------------------------------------------------------------------------


def test_empty_annotation_gives_an_empty_file_and_no_annotation_gives_none(tmp_path):
    _write([_item("a.jpg", []), _item("b.jpg", None)], BOXES_XML, tmp_path)
    assert (tmp_path / "labels" / "a.txt").read_text() == ""
    assert not (tmp_path / "labels" / "b.txt").exists()


def test_duplicate_stems_get_deterministic_path_names_and_a_warning(tmp_path):
    box = Box(control="box", target="image", labels=("Car",), x=0, y=0, width=8, height=6)
    items = [_item("a/001.jpg", [box]), _item("b/001.jpg", [box]), _item("c/002.jpg", [box])]
    result = _write(items, BOXES_XML, tmp_path)
    names = sorted(p.name for p in (tmp_path / "labels").iterdir())
    assert names == ["002.txt", "a__001.txt", "b__001.txt"]
    assert (tmp_path / "images.txt").read_text().splitlines() == [
        "a/001.jpg",
        "b/001.jpg",
        "c/002.jpg",
    ]
    (problem,) = result.problems
    assert "a/001.jpg → labels/a__001.txt" in problem.message


def test_same_stem_and_folder_but_other_extension_still_gets_distinct_files(tmp_path):
    items = [_item("x/001.jpg", []), _item("x/001.png", [])]
    _write(items, BOXES_XML, tmp_path)
    assert sorted(p.name for p in (tmp_path / "labels").iterdir()) == [
        "x__001__jpg.txt",
        "x__001__png.txt",
    ]


def test_rotated_boxes_are_enclosed_and_counted_and_polygons_written_as_points(tmp_path):
    rotated = Box(control="box", target="image", labels=("Truck",), x=400, y=300, width=80,
                  height=60, rotation=90)  # fmt: skip
    tri = Polygon(control="outline", target="image", labels=("Car",),
                  points=((0, 0), (400, 0), (400, 300)))  # fmt: skip
    result = _write([_item("a.jpg", [rotated, tri])], POLY_XML, tmp_path)
    lines = (tmp_path / "labels" / "a.txt").read_text().splitlines()
    # enclosing box of the 90° rotation: x 340..400, y 300..380
    assert lines == ["1 0.4625 0.566667 0.075 0.133333", "0 0 0 0.5 0 0.5 0.5"]
    assert [p.message for p in result.problems] == [
        "1 rotated box(es) written as their enclosing axis-aligned box"
    ]


def test_class_ids_with_gaps_are_refused_with_a_clear_error(tmp_path):
    xml = BOXES_XML.replace('category="2"', 'category="5"')
    with pytest.raises(InputError) as info:
        _write([_item("a.jpg", [])], xml, tmp_path)
    assert "0..n-1" in info.value.message and "missing: [2, 3, 4]" in info.value.message


def test_keypoints_and_unknown_labels_are_skipped_and_reported(tmp_path):
    regions = [
        Keypoint(control="kp", target="image", labels=("Tip",), x=1, y=1),
        Box(control="box", target="image", labels=("Bus",), x=1, y=1, width=2, height=2),
    ]
    result = _write([_item("a.jpg", regions)], BOXES_XML, tmp_path)
    assert (tmp_path / "labels" / "a.txt").read_text() == ""
    messages = " | ".join(p.message for p in result.problems)
    assert "Bus" in messages and "keypoints" in messages


# --- reading ---------------------------------------------------------------------------------


def test_reads_the_ultralytics_layout_with_splits(ultralytics):
    result = _read(ultralytics)
    ids = [t.external_id for t in result.tasks]
    assert ids == [
        "images/train/frame_0001.png",
        "images/train/frame_0002.png",
        "images/train/frame_0003.png",
        "images/val/frame_0004.png",
    ]
    t1, t2, t3, _ = result.tasks
    car, ped, truck = t1.annotations[0].regions
    assert (car.labels, car.x, car.y, car.width, car.height) == (("Car",), 100, 150, 240, 180)
    assert (ped.labels, ped.score) == (("Pedestrian",), 0.87)
    assert isinstance(truck, Polygon) and truck.points == (
        (80, 60),
        (320, 60),
        (320, 240),
        (80, 240),
    )
    assert t1.problems == [] and t1.image_size == (800, 600)
    assert t1.data == {"image": "images/train/frame_0001.png"}
    assert len(t2.annotations) == 1 and t2.annotations[0].regions == []  # empty file: no objects
    assert t3.annotations == []  # no file: not labeled
    interface = parse_labeling_config(result.config_xml or "")
    assert interface.errors == ()


def test_bad_lines_are_task_problems_naming_file_and_line(ultralytics):
    t4 = _read(ultralytics).tasks[3]
    assert not t4.refused
    assert len(t4.annotations[0].regions) == 2  # line 1, and line 6 (partly outside: kept)
    found = {(p.location.line, p.message.split(": ", 1)[1][:30]) for p in t4.problems}
    assert [line for line, _ in sorted(found)] == [2, 3, 4, 5, 6]
    for problem in t4.problems:
        assert problem.location.file.endswith("frame_0004.txt")
        assert problem.location.field == "task 4"
        assert problem.message.startswith("labels/val/frame_0004.txt: ")
    assert "outside" in next(p.message for p in t4.problems if p.location.line == 6)
    assert "pixels" in next(p.message for p in t4.problems if p.location.line == 5)


def test_darknet_side_by_side_with_classes_txt_and_a_project_config(tmp_path):
    _png(tmp_path / "img" / "cat.jpg", (100, 50))
    (tmp_path / "img" / "cat.txt").write_text("1 0.5 0.5 1 1\n")
    (tmp_path / "classes.txt").write_text("Car\nTruck\n")
    result = _read(tmp_path, POLY_XML)
    assert result.config_xml is None
    (box,) = result.tasks[0].annotations[0].regions
    assert (box.control, box.target, box.labels) == ("box", "image", ("Truck",))
    assert (box.x, box.y, box.width, box.height) == (0, 0, 100, 50)


def test_obb_lines_become_rotated_boxes_only_when_data_yaml_says_obb(tmp_path):
    _png(tmp_path / "images" / "a.png", (100, 100))
    # a 40×20 box at (50,10) turned 90° clockwise: corners clockwise from the pivot
    line = "0 0.5 0.1 0.5 0.5 0.3 0.5 0.3 0.1\n"
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "a.txt").write_text(line)
    (tmp_path / "data.yaml").write_text("names: [Car]\n")
    (poly,) = _read(tmp_path).tasks[0].annotations[0].regions
    assert isinstance(poly, Polygon) and len(poly.points) == 4
    (tmp_path / "data.yaml").write_text("task: obb\nnames: [Car]\n")
    (box,) = _read(tmp_path).tasks[0].annotations[0].regions
    assert isinstance(box, Box)
    assert (box.x, box.y, box.width, box.height, box.rotation) == pytest.approx(
        (50, 10, 40, 20, 90)
    )
    corners = [c for point in box.corners() for c in point]
    assert corners == pytest.approx([50, 10, 50, 50, 30, 50, 30, 10])


def test_data_yaml_syntax_error_is_an_input_error_with_its_line(tmp_path):
    (tmp_path / "data.yaml").write_text("path: .\nnames: [Car, Truck\n")
    with pytest.raises(InputError) as info:
        _read(tmp_path)
    assert info.value.location.file == str(tmp_path / "data.yaml")
    assert info.value.location.line == 2


def test_an_unreadable_image_with_labels_is_refused(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "broken.jpg").write_bytes(b"not an image")
    (tmp_path / "images" / "broken.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (task,) = _read(tmp_path).tasks
    assert task.refused and "image size" in task.problems[0].message


# --- properties ------------------------------------------------------------------------------

_sizes = st.tuples(st.integers(1, 4000), st.integers(1, 4000))


@st.composite
def _boxes(draw: Any, size: tuple[int, int]) -> Box:
    w, h = size
    x0, x1 = sorted(draw(st.tuples(st.floats(0, w), st.floats(0, w))))
    y0, y1 = sorted(draw(st.tuples(st.floats(0, h), st.floats(0, h))))
    label = draw(st.sampled_from(["Car", "Truck", "Pedestrian"]))
    return Box(control="box", target="image", labels=(label,), x=x0, y=y0, width=x1 - x0,
               height=y1 - y0)  # fmt: skip


@st.composite
def _dataset(draw: Any) -> list[tuple[tuple[int, int], list[Box]]]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        size = draw(_sizes)
        out.append((size, draw(st.lists(_boxes(size), max_size=5))))
    return out


@settings(max_examples=50, deadline=None)
@given(dataset=_dataset())
def test_boxes_round_trip_within_the_printed_precision(dataset):
    """write → read gives each box back within 6 decimals × the image size."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        items = []
        for i, (size, boxes) in enumerate(dataset):
            _png(root / "images" / f"{i}.png", size)
            items.append(_item(f"images/{i}.png", boxes, size))
        _write(items, BOXES_XML, root)  # labels/ lands beside images/: Ultralytics layout
        result = _read(root, BOXES_XML)
    for task, (size, boxes) in zip(result.tasks, dataset, strict=True):
        got = task.annotations[0].regions
        assert [r.labels for r in got] == [b.labels for b in boxes]
        tol = [1e-6 * size[0] + 1e-9, 1e-6 * size[1] + 1e-9] * 2
        for a, b in zip(got, boxes, strict=True):
            pairs = zip((a.x, a.y, a.width, a.height), (b.x, b.y, b.width, b.height), strict=True)
            for (p, q), t in zip(pairs, tol, strict=True):
                assert math.isclose(p, q, abs_tol=t), (a, b)


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("yolo_fuzz")
    _png(root / "images" / "a.png", (64, 48))
    (root / "labels").mkdir()
    return root


_tokens = st.sampled_from(
    ["0", "1", "2", "0.5", "-0.2", "1.7", "1e308", "1e999", "nan", "-inf", "3.5", "x", "", "9" * 30]
)
_lines = st.lists(st.lists(_tokens, max_size=10).map(" ".join), max_size=6).map("\n".join)


def _read_or_input_error(root: Path) -> None:
    try:
        result = _read(root)
    except InputError as exc:
        assert exc.location.file is not None
        return
    for task in result.tasks:
        for problem in task.problems:
            assert problem.location.file and problem.location.field
        if task.refused:
            assert any(p.severity is Severity.ERROR for p in task.problems)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(labels=_lines, yaml_text=st.one_of(st.none(), st.text(max_size=40)), latin1=st.booleans())
def test_fuzzed_label_files_and_data_yaml_never_crash(fuzz_root, labels, yaml_text, latin1):
    data = labels.encode("utf-8") + (b"\n0 0.5 0.5 0.1 0.1 \xe9t\xe9" if latin1 else b"")
    (fuzz_root / "labels" / "a.txt").write_bytes(data)
    data_yaml = fuzz_root / "data.yaml"
    if yaml_text is None:
        data_yaml.unlink(missing_ok=True)
    else:
        data_yaml.write_bytes(("names:\n" + yaml_text).encode("utf-8"))
    _read_or_input_error(fuzz_root)


def test_latin1_data_yaml_is_an_input_error_with_a_line(tmp_path):
    (tmp_path / "data.yaml").write_bytes(b"names:\n  0: Caf\xe9\n")
    with pytest.raises(InputError) as info:
        _read(tmp_path)
    assert (info.value.location.line, info.value.location.column) == (2, 9)


def test_export_without_images_reimports_through_images_txt_from_the_media_root(tmp_path):
    """images.txt pairs each media path with its label file, even after stem renames."""
    media_root, out = tmp_path / "R", tmp_path / "OUT"
    box = Box(control="box", target="image", labels=("Truck",), x=10, y=20, width=30, height=40)
    sizes = {"cam/a.png": (800, 600), "cam2/a.png": (400, 300), "x/c.png": (640, 480)}
    for media, size in sizes.items():
        _png(media_root / media, size)
    # y/c.png is unlabeled: it renames x/c.png's label file to x__c.txt but is not listed.
    items = [_item(m, [box], s) for m, s in sizes.items()] + [_item("y/c.png", None)]
    _write(items, BOXES_XML, out)
    assert sorted(p.name for p in (out / "labels").iterdir()) == [
        "cam2__a.txt",
        "cam__a.txt",
        "x__c.txt",
    ]
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert (data["train"], data["val"]) == ("images.txt", "images.txt")
    result = read_yolo(
        out,
        ReadContext(media=MediaResolver(media_root), interface=parse_labeling_config(BOXES_XML)),
    )
    assert [p.message for p in result.problems] == []
    assert [t.media for t in result.tasks] == list(sizes)
    for task, size in zip(result.tasks, sizes.values(), strict=True):
        assert not task.refused and task.image_size == size
        [got] = task.annotations[0].regions
        assert got.labels == ("Truck",)
        tol = [1e-6 * size[0] + 1e-9, 1e-6 * size[1] + 1e-9] * 2
        for p, q, t in zip(
            (got.x, got.y, got.width, got.height), (10, 20, 30, 40), tol, strict=True
        ):
            assert math.isclose(p, q, abs_tol=t)


def test_images_txt_lines_outside_the_media_root_are_refused(tmp_path):
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "x.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (tmp_path / "images.txt").write_text("../x.png\n")
    [task] = _read(tmp_path, BOXES_XML).tasks
    assert task.refused and "outside the media root" in task.problems[0].message
