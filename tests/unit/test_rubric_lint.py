"""Rubric quality lint: gaps, dead levels, vague descriptors — the things that make scores drift."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from labelmate.core.errors import Severity
from labelmate.core.rubric_lint import is_vague
from labelmate.io.rubric_file import load_rubric, parse_rubric_text

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rubrics"

HEAD = """\
id: t
title: T
applies_to: [rectanglelabels]
scale:
  - {score: 5, name: Gold Standard}
  - {score: 3, name: Acceptable}
  - {score: 1, name: Needs Re-Annotation}
criteria:
  - id: precision
    name: Precision
    levels:
"""  # levels start on line 12


def warnings_for(levels: str, head: str = HEAD) -> list[tuple[int | None, str]]:
    loaded = parse_rubric_text(head + textwrap.indent(textwrap.dedent(levels), "      "), "l.yaml")
    assert not loaded.errors, [p.format() for p in loaded.errors]
    assert all(p.severity is Severity.WARNING for p in loaded.problems)
    return [(p.location.line, p.message) for p in loaded.problems]


def test_gap_fixture_is_reported_with_numbers_and_the_later_levels_line() -> None:
    loaded = load_rubric(FIXTURES / "gap-5-10px.yaml")
    assert [(p.location.line, p.message) for p in loaded.problems] == [
        (
            23,
            "criterion 'precision' level 3: rule on box.max_outside_px leaves 5–10 px undefined "
            "between level 5 (max 5) and level 3 (min 10, max 20)",
        )
    ]


def test_gap_inside_a_conjunction_is_still_found() -> None:
    found = warnings_for(
        """\
        - score: 5
          descriptor: Within 3 px outside, 0 px inside.
          when: {all: [{metric: box.max_outside_px, max: 3}, {metric: box.max_inside_px, max: 0}]}
        - score: 3
          descriptor: 4 to 8 px outside, 0 px inside.
          when: {all: [{metric: box.max_outside_px, min: 4}, {metric: box.max_inside_px, max: 0}]}
        - {score: 1, descriptor: Anything else., otherwise: true}
        """
    )
    assert found == [
        (
            17,
            "criterion 'precision' level 3: rule on box.max_outside_px leaves 3–4 px undefined "
            "between level 5 (max 3) and level 3 (min 4)",
        )
    ]


@pytest.mark.parametrize(
    "levels",
    [
        # max 5 then max 10: first match wins, so level 3 takes 5–10 px — contiguous.
        """\
        - {score: 5, descriptor: At most 5 px., when: {metric: box.max_outside_px, max: 5}}
        - {score: 3, descriptor: At most 10 px., when: {metric: box.max_outside_px, max: 10}}
        - {score: 1, descriptor: More than 10 px., otherwise: true}
        """,
        # touching inclusive bounds
        """\
        - {score: 5, descriptor: At most 5 px., when: {metric: box.max_outside_px, max: 5}}
        - {score: 3, descriptor: 5 to 10 px., when: {metric: box.max_outside_px, min: 5, max: 10}}
        - {score: 1, descriptor: More than 10 px., otherwise: true}
        """,
        # counts: nothing lies between 0 and 1
        """\
        - {score: 5, descriptor: 0 missed., when: {metric: objects.missed, max: 0}}
        - {score: 3, descriptor: 1 or 2 missed., when: {metric: objects.missed, min: 1, max: 2}}
        - {score: 1, descriptor: 3 or more missed., otherwise: true}
        """,
        # an `any` tree is not analysed: no claims we cannot prove
        """\
        - score: 5
          descriptor: At most 5 px, or IoU of at least 0.9.
          when: {any: [{metric: box.max_outside_px, max: 5}, {metric: box.iou, min: 0.9}]}
        - {score: 3, descriptor: 10 to 20 px., when: {metric: box.max_outside_px, min: 10, max: 20}}
        - {score: 1, descriptor: Anything else., otherwise: true}
        """,
        # a metric not bounded in every level can cover the hole: no claim
        """\
        - {score: 5, descriptor: At most 5 px., when: {metric: box.max_outside_px, max: 5}}
        - {score: 3, descriptor: IoU at least 0.5., when: {metric: box.iou, min: 0.5}}
        - {score: 2, descriptor: 10 to 20 px., when: {metric: box.max_outside_px, min: 10, max: 20}}
        - {score: 1, descriptor: Anything else., otherwise: true}
        """,
    ],
)
def test_no_false_alarms(levels: str) -> None:
    head = HEAD.replace("  - {score: 1, name", "  - {score: 2, name: Weak}\n  - {score: 1, name")
    assert warnings_for(levels, head) == []


def test_count_gap_reports_whole_numbers_only_when_one_exists() -> None:
    found = warnings_for(
        """\
        - {score: 5, descriptor: 0 missed., when: {metric: objects.missed, max: 0}}
        - {score: 3, descriptor: 2 or 3 missed., when: {metric: objects.missed, min: 2, max: 3}}
        - {score: 1, descriptor: 4 or more missed., otherwise: true}
        """
    )
    assert len(found) == 1 and "leaves 0–2 undefined" in found[0][1]
    assert found[0][0] == 13


def test_unreachable_level_behind_a_wider_one() -> None:
    found = warnings_for(
        """\
        - {score: 5, descriptor: At most 10 px., when: {metric: box.max_outside_px, max: 10}}
        - {score: 3, descriptor: At most 5 px., when: {metric: box.max_outside_px, max: 5}}
        - {score: 1, descriptor: More than 10 px., otherwise: true}
        """
    )
    assert found == [
        (
            13,
            "criterion 'precision' level 3 can never match: everything it accepts is already "
            "taken by level 5 above it (first match wins)",
        )
    ]


def test_overlap_when_a_later_bound_sits_inside_an_earlier_level() -> None:
    found = warnings_for(
        """\
        - {score: 5, descriptor: 0 to 5 px., when: {metric: box.max_outside_px, min: 0, max: 5}}
        - {score: 3, descriptor: 3 to 10 px., when: {metric: box.max_outside_px, min: 3, max: 10}}
        - {score: 1, descriptor: More than 10 px., otherwise: true}
        """
    )
    assert len(found) == 1
    line, message = found[0]
    assert line == 13
    assert "overlaps level 5 (min 0, max 5) on 3–5 px" in message


def test_missing_otherwise_and_levels_after_it() -> None:
    found = warnings_for(
        """\
        - {score: 5, descriptor: At most 5 px., when: {metric: box.max_outside_px, max: 5}}
        - {score: 3, descriptor: At most 10 px., when: {metric: box.max_outside_px, max: 10}}
        """
    )
    assert found == [
        (
            12,
            "criterion 'precision' has no level for the worst case: add a last level with "
            "'otherwise: true' so every annotation gets a score",
        )
    ]
    found = warnings_for(
        """\
        - {score: 5, descriptor: At most 5 px., when: {metric: box.max_outside_px, max: 5}}
        - {score: 3, descriptor: Anything else., otherwise: true}
        - {score: 1, descriptor: Never used., otherwise: true}
        """
    )
    assert [line for line, _ in found] == [14]
    assert "can never match" in found[0][1]


def test_criterion_without_rules_or_manual() -> None:
    found = warnings_for(
        """\
        - {score: 5, descriptor: Every edge within 3 px.}
        - {score: 1, descriptor: More than 3 px.}
        """
    )
    assert found == [
        (
            9,
            "criterion 'precision' has no rules and is not 'manual: true', so it can never be "
            "scored; add 'when' rules to its levels or mark it manual",
        )
    ]


def test_score_off_the_scale_and_region_mismatch() -> None:
    found = warnings_for(
        """\
        - {score: 4, descriptor: At most 2 px., when: {metric: polygon.max_deviation_px, max: 2}}
        - {score: 1, descriptor: More than 2 px., otherwise: true}
        """
    )
    assert (
        12,
        "criterion 'precision' level 4: score 4 is not on the rubric's scale (5, 3, 1)",
    ) in found
    assert any(
        line == 12
        and "metric polygon.max_deviation_px measures polygonlabels" in msg
        and "applies to rectanglelabels" in msg
        for line, msg in found
    )


def test_ratio_bound_that_can_never_hold() -> None:
    found = warnings_for(
        """\
        - {score: 5, descriptor: IoU of at least 90 percent., when: {metric: box.iou, min: 90}}
        - {score: 1, descriptor: IoU below 90 percent., otherwise: true}
        """
    )
    assert any("ratio from 0 to 1, so min 90 never holds" in msg for _, msg in found)


def test_vague_fixture_lines() -> None:
    loaded = load_rubric(FIXTURES / "vague.yaml")
    assert [p.location.line for p in loaded.warnings] == [13, 16]
    assert "('tight', 'enough', 'good')" in loaded.warnings[0].message


@pytest.mark.parametrize(
    ("descriptor", "vague"),
    [
        ("The box is tight enough.", ["tight", "enough"]),
        ("Mostly good, no big errors.", ["mostly", "good", "big"]),
        ("GOOD coverage", ["good"]),
        ("A snug box: within 3 px.", []),  # a number makes it checkable
        ("Good: every defect boxed.", []),  # an absolute quantifier too
        ("Within five pixels, roughly.", []),
        ("The goodness of fit is unspecified.", []),  # whole words only
        ("Label equals gold.", []),
    ],
)
def test_is_vague(descriptor: str, vague: list[str]) -> None:
    assert is_vague(descriptor) == vague
