"""Clarification queries from a workspace: a demo item drafted end to end, the templates
file and its mistakes, and rulings written back into rubric YAML."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from labelmate.core.errors import NotFoundError, RubricError
from labelmate.core.models import Annotation, AnnotationKind
from labelmate.core.query import STYLE_NAMES, UnknownCriterionError
from labelmate.core.rubric import Ruling
from labelmate.io.rubric_file import parse_rubric_text, with_rulings
from labelmate.paths import rubric_path
from labelmate.store import Workspace
from labelmate.usecases.demo import install_demo
from labelmate.usecases.labeling import LabelingSession, ProjectContext
from labelmate.usecases.query import (
    EXIT_FINDINGS,
    EXIT_OK,
    QuerySettingsError,
    UnreadableQueryError,
    answer_to_ruling,
    draft_for_task,
    draft_from_session,
    lint_file,
    lint_text,
    load_query_settings,
    parse_query_settings,
    render_draft,
    rubric_text_with_ruling,
    shipped_settings_path,
)

PCB = "PCB defects — boxes"
NER = "News snippets — named entities"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo pack, with a 'mine' box on pcb-002 whose left edge is 7 px outside gold,
    and a 'mine' NER annotation on ner-002 that misses one gold span."""
    path = tmp_path_factory.mktemp("query") / "ws.labelmate"
    install_demo(path)
    with Workspace.open(path) as ws:
        for project, external_id in ((PCB, "pcb-002"), (NER, "ner-002")):
            found = ws.project_by_name(project)
            task_id = ws.task_identities(found.id)[external_id][0]
            (gold,) = ws.annotations_for_task(task_id, AnnotationKind.GOLD)
            if project == PCB:
                (g,) = gold.regions
                regions = [g.model_copy(update={"id": "m1", "x": g.x - 7, "width": g.width + 7})]
            else:
                regions = list(gold.regions[1:])
            ws.add_annotation(
                Annotation(task_id=task_id, author="me", kind=AnnotationKind.MINE, regions=regions)
            )
    return path


def gold_box(demo: Path):
    with Workspace.open(demo) as ws:
        project = ws.project_by_name(PCB)
        task_id = ws.task_identities(project.id)["pcb-002"][0]
        (gold,) = ws.annotations_for_task(task_id, AnnotationKind.GOLD)
        return gold.regions[0]


# --- drafting from a demo item ---------------------------------------------------------


def test_a_demo_draft_names_the_item_the_rules_and_the_measured_values(demo):
    g = gold_box(demo)
    d = draft_for_task(PCB, "pcb-002", workspace=demo)
    assert d.item_id == "pcb-002" and d.region_id == "m1" and d.project == PCB
    assert d.rubric_id == "pcb-defect-boxes"
    assert [r.label for r in d.rules] == [
        "Precision (Geometry) 'Acceptable': box.max_outside_px ≤ 6"
    ]
    size = f"{g.width + 7:g} × {g.height:g} px = {(g.width + 7) * g.height:g} px²"
    for style in STYLE_NAMES:
        text = render_draft(d, style)
        assert "pcb-002" in text
        assert "Precision (Geometry)" in text and "'Acceptable'" in text
        assert "box.max_outside_px ≤ 6" in text
        assert "box.max_outside_px = 7 px" in text  # the measured value
        assert f"7.0 px outside gold {g.id}" in text  # with the evidence behind it
        assert "6 px" in text
        assert size in text
        assert text.count("?") == 1
        report = lint_text(text, draft=d)
        assert report.error_count == 0, (style, report.lines, text)
        assert [f.rule for f in report.findings if f.severity == "warning"] == []


def test_named_criteria_and_a_region(demo):
    d = draft_for_task(PCB, "pcb-002", workspace=demo, region_id="m1", criteria=["completeness"])
    assert [c.id for c in d.criteria] == ["completeness", "precision"]
    assert d.question == (
        "Should I prioritise the Precision (Geometry) rules or the Completeness rules?"
    )
    for style in STYLE_NAMES:
        assert lint_text(render_draft(d, style), draft=d).error_count == 0


def test_unknown_project_task_region_and_criterion_are_refused(demo):
    with pytest.raises(NotFoundError, match="no project 'PCB'"):
        draft_for_task("PCB", "pcb-002", workspace=demo)
    with pytest.raises(NotFoundError, match="has no task 'pcb-999'"):
        draft_for_task(PCB, "pcb-999", workspace=demo)
    with pytest.raises(NotFoundError, match=r"no region 'zz'.*m1"):
        draft_for_task(PCB, "pcb-002", workspace=demo, region_id="zz")
    with pytest.raises(UnknownCriterionError, match="no criterion 'speed'"):
        draft_for_task(PCB, "pcb-002", workspace=demo, criteria=["speed"])


def test_the_gui_drafts_from_an_open_session_with_the_same_result(demo):
    with Workspace.open(demo) as ws:
        project = ws.project_by_name(PCB)
        task = ws.get_task(ws.task_identities(project.id)["pcb-002"][0])
        session = LabelingSession.open(ws, ProjectContext.of(project), task)
        from_session = draft_from_session(session)
    assert from_session == draft_for_task(PCB, "pcb-002", workspace=demo)


def test_a_text_item_quotes_what_was_missed(demo):
    d = draft_for_task(NER, "ner-002", workspace=demo)
    assert "completeness" in [c.id for c in d.criteria]
    assert any("“Ada”" in f for f in d.facts), d.facts
    for style in STYLE_NAMES:
        assert lint_text(render_draft(d, style), draft=d).error_count == 0


def test_a_task_without_my_annotation_still_drafts(demo):
    d = draft_for_task(PCB, "pcb-001", workspace=demo)
    assert d.target == "my annotation"
    assert any(r.metric == "objects.missed" for r in d.rules)
    assert lint_text(render_draft(d, "short"), draft=d).error_count == 0


# --- the templates file ----------------------------------------------------------------

SHIPPED = shipped_settings_path().read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def mistake(old: str, new: str) -> QuerySettingsError:
    assert old in SHIPPED, old
    with pytest.raises(QuerySettingsError) as info:
        parse_query_settings(SHIPPED.replace(old, new, 1), "edited.yaml")
    return info.value


def test_the_shipped_file_loads_with_every_style_and_rule():
    settings = load_query_settings()
    assert set(STYLE_NAMES) <= set(settings.templates.styles)
    assert settings.templates.style("email").subject is not None
    assert settings.templates.style("short").one_paragraph
    assert load_query_settings(shipped_settings_path()) == settings


def test_a_wrong_severity_names_its_line_and_field():
    err = mistake("  no-question:\n    severity: error", "  no-question:\n    severity: fatal")
    (problem,) = err.problems
    assert problem.location.file == "edited.yaml"
    assert problem.location.line == line_of(SHIPPED, "  no-question:") + 1
    assert problem.location.field == "lint.no-question.severity"
    assert "rule 'no-question': 'severity' should be 'error', 'warning' or 'info'" in (
        problem.message
    )


def test_a_missing_or_misspelt_rule_is_an_error():
    err = mistake("  over-long:", "  overlong:")
    messages = [p.message for p in err.problems]
    assert any("rule 'over-long' is missing" in m for m in messages), messages
    assert any("unknown rule 'overlong' (did you mean 'over-long'?)" in m for m in messages)


def test_a_missing_style_is_an_error():
    err = mistake("  checklist:\n", "  tickbox:\n")
    assert "style 'checklist' is missing" in err.message


def test_a_template_syntax_error_names_the_style():
    err = mistake("{% if choice %}\n      I propose", "{% if choice %\n      I propose")
    assert err.problems[0].location.field == "styles.short.body"
    assert err.message.startswith("style 'short': body: template line")


def test_a_name_no_draft_has_is_found_when_loading():
    err = mistake("{{ question }}\n\n      Thank you.", "{{ questoin }}\n\n      Thank you.")
    assert err.problems[0].location.field == "styles.email"
    assert "questoin" in err.message


def test_a_message_naming_what_the_rule_does_not_fill_is_an_error():
    err = mistake("{count} questions in one message", "{n} questions in one message")
    assert "message uses {n}, which this rule does not fill (it fills: {count})" in err.message


def test_an_unreadable_templates_file(tmp_path):
    with pytest.raises(QuerySettingsError, match="cannot read templates file: no such file"):
        load_query_settings(tmp_path / "nope.yaml")
    with pytest.raises(QuerySettingsError, match="must be a mapping"):
        parse_query_settings("", "empty.yaml")


# --- lint reports ----------------------------------------------------------------------


def test_lint_file_reports_and_exit_codes(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("I'm confused, please advise.\n", encoding="utf-8")
    report = lint_file(bad)
    assert report.exit_code == EXIT_FINDINGS
    assert report.lines[0].startswith(f"{bad}: error: ")
    assert report.to_json()["findings"][0] == {
        "rule": "vague-without-reference",
        "severity": "error",
        "message": report.findings[0].message,
    }
    good = tmp_path / "good.txt"
    good.write_text("On item #4, does box.max_outside_px ≤ 6 apply to the halo?", "utf-8")
    assert lint_file(good).exit_code == EXIT_OK
    with pytest.raises(UnreadableQueryError, match="no such file"):
        lint_file(tmp_path / "missing.txt")


def test_a_rubric_lets_its_own_names_count(demo):
    rubric = parse_rubric_text(rubric_path("pcb-defect-boxes").read_text(), "r").rubric
    text = "On item #4, the Clarity / Ambiguity descriptor is unclear to me. Box or not?"
    assert "no-rule-named" not in [f.rule for f in lint_text(text, rubric=rubric).findings]


# --- rulings ---------------------------------------------------------------------------

RUBRIC_TEXT = rubric_path("pcb-defect-boxes").read_text(encoding="utf-8")


def test_an_answer_becomes_a_ruling_on_the_criterion_in_question(demo):
    d = draft_for_task(PCB, "pcb-002", workspace=demo)
    ruling = answer_to_ruling(d, "  Tighten it:\nthe halo is not part of the defect. ", source="PM")
    assert ruling.id == "pcb-002-precision"
    assert ruling.criterion == "precision"
    assert ruling.question == f"{d.conflict} {d.question}"
    assert ruling.answer == "Tighten it: the halo is not part of the defect."
    assert ruling.decided_on == date.today().isoformat()
    assert ruling.source == "PM"
    again = answer_to_ruling(d, "Keep", existing=[ruling], decided_on=date(2025, 3, 4))
    assert again.id == "pcb-002-precision-2" and again.decided_on == "2025-03-04"
    plain = answer_to_ruling("Does a solder halo count?", "No", criterion="precision")
    assert plain.criterion == "precision" and plain.question == "Does a solder halo count?"
    with pytest.raises(Exception, match="needs an answer"):
        answer_to_ruling(d, "  ")


def ruling(rid: str = "pcb-002-precision", **update) -> Ruling:
    fields = {
        "id": rid,
        "criterion": "precision",
        "question": "On item pcb-002, box m1 is 7 px out: keep it or tighten it to ≤ 6 px?",
        "answer": "Tighten it: the halo is not part of the defect.",
        "decided_on": "2025-03-04",
        "source": "PM Anna",
    }
    return Ruling(**{**fields, **update})


def test_a_ruling_round_trips_through_the_rubric_yaml():
    new = ruling()
    text = with_rulings(RUBRIC_TEXT, [new])
    back = parse_rubric_text(text, "back.yaml")
    assert back.errors == []
    assert back.rubric.rulings == [new]
    # Everything above the rulings — comments included — is unchanged, and so is
    # everything after the block.
    head, _, _ = RUBRIC_TEXT.partition("rulings: []\n")
    assert text.startswith(head)
    assert text.endswith(RUBRIC_TEXT.partition("rulings: []\n")[2])
    assert RUBRIC_TEXT.startswith("# Circuit-board defect boxes")
    # Replacing the block again, and emptying it, leave the rest alone too.
    two = with_rulings(text, [new, ruling("second", criterion=None, source=None)])
    assert parse_rubric_text(two, "two").rubric.rulings[1].id == "second"
    assert with_rulings(two, []) == RUBRIC_TEXT


def test_rulings_are_appended_when_the_rubric_has_none():
    without = RUBRIC_TEXT.replace("rulings: []\n", "")
    text = with_rulings(without, [ruling()])
    assert text.startswith(without)
    assert parse_rubric_text(text, "x").rubric.rulings == [ruling()]
    no_newline = with_rulings(without.rstrip("\n"), [ruling()])
    assert parse_rubric_text(no_newline, "x").rubric.rulings == [ruling()]


def test_comments_and_blank_lines_before_the_next_key_stay_with_it():
    text = RUBRIC_TEXT.replace(
        "rulings: []\n",
        "rulings:\n  - {id: old, question: Q, answer: A}\n\n# How disputes are settled\n",
    )
    out = with_rulings(text, [ruling()])
    assert "\n\n# How disputes are settled\nadjudication:" in out
    assert "id: old" not in out


def test_crlf_line_endings_and_a_bom_are_kept():
    crlf = "\ufeff" + RUBRIC_TEXT.replace("\n", "\r\n")
    out = with_rulings(crlf, [ruling()])
    assert out.startswith("\ufeff#") and "\n" not in out.replace("\r\n", "")
    assert parse_rubric_text(out.removeprefix("\ufeff"), "x").rubric.rulings == [ruling()]


def test_a_flow_style_rubric_is_written_out_anew():
    flow = (
        "{id: r, title: R, scale: [{score: 1, name: Ok}], "
        "criteria: [{id: c, name: C, levels: [{score: 1, descriptor: d, otherwise: true}]}]}"
    )
    out = with_rulings(flow, [ruling(criterion="c")])
    assert parse_rubric_text(out, "x").rubric.rulings == [ruling(criterion="c")]


def test_a_ruling_on_an_unknown_criterion_is_refused():
    with pytest.raises(RubricError, match="unknown criterion 'speed'"):
        with_rulings(RUBRIC_TEXT, [ruling(criterion="speed")])


def test_rubric_text_with_ruling_adds_or_replaces_by_id():
    once = rubric_text_with_ruling(RUBRIC_TEXT, ruling())
    twice = rubric_text_with_ruling(once, ruling(answer="Keep it."))
    rulings = parse_rubric_text(twice, "x").rubric.rulings
    assert [(r.id, r.answer) for r in rulings] == [("pcb-002-precision", "Keep it.")]
    more = rubric_text_with_ruling(twice, ruling("other"))
    assert [r.id for r in parse_rubric_text(more, "x").rubric.rulings] == [
        "pcb-002-precision",
        "other",
    ]
