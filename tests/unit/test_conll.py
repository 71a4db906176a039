"""CoNLL-2003 IOB2 export and import: the §8b reference output, warnings, round trips, fuzzing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.errors import InputError, Severity
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.core.models import Annotation, Project, Task
from labelmate.core.regions import Choices, Span
from labelmate.io.conll import read_conll, write_conll
from labelmate.io.interchange import ExportItem, ReadContext, WriteContext
from labelmate.io.media import MediaResolver
from labelmate.io.tokenize import tokenize, whitespace_tokenize

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NER_XML = (FIXTURES / "ner" / "config_ner.xml").read_text(encoding="utf-8")
NER = parse_labeling_config(NER_XML, "config_ner.xml")
SENTENCE = "Ada Lovelace met Babbage in London, England."
REFERENCE = [  # formats.md §8b, label-studio-sdk 2.1.2 CONLL2003 output
    "Ada -X- _ B-PER",
    "Lovelace -X- _ I-PER",
    "met -X- _ O",
    "Babbage -X- _ B-PER",
    "in -X- _ O",
    "London -X- _ B-LOC",
    ", -X- _ O",
    "England -X- _ B-LOC",
    ". -X- _ O",
]


def span(text: str, covered: str, label: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(covered, start + 1)
    return Span(
        control="entities", target="doc", labels=(label,), start=start, end=start + len(covered)
    )


def item(text: str, spans: list, task_id: int = 1) -> ExportItem:
    task = Task(id=task_id, external_id=f"t{task_id}", data={"text": text})
    return ExportItem(task, [Annotation(author="me", regions=spans)], None)


def reference_item() -> ExportItem:
    s = SENTENCE
    regions = [
        span(s, "Ada Lovelace", "PER"),
        span(s, "Babbage", "PER"),
        span(s, "London", "LOC"),
        span(s, "England", "LOC"),
    ]
    return item(s, regions)


def write(out: Path, items: list[ExportItem], **options):
    ctx = WriteContext(Project(name="p", config_xml=NER_XML), NER, out, options=options)
    result = write_conll(items, ctx)
    return result, (out / "result.conll").read_text(encoding="utf-8")


def read(path: Path, interface=NER):
    return read_conll(path, ReadContext(MediaResolver(path.parent), interface))


def spans_of(result) -> list[tuple[int, int, str]]:
    return [
        (r.start, r.end, r.labels[0])
        for task in result.tasks
        for ann in task.annotations
        for r in ann.regions
    ]


# -- writing ----------------------------------------------------------------------------------


def test_reference_sentence_gives_exactly_the_label_studio_lines(tmp_path):
    result, content = write(tmp_path, [reference_item()])
    # Deliberate difference: a blank line follows -DOCSTART- (original CoNLL-2003 layout,
    # which spaCy/NLTK readers expect); Label Studio writes the tokens right after it.
    assert content == "-DOCSTART- -X- O\n\n" + "\n".join(REFERENCE) + "\n\n"
    assert result.files == [Path("result.conll")]
    assert (result.exported_tasks, result.exported_regions, result.problems) == (1, 4, [])


def test_tasks_are_separated_by_a_blank_line_and_tasks_without_annotation_are_skipped(tmp_path):
    second = item("Grace Hopper", [span("Grace Hopper", "Grace Hopper", "PER")], task_id=2)
    unlabelled = ExportItem(Task(id=3, external_id="t3", data={"text": "nothing"}), [], None)
    result, content = write(tmp_path, [reference_item(), unlabelled, second])
    assert content.endswith(". -X- _ O\n\nGrace -X- _ B-PER\nHopper -X- _ I-PER\n\n"), (
        "one blank line after each task"
    )
    assert "nothing" not in content
    assert result.exported_tasks == 2


def test_span_inside_a_token_tags_the_whole_token_and_warns_naming_task_and_span(tmp_path):
    result, content = write(tmp_path, [item(SENTENCE, [span(SENTENCE, "Lond", "LOC")])])
    assert "London -X- _ B-LOC" in content
    [problem] = result.problems
    assert problem.severity is Severity.WARNING
    assert "task 1 (t1)" in problem.message
    assert "28..32 LOC 'Lond'" in problem.message
    assert "28..34 'London'" in problem.message  # how it will read back


def test_overlapping_spans_keep_the_earliest_then_longest_and_warn(tmp_path):
    regions = [
        span(SENTENCE, "Lovelace", "PER"),
        span(SENTENCE, "Ada Lovelace", "ORG"),
        span(SENTENCE, "Ada", "LOC"),
    ]
    result, content = write(tmp_path, [item(SENTENCE, regions)])
    assert "Ada -X- _ B-ORG\nLovelace -X- _ I-ORG\n" in content
    assert result.exported_regions == 1
    assert len(result.problems) == 2
    assert all("overlaps an earlier span" in p.message for p in result.problems)


def test_spans_touching_one_token_from_both_sides_do_not_retag_it(tmp_path):
    # "London" split in two: the first span takes the token, the second has none left.
    regions = [span(SENTENCE, "Lon", "LOC"), span(SENTENCE, "don", "ORG")]
    result, content = write(tmp_path, [item(SENTENCE, regions)])
    assert "London -X- _ B-LOC" in content
    assert any("covers no untagged token" in p.message for p in result.problems)


def test_unusable_spans_and_tasks_are_reported_not_crashed_on(tmp_path):
    regions = [
        Span(control="entities", target="doc", labels=(), start=0, end=3),
        Span(control="entities", target="doc", labels=("PER",), start=40, end=99),
        Span(control="entities", target="doc", labels=("New York",), start=4, end=12),
        Span(control="other", target="doc", labels=("PER",), start=0, end=3),
        Choices(control="mood", target="doc", labels=("x",)),
    ]
    no_text = ExportItem(
        Task(id=2, external_id="t2", data={"body": "x"}), [Annotation(author="a")], None
    )
    result, content = write(tmp_path, [item(SENTENCE, regions), no_text])
    messages = " | ".join(p.message for p in result.problems)
    assert "has no label" in messages
    assert "outside the text" in messages
    assert "'New_York'" in messages and "Lovelace -X- _ B-New_York" in content
    assert "spans of other not written" in messages
    assert "task 2 (t2): no text under data key 'text'" in messages


def test_config_without_labels_control_is_an_error_not_a_file(tmp_path):
    xml = (FIXTURES / "configs" / "config_text_sentiment.xml").read_text(encoding="utf-8")
    ctx = WriteContext(Project(name="p", config_xml=xml), parse_labeling_config(xml), tmp_path)
    result = write_conll([reference_item()], ctx)
    assert result.files == [] and result.problems[0].is_error
    assert "<Labels>" in result.problems[0].message


def test_a_broken_plugged_in_tokenizer_is_reported(tmp_path):
    def bad(text: str):
        return [t.__class__(t.text + " ", t.start, t.end + 1) for t in tokenize(text)]

    result, _ = write(tmp_path, [reference_item()], tokenizer=bad)
    assert result.exported_tasks == 0 and result.problems[0].is_error
    assert "tokenizer" in result.problems[0].message


# -- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("after_docstart", ["\n", ""], ids=["ours", "label-studio"])
def test_reference_file_reads_back_with_the_text_rebuilt_from_tokens(tmp_path, after_docstart):
    path = tmp_path / "in.conll"
    path.write_text("-DOCSTART- -X- O\n" + after_docstart + "\n".join(REFERENCE) + "\n\n")
    result = read(path)
    [task] = result.tasks
    # Whitespace is not in CoNLL: tokens are joined with single spaces.
    assert task.data == {"text": "Ada Lovelace met Babbage in London , England ."}
    assert [(s, e, lab, task.data["text"][s:e]) for s, e, lab in spans_of(result)] == [
        (0, 12, "PER", "Ada Lovelace"),
        (17, 24, "PER", "Babbage"),
        (28, 34, "LOC", "London"),
        (37, 44, "LOC", "England"),
    ]
    regions = task.annotations[0].regions
    assert {(r.control, r.target) for r in regions} == {("entities", "doc")}
    assert task.problems == [] and result.config_xml is None


def test_iob1_bilou_two_columns_and_bad_lines_are_read_with_line_numbers(tmp_path):
    path = tmp_path / "in.conll"
    path.write_text(
        "Ada\tI-PER\nLovelace\tI-PER\nmet\tO\nBabbage\tS-PER\nin\tO\nNew\tB-LOC\n"
        "York\tE-LOC\nbroken\nweird X-Y\nSo I-ORG\n",
        encoding="utf-8",
    )
    [task] = read(path).tasks
    text = task.data["text"]
    found = [(text[r.start : r.end], r.labels[0]) for r in task.annotations[0].regions]
    assert found == [
        ("Ada Lovelace", "PER"),
        ("Babbage", "PER"),
        ("New York", "LOC"),
        ("So", "ORG"),
    ]
    by_line = {p.location.line: p.message for p in task.problems}
    assert "IOB1" in by_line[1]
    assert "columns" in by_line[8]
    assert "'X-Y'" in by_line[9]
    assert "IOB1" in by_line[10]
    assert all(p.location.field == "task 1" for p in task.problems)


def test_classic_corpus_with_several_docstarts_gives_one_task_per_document(tmp_path):
    path = tmp_path / "in.conll"
    path.write_text(
        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n\n"
        "-DOCSTART- -X- -X- O\n\nBonn NNP B-NP B-LOC\n",
    )
    result = read(path, interface=None)
    assert [t.data["text"] for t in result.tasks] == ["EU rejects\nPeter", "Bonn"]
    assert spans_of(result) == [(0, 2, "ORG"), (11, 16, "PER"), (0, 4, "LOC")]
    implied = parse_labeling_config(result.config_xml)
    assert implied.errors == ()
    assert [o.value for o in implied.control("label").options] == ["ORG", "PER", "LOC"]


def test_labels_missing_from_the_config_are_warned_about(tmp_path):
    path = tmp_path / "in.conll"
    path.write_text("Acme B-COMPANY\n")
    [task] = read(path).tasks
    assert "'COMPANY' is not in <Labels name=\"entities\">" in task.problems[0].message


@pytest.mark.parametrize(
    ("content", "line"),
    [(b"Ada B-PER\nCaf\xe9 O\n", 2), (b"", 1), (b"just some prose\nwith no tags at all\n", 1)],
    ids=["latin-1", "empty", "prose"],
)
def test_files_that_are_not_conll_raise_input_error_with_a_location(tmp_path, content, line):
    path = tmp_path / "in.conll"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read(path)
    assert err.value.location.file == str(path) and err.value.location.line == line


# -- properties -------------------------------------------------------------------------------

_WORD = st.sampled_from(
    [
        "Ada",
        "Lovelace",
        "London,",
        "U.S.",
        "don't",
        "😀",
        "👩\u200d💻",
        "北京",
        "x-y",
        "(a)",
        "3.14",
    ]
)
_SEP = st.sampled_from([" ", "  ", "\r\n", "\n\n", "\t"])


@st.composite
def aligned_documents(draw):
    words = draw(st.lists(_WORD, min_size=1, max_size=15))
    seps = draw(st.lists(_SEP, min_size=len(words), max_size=len(words)))
    text = "".join(w + s for w, s in zip(words, seps, strict=True))
    tokens = tokenize(text)
    tags = ["O"] * len(tokens)
    spans, k = [], 0
    while k < len(tokens):
        length = draw(st.integers(0, 3))
        if length and k + length <= len(tokens):
            label = draw(st.sampled_from(["PER", "LOC", "ORG"]))
            spans.append(
                Span(
                    control="entities",
                    target="doc",
                    labels=(label,),
                    start=tokens[k].start,
                    end=tokens[k + length - 1].end,
                )
            )
            tags[k : k + length] = [f"B-{label}"] + [f"I-{label}"] * (length - 1)
            k += length
        else:
            k += 1
    return text, spans, [t.text for t in tokens], tags


@settings(max_examples=60, deadline=None)
@given(st.lists(aligned_documents(), min_size=1, max_size=3))
def test_token_aligned_spans_survive_write_then_read(docs):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        items = [item(text, spans, task_id=n + 1) for n, (text, spans, _, _) in enumerate(docs)]
        result, _ = write(out, items)
        assert result.problems == []
        back = read(out / "result.conll")
    assert len(back.tasks) == len(docs)
    for task, (_, _, tokens, tags) in zip(back.tasks, docs, strict=True):
        text = task.data["text"]
        read_tokens = whitespace_tokenize(text)
        assert [t.text for t in read_tokens] == tokens
        read_tags = ["O"] * len(read_tokens)
        for region in task.annotations[0].regions if task.annotations else []:
            hit = [k for k, t in enumerate(read_tokens) if region.start <= t.start < region.end]
            assert read_tokens[hit[-1]].end == region.end
            read_tags[hit[0]] = f"B-{region.labels[0]}"
            for k in hit[1:]:
                read_tags[k] = f"I-{region.labels[0]}"
        assert read_tags == tags
        assert task.problems == []


_LINE = st.one_of(
    st.just(""),
    st.just("-DOCSTART- -X- O"),
    st.builds(
        lambda tok, tag: f"{tok} -X- _ {tag}",
        st.text(st.characters(blacklist_categories=("Zs", "Cc", "Zl", "Zp")), min_size=1),
        st.sampled_from(["O", "B-PER", "I-PER", "I-LOC", "E-LOC", "S-X", "B-", "Q", "B-PER I"]),
    ),
    st.text(max_size=30),
)


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.lists(_LINE).map(lambda ls: "\n".join(ls).encode("utf-8", "surrogatepass")), st.binary()
    )
)
def test_reader_never_fails_with_anything_but_a_located_input_error(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.conll"
        path.write_bytes(content)
        try:
            result = read(path)
        except InputError as err:
            assert err.location.file == str(path) and err.location.line is not None
            return
    for task in result.tasks:
        text = task.data.get("text", "")
        for problem in task.problems:
            assert problem.location.file == str(path)
        for ann in task.annotations:
            for region in ann.regions:
                assert 0 <= region.start < region.end <= len(text)
                assert region.text == text[region.start : region.end]


def test_unpaired_surrogates_are_replaced_not_a_crash(tmp_path):
    text = "bad \ud800 char"
    result, content = write(tmp_path, [item(text, [span(text, "bad", "PER")])])
    assert "\ufffd -X- _ O" in content and "bad -X- _ B-PER" in content
    assert "surrogates" in result.problems[0].message


def test_crlf_files_read_like_lf_files(tmp_path):
    path = tmp_path / "in.conll"
    path.write_bytes(("\r\n".join(["-DOCSTART- -X- O", "", *REFERENCE, ""])).encode("utf-8"))
    [task] = read(path).tasks
    assert task.data["text"] == "Ada Lovelace met Babbage in London , England ."
    assert len(task.annotations[0].regions) == 4 and task.problems == []
