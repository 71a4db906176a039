"""Pascal VOC: the §8b golden file, the pixel conventions, and safe reading."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from labelmate.core.errors import InputError
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, Project, Task
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.io.interchange import ExportItem, ReadContext, WriteContext
from labelmate.io.media import MediaResolver
from labelmate.io.voc import read_voc, voc_bndbox, write_voc

CONFIG_PATH = Path(__file__).parents[1] / "fixtures" / "configs" / "config_image_boxes.xml"


def _wctx(out: Path, **options: object) -> WriteContext:
    config = CONFIG_PATH.read_text(encoding="utf-8")
    return WriteContext(
        Project(name="p", config_xml=config), parse_labeling_config(config), out, dict(options)
    )


def _item(
    media: str, regions: list, size: tuple[int, int] | None = (800, 600), image: Path | None = None
) -> ExportItem:
    task = Task(
        external_id=Path(media).stem,
        media=media,
        data={"image": f"/data/local-files/?d={media}"},
        image_width=size[0] if size else None,
        image_height=size[1] if size else None,
    )
    return ExportItem(task, [Annotation(author="me", regions=regions)], image)


def _box(x: float, y: float, w: float, h: float, label: str = "Car", **kw: object) -> Box:
    return Box(control="box", target="image", labels=(label,), x=x, y=y, width=w, height=h, **kw)


def _bndboxes(path: Path) -> list[tuple[int, ...]]:
    root = ET.parse(path).getroot()
    return [
        tuple(int(o.findtext(f"bndbox/{t}") or 0) for t in ("xmin", "ymin", "xmax", "ymax"))
        for o in root.iter("object")
    ]


def test_golden_task_1_matches_label_studio_converter(tmp_path: Path) -> None:
    # samples/tasks.json task 1: 800×600, x=12.5 y=25 w=30 h=30 % → 100, 150, 240, 180 px.
    item = _item("street/frame_0001.jpg", [_box(100.0, 150.0, 240.0, 180.0)])
    result = write_voc([item], _wctx(tmp_path))
    assert result.files == [Path("Annotations/frame_0001.xml")]
    assert (result.exported_tasks, result.exported_regions) == (1, 1)
    root = ET.parse(tmp_path / "Annotations" / "frame_0001.xml").getroot()
    assert root.tag == "annotation"
    assert root.findtext("filename") == "frame_0001.jpg"
    assert root.findtext("folder") == "street"
    size = [root.findtext(f"size/{t}") for t in ("width", "height", "depth")]
    assert size == ["800", "600", "3"]
    assert root.findtext("segmented") == "0"
    [obj] = root.iter("object")
    assert [obj.findtext(t) for t in ("name", "pose", "truncated", "difficult")] == [
        "Car",
        "Unspecified",
        "0",
        "0",
    ]
    assert _bndboxes(tmp_path / "Annotations" / "frame_0001.xml") == [(100, 150, 340, 330)]
    # Deliberate difference: the converter also writes boilerplate <source>/<owner> and a
    # <path>; we leave them out (they would leak local paths of confidential projects).
    assert root.find("source") is None and root.find("path") is None


def test_formats_md_worked_example_in_both_conventions(tmp_path: Path) -> None:
    item = _item("a.jpg", [_box(80, 120, 160, 180)], (640, 480))
    write_voc([item], _wctx(tmp_path / "zero"))
    write_voc([item], _wctx(tmp_path / "one", voc_one_based=True))
    assert _bndboxes(tmp_path / "zero" / "Annotations" / "a.xml") == [(80, 120, 240, 300)]
    assert _bndboxes(tmp_path / "one" / "Annotations" / "a.xml") == [(81, 121, 240, 300)]


def test_rounding_is_half_even_once_not_truncation() -> None:
    # int() per part (the LS converter) would give xmax = 0 + 10 = 10; rounding the
    # edge x + w = 11.2 once gives 11.
    assert voc_bndbox((0.6, 0.4, 0.6 + 10.6, 0.4 + 10.6)) == (1, 0, 11, 11)
    assert voc_bndbox((10.5, 11.5, 30.5, 31.5)) == (10, 12, 30, 32)  # half to even
    assert voc_bndbox((10.5, 11.5, 30.5, 31.5), one_based=True) == (11, 13, 30, 32)


def test_non_boxes_are_converted_or_skipped_with_counts(tmp_path: Path) -> None:
    regions = [
        _box(100, 100, 40, 20, rotation=30),
        Polygon(
            control="box", target="image", labels=("Truck",), points=((10, 10), (50, 5), (30, 40))
        ),
        Keypoint(control="box", target="image", labels=("Car",), x=5, y=5),
    ]
    result = write_voc([_item("a.jpg", regions)], _wctx(tmp_path))
    rotated_bounds = regions[0].bounds()
    expected = tuple(round(v) for v in rotated_bounds)
    assert _bndboxes(tmp_path / "Annotations" / "a.xml") == [expected, (10, 5, 50, 40)]
    assert result.exported_regions == 2
    [warning] = [p.message for p in result.problems]
    for fragment in (
        "1 polygon written as its bounding box",
        "1 rotated box",
        "1 skipped keypoint",
    ):
        assert fragment in warning


def test_border_boxes_are_truncated_and_clipped(tmp_path: Path) -> None:
    regions = [_box(-10, 20, 50, 30), _box(700, 500, 100, 100), _box(10, 10, 20, 20)]
    result = write_voc([_item("a.jpg", regions)], _wctx(tmp_path))
    root = ET.parse(tmp_path / "Annotations" / "a.xml").getroot()
    assert [o.findtext("truncated") for o in root.iter("object")] == ["1", "1", "0"]
    assert _bndboxes(tmp_path / "Annotations" / "a.xml") == [
        (0, 20, 40, 50),
        (700, 500, 800, 600),
        (10, 10, 30, 30),
    ]
    assert any("1 box clipped" in p.message for p in result.problems)
    write_voc([_item("a.jpg", regions)], _wctx(tmp_path / "raw", voc_clip=False))
    assert _bndboxes(tmp_path / "raw" / "Annotations" / "a.xml")[0] == (-10, 20, 40, 50)


def test_duplicate_stems_and_unknown_sizes(tmp_path: Path) -> None:
    items = [
        _item("a/001.jpg", [_box(1, 1, 5, 5)]),
        _item("b/001.jpg", [_box(2, 2, 5, 5)]),
        _item("c/002.jpg", [_box(2, 2, 5, 5)], size=None),
        ExportItem(Task(external_id="x", media="x.jpg"), [], None),  # not annotated: no file
    ]
    result = write_voc(items, _wctx(tmp_path))
    assert result.files == [Path("Annotations/001.xml"), Path("Annotations/001_2.xml")]
    messages = " | ".join(p.message for p in result.problems)
    assert "written as 001_2.xml" in messages and "002: image size unknown" in messages


def test_size_is_read_from_the_image_when_the_task_has_none(tmp_path: Path) -> None:
    image = tmp_path / "img" / "p.png"
    image.parent.mkdir()
    Image.new("RGB", (50, 30)).save(image)
    item = _item("img/p.png", [_box(1, 1, 5, 5)], size=None, image=image)
    write_voc([item], _wctx(tmp_path / "out"))
    root = ET.parse(tmp_path / "out" / "Annotations" / "p.xml").getroot()
    assert (root.findtext("size/width"), root.findtext("size/height")) == ("50", "30")


def test_labels_are_escaped_and_read_back(tmp_path: Path) -> None:
    label = 'a<b & "c"'
    write_voc([_item("img/a.jpg", [_box(1, 2, 3, 4, label=label)])], _wctx(tmp_path / "voc"))
    ctx = ReadContext(media=MediaResolver(tmp_path))
    result = read_voc(tmp_path / "voc", ctx)
    [task] = result.tasks
    assert task.annotations[0].regions[0].labels == (label,)
    assert task.image_size == (800, 600)
    interface = parse_labeling_config(result.config_xml or "")
    assert interface.errors == () and interface.controls[0].options[0].value == label


def test_reader_finds_images_in_jpegimages_and_keeps_voc_flags(tmp_path: Path) -> None:
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "JPEGImages").mkdir()
    Image.new("RGB", (10, 10)).save(tmp_path / "JPEGImages" / "x.jpg")
    (tmp_path / "Annotations" / "x.xml").write_text(
        "<annotation><filename>x.jpg</filename><size><width>100</width><height>80</height>"
        "</size><object><name>dog</name><pose>Left</pose><difficult>1</difficult>"
        "<bndbox><xmin>11</xmin><ymin>21</ymin><xmax>40</xmax><ymax>50</ymax></bndbox>"
        "</object></annotation>"
    )
    ctx = ReadContext(media=MediaResolver(tmp_path))
    [task] = read_voc(tmp_path / "Annotations", ctx, one_based=True).tasks
    assert task.media == "JPEGImages/x.jpg"
    [box] = task.annotations[0].regions
    assert (box.x, box.y, box.width, box.height) == (10, 20, 30, 30)
    assert box.extra == {"difficult": 1, "pose": "Left"}
    write_voc(
        [_item("JPEGImages/x.jpg", [box], (100, 80))], _wctx(tmp_path / "o", voc_one_based=True)
    )
    obj = ET.parse(tmp_path / "o" / "Annotations" / "x.xml").getroot().find("object")
    assert obj is not None and (obj.findtext("pose"), obj.findtext("difficult")) == ("Left", "1")
    assert _bndboxes(tmp_path / "o" / "Annotations" / "x.xml") == [(11, 21, 40, 50)]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<annotation/>', 2, "DOCTYPE"),
        ("<annotation>\n  <filename>a.jpg</filename>\n  <object>\n</annotation>", 4, "syntax"),
        ("<annotations/>", 1, "root tag"),
    ],
)
def test_bad_xml_raises_with_a_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    (tmp_path / "a.xml").write_text(text)
    with pytest.raises(InputError) as info:
        read_voc(tmp_path / "a.xml", ReadContext(media=MediaResolver(tmp_path)))
    assert info.value.location.line == line and fragment in info.value.message


def test_bad_objects_are_warnings(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(
        "<annotation><filename>a.jpg</filename><size><width>0</width><height>x</height></size>"
        "<object><name>a</name><bndbox><xmin>nan</xmin><ymin>1</ymin><xmax>2</xmax>"
        "<ymax>3</ymax></bndbox></object>"
        "<object><name>b</name><bndbox><xmin>9</xmin><ymin>1</ymin><xmax>2</xmax>"
        "<ymax>3</ymax></bndbox></object>"
        "<object><name></name></object><object><name>c</name></object>"
        "<object><name>d</name><bndbox><xmin>-5</xmin><ymin>1</ymin><xmax>2</xmax>"
        "<ymax>3</ymax></bndbox></object></annotation>"
    )
    [task] = read_voc(tmp_path / "a.xml", ReadContext(media=MediaResolver(tmp_path))).tasks
    assert not task.refused and task.image_size is None
    assert [r.labels for r in task.annotations[0].regions] == [("d",)]
    text = " | ".join(p.message for p in task.problems)
    for fragment in ("<size>", "finite numbers", "before xmin", "no <name>", "no <bndbox>"):
        assert fragment in text


def test_filename_escaping_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.xml").write_text("<annotation><filename>../../../etc/x.jpg</filename></annotation>")
    [task] = read_voc(root / "a.xml", ReadContext(media=MediaResolver(root))).tasks
    assert task.refused and "outside the media root" in task.problems[0].message


_edge = st.floats(0, 790, allow_nan=False)
_len = st.floats(0.5, 200, allow_nan=False)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    boxes=st.lists(st.tuples(_edge, st.floats(0, 590), _len, _len), min_size=1, max_size=5),
    one_based=st.booleans(),
)
def test_round_trip_within_one_pixel(tmp_path: Path, boxes: list, one_based: bool) -> None:
    regions = [_box(x, y, min(w, 800 - x), min(h, 600 - y)) for x, y, w, h in boxes]
    out = tmp_path / "rt"
    shutil.rmtree(out, ignore_errors=True)
    write_voc([_item("frame.jpg", regions)], _wctx(out, voc_one_based=one_based))
    ctx = ReadContext(
        media=MediaResolver(out), interface=parse_labeling_config(CONFIG_PATH.read_text())
    )
    [task] = read_voc(out, ctx, one_based=one_based).tasks
    back = task.annotations[0].regions
    assert len(back) == len(regions)
    for before, after in zip(regions, back, strict=True):
        assert (after.control, after.target, after.labels) == ("box", "image", ("Car",))
        for a, b in zip(before.bounds(), after.bounds(), strict=True):
            assert abs(a - b) <= 0.5 + 1e-9  # rounding once moves an edge at most half a pixel


_text = st.lists(
    st.sampled_from([*"<>/&;! abx01-.=\"'\n", "nan", "inf", "1e400", "]]>", "&amp;"]),
    max_size=8,
).map("".join)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=_text,
    values=st.lists(_text | st.integers(-(10**12), 10**12).map(str), min_size=6, max_size=6),
    cut=st.integers(0, 500),
    latin=st.booleans(),
)
def test_reader_never_crashes(
    tmp_path: Path, name: str, values: list, cut: int, latin: bool
) -> None:
    w, h, x1, y1, x2, y2 = values
    doc = (
        f"<annotation><filename>{name}.jpg</filename><size><width>{w}</width>"
        f"<height>{h}</height></size><object><name>{name}</name><bndbox><xmin>{x1}</xmin>"
        f"<ymin>{y1}</ymin><xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox></object></annotation>"
    )
    raw = doc.encode()
    if cut % 4 == 0:
        raw = raw[:cut]
    if latin:
        raw = raw.replace(b"annotation><f", b"annotation>\xe9<f")
    file = tmp_path / "f.xml"
    file.write_bytes(raw)
    try:
        result = read_voc(file, ReadContext(media=MediaResolver(tmp_path)))
    except InputError as err:
        assert err.location.file == str(file) and err.location.line is not None
        return
    for task in result.tasks:
        assert all(p.location.file == str(file) for p in task.problems)


def _png(path: Path, size: tuple[int, int] = (800, 600)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size).save(path)


def test_export_outside_the_media_root_reimports_through_folder_and_filename(
    tmp_path: Path,
) -> None:
    media_root, out = tmp_path / "R", tmp_path / "OUT"
    for media in ("pcb/pcb-001.png", "a/b/deep.png", "top.png"):
        _png(media_root / media)
    items = [
        _item(media, [_box(10, 20, 30, 40)])
        for media in ("pcb/pcb-001.png", "a/b/deep.png", "top.png")
    ]
    write_voc(items, _wctx(out))
    folders = {
        p.name: ET.parse(p).getroot().findtext("folder") or ""
        for p in (out / "Annotations").iterdir()
    }
    assert folders == {"pcb-001.xml": "pcb", "deep.xml": "a/b", "top.xml": ""}
    assert ET.parse(out / "Annotations" / "pcb-001.xml").getroot().findtext("filename") == (
        "pcb-001.png"
    )
    tasks = read_voc(out, ReadContext(media=MediaResolver(media_root))).tasks
    assert [t.refused for t in tasks] == [False] * 3, [p.message for t in tasks for p in t.problems]
    assert sorted(t.media or "" for t in tasks) == ["a/b/deep.png", "pcb/pcb-001.png", "top.png"]
    for task in tasks:
        assert task.problems == []
        [region] = task.annotations[0].regions
        assert region.bounds() == (10, 20, 40, 60)


def test_missing_image_inside_the_root_is_reported_not_refused(tmp_path: Path) -> None:
    media_root, out = tmp_path / "R", tmp_path / "OUT"
    media_root.mkdir()
    write_voc([_item("pcb/gone.png", [_box(1, 2, 3, 4)])], _wctx(out))
    [task] = read_voc(out, ReadContext(media=MediaResolver(media_root))).tasks
    assert not task.refused and task.media == "pcb/gone.png"


def test_one_based_export_records_its_convention_and_reimports_without_being_told(
    tmp_path: Path,
) -> None:
    regions = [_box(100.2, 150.0, 240.0, 179.6), _box(0.0, 0.0, 10.0, 10.0)]
    write_voc([_item("frame.jpg", regions)], _wctx(tmp_path, voc_one_based=True))
    xml = tmp_path / "Annotations" / "frame.xml"
    assert ET.parse(xml).getroot().findtext("labelmate_pixel_convention") == "one_based"
    assert _bndboxes(xml) == [(101, 151, 340, 330), (1, 1, 10, 10)]
    [task] = read_voc(xml, ReadContext(media=MediaResolver(tmp_path))).tasks
    for before, after in zip(regions, task.annotations[0].regions, strict=True):
        for a, b in zip(before.bounds(), after.bounds(), strict=True):
            assert abs(a - b) <= 0.5 + 1e-9
    # A zero-based export records nothing and still reads back as pixel edges.
    write_voc([_item("frame.jpg", regions)], _wctx(tmp_path))
    assert ET.parse(xml).getroot().find("labelmate_pixel_convention") is None
    [task] = read_voc(xml, ReadContext(media=MediaResolver(tmp_path))).tasks
    assert task.annotations[0].regions[1].bounds() == (0, 0, 10, 10)
    # An explicit one_based=True still forces the devkit convention.
    [task] = read_voc(xml, ReadContext(media=MediaResolver(tmp_path)), one_based=True).tasks
    assert task.annotations[0].regions[1].bounds() == (-1, -1, 10, 10)
