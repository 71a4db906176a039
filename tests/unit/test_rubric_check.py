"""`labelmate rubric check`: lines in compiler format and the exit codes scripts rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelmate.usecases.rubric_check import check_rubric_files

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rubrics"
SHIPPED = Path(__file__).parents[2] / "rubrics"
SHIPPED_FILES = sorted(SHIPPED.glob("*.yaml"))


def test_all_six_rubrics_are_shipped() -> None:
    assert {p.stem for p in SHIPPED_FILES} >= {
        "pcb-defect-boxes",
        "polygon-precision",
        "keypoints",
        "text-sentiment",
        "ner-spans",
        "system-prompt",
    }


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.name)
def test_shipped_rubric_is_clean_under_strict(path: Path) -> None:
    report = check_rubric_files([path], strict=True)
    assert report.lines == []
    assert report.exit_code == 0


def test_clean_file_exits_0() -> None:
    assert check_rubric_files([SHIPPED / "keypoints.yaml"], strict=False).exit_code == 0


def test_warnings_exit_0_unless_strict() -> None:
    relaxed = check_rubric_files([FIXTURES / "vague.yaml"], strict=False)
    assert relaxed.exit_code == 0 and relaxed.warning_count == 2
    assert check_rubric_files([FIXTURES / "vague.yaml"], strict=True).exit_code == 1


def test_errors_exit_1_with_compiler_format_lines() -> None:
    report = check_rubric_files([FIXTURES / "wrong-type.yaml"], strict=False)
    assert report.exit_code == 1
    assert report.lines == [
        f"{FIXTURES / 'wrong-type.yaml'}:9:13: error: criterion 'correctness': "
        "field 'weight' should be a number, got 'heavy'"
    ]


def test_unreadable_file_exits_2_and_still_reports_the_others(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    report = check_rubric_files([FIXTURES / "wrong-type.yaml", missing], strict=False)
    assert report.exit_code == 2
    assert f"{missing}: error: cannot read rubric: no such file" in report.lines
    assert any(line.startswith(str(FIXTURES / "wrong-type.yaml")) for line in report.lines)
    assert report.unreadable == [str(missing)]


def test_not_utf8_and_directory_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"title: \xff\xfe\n")
    assert check_rubric_files([bad], strict=False).exit_code == 2
    assert check_rubric_files([tmp_path], strict=False).exit_code == 2


def test_no_files_is_a_usage_error() -> None:
    assert check_rubric_files([], strict=False).exit_code == 2


def test_lines_are_sorted_by_file_then_line() -> None:
    files = [FIXTURES / "vague.yaml", FIXTURES / "duplicate-criterion.yaml", *SHIPPED_FILES]
    report = check_rubric_files(files, strict=False)
    keys = [(p.location.file, p.location.line) for p in report.problems]
    assert keys == sorted(keys)
    assert len(report.lines) == 4
    assert report.exit_code == 1


def test_syntax_error_line() -> None:
    report = check_rubric_files([FIXTURES / "syntax-error.yaml"], strict=False)
    assert report.exit_code == 1
    assert report.lines[0].startswith(f"{FIXTURES / 'syntax-error.yaml'}:5:")
    assert ": error: YAML syntax error" in report.lines[0]
