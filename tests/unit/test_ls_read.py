"""Reading Label Studio task files: JSON (import list, export, JSON_MIN), CSV/TSV and TXT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from labelmate.core.errors import InputError
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import AnnotationKind
from labelmate.core.regions import Box, Choices, TextAnswer
from labelmate.io.interchange import ReadContext, ReadResult
from labelmate.io.label_studio import read_csv, read_label_studio_json, read_txt
from labelmate.io.media import MediaResolver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "label_studio"


def _iface(name: str):
    return parse_labeling_config((FIXTURES / name).read_text(encoding="utf-8"), name)


def _ctx(root: Path, config: str | None = None, **kw) -> ReadContext:
    return ReadContext(MediaResolver(root), _iface(config) if config else None, **kw)


def _write_json(tmp_path: Path, doc, name: str = "tasks.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# -- the shared samples (formats.md §8b) ----------------------------------------------------------


def test_sample_tasks_json_gives_the_reference_box_prediction_and_empty_task():
    result = read_label_studio_json(
        FIXTURES / "tasks.json", _ctx(FIXTURES, "config_image_boxes.xml")
    )
    one, two, three = result.tasks
    assert all(not t.problems for t in result.tasks)
    assert one.media == "/data/local-files/?d=street/frame_0001.jpg"
    assert one.image_size == (800, 600)
    (ann,) = one.annotations
    (box,) = ann.regions
    assert isinstance(box, Box)
    assert (box.x, box.y, box.width, box.height) == (100.0, 150.0, 240.0, 180.0)
    assert box.labels == ("Car",) and box.control == "box" and box.target == "image"
    assert ann.author == "ls:1" and ann.lead_time == 12.4 and ann.kind is None
    (pred,) = two.annotations
    assert pred.kind is AnnotationKind.PREDICTION
    assert pred.author == pred.model_version == "demo-detector-v0" and pred.score == 0.81
    assert (pred.regions[0].x, pred.regions[0].width) == (440.0, 80.0)
    assert three.annotations == [] and three.image_size is None
    assert [t.data["ref_id"] for t in result.tasks] == ["frame_0001", "frame_0002", "frame_0003"]


def test_sample_tasks_csv_keeps_every_value_as_a_string():
    result = read_csv(FIXTURES / "tasks.csv", _ctx(FIXTURES, "config_text_sentiment.xml"))
    assert len(result.tasks) == 3
    assert result.tasks[0].data == {
        "text": "Arrived two days early and works exactly as described.",
        "ref_id": "rev-001",
        "source": "web",
    }
    assert all(t.media is None and not t.problems for t in result.tasks)


# -- JSON shapes -------------------------------------------------------------------------------


def test_single_object_and_data_less_tasks(tmp_path):
    path = _write_json(tmp_path, {"id": 7, "text": "hi", "meta": {"x": 1}})
    (task,) = read_label_studio_json(path, _ctx(tmp_path)).tasks
    assert task.data == {"text": "hi"} and task.external_id == "7"


def test_completions_gold_dict_authors_and_bad_timestamps(tmp_path):
    result = [
        {
            "id": "c",
            "from_name": "sentiment",
            "to_name": "review",
            "type": "choices",
            "value": {"choices": ["Positive"]},
        }
    ]
    doc = [
        {
            "data": {"text": "good"},
            "completions": [
                {
                    "completed_by": {"id": 3, "email": "ann@example.com"},
                    "ground_truth": True,
                    "result": result,
                    "created_at": "2024-05-01T10:00:00Z",
                },
                {
                    "completed_by": {"id": 4},
                    "result": result,
                    "created_at": "yesterday",
                    "was_cancelled": True,
                    "lead_time": -3,
                },
            ],
        }
    ]
    (task,) = read_label_studio_json(_write_json(tmp_path, doc), _ctx(tmp_path)).tasks
    gold, other = task.annotations
    assert gold.kind is AnnotationKind.GOLD and gold.author == "ann@example.com"
    assert gold.created_at is not None and gold.created_at.year == 2024
    assert isinstance(gold.regions[0], Choices)
    assert other.author == "ls:4" and other.was_cancelled and other.created_at is None
    assert other.lead_time is None
    messages = " ".join(p.message for p in task.problems)
    assert "not ISO 8601" in messages and "negative" in messages
    assert all(p.location.field.startswith("task 1: completions[1]") for p in task.problems)


def test_results_that_disagree_about_the_image_size_warn(tmp_path):
    def box(w, h):
        return {
            "id": f"b{w}",
            "type": "rectanglelabels",
            "from_name": "box",
            "to_name": "image",
            "original_width": w,
            "original_height": h,
            "value": {"x": 10, "y": 10, "width": 10, "height": 10, "rectanglelabels": ["Car"]},
        }

    doc = [
        {
            "data": {"image": "a.jpg"},
            "annotations": [{"result": [box(800, 600)]}],
            "predictions": [{"result": [box(1600, 1200)]}],
        }
    ]
    (task,) = read_label_studio_json(_write_json(tmp_path, doc), _ctx(tmp_path)).tasks
    assert task.image_size == (800, 600)
    assert any("disagree" in p.message for p in task.problems)
    assert task.annotations[1].regions[0].x == 160  # its own size, not the task's


def test_a_result_without_size_reads_the_image(tmp_path):
    Image.new("RGB", (400, 200)).save(tmp_path / "a.png")
    item = {
        "id": "b",
        "type": "rectanglelabels",
        "from_name": "box",
        "to_name": "image",
        "value": {"x": 50, "y": 50, "width": 25, "height": 25, "rectanglelabels": ["Car"]},
    }
    doc = [
        {"data": {"image": "a.png"}, "annotations": [{"result": [item]}]},
        {"data": {"image": "missing.png"}, "annotations": [{"result": [item]}]},
    ]
    ok, missing = read_label_studio_json(_write_json(tmp_path, doc), _ctx(tmp_path)).tasks
    assert (ok.annotations[0].regions[0].x, ok.annotations[0].regions[0].y) == (200, 100)
    assert missing.annotations == []  # an empty annotation would claim "nothing to label"
    assert any("need the image size" in p.message for p in missing.problems)
    assert any("annotation is not imported" in p.message for p in missing.problems)


def test_structural_errors_refuse_the_task_not_the_file(tmp_path):
    doc = [
        42,
        {"data": "text"},
        {"data": {"t": 1}, "annotations": {"result": []}},
        {"data": {"t": 1}, "annotations": [{"result": "x"}]},
        {"data": {"t": 2}},
    ]
    tasks = read_label_studio_json(_write_json(tmp_path, doc), _ctx(tmp_path)).tasks
    assert [t.refused for t in tasks] == [True, True, True, True, False]
    assert tasks[1].problems[0].location.field == "task 2: data"


def test_malformed_json_and_wrong_top_level_name_the_place(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"data": {"text": "a"}},\n {"data": }]', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_label_studio_json(path, _ctx(tmp_path))
    assert (err.value.location.line, err.value.location.column) == (2, 11)
    path.write_text('"just a string"', encoding="utf-8")
    with pytest.raises(InputError, match="expected a list of tasks"):
        read_label_studio_json(path, _ctx(tmp_path))


def test_latin1_bytes_are_an_input_error_at_the_line(tmp_path):
    path = tmp_path / "t.json"
    path.write_bytes('[{"data": {"text": "ok"}},\n{"data": {"text": "café"}}]'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as err:
        read_label_studio_json(path, _ctx(tmp_path))
    assert err.value.location.line == 2


def test_progress_is_reported(tmp_path):
    calls = []
    doc = [{"data": {"text": str(i)}} for i in range(2500)]
    read_label_studio_json(
        _write_json(tmp_path, doc), _ctx(tmp_path, progress=lambda d, t: calls.append((d, t)))
    )
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


# -- JSON_MIN ----------------------------------------------------------------------------------

MIN_ROW = {
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
    "created_at": "2024-05-01T10:00:00.000000Z",
    "updated_at": "2024-05-01T10:00:00.000000Z",
    "lead_time": 12.4,
}


def test_json_min_reference_row_reads_back_to_the_reference_box(tmp_path):
    """formats.md §8b's JSON_MIN row for task 1."""
    second = dict(MIN_ROW, annotator="b@example.com", annotation_id=12)
    path = _write_json(tmp_path, [MIN_ROW, second])
    (task,) = read_label_studio_json(path, _ctx(tmp_path, "config_image_boxes.xml")).tasks
    assert task.external_id == "1" and not task.problems
    assert task.data == {"image": MIN_ROW["image"], "ref_id": "frame_0001"}
    assert task.image_size == (800, 600)
    first, other = task.annotations
    (box,) = first.regions
    assert (box.x, box.y, box.width, box.height) == (100.0, 150.0, 240.0, 180.0)
    assert (box.control, box.target, box.labels) == ("box", "image", ("Car",))
    assert first.author == "ls:1" and first.lead_time == 12.4
    assert other.author == "b@example.com"


def test_json_min_bare_strings_follow_the_control_type(tmp_path):
    config = (
        '<View><Text name="doc" value="$text"/>'
        '<Choices name="mood" toName="doc"><Choice value="Happy"/></Choices>'
        '<TextArea name="note" toName="doc"/></View>'
    )
    (tmp_path / "c.xml").write_text(config, encoding="utf-8")
    rows = [
        {"text": "hi", "id": 3, "mood": "Happy", "note": "short", "annotator": 2},
        {"text": "bye", "id": 4},
    ]
    ctx = ReadContext(MediaResolver(tmp_path), parse_labeling_config(config))
    one, two = read_label_studio_json(_write_json(tmp_path, rows), ctx).tasks
    regions = one.annotations[0].regions
    assert isinstance(regions[0], Choices) and regions[0].labels == ("Happy",)
    assert isinstance(regions[1], TextAnswer) and regions[1].text == ("short",)
    assert one.data == {"text": "hi"} and two.annotations == []


def test_json_min_without_a_config_is_refused(tmp_path):
    with pytest.raises(InputError, match="needs the project's labeling config"):
        read_label_studio_json(_write_json(tmp_path, [MIN_ROW]), _ctx(tmp_path))


# -- CSV / TSV / TXT ---------------------------------------------------------------------------


def test_csv_keeps_leading_zeros_and_detects_semicolons(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeffzip;name\n007;"a;b"\n\n010;c\n'.encode())
    tasks = read_csv(path, _ctx(tmp_path)).tasks
    assert [t.data for t in tasks] == [{"zip": "007", "name": "a;b"}, {"zip": "010", "name": "c"}]


def test_tsv_uses_tabs_and_images_become_media(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("image\tnote, with comma\nimgs/a.jpg\tx\n", encoding="utf-8")
    (task,) = read_csv(path, _ctx(tmp_path)).tasks
    assert (
        task.data == {"image": "imgs/a.jpg", "note, with comma": "x"} and task.media == "imgs/a.jpg"
    )


@pytest.mark.parametrize(
    ("text", "line", "column", "match"),
    [
        ("a,,c\n1,2,3\n", 1, 2, "empty"),
        ("a,b,a\n1,2,3\n", 1, 3, "appears in columns 1 and 3"),
        ("", 1, None, "empty"),
    ],
)
def test_csv_header_mistakes_stop_the_file_at_the_cell(tmp_path, text, line, column, match):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match) as err:
        read_csv(path, _ctx(tmp_path))
    assert (err.value.location.line, err.value.location.column) == (line, column)


def test_csv_ragged_rows_are_per_task_problems(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1\n1,2,3\n"multi\nline",2\n', encoding="utf-8")
    short, long_, multi = read_csv(path, _ctx(tmp_path)).tasks
    assert short.data == {"a": "1", "b": ""} and not short.refused and short.problems
    assert long_.refused and "line 3" in long_.problems[0].message
    assert multi.data == {"a": "multi\nline", "b": "2"} and not multi.problems


# A Label Studio CSV export as formats.md §3.6 describes it (pandas, QUOTE_NONNUMERIC):
# sorted columns, bare strings for one choice, JSON text for anything else; the
# annotator column is float-typed (1.0) because one row has none.
LS_EXPORT_CSV = (
    '"agreement","annotation_id","annotator","created_at","id","lead_time","ref_id",'
    '"sentiment","text","updated_at"\n'
    '100.0,11,1.0,"2024-05-01T10:00:00.000000Z",1,12.4,"rev-001","Positive",'
    '"Arrived early, works.","2024-05-01T10:00:00.000000Z"\n'
    '100.0,12,"b@example.com","2024-05-02T10:00:00.000000Z",1,3.0,"rev-001","Neutral",'
    '"Arrived early, works.","2024-05-02T10:00:00.000000Z"\n'
    ',,,,2,,"rev-002",,"Strap broke.",\n'
)


def test_an_ls_csv_export_reads_as_tasks_with_their_annotations(tmp_path):
    path = tmp_path / "project-1-at-2024.csv"
    path.write_text(LS_EXPORT_CSV, encoding="utf-8")
    one, two = read_csv(path, _ctx(tmp_path, "config_text_sentiment.xml")).tasks
    assert not one.problems and not two.problems
    assert (one.external_id, two.external_id) == ("1", "2")
    assert one.data == {"ref_id": "rev-001", "text": "Arrived early, works."}
    assert two.data == {"ref_id": "rev-002", "text": "Strap broke."}
    first, second = one.annotations
    assert [r.labels for r in first.regions] == [("Positive",)]
    assert isinstance(first.regions[0], Choices) and first.regions[0].control == "sentiment"
    assert (first.author, first.lead_time) == ("ls:1", 12.4)
    assert (second.author, second.lead_time) == ("b@example.com", 3.0)
    assert [r.labels for r in second.regions] == [("Neutral",)]
    assert two.annotations == []


def test_a_csv_without_control_columns_stays_a_plain_task_list(tmp_path):
    """Only a column named after a control makes a CSV an export: these are data."""
    path = tmp_path / "t.csv"
    path.write_text("text,id,lead_time,created_at\nfine,7,2.5,today\n", encoding="utf-8")
    (task,) = read_csv(path, _ctx(tmp_path, "config_text_sentiment.xml")).tasks
    assert task.data == {"text": "fine", "id": "7", "lead_time": "2.5", "created_at": "today"}
    assert task.external_id is None and task.annotations == []


def test_a_control_named_column_the_config_reads_as_data_is_data(tmp_path):
    config = (
        '<View><Text name="t" value="$review"/>'
        '<Choices name="review" toName="t"><Choice value="ok"/></Choices></View>'
    )
    path = tmp_path / "t.csv"
    path.write_text("review\nok\n", encoding="utf-8")
    ctx = ReadContext(MediaResolver(tmp_path), parse_labeling_config(config))
    (task,) = read_csv(path, ctx).tasks
    assert task.data == {"review": "ok"} and task.annotations == []


def test_csv_export_rows_with_bad_cells_are_per_task_problems(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "id,text,sentiment,annotator,lead_time\n"
        "1,a,Positive,1,soon\n"  # lead time not a number
        '2,b,"[{""choices"": 5}]",1\n'  # short row; a choices value that is no list
        "3,c,Positive,1,1,extra\n",  # one cell too many
        encoding="utf-8",
    )
    one, two, three = read_csv(path, _ctx(tmp_path, "config_text_sentiment.xml")).tasks
    assert "lead_time 'soon'" in one.problems[0].message and one.annotations[0].lead_time is None
    assert any("line 3 has 4 cells" in p.message for p in two.problems)
    assert two.annotations == [] and not two.refused  # not stored as "nothing here"
    assert any("none of its 1 result(s) could be read" in p.message for p in two.problems)
    assert three.refused and "line 4 has 6 cells" in three.problems[0].message


def test_csv_in_latin1_names_the_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("text\nok\nna\xefve\n".encode("latin-1"))
    with pytest.raises(InputError, match="byte offset 10") as err:
        read_csv(path, _ctx(tmp_path))
    assert err.value.location.line == 3


def test_txt_lines_go_under_the_configs_first_data_key(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("first line\r\n\r\n  \nsecond 😀\n", encoding="utf-8")
    tasks = read_txt(path, _ctx(tmp_path, "config_ner.xml")).tasks
    assert [t.data for t in tasks] == [{"text": "first line"}, {"text": "second 😀"}]
    tasks = read_txt(path, _ctx(tmp_path, "config_image_boxes.xml")).tasks
    assert tasks[0].data == {"image": "first line"} and tasks[0].media == "first line"


# -- fuzzing -----------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
_value = st.fixed_dictionaries(
    {},
    optional={
        "x": _scalars,
        "y": _scalars,
        "width": _scalars,
        "height": _scalars,
        "rotation": _scalars,
        "points": _json,
        "closed": _scalars,
        "start": _scalars,
        "end": _scalars,
        "text": _json,
        "choices": _json,
        "rating": _scalars,
        "rectanglelabels": _json,
        "labels": _json,
        "zzz": _json,
    },
)
_result = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "rectanglelabels",
                "rectangle",
                "polygonlabels",
                "keypointlabels",
                "labels",
                "choices",
                "textarea",
                "rating",
                "relation",
                "brushlabels",
            ]
        ),
        "value": _value | _json,
    },
    optional={
        "id": _scalars,
        "from_name": st.sampled_from(["box", "", "ner"]) | _scalars,
        "to_name": st.sampled_from(["image", "doc"]) | _scalars,
        "original_width": _scalars,
        "original_height": _scalars,
        "parentID": _scalars,
        "origin": _scalars,
        "score": _scalars,
        "image_rotation": _scalars,
    },
)
_task = st.fixed_dictionaries(
    {},
    optional={
        "id": _scalars,
        "data": st.dictionaries(st.sampled_from(["image", "text", "t"]), _json, max_size=3) | _json,
        "annotations": st.lists(
            st.fixed_dictionaries(
                {"result": st.lists(_result, max_size=3) | _json},
                optional={
                    "completed_by": _json,
                    "lead_time": _scalars,
                    "created_at": _scalars,
                    "was_cancelled": _scalars,
                    "ground_truth": _scalars,
                },
            )
            | _json,
            max_size=2,
        )
        | _json,
        "predictions": st.lists(
            st.fixed_dictionaries(
                {"result": st.lists(_result, max_size=2)},
                optional={"model_version": _scalars, "score": _scalars},
            ),
            max_size=1,
        ),
        "text": _json,
    },
)


def _must_be_handled(path: Path, reader, ctx: ReadContext) -> None:
    try:
        result = reader(path, ctx)
    except InputError as exc:
        assert exc.location.file == str(path)
        return
    assert isinstance(result, ReadResult)
    for task in result.tasks:
        for problem in task.problems:
            assert problem.location.field.startswith(f"task {task.index + 1}")


_FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@_FUZZ
@given(
    tasks=st.lists(_task, max_size=4),
    config=st.sampled_from([None, "config_image_boxes.xml", "config_ner.xml"]),
)
def test_fuzzed_task_json_never_escapes_as_another_exception(tmp_path, tasks, config):
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(tasks, allow_nan=True), encoding="utf-8")
    _must_be_handled(path, read_label_studio_json, _ctx(tmp_path, config))


@_FUZZ
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(["box", "id", "image", "annotator", "x"]),
            _json | st.lists(_value, max_size=2),
            max_size=5,
        ),
        max_size=4,
    )
)
def test_fuzzed_json_min_never_escapes(tmp_path, rows):
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(rows, allow_nan=True), encoding="utf-8")
    _must_be_handled(path, read_label_studio_json, _ctx(tmp_path, "config_image_boxes.xml"))


@_FUZZ
@given(
    cut=st.integers(0, 2000), latin=st.booleans(), name=st.sampled_from(["tasks.json", "tasks.csv"])
)
def test_truncated_or_latin1_sample_files_fail_cleanly(tmp_path, cut, latin, name):
    raw = (FIXTURES / name).read_text(encoding="utf-8")
    if latin:
        raw = raw.replace("e", "é")
    data = raw.encode("latin-1" if latin else "utf-8")[:cut]
    path = tmp_path / name
    path.write_bytes(data)
    reader = read_label_studio_json if name.endswith(".json") else read_csv
    _must_be_handled(path, reader, _ctx(tmp_path, "config_image_boxes.xml"))


@_FUZZ
@given(text=st.text(max_size=200), suffix=st.sampled_from([".csv", ".tsv", ".txt"]))
def test_fuzzed_tabular_text_never_escapes(tmp_path, text, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    reader = read_txt if suffix == ".txt" else read_csv
    _must_be_handled(path, reader, _ctx(tmp_path))


def test_sample_copy_matches_the_shared_reference():
    shared = Path("/work/shared/reference/samples/tasks.json")
    if not shared.exists():
        pytest.skip("shared reference not in this checkout")
    assert json.loads(shared.read_text()) == json.loads((FIXTURES / "tasks.json").read_text())


def test_browser_offsets_in_an_emoji_task_are_remapped_with_a_task_warning(tmp_path):
    """formats.md §8.10: LS counts 😀 as two units; the span must land on "London"."""
    text = "Ada 😀 met Babbage in London 🎉."
    start = text.index("London")
    s16 = len(text[:start].encode("utf-16-le")) // 2
    item = {
        "id": "s1",
        "type": "labels",
        "from_name": "entities",
        "to_name": "doc",
        "value": {"start": s16, "end": s16 + 6, "text": "London", "labels": ["LOC"]},
    }
    doc = [{"id": 9, "data": {"text": text}, "annotations": [{"result": [item]}]}]
    ctx = _ctx(tmp_path, "config_ner.xml")
    (task,) = read_label_studio_json(_write_json(tmp_path, doc), ctx).tasks
    (span,) = task.annotations[0].regions
    assert (span.start, span.end, span.text) == (start, start + 6, "London")
    (problem,) = task.problems
    assert "remapped" in problem.message
    assert problem.location.field == "task 1: annotations[0].result[0]"
