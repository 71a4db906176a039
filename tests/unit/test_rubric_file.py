"""Loading rubric files: every mistake a rubric author makes lands on its line and column."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelmate.core.errors import RubricError, Severity
from labelmate.io.rubric_file import UnreadableRubricError, load_rubric, parse_rubric_text

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rubrics"
SHIPPED = Path(__file__).parents[2] / "rubrics"


def only_error(name: str) -> tuple[int | None, int | None, str]:
    loaded = load_rubric(FIXTURES / name)
    assert loaded.rubric is None
    assert len(loaded.errors) == 1, [p.format() for p in loaded.problems]
    err = loaded.errors[0]
    assert err.location.file == str(FIXTURES / name)
    return err.location.line, err.location.column, err.message


def test_unknown_field_points_at_the_key_and_suggests() -> None:
    line, col, message = only_error("unknown-field.yaml")
    assert (line, col) == (9, 5)
    assert message == "criterion 'correctness': unknown field 'wieght' (did you mean 'weight'?)"


def test_wrong_type_names_field_and_value() -> None:
    line, col, message = only_error("wrong-type.yaml")
    assert (line, col) == (9, 13)
    assert "field 'weight' should be a number, got 'heavy'" in message


def test_unknown_metric_points_at_the_metric_name() -> None:
    line, col, message = only_error("unknown-metric.yaml")
    assert (line, col) == (13, 69)
    assert "unknown metric 'box.padding_px'" in message


def test_levels_not_best_first() -> None:
    line, col, message = only_error("not-best-first.yaml")
    assert (line, col) == (15, 16)
    assert "best first" in message and "level 5 comes after level 3" in message


def test_weight_zero() -> None:
    line, col, message = only_error("zero-weight.yaml")
    assert (line, col) == (10, 13)
    assert "weight must be a number greater than 0, got 0" in message


def test_duplicate_criterion_id_and_unknown_ruling_criterion() -> None:
    loaded = load_rubric(FIXTURES / "duplicate-criterion.yaml")
    found = [(p.location.line, p.location.column, p.message) for p in loaded.errors]
    assert found == [
        (13, 9, "duplicate criterion id 'clarity' (first on line 7)"),
        (21, 16, "ruling 'q1' names unknown criterion 'clarty' (criteria: 'clarity')"),
    ]


def test_yaml_syntax_error_has_its_line() -> None:
    line, _col, message = only_error("syntax-error.yaml")
    assert line == 5
    assert message.startswith("YAML syntax error")


def rubric_text(criteria: str, extra: str = "") -> str:
    head = """\
        id: t
        title: T
        applies_to: [rectanglelabels]
        scale:
          - {score: 5, name: Gold Standard}
          - {score: 3, name: Acceptable}
          - {score: 1, name: Needs Re-Annotation}
        criteria:
        """
    return textwrap.dedent(head) + textwrap.dedent(criteria) + textwrap.dedent(extra)


def test_missing_field_is_reported_at_the_parent_mapping() -> None:
    text = rubric_text(
        """\
          - id: precision
            levels:
              - {score: 5, descriptor: Every edge within 3 px., otherwise: true}
        """
    )
    loaded = parse_rubric_text(text, "m.yaml")
    assert [(p.location.line, p.location.column, p.message) for p in loaded.errors] == [
        (9, 3, "criterion 'precision': missing required field 'name'")
    ]


def test_bad_rule_reports_once_not_once_per_union_member() -> None:
    text = rubric_text(
        """\
          - id: precision
            name: Precision
            levels:
              - score: 5
                descriptor: Every edge within 3 px.
                when: {metric: box.max_outside_px, mx: 3}
              - {score: 1, descriptor: More than 3 px., otherwise: true}
        """
    )
    loaded = parse_rubric_text(text, "u.yaml")
    messages = [(p.location.line, p.location.column, p.message) for p in loaded.errors]
    assert messages == [
        (14, 42, "criterion 'precision' level 5: unknown field 'mx' (did you mean 'max'?)")
    ]


def test_all_condition_errors_are_located_inside_the_list() -> None:
    text = rubric_text(
        """\
          - id: precision
            name: Precision
            levels:
              - score: 5
                descriptor: Every edge within 3 px.
                when: {all: [{metric: box.max_outside_px, max: 3}, {metric: box.iou}]}
              - {score: 1, descriptor: More than 3 px., otherwise: true}
        """
    )
    (err,) = parse_rubric_text(text, "a.yaml").errors
    assert (err.location.line, err.location.column) == (14, 58)
    assert "needs at least one of min, max, equals" in err.message


def test_non_mapping_condition_gets_one_shape_message() -> None:
    text = rubric_text(
        """\
          - id: precision
            name: Precision
            levels:
              - {score: 5, descriptor: Every edge within 3 px., when: [box.iou]}
              - {score: 1, descriptor: More than 3 px., otherwise: true}
        """
    )
    (err,) = parse_rubric_text(text, "c.yaml").errors
    assert err.location.line == 12
    assert "should be a condition" in err.message and "got a list" in err.message


def test_duplicate_scale_score_and_bool_metric_with_max() -> None:
    text = rubric_text(
        """\
          - id: correctness
            name: Correctness
            levels:
              - {score: 5, descriptor: All gold., when: {metric: label.matches_gold, max: 1}}
              - {score: 1, descriptor: At least 1 wrong label., otherwise: true}
        """
    ).replace("{score: 3, name: Acceptable}", "{score: 5, name: Also Gold}")
    loaded = parse_rubric_text(text, "d.yaml")
    found = [(p.location.line, p.message) for p in loaded.errors]
    assert (6, "duplicate scale score 5 (first on line 5)") in found
    assert any(line == 12 and "use 'equals: true'" in msg for line, msg in found)


def test_root_that_is_not_a_mapping() -> None:
    loaded = parse_rubric_text("- just\n- a list\n", "l.yaml")
    assert loaded.rubric is None
    assert "must be a mapping" in loaded.errors[0].message
    empty = parse_rubric_text("", "e.yaml")
    assert "an empty file" in empty.errors[0].message


def test_valid_rubric_loads_and_require_returns_it() -> None:
    loaded = load_rubric(SHIPPED / "pcb-defect-boxes.yaml")
    assert loaded.problems == []
    rubric = loaded.require()
    assert [c.id for c in rubric.criteria] == [
        "correctness",
        "completeness",
        "precision",
        "clarity",
    ]
    assert rubric.labels == ["Solder Bridge", "Missing Component", "Scratch"]


def test_require_raises_the_first_error_with_location() -> None:
    loaded = load_rubric(FIXTURES / "wrong-type.yaml")
    with pytest.raises(RubricError) as info:
        loaded.require()
    assert info.value.location.line == 9


def test_errors_suppress_lint_warnings() -> None:
    """A rubric that does not load gets its errors first, not a pile of side warnings."""
    loaded = load_rubric(FIXTURES / "not-best-first.yaml")
    assert all(p.severity is Severity.ERROR for p in loaded.problems)


def test_unreadable_files_raise(tmp_path: Path) -> None:
    with pytest.raises(UnreadableRubricError, match="no such file"):
        load_rubric(tmp_path / "missing.yaml")
    with pytest.raises(UnreadableRubricError, match="is a directory"):
        load_rubric(tmp_path)
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("title: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(UnreadableRubricError, match="not UTF-8") as info:
        load_rubric(latin)
    assert info.value.location.file == str(latin)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (SHIPPED / "keypoints.yaml").read_bytes())
    assert load_rubric(path).problems == []


# --- properties: never a traceback, positions inside the text -------------------------


def _assert_well_located(text: str, loaded) -> None:
    rows = text.splitlines() or [""]
    for p in loaded.problems:
        assert p.location.file == "p.yaml"
        assert p.location.line is not None and 1 <= p.location.line <= len(rows), p.format()
        assert 1 <= (p.location.column or 0) <= len(rows[p.location.line - 1]) + 1, p.format()
    if loaded.rubric is None:
        assert loaded.errors
    else:
        assert not loaded.errors


scalars = st.none() | st.booleans() | st.integers(-5, 20) | st.floats(-1, 30) | st.text(max_size=8)
yamlish = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "score", "when", "metric", "all", "any", "max", "x", "levels"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("id:- {}[]\n,metricscore5whn")), max_size=120))
def test_arbitrary_text_only_ever_yields_problems(text: str) -> None:
    _assert_well_located(text, parse_rubric_text(text, "p.yaml"))


_BASE = yaml.safe_load((SHIPPED / "pcb-defect-boxes.yaml").read_text(encoding="utf-8"))


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


_ALL_PATHS = [p for p in _paths(_BASE) if p]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_ALL_PATHS), yamlish, st.booleans(), st.booleans())
def test_mutated_shipped_rubric_only_ever_yields_located_problems(
    path: tuple, value: object, delete: bool, flow: bool
) -> None:
    data = copy.deepcopy(_BASE)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    loaded = parse_rubric_text(text, "p.yaml")
    _assert_well_located(text, loaded)
    for p in loaded.problems:
        assert "Traceback" not in p.message and p.message.strip()
