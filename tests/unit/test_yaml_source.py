"""YAML parsing with positions: what every "file:line:col" message in Labelmate rests on."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelmate.core.errors import InputError, RubricError
from labelmate.io.yaml_source import clamp_position, parse_yaml

TEXT = """\
id: demo
criteria:
  - id: precision
    weight: 3
    levels:
      - {score: 5, when: {metric: box.iou, min: 0.9}}
"""


def test_values_are_plain_python() -> None:
    doc = parse_yaml(TEXT, "r.yaml")
    assert doc.data == {
        "id": "demo",
        "criteria": [
            {
                "id": "precision",
                "weight": 3,
                "levels": [{"score": 5, "when": {"metric": "box.iou", "min": 0.9}}],
            }
        ],
    }


def test_value_and_key_positions_are_one_based() -> None:
    doc = parse_yaml(TEXT, "r.yaml")
    assert doc.position(("criteria", 0, "weight")) == (4, 13)
    assert doc.position(("criteria", 0, "weight"), key=True) == (4, 5)
    assert doc.position(("criteria", 0, "levels", 0, "when", "min")) == (6, 49)
    assert doc.position(("criteria", 0, "levels", 0, "when", "min"), key=True) == (6, 44)


def test_locate_falls_back_to_nearest_written_ancestor() -> None:
    doc = parse_yaml(TEXT, "r.yaml")
    loc = doc.locate(("criteria", 0, "levels", 0, "when", "AllOf", "all"))
    assert (loc.file, loc.line, loc.column) == ("r.yaml", 6, 26)
    assert doc.locate(("nowhere",)).line == 1


def test_empty_value_points_at_its_key() -> None:
    doc = parse_yaml("a: 1\nweight:\nb: 2\n", "r.yaml")
    assert doc.data["weight"] is None
    assert doc.position(("weight",)) == (2, 1)


def test_duplicate_key_is_an_error_at_the_second_key() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml("id: a\ntitle: x\nid: b\n", "r.yaml")
    assert (info.value.location.line, info.value.location.column) == (3, 1)
    assert "duplicate key 'id'" in info.value.message
    assert "line 1" in info.value.message


def test_syntax_error_carries_line_and_requested_type() -> None:
    text = "id: x\nscale:\n  - {score: 5, name: Gold\n  - {score: 1}\n"
    with pytest.raises(RubricError) as info:
        parse_yaml(text, "r.yaml", error_type=RubricError)
    assert info.value.location.file == "r.yaml"
    assert info.value.location.line == 4
    assert info.value.message.startswith("YAML syntax error")


def test_control_character_is_reported_where_it_is() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml("a: 1\nb: x\x07y\n", "r.yaml")
    assert (info.value.location.line, info.value.location.column) == (2, 5)
    assert "U+0007" in info.value.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("base: &b {a: 1}\nother:\n  <<: *b\n", "merge keys"),
        ("? [a, b]\n: 1\n", "plain value"),
        ("a: !!binary aGVsbG8=\n", "unsupported YAML tag"),
        ("a: !custom 1\n", "unsupported YAML tag"),
        ("a: &x [*x]\n", "contains it"),
        ("a: 1\n---\nb: 2\n", "single document"),
    ],
)
def test_refused_constructs_are_typed_errors(text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        parse_yaml(text, "r.yaml")


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    with pytest.raises(InputError, match="more than"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(InputError, match="nested"):
        parse_yaml("[" * 5000 + "]" * 5000, "deep.yaml")


def test_dates_and_unreadable_numbers_stay_text() -> None:
    doc = parse_yaml("decided_on: 2024-05-01\nbad: 2024-13-45\nhex: 0x_\n", "r.yaml")
    assert doc.data == {"decided_on": "2024-05-01", "bad": "2024-13-45", "hex": "0x_"}


def test_empty_text_is_none() -> None:
    assert parse_yaml("# only a comment\n", "r.yaml").data is None


def test_clamp_keeps_end_of_stream_marks_inside() -> None:
    assert clamp_position("a: [\n", 2, 1) == (1, 5)
    assert clamp_position("ab\r\ncd", 2, 99) == (2, 3)


def _inside(text: str, line: int, col: int) -> bool:
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    for sep in ("\x85", "\u2028", "\u2029"):
        lines = lines.replace(sep, "\n")
    rows = lines.split("\n")
    if len(rows) > 1 and rows[-1] == "":
        rows.pop()
    return 1 <= line <= len(rows) and 1 <= col <= len(rows[line - 1]) + 1


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.sampled_from(list("ab:- {}[],&*!?#'\"\n\t\r|>%@`0.\x85é<")), max_size=80)
)
def test_any_text_parses_or_raises_input_error_inside_the_text(text: str) -> None:
    try:
        doc = parse_yaml(text, "fuzz.yaml")
    except InputError as exc:
        loc = exc.location
        assert loc.file == "fuzz.yaml"
        assert loc.line is not None and loc.column is not None
        assert _inside(text, loc.line, loc.column), (text, loc)
        return
    for line, col in [*doc.value_positions.values(), *doc.key_positions.values()]:
        assert _inside(text, line, col), (text, line, col)


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_arbitrary_unicode_never_escapes_as_another_exception(text: str) -> None:
    try:
        parse_yaml(text, "fuzz.yaml")
    except InputError as exc:
        assert exc.location.line is not None


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=12)
)
yamlish = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(yamlish, st.booleans())
def test_dumped_data_round_trips_with_every_path_located(data: object, flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    doc = parse_yaml(text, "round.yaml")
    assert doc.data == yaml.safe_load(text)

    def paths(value: object, path: tuple) -> list[tuple]:
        out = [path]
        if isinstance(value, dict):
            for k, v in value.items():
                out += paths(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                out += paths(v, (*path, i))
        return out

    for path in paths(doc.data, ()):
        line, col = doc.value_positions[path]
        assert _inside(text, line, col)
        if path and isinstance(path[-1], str):
            assert path in doc.key_positions
