"""labelme / X-AnyLabeling JSON: reading real-looking files, writing files labelme opens.

labelme has no Label Studio converter output to compare with (formats.md §8b
covers COCO/YOLO/VOC), so the goldens here are hand-made fixtures in
tests/fixtures/labelme, checked against what labelme's own loader requires.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from labelmate.core.errors import InputError
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, Project, Task
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.io.interchange import ExportItem, ImportedTask, ReadContext, WriteContext
from labelmate.io.labelme import LABELME_VERSION, box_from_corners, read_labelme, write_labelme
from labelmate.io.media import MediaResolver

FIXTURES = Path(__file__).parents[1] / "fixtures" / "labelme"
POLY_KP_CONFIG = """<View>
  <Image name="photo" value="$img"/>
  <PolygonLabels name="outline" toName="photo"><Label value="road sign"/></PolygonLabels>
  <KeyPointLabels name="points" toName="photo"><Label value="lamp"/></KeyPointLabels>
</View>"""
BOX_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="a"/><Label value="b"/></RectangleLabels>
  <PolygonLabels name="poly" toName="image"><Label value="a"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="image"><Label value="a"/></KeyPointLabels>
</View>"""


def _png(path: Path, size: tuple[int, int] = (800, 600)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "gray").save(path)


def _street(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "ann", tmp_path / "ann")
    _png(tmp_path / "img" / "street.png")
    return tmp_path


def _ctx(root: Path, config: str | None = None) -> ReadContext:
    interface = parse_labeling_config(config) if config else None
    return ReadContext(media=MediaResolver(root), interface=interface)


def _messages(task: ImportedTask) -> str:
    return " | ".join(p.message for p in task.problems)


# -- reading ----------------------------------------------------------------------------------


def test_labelme_shapes_become_regions_and_unsupported_ones_are_counted(tmp_path: Path) -> None:
    root = _street(tmp_path)
    result = read_labelme(root / "ann", _ctx(root))
    assert result.problems == []
    [task] = result.tasks
    assert not task.refused
    # imagePath "..\\img\\street.png" is relative to the JSON's folder, backslashes and all.
    assert task.media == task.external_id == "img/street.png"
    assert task.data == {"image": "img/street.png"}
    assert task.image_size == (800, 600)
    [annotation] = task.annotations
    box, polygon, point = annotation.regions
    # corners given bottom-right first: normalised to the top-left pivot
    assert isinstance(box, Box)
    assert (box.x, box.y, box.width, box.height, box.rotation) == (100, 150, 240, 180, 0)
    assert box.labels == ("car",) and box.control == "label" and box.target == "image"
    assert box.extra == {
        "group_id": 7,
        "description": "parked, half hidden",
        "flags": {"occluded": True},
    }
    assert isinstance(polygon, Polygon) and polygon.points[2] == (55, 70)
    assert polygon.control == "polygon"
    assert isinstance(point, Keypoint) and (point.x, point.y) == (400.5, 20.25)
    text = _messages(task)
    assert "skipped 1 circle, 1 line, 1 linestrip shape(s)" in text


def test_generated_config_offers_labels_in_first_seen_order(tmp_path: Path) -> None:
    root = _street(tmp_path)
    xml = read_labelme(root / "ann", _ctx(root)).config_xml
    assert xml is not None
    interface = parse_labeling_config(xml)
    assert interface.errors == ()
    options = {c.name: [o.value for o in c.options] for c in interface.controls}
    assert options == {"label": ["car"], "polygon": ["road sign"], "keypoint": ["lamp"]}


def test_project_config_names_controls_and_flags_unknown_labels(tmp_path: Path) -> None:
    root = _street(tmp_path)
    result = read_labelme(root / "ann", _ctx(root, POLY_KP_CONFIG))
    assert result.config_xml is None  # the project already has a config
    [task] = result.tasks
    assert task.data == {"img": "img/street.png"}  # the data key the <Image> reads
    box, polygon, point = task.annotations[0].regions
    assert (polygon.control, polygon.target) == ("outline", "photo")
    assert (point.control, point.target) == ("points", "photo")
    assert (box.control, box.target) == ("label", "photo")
    assert "no box control" in _messages(task)


def test_unknown_label_is_kept_with_a_warning(tmp_path: Path) -> None:
    root = _street(tmp_path)
    [task] = read_labelme(root / "ann", _ctx(root, BOX_CONFIG)).tasks
    assert [r.labels for r in task.annotations[0].regions] == [("car",), ("road sign",), ("lamp",)]
    assert "label 'car' is not offered" in _messages(task)


def test_x_anylabeling_rectangles_and_rotated_boxes(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "xany", tmp_path / "xany")
    _png(tmp_path / "xany" / "parts.png", (300, 200))
    result = read_labelme(tmp_path / "xany" / "parts.json", _ctx(tmp_path))
    [task] = result.tasks
    assert not task.refused and task.media == "xany/parts.png"
    chip, resistor = task.annotations[0].regions
    assert isinstance(chip, Box)
    assert (chip.x, chip.y, chip.width, chip.height, chip.rotation) == (40, 30, 100, 50, 0)
    assert isinstance(resistor, Box)
    assert resistor.rotation == pytest.approx(30)  # direction 0.5236 rad, clockwise on screen
    doc = json.loads((tmp_path / "xany" / "parts.json").read_text())
    expected = doc["shapes"][1]["points"]
    for (cx, cy), (ex, ey) in zip(resistor.corners(), expected, strict=True):
        assert abs(cx - ex) < 1e-6 and abs(cy - ey) < 1e-6
    assert resistor.extra["direction"] == pytest.approx(math.radians(30))
    # the image file exists, so the embedded copy is ignored: said once
    assert [p.message for p in task.problems].count(
        "embedded imageData is ignored; the image file is used instead"
    ) == 1


@settings(max_examples=80, deadline=None)
@given(
    x=st.floats(-500, 500),
    y=st.floats(-500, 500),
    w=st.floats(1, 400),
    h=st.floats(1, 400),
    rotation=st.floats(0, 359.9),
    start=st.integers(0, 3),
    reverse=st.booleans(),
)
def test_rotated_box_corners_survive_any_corner_order(
    x: float, y: float, w: float, h: float, rotation: float, start: int, reverse: bool
) -> None:
    corners = Box(control="c", target="t", x=x, y=y, width=w, height=h, rotation=rotation).corners()
    points = corners[start:] + corners[:start]
    if reverse:
        points = [points[0], *reversed(points[1:])]
    fields = box_from_corners(points)
    assert fields is not None
    rebuilt = Box(control="c", target="t", **fields).corners()
    assert rebuilt[0] == points[0]  # the first point stays the pivot
    for ax, ay in rebuilt:
        assert min(math.hypot(ax - bx, ay - by) for bx, by in points) < 1e-6


def test_embedded_image_without_file_is_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "xany", tmp_path / "xany")  # parts.png not created
    [task] = read_labelme(tmp_path / "xany", _ctx(tmp_path)).tasks
    assert task.refused
    assert "not found" in _messages(task) and "imageData is not extracted" in _messages(task)


def test_image_path_escaping_the_media_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    doc = {"shapes": [], "imagePath": "../../secret.png", "imageData": None}
    (root / "ann").mkdir(parents=True)
    (root / "ann" / "a.json").write_text(json.dumps(doc))
    [task] = read_labelme(root / "ann", _ctx(root)).tasks
    assert task.refused and "outside the media root" in _messages(task)


def test_url_image_path_is_refused_offline(tmp_path: Path) -> None:
    doc = {"shapes": [], "imagePath": "https://example.com/a.png", "imageData": None}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    [task] = read_labelme(tmp_path / "a.json", _ctx(tmp_path)).tasks
    assert task.refused and "never downloads" in _messages(task)


def test_bad_numbers_and_sizes_are_warnings_not_crashes(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "shapes": [
                {"label": "a", "points": [[0, 0], [1e300, 5]], "shape_type": "rectangle"},
                {"label": "b", "points": [[0, 0], [10, "x"]], "shape_type": "rectangle"},
                {"label": 5, "points": [[0, 0], [10, 10]], "shape_type": "rectangle"},
                {"label": "c", "points": [[-20, -5], [30, 40]], "shape_type": "rectangle"},
                {"label": "d", "points": [[1, 1], [2, 2]], "shape_type": "polygon"},
                "not a shape",
            ],
            "imagePath": "a.png",
            "imageData": None,
            "imageWidth": 0,
            "imageHeight": -3,
        }
    ).replace("1e+300", "NaN")
    (tmp_path / "a.json").write_text(text)
    [task] = read_labelme(tmp_path / "a.json", _ctx(tmp_path)).tasks
    assert not task.refused and task.image_size is None
    [box] = task.annotations[0].regions  # only "c" survives, out-of-image but kept
    assert box.labels == ("c",)
    text = _messages(task)
    for fragment in ("NaN", "non-empty list of [x, y]", "label must be", "at least 3 points"):
        assert fragment in text
    assert "not positive whole numbers" in text


def test_out_of_image_region_is_kept_with_a_warning(tmp_path: Path) -> None:
    doc = {
        "shapes": [{"label": "a", "points": [[-5, 0], [10, 10]], "shape_type": "rectangle"}],
        "imagePath": "a.png",
        "imageData": None,
        "imageWidth": 100,
        "imageHeight": 100,
    }
    (tmp_path / "a.json").write_text(json.dumps(doc))
    [task] = read_labelme(tmp_path / "a.json", _ctx(tmp_path)).tasks
    assert len(task.annotations[0].regions) == 1
    assert "outside the 100×100 image" in _messages(task)


def test_malformed_single_file_raises_with_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{\n  "shapes": [\n    {"label": }\n]}')
    with pytest.raises(InputError) as info:
        read_labelme(tmp_path / "a.json", _ctx(tmp_path))
    assert (info.value.location.line, info.value.location.column) == (3, 15)


def test_latin1_file_raises_at_the_bad_line(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b'{"shapes": [],\n "imagePath": "caf\xe9.png"}')
    with pytest.raises(InputError) as info:
        read_labelme(tmp_path / "a.json", _ctx(tmp_path))
    assert info.value.location.line == 2 and "not UTF-8" in info.value.message


def test_bad_file_in_a_folder_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    root = _street(tmp_path)
    (root / "ann" / "broken.json").write_text("{")
    (root / "ann" / "other.json").write_text('{"categories": []}')
    result = read_labelme(root / "ann", _ctx(root))
    assert len(result.tasks) == 1 and result.tasks[0].index == 0
    assert sorted(Path(p.location.file or "").name for p in result.problems) == [
        "broken.json",
        "other.json",
    ]
    assert all(p.is_error for p in result.problems)


def test_empty_folder_and_missing_path_raise(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no labelme"):
        read_labelme(tmp_path, _ctx(tmp_path))
    with pytest.raises(InputError, match="does not exist"):
        read_labelme(tmp_path / "nope", _ctx(tmp_path))


# -- fuzzing ----------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_shape = st.fixed_dictionaries(
    {},
    optional={
        "label": st.one_of(st.text(max_size=4), st.just("\ud800"), _json),
        "points": st.one_of(
            st.lists(st.lists(st.floats() | st.integers(-(10**9), 10**9), max_size=3), max_size=5),
            _json,
        ),
        "shape_type": st.sampled_from(
            ["rectangle", "polygon", "point", "rotation", "circle", "mask", "weird", 3]
        ),
        "group_id": _json,
        "flags": _json,
        "description": _json,
        "unknown": _json,
    },
)
_doc = st.fixed_dictionaries(
    {"shapes": st.one_of(st.lists(_shape | _json, max_size=4), _json)},
    optional={
        "imagePath": st.one_of(
            st.sampled_from(["a.png", "../x.png", "", "C:\\a.png", "x" * 300 + ".png", "\ud800"]),
            _json,
        ),
        "imageData": st.one_of(st.none(), st.just("AAAA"), _json),
        "imageWidth": _json | st.integers(-5, 10**12),
        "imageHeight": _json | st.integers(-5, 10**12),
    },
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=_doc, cut=st.integers(0, 400), latin=st.booleans())
def test_reader_never_crashes(tmp_path: Path, doc: dict, cut: int, latin: bool) -> None:
    text = json.dumps(doc)
    raw = text.encode()
    if cut < len(raw) and cut % 3 == 0:
        raw = raw[:cut]  # truncated file
    if latin:
        raw = raw.replace(b"a.png", b"\xe4.png")
    file = tmp_path / "fuzz.json"
    file.write_bytes(raw)
    try:
        result = read_labelme(file, _ctx(tmp_path))
    except InputError as err:
        assert err.location.file == str(file)
        return
    for task in result.tasks:
        for problem in task.problems:
            assert problem.location.file == str(file) and problem.location.field


# -- writing ----------------------------------------------------------------------------------


def _project(config: str = BOX_CONFIG) -> Project:
    return Project(name="p", config_xml=config)


def _item(
    root: Path, rel: str, regions: list, size: tuple[int, int] | None = (640, 480)
) -> ExportItem:
    task = Task(
        external_id=rel,
        media=rel,
        data={"image": rel},
        image_width=size[0] if size else None,
        image_height=size[1] if size else None,
    )
    return ExportItem(task, [Annotation(author="me", regions=regions)], root / rel)


def _wctx(out: Path, **options: object) -> WriteContext:
    project = _project()
    return WriteContext(project, parse_labeling_config(project.config_xml), out, dict(options))


def _check_labelme_loads(doc: dict) -> None:
    """The assertions labelme's LabelFile.load and _load_shape_json_obj make (labelme 5.x)."""
    for key in ("imageData", "imagePath", "shapes"):
        assert key in doc
    assert doc["imageData"] is None and isinstance(doc["imagePath"], str)
    for shape in doc["shapes"]:
        assert isinstance(shape["label"], str)
        assert isinstance(shape["points"], list) and shape["points"]
        assert all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, int | float) for v in p)
            for p in shape["points"]
        )
        assert isinstance(shape["shape_type"], str)
        assert all(isinstance(k, str) and isinstance(v, bool) for k, v in shape["flags"].items())
        assert isinstance(shape["description"], str)
        assert shape["group_id"] is None or isinstance(shape["group_id"], int)
        assert shape.get("mask") is None


def test_written_file_has_labelme_keys_and_shapes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    regions = [
        Box(
            control="box",
            target="image",
            labels=("a",),
            x=10,
            y=20,
            width=30,
            height=40,
            extra={"group_id": 3, "description": "d", "flags": {"x": True}},
        ),
        Polygon(control="poly", target="image", labels=("a",), points=((1, 2), (3, 4), (5, 1))),
        Keypoint(control="kp", target="image", labels=("a",), x=7.5, y=8.25),
    ]
    result = write_labelme([_item(tmp_path, "images/cat.jpg", regions)], _wctx(out))
    assert result.files == [Path("cat.json")]
    assert (result.exported_tasks, result.exported_regions) == (1, 3)
    doc = json.loads((out / "cat.json").read_text(encoding="utf-8"))
    _check_labelme_loads(doc)
    assert doc["version"] == LABELME_VERSION and doc["flags"] == {}
    assert doc["imagePath"] == "../images/cat.jpg"  # relative to the JSON's folder
    assert (doc["imageWidth"], doc["imageHeight"]) == (640, 480)
    rect, poly, point = doc["shapes"]
    assert rect["shape_type"] == "rectangle" and rect["points"] == [[10, 20], [40, 60]]
    assert (rect["group_id"], rect["description"], rect["flags"]) == (3, "d", {"x": True})
    assert poly["shape_type"] == "polygon" and point["shape_type"] == "point"


def test_rotated_box_is_written_as_a_polygon_with_a_warning(tmp_path: Path) -> None:
    box = Box(
        control="box", target="image", labels=("a",), x=100, y=100, width=40, height=20, rotation=30
    )
    result = write_labelme([_item(tmp_path, "a.png", [box])], _wctx(tmp_path / "o", dest_dir=None))
    doc = json.loads((tmp_path / "o" / "a.json").read_text())
    [shape] = doc["shapes"]
    assert shape["shape_type"] == "polygon"
    assert shape["points"] == [list(c) for c in box.corners()]
    assert any("rotated box" in p.message for p in result.problems)


def test_duplicate_stems_are_disambiguated_and_reported(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    items = [_item(tmp_path, rel, []) for rel in ("a/001.jpg", "b/001.jpg", "c/001.png")]
    result = write_labelme(items, _wctx(out))
    assert result.files == [Path("001.json"), Path("001_2.json"), Path("001_3.json")]
    docs = [json.loads((out / f).read_text()) for f in result.files]
    assert [d["imagePath"] for d in docs] == ["../a/001.jpg", "../b/001.jpg", "../c/001.png"]
    assert sum("share the name stem" in p.message for p in result.problems) == 2


def test_image_path_is_relative_to_the_final_folder_not_staging(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    item = _item(tmp_path, "data/img/x.png", [])
    write_labelme([item], _wctx(staging, dest_dir=tmp_path / "data" / "labels"))
    assert json.loads((staging / "x.json").read_text())["imagePath"] == "../img/x.png"


_coord = st.floats(-100, 2000, allow_nan=False, allow_infinity=False)
_side = st.floats(0, 1000, allow_nan=False, allow_infinity=False)
_label = st.sampled_from(["a", "b"])
_region = st.one_of(
    st.builds(
        Box,
        control=st.just("box"),
        target=st.just("image"),
        labels=st.tuples(_label),
        x=_coord,
        y=_coord,
        width=_side,
        height=_side,
    ),
    st.builds(
        Polygon,
        control=st.just("poly"),
        target=st.just("image"),
        labels=st.tuples(_label),
        points=st.lists(st.tuples(_coord, _coord), min_size=3, max_size=8).map(tuple),
    ),
    st.builds(
        Keypoint,
        control=st.just("kp"),
        target=st.just("image"),
        labels=st.tuples(_label),
        x=_coord,
        y=_coord,
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(regions=st.lists(_region, max_size=6))
def test_round_trip_keeps_geometry_within_1e_6(tmp_path: Path, regions: list) -> None:
    out = tmp_path / "rt"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    write_labelme([_item(out, "img/pic.png", regions)], _wctx(out))
    ctx = ReadContext(media=MediaResolver(out), interface=parse_labeling_config(BOX_CONFIG))
    [task] = read_labelme(out / "pic.json", ctx).tasks
    assert task.media == "img/pic.png" and task.image_size == (640, 480)
    back = task.annotations[0].regions
    assert len(back) == len(regions)
    for before, after in zip(regions, back, strict=True):
        assert (type(after), after.control, after.target, after.labels) == (
            type(before),
            before.control,
            before.target,
            before.labels,
        )
        if isinstance(before, Box):
            for name in ("x", "y", "width", "height", "rotation"):
                assert abs(getattr(before, name) - getattr(after, name)) <= 1e-6
        elif isinstance(before, Polygon):
            for p, q in zip(before.points, after.points, strict=True):
                assert math.dist(p, q) <= 1e-6
        else:
            assert math.dist((before.x, before.y), (after.x, after.y)) <= 1e-6
