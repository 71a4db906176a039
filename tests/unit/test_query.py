"""Clarification queries, the pure part: drafting from measurements, rendering, lint.

Every lint rule has a failing and a passing example, every drafted style passes lint
without errors, and the linter never raises on any text.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.metrics.base import Measurement
from labelmate.core.query import (
    LINT_RULE_IDS,
    STYLE_NAMES,
    Draft,
    QueryLintRules,
    QueryTemplateError,
    QueryTemplates,
    StyleTemplate,
    UnknownCriterionError,
    draft_query,
    example_draft,
    item_ref,
    lint_query,
    render,
    rubric_names,
)
from labelmate.core.regions import Box
from labelmate.io.rubric_file import load_rubric
from labelmate.paths import rubric_path
from labelmate.usecases.query import load_query_settings

RUBRIC = load_rubric(rubric_path("pcb-defect-boxes")).require()
SETTINGS = load_query_settings()
RULES = SETTINGS.lint
TEMPLATES = SETTINGS.templates

MINE = Box(
    id="m1", control="defect", target="image", labels=("Scratch",), x=93, y=40, width=19, height=15
)


def measured(outside: float = 7.0, missed: int = 0) -> dict[str, Measurement]:
    detail = f"box m1 (Scratch): left edge {outside:g} px outside gold g1"
    return {
        "box.max_outside_px": Measurement(
            "box.max_outside_px", outside, "gold", detail, ("m1", "g1")
        ),
        "box.max_inside_px": Measurement(
            "box.max_inside_px", 0.0, "gold", "no edge inside", ("m1",)
        ),
        "box.iou": Measurement("box.iou", 0.7, "gold", "IoU 0.7", ("m1", "g1")),
        "objects.missed": Measurement("objects.missed", missed, "gold", f"{missed} missed"),
        "objects.extra": Measurement("objects.extra", 0, "gold", "no extra object"),
        "label.matches_gold": Measurement("label.matches_gold", True, "gold", "labels match"),
        "label.mismatches": Measurement("label.mismatches", 0, "gold", "labels match"),
    }


def draft(**kwargs) -> Draft:
    kwargs.setdefault("regions", (MINE,))
    return draft_query("pcb-007", RUBRIC, kwargs.pop("measurements", measured()), **kwargs)


def errors(text: str, **kwargs) -> list[str]:
    return [f.rule for f in lint_query(text, RULES, **kwargs) if f.severity == "error"]


def rules_of(text: str, **kwargs) -> list[str]:
    return [f.rule for f in lint_query(text, RULES, **kwargs)]


# --- drafting ---------------------------------------------------------------------------


def test_a_criterion_below_its_best_brings_the_failed_rule_of_the_next_level():
    d = draft()
    assert [r.rule for r in d.rules] == ["box.max_outside_px ≤ 6"]
    (rule,) = d.rules
    assert (rule.criterion_id, rule.level_name, rule.value, rule.holds) == (
        "precision",
        "Acceptable",
        7.0,
        False,
    )
    assert rule.label == "Precision (Geometry) 'Acceptable': box.max_outside_px ≤ 6"
    assert rule.measured == "box.max_outside_px = 7 px"
    assert [c.id for c in d.criteria] == ["precision"]
    (crit,) = d.criteria
    assert crit.level == "Needs Re-Annotation"
    assert {lv.name for lv in crit.levels} == {"Acceptable", "Needs Re-Annotation"}
    assert d.item_id == "pcb-007" and d.region_id == "m1"
    assert d.target == "box m1 (Scratch)"


def test_the_draft_has_facts_with_real_numbers_one_conflict_sentence_and_one_question():
    d = draft()
    assert d.facts[0] == "box m1 (Scratch) is 19 × 15 px = 285 px²"
    assert any("7 px outside gold g1" in f and "6 px" in f for f in d.facts)
    assert d.conflict.startswith("On item pcb-007, box m1 (Scratch) falls short of")
    assert "box.max_outside_px = 7 px, needs ≤ 6 px" in d.conflict
    assert d.conflict.count(".") == d.conflict.count("box.") + 1  # one sentence
    assert d.question.endswith("?") and d.question.count("?") == 1
    assert "box.max_outside_px ≤ 6" in d.question
    assert [o.text for o in d.options] == [
        "Keep box m1 as it is",
        "Change box m1 until box.max_outside_px ≤ 6",
    ]
    assert "Needs Re-Annotation" in d.options[0].consequence
    assert d.options[1].consequence == "Precision (Geometry) reaches 'Acceptable'"
    assert d.choice == 0 and d.proposal == d.options[0]
    assert draft(choice=1).proposal == d.options[1]
    assert draft(choice=None).proposal is None


def test_named_criteria_join_the_query_and_the_question_asks_which_to_prioritise():
    d = draft(criteria=["completeness"])
    assert [c.id for c in d.criteria] == ["completeness", "precision"]
    assert d.criteria[0].named and not d.criteria[1].named
    assert {r.rule for r in d.rules if r.criterion_id == "completeness"} == {
        "objects.missed ≤ 0",
        "objects.extra ≤ 0",
    }
    assert "meets Completeness 'Gold Standard'" in d.conflict
    assert (
        d.question
        == "Should I prioritise the Precision (Geometry) rules or the Completeness rules?"
    )
    assert d.options[0].text == "Prioritise Completeness: keep box m1 as it is"
    assert d.options[1].text.startswith("Prioritise Precision (Geometry): change box m1")
    three = draft(criteria=["Completeness", "clarity"])  # a name in any case, or an id
    assert three.question == (
        "Which criterion should I prioritise on item pcb-007: Precision (Geometry), "
        "Completeness or Clarity / Ambiguity?"
    )


def test_a_named_manual_criterion_asks_which_level_applies():
    d = draft(measurements=measured(outside=2), criteria=["clarity"])
    assert d.rules == ()
    assert [c.id for c in d.criteria] == ["clarity"]
    assert len(d.criteria[0].levels) == 3
    assert d.question == (
        "Which Clarity / Ambiguity level applies to my annotation: 'Gold Standard', "
        "'Acceptable' or 'Needs Re-Annotation'?"
    )
    first = d.options[0].text
    assert first == "Score my annotation 'Gold Standard' on Clarity / Ambiguity"


def test_an_unknown_criterion_is_refused_with_the_known_ones():
    with pytest.raises(UnknownCriterionError, match=r"no criterion 'speed'.*correctness"):
        draft(criteria=["speed"])
    with pytest.raises(UnknownCriterionError, match="no rubric"):
        draft_query("x1", None, {}, criteria=["precision"])


def test_nothing_in_tension_still_gives_an_askable_draft():
    d = draft(measurements=measured(outside=1))
    assert d.rules == () and d.criteria == ()
    assert d.question.endswith("?") and "item pcb-007" in d.question
    for style in STYLE_NAMES:
        assert errors(render(d, style, TEMPLATES), item_ids=["pcb-007"]) == []


def test_rules_can_be_added_and_removed_and_the_rest_follows():
    d = draft()
    extra = next(r for r in d.candidates() if r.rule == "objects.missed ≤ 0")
    assert extra.holds is True
    added = d.with_rules(extra, extra)
    assert [r.rule for r in added.rules] == ["box.max_outside_px ≤ 6", "objects.missed ≤ 0"]
    assert [c.id for c in added.criteria] == ["completeness", "precision"]
    assert "Completeness" in added.question
    assert all(r.key != extra.key for r in added.candidates())
    back = added.without_rule(extra.key)
    assert back == d
    gone = d.without_rule(d.rules[0])
    assert gone.rules == () and gone.criteria == ()
    with pytest.raises(KeyError):
        d.without_rule("precision:5:nothing")


def test_a_draft_survives_json_and_can_still_be_edited():
    d = draft(criteria=["completeness"])
    back = Draft.from_dict(d.to_dict())
    assert back == d
    assert back.basis is None
    fewer = back.without_rule(back.rules[0])
    assert len(fewer.rules) == len(d.rules) - 1
    assert fewer.question.endswith("?")
    assert fewer.facts[0] == "box m1 (Scratch) is 19 × 15 px = 285 px²"  # kept as it was
    assert back.with_rules() == d
    assert set(d.to_dict()) == {
        "item_id",
        "region_id",
        "target",
        "project",
        "rubric_id",
        "rubric_title",
        "criteria",
        "rules",
        "facts",
        "conflict",
        "options",
        "choice",
        "question",
    }


def test_generated_text_never_carries_a_stray_question_mark():
    d = draft_query(
        "pcb-007",
        RUBRIC,
        {
            **measured(),
            "box.max_outside_px": Measurement(
                "box.max_outside_px", 7.0, "gold", "left edge 7 px out: an extra box?", ("m1",)
            ),
        },
        regions=(MINE,),
    )
    for style in STYLE_NAMES:
        assert render(d, style, TEMPLATES).count("?") == 1


@pytest.mark.parametrize(
    ("item_id", "shown"),
    [("123", "item #123"), ("pcb-002", "item pcb-002"), ("board 1.png", 'item "board 1.png"')],
)
def test_item_ref(item_id, shown):
    assert item_ref(item_id) == shown


# --- rendering --------------------------------------------------------------------------


def test_the_three_styles():
    d = draft(criteria=["completeness"])
    short = render(d, "short", TEMPLATES)
    assert "\n" not in short and "  " not in short
    assert short.startswith(d.conflict) and short.endswith(d.question)
    assert "I propose option 1." in short
    email = render(d, "email", TEMPLATES)
    subject, blank, *body = email.split("\n")
    assert subject == "Subject: Query on item pcb-007: Completeness vs Precision (Geometry)"
    assert blank == "" and body[0] == "Hello,"
    assert d.question in body
    checklist = render(d, "checklist", TEMPLATES)
    assert checklist.startswith("Clarification query: item pcb-007, box m1 (Scratch)")
    assert "[ ] Question: " + d.question in checklist
    assert (
        "    - Completeness 'Gold Standard': objects.missed ≤ 0 and objects.extra ≤ 0" in checklist
    )


@pytest.mark.parametrize("style", STYLE_NAMES)
@pytest.mark.parametrize(
    "criteria", [[], ["completeness"], ["completeness", "clarity"], ["clarity"]]
)
def test_every_drafted_style_passes_lint_without_errors(style, criteria):
    for outside in (2.0, 4.0, 7.0):
        d = draft(measurements=measured(outside=outside, missed=1), criteria=criteria)
        text = render(d, style, TEMPLATES)
        assert errors(text, item_ids=[d.item_id]) == [], text
        assert errors(text) == [], text  # the item id is recognisable without being told
        assert "several-questions" not in rules_of(text, names=rubric_names(RUBRIC))
        assert "no-rule-named" not in rules_of(text, names=rubric_names(RUBRIC)) or not d.rules


def test_templates_are_plain_text_not_html():
    d = replace(example_draft(), question="Is <b> & 'x' ok?")
    assert "Is <b> & 'x' ok?" in render(d, "short", TEMPLATES)


def test_an_unknown_style_or_a_name_a_draft_lacks_is_reported():
    with pytest.raises(QueryTemplateError, match="unknown style 'chat'"):
        render(example_draft(), "chat", TEMPLATES)
    broken = QueryTemplates({"x": StyleTemplate("x", "{{ nonsense }}")})
    with pytest.raises(QueryTemplateError, match=r"style 'x'.*nonsense"):
        render(example_draft(), "x", broken)


def test_templates_cannot_reach_python_internals():
    sneaky = QueryTemplates({"x": StyleTemplate("x", "{{ item.__class__.__mro__ }}")})
    with pytest.raises(QueryTemplateError):
        render(example_draft(), "x", sneaky)


# --- lint: each rule fails and passes -----------------------------------------------------

GOOD = (
    "On item #123 the box meets Completeness 'Gold Standard' but its left edge is 7 px "
    "outside, above the 6 px Precision 'Acceptable' allows (box.max_outside_px ≤ 6). "
    "Should I prioritise the Precision rules or the Completeness rules?"
)


def test_a_good_query_has_no_findings():
    assert lint_query(GOOD, RULES) == []


def test_the_documented_severities():
    severities = {rule_id: RULES.rule(rule_id).severity for rule_id in LINT_RULE_IDS}
    assert severities == {
        "vague-without-reference": "error",
        "no-item-id": "error",
        "no-rule-named": "warning",
        "no-question": "error",
        "several-questions": "warning",
        "over-long": "info",
    }


def test_vague_without_reference():
    bad = "I'm confused about item #12. Should I redraw box m1 under Precision?"
    found = [f for f in lint_query(bad, RULES) if f.rule == "vague-without-reference"]
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].message.startswith('"I\'m confused" gives the project manager nothing')
    assert bad[found[0].start : found[0].end] == "I'm confused"
    curly = "I’m confused, what should I do with item #12? Precision matters."
    assert rules_of(curly).count("vague-without-reference") == 2
    tied = "On item #12 I'm not sure box.max_outside_px ≤ 6 covers the halo. Should I tighten it?"
    assert "vague-without-reference" not in rules_of(tied)
    quoted = "Please advise on the 'Minimum Pixels' rule for item #12. Should I drop the box?"
    assert "vague-without-reference" not in rules_of(quoted)


def test_no_item_id():
    for bad in (
        "Should I prioritise the Precision rules?",
        "The item is blurry: does Precision apply?",
        "Is #hashtag about Precision?",
    ):
        assert "no-item-id" in errors(bad), bad
    for good in (
        "On item #123, does Precision apply?",
        "On #pcb-002, does Precision apply?",
        "On item 42, does Precision apply?",
        "On task pcb-002, does Precision apply?",
        'On item "cat.jpg", does Precision apply?',
        "On image cat.jpg, does Precision apply?",
    ):
        assert "no-item-id" not in errors(good), good
    assert "no-item-id" not in errors("Does Precision apply to kitten?", item_ids=["kitten"])


def test_no_rule_named():
    bad = "On item #3 the box looks odd. Should I redraw it?"
    found = [f for f in lint_query(bad, RULES) if f.rule == "no-rule-named"]
    assert len(found) == 1 and found[0].severity == "warning"
    for good in (
        "On item #3 box.max_outside_px is 7. Should I redraw it?",
        "On item #3 the 'Minimum Pixels' rule bites. Should I drop it?",
        "On item #3 Completeness suffers. Should I box it?",
    ):
        assert "no-rule-named" not in rules_of(good), good
    own = "On item #3 the Snugness bar is missed. Should I redraw it?"
    assert "no-rule-named" in rules_of(own)
    assert "no-rule-named" not in rules_of(own, names=["Snugness"])


def test_no_question():
    bad = "On item #3 the Precision rule box.max_outside_px ≤ 6 fails. Please tell me."
    assert "no-question" in errors(bad)
    assert "no-question" not in errors(bad.replace("Please tell me.", "Should I tighten it?"))
    assert "no-question" in errors("On item #3 is box.max_outside_px?x a typo.")


def test_several_questions():
    bad = GOOD + " Or should I drop it? And what about the label?"
    found = [f for f in lint_query(bad, RULES) if f.rule == "several-questions"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].message.startswith("3 questions in one message")
    assert "several-questions" not in rules_of(GOOD)


def test_over_long():
    limit = RULES.rule("over-long").limit
    assert limit == 200
    long = GOOD.replace("Should", "Measured " + "again and " * 100 + ". Should")
    found = [f for f in lint_query(long, RULES) if f.rule == "over-long"]
    assert len(found) == 1 and found[0].severity == "info"
    assert re.match(r"\d+ words \(more than 200\)", found[0].message)
    assert "over-long" not in rules_of(GOOD)


def test_a_disabled_rule_is_silent():
    rules = dict(RULES.rules)
    rules["no-question"] = replace(rules["no-question"], enabled=False)
    found = lint_query("item #3, Precision.", QueryLintRules(rules))
    assert "no-question" not in [f.rule for f in found]


def test_findings_serialise_to_exactly_three_keys():
    (finding,) = [f for f in lint_query("I'm confused.", RULES) if f.rule == "no-question"]
    assert finding.as_dict() == {
        "rule": "no-question",
        "severity": "error",
        "message": finding.message,
    }


@given(
    st.text(),
    st.lists(st.text(max_size=12), max_size=3),
    st.lists(st.text(max_size=12), max_size=3),
)
def test_lint_query_never_raises(text, item_ids, names):
    findings = lint_query(text, RULES, item_ids=item_ids, names=names)
    assert all(f.rule in LINT_RULE_IDS for f in findings)


@given(
    st.text(
        alphabet=st.sampled_from(list("item #?!.'\"‘’“” \n\tabc123-_:/Precision")), max_size=200
    )
)
def test_lint_query_never_raises_on_punctuation_heavy_text(text):
    lint_query(text, RULES, names=rubric_names(RUBRIC))
