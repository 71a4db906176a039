"""Writing Label Studio JSON, JSON_MIN and CSV, and reading what we wrote back."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import (
    Box,
    Choices,
    Keypoint,
    Polygon,
    Rating,
    RegionBase,
    Span,
    TextAnswer,
)
from labelmate.io.interchange import ExportItem, ReadContext, WriteContext
from labelmate.io.label_studio import (
    read_csv,
    read_label_studio_json,
    write_ls_csv,
    write_ls_json,
    write_ls_min,
)
from labelmate.io.media import MediaResolver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "label_studio"

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car"/><Label value="Truck"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="image"><Label value="Leaf"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="image"><Label value="Tip"/></KeyPointLabels>
  <Text name="doc" value="$text"/>
  <Labels name="ner" toName="doc"><Label value="PER"/><Label value="LOC"/></Labels>
  <Choices name="mood" toName="doc" choice="multiple">
    <Choice value="Pos"/><Choice value="Neg"/>
  </Choices>
  <TextArea name="note" toName="doc"/>
  <Rating name="stars" toName="doc"/>
</View>"""
INTERFACE = parse_labeling_config(CONFIG)
WHEN = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def _wctx(out: Path, interface=INTERFACE, config: str = CONFIG) -> WriteContext:
    return WriteContext(Project(name="p", config_xml=config), interface, out)


def _task(task_id: int, data: dict, size: tuple[int, int] | None = None) -> Task:
    w, h = size or (None, None)
    return Task(id=task_id, external_id=f"t{task_id}", data=data, image_width=w, image_height=h)


def _ann(regions, **kw) -> Annotation:
    kw = {"author": "ls:1", "created_at": WHEN, "updated_at": WHEN} | kw
    return Annotation(regions=regions, **kw)


# -- round trip ----------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from("ab \r\n😀é🎉x."), min_size=1, max_size=40)
_ID = st.text(alphabet="abcdefghXYZ0123456789_-", min_size=1, max_size=10)


@st.composite
def _regions(draw, size: tuple[int, int], text: str) -> list[RegionBase]:
    w, h = size
    xs, ys = st.floats(0, w), st.floats(0, h)
    out: list[RegionBase] = []
    for kind in draw(st.lists(st.sampled_from("bpksctr"), max_size=6)):
        rid = draw(_ID)
        if kind == "b":
            out.append(
                Box(
                    id=rid,
                    control="box",
                    target="image",
                    labels=(draw(st.sampled_from(["Car", "Truck"])),),
                    x=draw(xs),
                    y=draw(ys),
                    width=draw(st.floats(0, w)),
                    height=draw(st.floats(0, h)),
                    rotation=draw(st.floats(0, 360, exclude_max=True)),
                )
            )
        elif kind == "p":
            points = draw(st.lists(st.tuples(xs, ys), min_size=1, max_size=6))
            out.append(
                Polygon(
                    id=rid,
                    control="poly",
                    target="image",
                    labels=("Leaf",),
                    points=tuple(points),
                    closed=draw(st.booleans()),
                )
            )
        elif kind == "k":
            out.append(
                Keypoint(
                    id=rid,
                    control="kp",
                    target="image",
                    labels=("Tip",),
                    x=draw(xs),
                    y=draw(ys),
                    parent_id=draw(st.none() | _ID),
                )
            )
        elif kind == "s":
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, len(text)))
            out.append(
                Span(
                    id=rid,
                    control="ner",
                    target="doc",
                    labels=("PER",),
                    start=start,
                    end=end,
                    text=text[start:end],
                )
            )
        elif kind == "c":
            chosen = draw(st.lists(st.sampled_from(["Pos", "Neg"]), min_size=1, unique=True))
            out.append(Choices(id=rid, control="mood", target="doc", labels=tuple(chosen)))
        elif kind == "t":
            out.append(
                TextAnswer(
                    id=rid,
                    control="note",
                    target="doc",
                    text=tuple(draw(st.lists(_TEXT, max_size=3))),
                )
            )
        else:
            out.append(
                Rating(
                    id=rid,
                    control="stars",
                    target="doc",
                    rating=draw(st.integers(0, 5)),
                    score=draw(st.none() | st.floats(0, 1)),
                )
            )
    return out


_GEOMETRY = {"x", "y", "width", "height", "points"}


def _same(a: RegionBase, b: RegionBase, size: tuple[int, int]) -> None:
    tol = 1e-6 * max(size)
    da, db = a.model_dump(), b.model_dump()
    for key in _GEOMETRY & da.keys():
        if key == "points":
            for (ax, ay), (bx, by) in zip(da[key], db[key], strict=True):
                assert math.isclose(ax, bx, abs_tol=tol) and math.isclose(ay, by, abs_tol=tol)
        else:
            assert math.isclose(da[key], db[key], abs_tol=tol), (key, da, db)
        da.pop(key), db.pop(key)
    assert da == db


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), w=st.integers(1, 6000), h=st.integers(1, 6000), text=_TEXT)
def test_write_then_read_gives_the_same_regions(tmp_path, data, w, h, text):
    """Property: JSON export → import keeps every region within 1e-6 × the image size,
    span offsets and text exactly, ids, labels and scores."""
    regions = data.draw(_regions((w, h), text))
    gold = data.draw(st.booleans())
    kind = AnnotationKind.GOLD if gold else AnnotationKind.MINE
    task = _task(5, {"image": "a.png", "text": text}, (w, h))
    ann = _ann(regions, kind=kind, lead_time=3.5)
    pred = _ann(
        regions[:1], kind=AnnotationKind.PREDICTION, author="m", model_version="m", score=0.5
    )
    out = tmp_path / "out"
    written = write_ls_json([ExportItem(task, [ann, pred], None)], _wctx(out))
    assert written.problems == [] and written.exported_regions == len(regions) + len(regions[:1])
    ctx = ReadContext(MediaResolver(tmp_path), INTERFACE)
    (back,) = read_label_studio_json(out / "tasks.json", ctx).tasks
    assert back.external_id == "5" and back.data == task.data
    # only the doubts about odd-but-valid geometry (outside, tiny) may be raised
    assert [
        p.message
        for p in back.problems
        if not ("outside" in p.message or "normalized" in p.message)
    ] == []
    mine, prediction = back.annotations
    assert mine.kind == (AnnotationKind.GOLD if gold else None)
    assert mine.author == "ls:1" and mine.lead_time == 3.5 and mine.created_at == WHEN
    assert prediction.kind is AnnotationKind.PREDICTION and prediction.model_version == "m"
    assert len(mine.regions) == len(regions)
    for original, read in zip(regions, mine.regions, strict=True):
        _same(original, read, (w, h))


def test_kept_ls_keys_survive_export(tmp_path):
    box = Box(
        id="r1",
        control="box",
        target="image",
        x=10,
        y=20,
        width=30,
        height=40,
        extra={"ls_result": {"readonly": True}, "ls_value": {"custom": 1}},
    )
    task = _task(1, {"image": "a.png"}, (100, 200))
    write_ls_json([ExportItem(task, [_ann([box])], None)], _wctx(tmp_path))
    (item,) = json.loads((tmp_path / "tasks.json").read_text())[0]["annotations"][0]["result"]
    assert item["readonly"] is True and item["value"]["custom"] == 1
    assert item["original_width"] == 100 and item["original_height"] == 200


def test_image_region_without_a_known_size_is_skipped_with_a_problem(tmp_path):
    box = Box(control="box", target="image", x=1, y=1, width=1, height=1)
    task = _task(9, {"image": "gone.png"})
    result = write_ls_json([ExportItem(task, [_ann([box])], None)], _wctx(tmp_path))
    assert result.exported_regions == 0
    assert (
        result.problems[0].location.field == "task 9" and "image size" in result.problems[0].message
    )


def test_json_export_is_deterministic(tmp_path):
    box = Box(id="b", control="box", target="image", x=1, y=1, width=1, height=1)
    items = [
        ExportItem(_task(i, {"image": f"{i}.png"}, (10, 10)), [_ann([box])], None) for i in (3, 1)
    ]
    write_ls_json(items, _wctx(tmp_path / "a"))
    write_ls_json(items, _wctx(tmp_path / "b"))
    first = (tmp_path / "a" / "tasks.json").read_bytes()
    assert first == (tmp_path / "b" / "tasks.json").read_bytes()
    assert [t["id"] for t in json.loads(first)] == [3, 1]


# JSON_MIN and CSV carry each result's `value` only: not the region id, score, origin
# or a keypoint's parent (item-level keys), which Label Studio's exports drop too.
_NOT_IN_FLAT_EXPORTS = {"id", "score", "origin", "parent_id", "extra"}


def _written(regions: list[RegionBase]) -> list[RegionBase]:
    """The regions in the order a flat export reads them back: by control, in config order."""
    order = [c.name for c in INTERFACE.controls]
    return sorted(regions, key=lambda r: order.index(r.control))


def _same_in_flat_export(a: RegionBase, b: RegionBase, size: tuple[int, int]) -> None:
    strip = {"update": {"id": "x", "score": None, "origin": "manual", "extra": {}}}
    if isinstance(a, Keypoint):
        strip["update"]["parent_id"] = None
    _same(a.model_copy(**strip), b.model_copy(**strip), size)


_AUTHOR = st.sampled_from(["ls:1", "ls:23", "ann@example.com", "Zoë Doe", "me"])
_LEAD = st.none() | st.floats(0, 10_000, allow_nan=False).map(lambda x: round(x, 3))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), tasks=st.integers(1, 3))
def test_csv_export_then_import_gives_the_same_annotations(tmp_path, data, tasks):
    """Property: CSV export → CSV import (the config known) keeps every task's data and
    each exported annotation: author, lead time, times and every region (choices,
    text answers, ratings, spans, and image regions within 1e-6 × the image size).
    Predictions and cancelled annotations are not exported, as in Label Studio."""
    items, expected = [], []
    for n in range(tasks):
        w, h = data.draw(st.integers(1, 6000)), data.draw(st.integers(1, 6000))
        text = data.draw(_TEXT)
        task = _task(10 + n, {"image": f"{n}.png", "text": text}, (w, h))
        anns = []
        for k in range(data.draw(st.integers(0, 3))):
            anns.append(
                _ann(
                    data.draw(_regions((w, h), text)),
                    id=100 * n + k,
                    author=data.draw(_AUTHOR),
                    lead_time=data.draw(_LEAD),
                    kind=data.draw(st.sampled_from([AnnotationKind.MINE, AnnotationKind.GOLD])),
                    was_cancelled=data.draw(st.booleans()),
                )
            )
        anns.append(
            _ann(
                [Choices(control="mood", target="doc", labels=("Neg",))],
                kind=AnnotationKind.PREDICTION,
                author="m",
            )
        )
        items.append(ExportItem(task, anns, None))
        expected.append(
            (
                task,
                [
                    a
                    for a in anns
                    if a.kind is not AnnotationKind.PREDICTION and not a.was_cancelled
                ],
            )
        )
    out = tmp_path / "out"
    written = write_ls_csv(items, _wctx(out))
    assert written.problems == []

    back = read_csv(out / "tasks.csv", ReadContext(MediaResolver(tmp_path), INTERFACE)).tasks
    assert len(back) == len(expected)
    for read, (task, kept) in zip(back, expected, strict=True):
        assert read.data == task.data
        assert read.external_id == (str(task.id) if kept else None)
        assert [
            p.message
            for p in read.problems
            if not ("outside" in p.message or "normalized" in p.message)
        ] == []
        assert len(read.annotations) == len(kept)
        for ann, original in zip(read.annotations, kept, strict=True):
            assert ann.kind is None  # whose work it is comes from --as, as for JSON_MIN
            assert (ann.author, ann.lead_time) == (original.author, original.lead_time)
            assert (ann.created_at, ann.updated_at) == (WHEN, WHEN)
            size = (task.image_width, task.image_height)
            assert len(ann.regions) == len(original.regions)
            for a, b in zip(_written(original.regions), ann.regions, strict=True):
                _same_in_flat_export(a, b, size)


def test_csv_data_named_like_a_control_survives_the_round_trip(tmp_path):
    config = (
        '<View><Text name="q" value="$question"/>'
        '<TextArea name="answer" toName="q"/>'
        '<Choices name="ok" toName="q"><Choice value="yes"/><Choice value="no"/></Choices>'
        "</View>"
    )
    interface = parse_labeling_config(config)
    task = _task(3, {"question": "2+2?", "answer": "4 (reference)"})
    regions = [
        TextAnswer(control="answer", target="q", text=("four",)),
        Choices(control="ok", target="q", labels=("yes",)),
    ]
    write_ls_csv([ExportItem(task, [_ann(regions)], None)], _wctx(tmp_path, interface, config))
    header = (tmp_path / "tasks.csv").read_text(encoding="utf-8").splitlines()[0]
    assert '"_data_answer"' in header and '"answer"' in header
    ctx = ReadContext(MediaResolver(tmp_path), interface)
    (back,) = read_csv(tmp_path / "tasks.csv", ctx).tasks
    assert back.data == {"question": "2+2?", "answer": "4 (reference)"}
    (ann,) = back.annotations
    answer, ok = ann.regions
    assert isinstance(answer, TextAnswer) and answer.text == ("four",)
    assert isinstance(ok, Choices) and ok.labels == ("yes",)


# -- JSON_MIN and CSV (formats.md §3.5, §3.6, §8b) ------------------------------------------------


def _sample_items() -> list[ExportItem]:
    """The shared samples, imported, as the export use-case would hand them over."""
    config = (FIXTURES / "config_image_boxes.xml").read_text(encoding="utf-8")
    ctx = ReadContext(MediaResolver(FIXTURES), parse_labeling_config(config))
    items = []
    for i, t in enumerate(read_label_studio_json(FIXTURES / "tasks.json", ctx).tasks, start=1):
        size = t.image_size or (None, None)
        task = Task(
            id=i,
            external_id=t.data["ref_id"],
            data=t.data,
            image_width=size[0],
            image_height=size[1],
        )
        anns = [
            Annotation(
                id=10 + i,
                author=a.author,
                kind=a.kind or AnnotationKind.MINE,
                regions=a.regions,
                lead_time=a.lead_time,
                created_at=WHEN,
                updated_at=WHEN,
                model_version=a.model_version,
            )
            for a in t.annotations
        ]
        items.append(ExportItem(task, anns, None))
    return items


def test_json_min_matches_the_reference_row(tmp_path):
    """formats.md §8b JSON_MIN for task 1. Deliberate differences: LS skips tasks 2
    (predictions only) and 3 (no annotations); we write their data rows so no task
    silently disappears. Our timestamps end in `Z` (LS writes `.ffffffZ`; both ISO)."""
    config = (FIXTURES / "config_image_boxes.xml").read_text(encoding="utf-8")
    ctx = _wctx(tmp_path, parse_labeling_config(config), config)
    result = write_ls_min(_sample_items(), ctx)
    rows = json.loads((tmp_path / "tasks_min.json").read_text())
    assert result.files == [Path("tasks_min.json")]
    assert rows[0] == {
        "image": "/data/local-files/?d=street/frame_0001.jpg",
        "ref_id": "frame_0001",
        "id": 1,
        "box": [
            {
                "x": 12.5,
                "y": 25.0,
                "width": 30.0,
                "height": 30.0,
                "rotation": 0,
                "rectanglelabels": ["Car"],
                "original_width": 800,
                "original_height": 600,
            }
        ],
        "annotator": 1,
        "annotation_id": 11,
        "created_at": "2024-05-01T10:00:00Z",
        "updated_at": "2024-05-01T10:00:00Z",
        "lead_time": 12.4,
    }
    assert rows[1] == {
        "image": "/data/local-files/?d=street/frame_0002.jpg",
        "ref_id": "frame_0002",
    }
    assert rows[2] == {
        "image": "/data/local-files/?d=street/frame_0003.jpg",
        "ref_id": "frame_0003",
    }
    # and it reads back to the same box
    back = read_label_studio_json(
        tmp_path / "tasks_min.json", ReadContext(MediaResolver(tmp_path), ctx.interface)
    ).tasks
    assert (back[0].annotations[0].regions[0].x, back[0].annotations[0].regions[0].width) == (
        100,
        240,
    )


def test_json_min_collapses_single_answers_and_drops_cancelled(tmp_path):
    task = _task(4, {"text": "Ada met Bob"})
    regions = [
        Choices(control="mood", target="doc", labels=("Pos",)),
        TextAnswer(control="note", target="doc", text=("nice",)),
        Span(control="ner", target="doc", labels=("PER",), start=0, end=3),
    ]
    anns = [_ann(regions, id=1), _ann(regions, id=2, was_cancelled=True)]
    write_ls_min([ExportItem(task, anns, None)], _wctx(tmp_path))
    (row,) = json.loads((tmp_path / "tasks_min.json").read_text())
    assert row["mood"] == "Pos" and row["note"] == "nice"
    assert row["ner"] == [{"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}]


def test_csv_has_sorted_columns_quoted_strings_and_json_cells(tmp_path):
    task = _task(4, {"text": "Ada, met Bob", "n": 7})
    regions = [
        Choices(control="mood", target="doc", labels=("Pos", "Neg")),
        TextAnswer(control="note", target="doc", text=("nice",)),
    ]
    write_ls_csv([ExportItem(task, [_ann(regions, id=1, lead_time=2.0)], None)], _wctx(tmp_path))
    text = (tmp_path / "tasks.csv").read_text(encoding="utf-8")
    header, line = text.splitlines()
    assert header == (
        '"annotation_id","annotator","created_at","id","lead_time","mood","n",'
        '"note","text","updated_at"'
    )
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert json.loads(row["mood"]) == [{"choices": ["Pos", "Neg"]}]
    assert row["note"] == "nice" and row["text"] == "Ada, met Bob" and row["annotator"] == "1"
    assert ",7," in line and ",2.0," in line  # numbers unquoted (QUOTE_NONNUMERIC)
