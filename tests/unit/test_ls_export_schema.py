"""The Label Studio JSON export against the result schema of formats.md §3.

The validator below is written from the spec with plain Python checks and its own
reading of the labeling config (ElementTree, not Labelmate's parser), so a bug in
the app's config parser cannot hide a bad `from_name`/`to_name`/`type`:

* §3.1: every task has `id`, `data`, `annotations`, `predictions`; every annotation
  has `id, completed_by, result, was_cancelled, ground_truth, created_at,
  updated_at, lead_time`; every prediction has `result`;
* §3.2: every result has `id`, `from_name`, `to_name`, `type`, `value`; `from_name`
  is a control of the config, `to_name` one of its `toName`s, `type` the control's
  tag in lower case; image results carry `original_width`/`original_height`
  (positive ints) and `image_rotation`; `origin` is one of LS's three;
* §3.3: the value keys and their types per result type, labels from the control;
  spans satisfy `text == data[key][start:end]`; relations (§3.4) have
  `from_id`/`to_id`/`direction`.

On top of the schema, each export is compared with what it was made from: the
declared size is the task's size, and percent × size / 100 gives the stored pixels
back within 1e-6 of the image size (§3.3 "pixel conversion").

Driven by hypothesis (random regions of every kind, written with the LS writer)
and by the whole demo pack exported through the export use-case.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
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
from labelmate.io.interchange import ExportItem, WriteContext
from labelmate.io.label_studio import write_ls_json
from labelmate.usecases.demo import install_demo
from labelmate.usecases.export import export_project
from labelmate.usecases.import_tasks import ImportRequest, import_files
from labelmate.usecases.workspace import open_workspace

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "configs"
LS_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "label_studio"

# -- the validator -------------------------------------------------------------------------------

IMAGE_RESULT_TYPES = frozenset(
    {
        "rectanglelabels",
        "rectangle",
        "polygonlabels",
        "polygon",
        "keypointlabels",
        "keypoint",
        "brushlabels",
        "brush",
        "ellipselabels",
        "ellipse",
    }
)
# result type → the key of its label list inside `value` (§3.2)
LABEL_KEYS = {
    "rectanglelabels": "rectanglelabels",
    "polygonlabels": "polygonlabels",
    "keypointlabels": "keypointlabels",
    "brushlabels": "brushlabels",
    "ellipselabels": "ellipselabels",
    "labels": "labels",
    "hypertextlabels": "hypertextlabels",
    "choices": "choices",
}
TASK_KEYS = ("id", "data", "annotations", "predictions")
ANNOTATION_KEYS = (
    "id",
    "completed_by",
    "result",
    "was_cancelled",
    "ground_truth",
    "created_at",
    "updated_at",
    "lead_time",
)
RESULT_KEYS = ("id", "from_name", "to_name", "type", "value")
ORIGINS = frozenset({"manual", "prediction", "prediction-changed"})
REGION_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class Config:
    """Controls and objects of a labeling config, read the way §1.1 describes."""

    def __init__(self, xml: str) -> None:
        self.controls: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, dict[str, str]] = {}
        root = ET.fromstring(xml)
        self._walk(root, None)

    def _walk(self, element: ET.Element, control: str | None) -> None:
        attrs = element.attrib
        if "name" in attrs and "toName" in attrs and element.tag != "Filter":
            control = attrs["name"]
            self.controls[control] = {
                "type": element.tag.lower(),
                "to": [n.strip() for n in attrs["toName"].split(",")],
                "labels": set(),
            }
        elif "name" in attrs and ("value" in attrs or "valueList" in attrs):
            self.objects[attrs["name"]] = {"tag": element.tag, "value": attrs.get("value", "")}
        if element.tag in ("Label", "Choice") and control is not None:
            label = attrs.get("alias") or attrs.get("value")
            if label is not None:
                self.controls[control]["labels"].add(label)
        for child in element:
            self._walk(child, control)

    def data_key(self, object_name: str) -> str | None:
        value = self.objects.get(object_name, {}).get("value", "")
        return value[1:] if value.startswith("$") else None


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _is_iso_time(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def validate_export(tasks: object, config: Config) -> list[str]:
    """Every way `tasks` breaks formats.md §3 for `config`; [] when it conforms."""
    errors: list[str] = []
    if not isinstance(tasks, list):
        return [f"top level must be a list of tasks, got {type(tasks).__name__}"]
    for t, task in enumerate(tasks):
        where = f"task[{t}]"
        if not isinstance(task, dict):
            errors.append(f"{where}: not an object")
            continue
        errors += [f"{where}: missing '{k}'" for k in TASK_KEYS if k not in task]
        if not isinstance(task.get("id"), int) or isinstance(task.get("id"), bool):
            errors.append(f"{where}.id: not an int: {task.get('id')!r}")
        data = task.get("data")
        if not isinstance(data, dict):
            errors.append(f"{where}.data: not an object")
            data = {}
        for key in ("annotations", "predictions"):
            if not isinstance(task.get(key, []), list):
                errors.append(f"{where}.{key}: not a list")
        for a, ann in enumerate(task.get("annotations") or []):
            errors += _annotation(ann, f"{where}.annotations[{a}]", data, config)
        for p, pred in enumerate(task.get("predictions") or []):
            errors += _prediction(pred, f"{where}.predictions[{p}]", data, config)
    return errors


def _annotation(ann: object, where: str, data: dict, config: Config) -> list[str]:
    if not isinstance(ann, dict):
        return [f"{where}: not an object"]
    errors = [f"{where}: missing '{k}'" for k in ANNOTATION_KEYS if k not in ann]
    if "id" in ann and (not isinstance(ann["id"], int) or isinstance(ann["id"], bool)):
        errors.append(f"{where}.id: not an int")
    by = ann.get("completed_by")
    if "completed_by" in ann and not (
        (isinstance(by, int) and not isinstance(by, bool)) or isinstance(by, dict)
    ):
        errors.append(f"{where}.completed_by: neither a user id nor a user object: {by!r}")
    for key in ("was_cancelled", "ground_truth"):
        if key in ann and not isinstance(ann[key], bool):
            errors.append(f"{where}.{key}: not a bool")
    for key in ("created_at", "updated_at"):
        if key in ann and not _is_iso_time(ann[key]):
            errors.append(f"{where}.{key}: not an ISO time: {ann[key]!r}")
    lead = ann.get("lead_time")
    if lead is not None and not (_is_number(lead) and lead >= 0):
        errors.append(f"{where}.lead_time: not a non-negative number: {lead!r}")
    return errors + _results(ann.get("result"), where, data, config)


def _prediction(pred: object, where: str, data: dict, config: Config) -> list[str]:
    if not isinstance(pred, dict):
        return [f"{where}: not an object"]
    errors = [] if "result" in pred else [f"{where}: missing 'result'"]
    score = pred.get("score")
    if score is not None and not _is_number(score):
        errors.append(f"{where}.score: not a number")
    if "model_version" in pred and not isinstance(pred["model_version"], str | type(None)):
        errors.append(f"{where}.model_version: not a string")
    return errors + _results(pred.get("result"), where, data, config)


def _results(results: object, where: str, data: dict, config: Config) -> list[str]:
    if not isinstance(results, list):
        return [f"{where}.result: not a list"]
    errors: list[str] = []
    for r, item in enumerate(results):
        errors += _result(item, f"{where}.result[{r}]", data, config)
    return errors


def _result(item: object, where: str, data: dict, config: Config) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: not an object"]
    rtype = item.get("type")
    if rtype == "relation":  # §3.4: no from_name/to_name/value
        errors = [f"{where}: missing '{k}'" for k in ("from_id", "to_id") if k not in item]
        if item.get("direction", "right") not in ("right", "left", "bi"):
            errors.append(f"{where}.direction: {item.get('direction')!r}")
        return errors
    errors = [f"{where}: missing '{k}'" for k in RESULT_KEYS if k not in item]
    if errors:
        return errors
    if not isinstance(item["id"], str) or not REGION_ID.match(item["id"]):
        errors.append(f"{where}.id: not a region id: {item['id']!r}")
    control = config.controls.get(item["from_name"])
    if control is None:
        errors.append(f"{where}.from_name: {item['from_name']!r} is no control of the config")
    else:
        if item["to_name"] not in control["to"]:
            errors.append(
                f"{where}.to_name: {item['to_name']!r} is not a toName of {item['from_name']!r}"
            )
        if rtype != control["type"]:
            errors.append(f"{where}.type: {rtype!r} but the control is {control['type']!r}")
    if item["to_name"] not in config.objects:
        errors.append(f"{where}.to_name: {item['to_name']!r} is no object of the config")
    if not isinstance(rtype, str) or rtype != rtype.lower():
        errors.append(f"{where}.type: not a lower-case string: {rtype!r}")
        return errors
    if "origin" in item and item["origin"] not in ORIGINS:
        errors.append(f"{where}.origin: {item['origin']!r}")
    if "score" in item and item["score"] is not None and not _is_number(item["score"]):
        errors.append(f"{where}.score: not a number")
    if rtype in IMAGE_RESULT_TYPES:
        for key in ("original_width", "original_height"):
            value = item.get(key)
            if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                errors.append(f"{where}.{key}: missing or not a positive int: {value!r}")
        if "image_rotation" not in item or not _is_number(item["image_rotation"]):
            errors.append(f"{where}.image_rotation: missing or not a number")
    value = item["value"]
    if not isinstance(value, dict):
        return [*errors, f"{where}.value: not an object"]
    errors += _value(rtype, value, f"{where}.value", control, data, config, item["to_name"])
    return errors


def _value(
    rtype: str,
    value: dict,
    where: str,
    control: dict | None,
    data: dict,
    config: Config,
    to_name: str,
) -> list[str]:
    errors: list[str] = []

    def numbers(*keys: str) -> None:
        for key in keys:
            if not _is_number(value.get(key)):
                errors.append(f"{where}.{key}: missing or not a finite number: {value.get(key)!r}")

    if rtype in ("rectanglelabels", "rectangle"):
        numbers("x", "y", "width", "height")
        if "rotation" in value:
            numbers("rotation")
        for key in ("width", "height"):
            if _is_number(value.get(key)) and value[key] < 0:
                errors.append(f"{where}.{key}: negative")
    elif rtype in ("polygonlabels", "polygon"):
        points = value.get("points")
        if not isinstance(points, list) or not points:
            errors.append(f"{where}.points: not a non-empty list")
        else:
            for i, point in enumerate(points):
                if not (
                    isinstance(point, list) and len(point) == 2 and all(map(_is_number, point))
                ):
                    errors.append(f"{where}.points[{i}]: not an [x, y] pair: {point!r}")
            if len(points) > 1 and points[0] == points[-1]:
                errors.append(f"{where}.points: the first point is repeated at the end")
        if "closed" in value and not isinstance(value["closed"], bool):
            errors.append(f"{where}.closed: not a bool")
    elif rtype in ("keypointlabels", "keypoint"):
        numbers("x", "y")
        if "width" in value:
            numbers("width")
    elif rtype == "labels":
        start, end = value.get("start"), value.get("end")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            errors.append(f"{where}: start/end not ints: {start!r}, {end!r}")
        else:
            assert isinstance(start, int) and isinstance(end, int)
            key = config.data_key(to_name)
            text = data.get(key) if key is not None else None
            if not 0 <= start <= end:
                errors.append(f"{where}: bad range {start}..{end}")
            elif isinstance(text, str):
                if end > len(text):
                    errors.append(f"{where}: end {end} past the text ({len(text)})")
                elif "text" in value and value["text"] != text[start:end]:
                    errors.append(
                        f"{where}.text: {value['text']!r} != data[{start}:{end}] "
                        f"{text[start:end]!r}"
                    )
        if "text" in value and not isinstance(value["text"], str):
            errors.append(f"{where}.text: not a string")
    elif rtype == "textarea":
        text = value.get("text")
        if not (isinstance(text, list) and all(isinstance(s, str) for s in text)):
            errors.append(f"{where}.text: not a list of strings: {text!r}")
    elif rtype == "rating":
        rating = value.get("rating")
        if not (isinstance(rating, int) and not isinstance(rating, bool)):
            errors.append(f"{where}.rating: not an int: {rating!r}")
    label_key = LABEL_KEYS.get(rtype)
    if label_key is not None:
        labels = value.get(label_key)
        if not isinstance(labels, list) or not all(
            isinstance(x, str) or (isinstance(x, list) and all(isinstance(y, str) for y in x))
            for x in labels
        ):
            errors.append(f"{where}.{label_key}: missing or not a list of strings: {labels!r}")
        elif control is not None and control["labels"]:
            flat = [x for x in labels if isinstance(x, str)]
            unknown = sorted(set(flat) - control["labels"])
            if unknown:
                errors.append(f"{where}.{label_key}: not labels of the control: {unknown}")
    return errors


def check_against_tasks(
    exported: list[dict], tasks: dict[int, Task], regions: dict[str, RegionBase]
) -> list[str]:
    """Declared sizes are the tasks' sizes and percent maps back to the stored pixels."""
    errors: list[str] = []
    for task_doc in exported:
        task = tasks[task_doc["id"]]
        for ann in [*task_doc["annotations"], *task_doc["predictions"]]:
            for item in ann["result"]:
                if item.get("type") not in IMAGE_RESULT_TYPES:
                    continue
                where = f"task {task_doc['id']} result {item['id']}"
                w, h = item["original_width"], item["original_height"]
                if (w, h) != (task.image_width, task.image_height):
                    errors.append(
                        f"{where}: declares {w}x{h}, task is {task.image_width}x{task.image_height}"
                    )
                region = regions.get(item["id"])
                if region is None:
                    continue
                tol = 1e-6 * max(w, h)
                value = item["value"]
                if isinstance(region, Box | Keypoint):
                    pairs = [(value["x"] * w / 100, region.x), (value["y"] * h / 100, region.y)]
                    if isinstance(region, Box):
                        pairs += [
                            (value["width"] * w / 100, region.width),
                            (value["height"] * h / 100, region.height),
                        ]
                elif isinstance(region, Polygon):
                    pairs = []
                    for (px, py), (qx, qy) in zip(value["points"], region.points, strict=True):
                        pairs += [(px * w / 100, qx), (py * h / 100, qy)]
                else:
                    continue
                if not all(math.isclose(a, b, abs_tol=tol) for a, b in pairs):
                    errors.append(f"{where}: percent does not give the stored pixels: {pairs}")
    return errors


# -- the validator itself must catch what it claims to ---------------------------------------------

_TINY = """<View><Image name="img" value="$image"/>
<RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels></View>"""


def _good_task() -> dict:
    return {
        "id": 1,
        "data": {"image": "a.png"},
        "annotations": [
            {
                "id": 1,
                "completed_by": 1,
                "result": [
                    {
                        "id": "r1",
                        "from_name": "box",
                        "to_name": "img",
                        "type": "rectanglelabels",
                        "original_width": 10,
                        "original_height": 10,
                        "image_rotation": 0,
                        "value": {
                            "x": 1,
                            "y": 1,
                            "width": 5,
                            "height": 5,
                            "rotation": 0,
                            "rectanglelabels": ["Car"],
                        },
                    }
                ],
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": "2025-01-01T00:00:00Z",
                "updated_at": "2025-01-01T00:00:00Z",
                "lead_time": 1.5,
            }
        ],
        "predictions": [],
    }


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda r: r.pop("original_width"), "original_width"),
        (lambda r: r.update(from_name="nope"), "no control"),
        (lambda r: r.update(to_name="other"), "toName"),
        (lambda r: r.update(type="polygonlabels"), "type"),
        (lambda r: r["value"].update(rectanglelabels=["Bus"]), "not labels"),
        (lambda r: r["value"].update(x=float("nan")), "finite"),
        (lambda r: r["value"].pop("rectanglelabels"), "rectanglelabels"),
        (lambda r: r.update(original_height=0), "original_height"),
    ],
)
def test_the_validator_catches_broken_results(breakage, message):
    task = _good_task()
    assert validate_export([task], Config(_TINY)) == []
    breakage(task["annotations"][0]["result"][0])
    errors = validate_export([task], Config(_TINY))
    assert any(message in e for e in errors), errors


def test_the_validator_catches_missing_annotation_keys():
    task = _good_task()
    del task["annotations"][0]["ground_truth"], task["predictions"]
    errors = validate_export([task], Config(_TINY))
    assert any("'ground_truth'" in e for e in errors) and any("'predictions'" in e for e in errors)


# -- hypothesis: random regions of every kind through the writer ---------------------------------

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car"/><Label value="Truck" alias="LKW"/>
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

_IDS = st.text(alphabet="abcdefghXYZ0123456789_-", min_size=1, max_size=10)
_TEXT = st.text(alphabet=st.sampled_from("ab \r\n😀é🎉x.\t"), min_size=1, max_size=40)


@st.composite
def _regions(draw, size: tuple[int, int], text: str) -> list[RegionBase]:
    w, h = size
    # Boxes and points may lie partly outside the image: the schema does not forbid it.
    xs, ys = st.floats(-w, 2 * w), st.floats(-h, 2 * h)
    out: list[RegionBase] = []
    kinds = draw(st.lists(st.sampled_from("bpksctr"), min_size=1, max_size=8))
    ids = draw(st.lists(_IDS, min_size=len(kinds), max_size=len(kinds), unique=True))
    for kind, rid in zip(kinds, ids, strict=True):
        common: dict[str, Any] = {"id": rid, "score": draw(st.none() | st.floats(0, 1))}
        if kind == "b":
            out.append(
                Box(
                    **common,
                    control="box",
                    target="image",
                    labels=(draw(st.sampled_from(["Car", "LKW"])),),
                    x=draw(xs),
                    y=draw(ys),
                    width=draw(st.floats(0, w)),
                    height=draw(st.floats(0, h)),
                    rotation=draw(st.floats(0, 360, exclude_max=True)),
                )
            )
        elif kind == "p":
            points = draw(st.lists(st.tuples(xs, ys), min_size=3, max_size=8, unique=True))
            out.append(
                Polygon(
                    **common,
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
                    **common, control="kp", target="image", labels=("Tip",), x=draw(xs), y=draw(ys)
                )
            )
        elif kind == "s":
            start = draw(st.integers(0, len(text)))
            end = draw(st.integers(start, len(text)))
            out.append(
                Span(
                    **common,
                    control="ner",
                    target="doc",
                    labels=(draw(st.sampled_from(["PER", "LOC"])),),
                    start=start,
                    end=end,
                    text=draw(st.sampled_from([None, text[start:end]])),
                )
            )
        elif kind == "c":
            chosen = draw(st.lists(st.sampled_from(["Pos", "Neg"]), min_size=1, unique=True))
            out.append(Choices(**common, control="mood", target="doc", labels=tuple(chosen)))
        elif kind == "t":
            answers = tuple(draw(st.lists(_TEXT, max_size=3)))
            out.append(TextAnswer(**common, control="note", target="doc", text=answers))
        else:
            rating = draw(st.integers(0, 5))
            out.append(Rating(**common, control="stars", target="doc", rating=rating))
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    size=st.tuples(st.integers(1, 8000), st.integers(1, 8000)),
    text=_TEXT,
    kinds=st.lists(
        st.sampled_from([AnnotationKind.MINE, AnnotationKind.GOLD, AnnotationKind.PREDICTION]),
        min_size=1,
        max_size=3,
    ),
    cancelled=st.booleans(),
    lead_time=st.none() | st.floats(0, 1e6),
)
def test_random_regions_export_to_schema_valid_label_studio_json(
    tmp_path_factory, data, size, text, kinds, cancelled, lead_time
):
    out = tmp_path_factory.mktemp("ls")
    w, h = size
    task = Task(
        id=7,
        external_id="t7",
        data={"image": "a.png", "text": text},
        image_width=w,
        image_height=h,
    )
    annotations = []
    regions: dict[str, RegionBase] = {}
    for n, kind in enumerate(kinds):
        drawn = [
            r.model_copy(update={"id": f"a{n}-{r.id}"}) for r in data.draw(_regions(size, text))
        ]
        regions.update({r.id: r for r in drawn})
        annotations.append(
            Annotation(
                id=n + 1,
                task_id=7,
                author="ls:3" if n % 2 else "alice@example.com",
                kind=kind,
                regions=drawn,
                lead_time=lead_time,
                was_cancelled=cancelled and kind is not AnnotationKind.PREDICTION,
                model_version="m1" if kind is AnnotationKind.PREDICTION else None,
                score=0.5 if kind is AnnotationKind.PREDICTION else None,
                created_at=WHEN,
                updated_at=WHEN,
            )
        )
    ctx = WriteContext(Project(name="p", config_xml=CONFIG), INTERFACE, out)
    result = write_ls_json([ExportItem(task, annotations, None)], ctx)
    assert not [p for p in result.problems if p.is_error]
    exported = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    assert validate_export(exported, Config(CONFIG)) == []
    # every region was written, predictions under `predictions`, the rest under `annotations`
    (doc,) = exported
    written = [r["id"] for a in doc["annotations"] + doc["predictions"] for r in a["result"]]
    assert sorted(written) == sorted(r.id for a in annotations for r in a.regions)
    n_pred = sum(k is AnnotationKind.PREDICTION for k in kinds)
    assert (len(doc["annotations"]), len(doc["predictions"])) == (len(kinds) - n_pred, n_pred)
    assert check_against_tasks(exported, {7: task}, regions) == []


# -- the demo pack through the export use-case ----------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "ws.labelmate"
    install_demo(path)
    return path


def _demo_projects(path: Path) -> list[str]:
    with open_workspace(path) as ws:
        return [p.name for p in ws.list_projects()]


def _exported_and_stored(ws_path: Path, name: str, out: Path):
    export_project(name, "ls-json", out, workspace=ws_path)
    exported = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    with open_workspace(ws_path) as ws:
        project = ws.project_by_name(name)
        assert project is not None and project.id is not None
        tasks = {t.id: t for t in ws.list_tasks(project.id)}
        regions = {
            r.id: r
            for anns in ws.annotations_for_tasks(list(tasks)).values()
            for a in anns
            for r in a.regions
        }
    return project, exported, tasks, regions


def test_every_demo_project_exports_schema_valid_label_studio_json(demo, tmp_path):
    names = _demo_projects(demo)
    assert len(names) >= 5
    seen_types: set[str] = set()
    for n, name in enumerate(names):
        project, exported, tasks, regions = _exported_and_stored(demo, name, tmp_path / str(n))
        assert len(exported) == len(tasks)
        assert validate_export(exported, Config(project.config_xml)) == [], name
        assert check_against_tasks(exported, tasks, regions) == [], name
        seen_types |= {r["type"] for t in exported for a in t["annotations"] for r in a["result"]}
    # the pack covers every region kind the spec has a value schema for
    assert {"rectanglelabels", "polygonlabels", "keypointlabels", "labels", "choices"} <= (
        seen_types
    )


def test_the_reference_sample_round_trips_to_schema_valid_json(tmp_path):
    """samples/tasks.json (formats.md §8b) imported, then exported: still LS-valid."""
    ws_path = tmp_path / "ws.labelmate"
    config = SAMPLES / "config_image_boxes.xml"
    report = import_files(
        ImportRequest(paths=[LS_FIXTURES / "tasks.json"], project="Street", config=config),
        ws_path,
    )
    assert report.ok
    project, exported, tasks, regions = _exported_and_stored(ws_path, "Street", tmp_path / "out")
    assert validate_export(exported, Config(project.config_xml)) == []
    assert check_against_tasks(exported, tasks, regions) == []
    first = exported[0]["annotations"][0]["result"][0]
    assert first["value"]["x"] == pytest.approx(12.5) and first["original_width"] == 800


def test_regions_of_controls_the_config_lacks_never_reach_the_export(tmp_path):
    ws_path = tmp_path / "ws.labelmate"
    # tasks.json's boxes are from_name "box"; this config has only "outline" and "points"
    config = SAMPLES / "config_polygon_keypoints.xml"
    report = import_files(
        ImportRequest(paths=[LS_FIXTURES / "tasks.json"], project="Leaves", config=config),
        ws_path,
    )
    assert report.ok
    project, exported, _, _ = _exported_and_stored(ws_path, "Leaves", tmp_path / "out")
    assert validate_export(exported, Config(project.config_xml)) == []
