"""doccano JSONL export and import: both label shapes, old keys, round trips, fuzzing."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.errors import InputError, Severity
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, Project, Task
from labelmate.core.regions import Choices, Span
from labelmate.io.doccano import read_jsonl, write_jsonl
from labelmate.io.interchange import ExportItem, ReadContext, WriteContext
from labelmate.io.media import MediaResolver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NER_XML = (FIXTURES / "ner" / "config_ner.xml").read_text(encoding="utf-8")
SENTIMENT_XML = (FIXTURES / "configs" / "config_text_sentiment.xml").read_text(encoding="utf-8")
NER = parse_labeling_config(NER_XML)
SENTIMENT = parse_labeling_config(SENTIMENT_XML)
SENTENCE = "Ada Lovelace met Babbage in London, England."


def ner_span(start: int, end: int, label: str) -> Span:
    return Span(control="entities", target="doc", labels=(label,), start=start, end=end)


def item(text: str, regions: list, task_id: int | None = 1, key: str = "text") -> ExportItem:
    task = Task(id=task_id, external_id=f"ext-{task_id}", data={key: text})
    return ExportItem(task, [Annotation(author="me", regions=regions)], None)


def write(out: Path, items: list[ExportItem], xml: str = NER_XML):
    ctx = WriteContext(Project(name="p", config_xml=xml), parse_labeling_config(xml), out)
    result = write_jsonl(items, ctx)
    return result, (out / "result.jsonl").read_text(encoding="utf-8")


def read(path: Path, interface=NER):
    return read_jsonl(path, ReadContext(MediaResolver(path.parent), interface))


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- writing ----------------------------------------------------------------------------------


def test_ner_task_is_one_doccano_sequence_labeling_line(tmp_path):
    regions = [ner_span(28, 34, "LOC"), ner_span(0, 12, "PER"), ner_span(17, 24, "PER")]
    result, content = write(tmp_path, [item(SENTENCE, regions)])
    assert content == (
        '{"id": "ext-1", "text": "Ada Lovelace met Babbage in London, England.", '
        '"label": [[0, 12, "PER"], [17, 24, "PER"], [28, 34, "LOC"]]}\n'
    )
    assert (result.exported_tasks, result.exported_regions, result.problems) == (1, 3, [])


def test_classification_task_writes_doccano_class_names(tmp_path):
    choice = Choices(control="sentiment", target="review", labels=("Positive",))
    result, content = write(tmp_path, [item("Great!", [choice], key="text")], SENTIMENT_XML)
    assert json.loads(content) == {"id": "ext-1", "text": "Great!", "label": ["Positive"]}
    assert result.exported_regions == 1


def test_text_stays_readable_but_unicode_line_breaks_are_escaped(tmp_path):
    text = "😀 Zoë\u2028next\r\nline"
    _, content = write(tmp_path, [item(text, [ner_span(0, 1, "PER")])])
    assert "😀 Zoë" in content and "\u2028" not in content
    assert len(content.splitlines()) == 1, "a line-splitting tool must see one record"
    assert json.loads(content)["text"] == text


def test_unwritable_results_are_reported(tmp_path):
    regions = [
        ner_span(0, 99, "PER"),
        Span(control="entities", target="doc", labels=("PER", "ORG"), start=0, end=3),
        Choices(control="mood", target="doc", labels=("x",)),
    ]
    unlabelled = ExportItem(Task(id=2, external_id="e2", data={"text": "x"}), [], None)
    no_text = item("x", [], task_id=3, key="body")
    result, content = write(tmp_path, [item(SENTENCE, regions), unlabelled, no_text])
    assert json.loads(content)["label"] == [[0, 3, "PER"]]
    assert result.exported_tasks == 1
    messages = " | ".join(p.message for p in result.problems)
    assert "0..99 is empty, unlabelled or outside the text" in messages
    assert "keeps one" in messages and "results of mood not written" in messages
    assert "task 3 (ext-3): no text" in messages


def test_config_without_text_controls_is_an_error(tmp_path):
    xml = (FIXTURES / "configs" / "config_image_boxes.xml").read_text(encoding="utf-8")
    ctx = WriteContext(Project(name="p", config_xml=xml), parse_labeling_config(xml), tmp_path)
    result = write_jsonl([item("x", [])], ctx)
    assert result.files == [] and result.problems[0].is_error


# -- reading ----------------------------------------------------------------------------------


def test_current_old_and_relation_extraction_shapes_are_read(tmp_path):
    path = write_lines(
        tmp_path / "in.jsonl",
        json.dumps({"id": 7, "text": SENTENCE, "label": [[0, 12, "PER"]], "meta": {"a": 1}}),
        "",
        json.dumps({"id": "x9", "data": "Grace Hopper", "labels": [[0, 5, "PER"]]}),
        json.dumps(
            {
                "text": "Bonn",
                "entities": [{"id": 1, "label": "LOC", "start_offset": 0, "end_offset": 4}],
                "relations": [],
            }
        ),
    )
    result = read(path)
    first, second, third = result.tasks
    assert first.external_id == "7" and first.data == {"meta": {"a": 1}, "text": SENTENCE}
    [per] = first.annotations[0].regions
    assert (per.control, per.target, per.start, per.end, per.text) == (
        "entities",
        "doc",
        0,
        12,
        "Ada Lovelace",
    )
    assert second.external_id == "x9" and second.data == {"text": "Grace Hopper"}
    assert second.annotations[0].regions[0].text == "Grace"
    assert third.annotations[0].regions[0].labels == ("LOC",)
    assert "relations" in third.problems[0].message and third.problems[0].location.line == 4


def test_class_names_become_choices_and_imply_a_config(tmp_path):
    path = write_lines(
        tmp_path / "in.jsonl",
        json.dumps({"text": "good", "label": ["pos"]}),
        json.dumps({"text": "meh", "label": ["neg", "pos"]}),
    )
    result = read(path, interface=None)
    regions = [t.annotations[0].regions[0] for t in result.tasks]
    assert all(isinstance(r, Choices) for r in regions)
    assert [r.labels for r in regions] == [("pos",), ("neg", "pos")]
    implied = parse_labeling_config(result.config_xml)
    assert implied.errors == ()
    assert implied.control("category").choice == "multiple"
    assert [o.value for o in implied.control("category").options] == ["pos", "neg"]


def test_sentiment_config_names_the_choices_control_and_data_key(tmp_path):
    path = write_lines(tmp_path / "in.jsonl", json.dumps({"text": "Great!", "label": ["Meh"]}))
    [task] = read(path, interface=SENTIMENT).tasks
    [choice] = task.annotations[0].regions
    assert (choice.control, choice.target) == ("sentiment", "review")
    assert task.data == {"text": "Great!"}
    assert "'Meh' is not in <Choices name=\"sentiment\">" in task.problems[0].message


def test_bad_items_are_per_task_problems_with_line_numbers(tmp_path):
    path = write_lines(
        tmp_path / "in.jsonl",
        json.dumps({"text": "abc", "label": [[0, 9, "PER"], [2, 1, "PER"], [0, 1, 5]]}),
        '{"text": "abc", "label": [[NaN, 1, "PER"], [0, 1e400, "PER"], [true, 1, "X"], 3]}',
        json.dumps([1, 2]),
        json.dumps({"text": 42}),
        json.dumps({"text": "abc", "label": "PER", "id": {"x": 1}}),
        json.dumps({"text": "abc", "label": [[0.0, 2.0, "PER"]], "labels": []}),
    )
    tasks = read(path).tasks
    assert [t.refused for t in tasks] == [False, False, True, True, False, False]
    assert all(not t.annotations for t in tasks[:5])
    assert [len(t.problems) for t in tasks] == [3, 4, 1, 1, 2, 1]
    for line, task in enumerate(tasks, start=1):
        assert {p.location.line for p in task.problems} == {line}
        assert {p.location.field for p in task.problems} == {f"task {line}"}
    assert "0 <= start < end <= 3" in tasks[0].problems[0].message
    assert "expected a JSON object, got list" in tasks[2].problems[0].message
    assert tasks[3].problems[0].severity is Severity.ERROR
    [span] = tasks[5].annotations[0].regions
    assert (span.start, span.end) == (0, 2)


@pytest.mark.parametrize(
    ("content", "line", "column", "words"),
    [
        (b'{"text": "a", "label": []}\n{"text": "b", \n', 2, 15, "line 2 is not valid JSON"),
        (b'[\n  {"text": "a"}\n]\n', 1, 2, "JSON array"),
        (b'{"text": "caf\xe9"}\n', 1, 14, "not UTF-8"),
        (b"\n\n", 1, None, "empty"),
        (b"[" * 100_000, 1, None, "nests too deeply"),
    ],
    ids=["truncated", "json-array", "latin-1", "empty", "deep"],
)
def test_whole_file_problems_raise_input_error_at_the_line(tmp_path, content, line, column, words):
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read(path)
    assert (err.value.location.file, err.value.location.line) == (str(path), line)
    assert err.value.location.column == column
    assert words in err.value.message


# -- properties -------------------------------------------------------------------------------

_TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["😀", "👩\u200d💻", "\r\n", "\u2028", "\x85", "é", " "]),
    ),
    min_size=1,
    max_size=30,
).map("".join)


@st.composite
def labelled_texts(draw):
    text = draw(_TEXT)
    n = len(text)
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(1, n), st.sampled_from(["PER", "LOC"]))
            .filter(lambda t: t[0] < t[1])
            .map(lambda t: ner_span(*t)),
            max_size=6,
        )
    )
    return text, spans


@settings(max_examples=80, deadline=None)
@given(st.lists(labelled_texts(), min_size=1, max_size=4))
def test_write_then_read_keeps_text_offsets_labels_and_ids(docs):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        items = [item(text, spans, task_id=n + 1) for n, (text, spans) in enumerate(docs)]
        result, _ = write(out, items)
        assert result.problems == []
        back = read(out / "result.jsonl")
    assert len(back.tasks) == len(docs)
    for n, (task, (text, spans)) in enumerate(zip(back.tasks, docs, strict=True), start=1):
        assert task.data == {"text": text}
        assert task.external_id == f"ext-{n}"
        got = [(r.start, r.end, r.labels) for a in task.annotations for r in a.regions]
        assert got == sorted((s.start, s.end, s.labels) for s in spans)
        assert task.problems == []


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=10),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
_ITEM = st.fixed_dictionaries(
    {},
    optional={
        "id": _JSON,
        "text": st.one_of(st.text(max_size=20), _JSON),
        "label": st.one_of(
            st.lists(
                st.one_of(st.lists(_JSON, max_size=4), st.text(max_size=5), _JSON), max_size=4
            ),
            _JSON,
        ),
        "labels": _JSON,
        "entities": st.lists(
            st.fixed_dictionaries({"start_offset": _JSON, "end_offset": _JSON, "label": _JSON}),
            max_size=3,
        ),
    },
)


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.lists(st.one_of(_ITEM, _JSON), max_size=5).map(
            lambda objs: "\n".join(json.dumps(o) for o in objs).encode("utf-8")
        ),
        st.lists(st.one_of(_ITEM, _JSON), min_size=1, max_size=3).map(
            lambda objs: json.dumps(objs).encode("utf-8")[:-1]  # truncated array
        ),
        st.binary(max_size=200),
        st.text(max_size=50).map(lambda t: t.encode("latin-1", errors="replace")),
    )
)
def test_reader_never_fails_with_anything_but_a_located_input_error(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.jsonl"
        path.write_bytes(content)
        try:
            result = read(path)
        except InputError as err:
            assert err.location.file == str(path) and err.location.line is not None
            return
    for task in result.tasks:
        assert all(p.location.line is not None for p in task.problems)
        text = task.data.get("text")
        for region in (r for a in task.annotations for r in a.regions):
            if isinstance(region, Span):
                assert 0 <= region.start < region.end <= len(text)
                assert region.text == text[region.start : region.end]
            else:
                assert all(isinstance(label, str) and label for label in region.labels)


def test_unpaired_surrogates_are_escaped_so_the_file_stays_utf8(tmp_path):
    text = "bad \ud800 😀"
    _, content = write(tmp_path, [item(text, [ner_span(0, 3, "PER")])])
    assert "\\ud800" in content
    assert json.loads(content)["text"] == text


def test_crlf_line_ends_and_a_byte_order_mark_are_accepted(tmp_path):
    path = tmp_path / "in.jsonl"
    line = json.dumps({"text": "a\r\nb", "label": [[3, 4, "PER"]]})
    path.write_bytes(("\ufeff" + line + "\r\n" + line + "\r\n").encode("utf-8"))
    tasks = read(path).tasks
    assert [t.annotations[0].regions[0].text for t in tasks] == ["b", "b"]
    assert all(t.problems == [] for t in tasks)
