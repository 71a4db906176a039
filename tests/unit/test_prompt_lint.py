"""The system-prompt linter: every rule fails and passes, the data file drives it, and it
never raises on any text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.prompt_lint import (
    RULE_IDS,
    Finding,
    LintRules,
    count_examples,
    lint_prompt,
    prompt_lines,
    prompt_metrics,
)
from labelmate.core.rubric_engine import evaluate
from labelmate.demo.text_sets import load_prompt_scenarios
from labelmate.io.rubric_file import load_rubric
from labelmate.paths import rubric_path
from labelmate.usecases.prompt_lint import (
    EXIT_FINDINGS,
    EXIT_OK,
    PromptRulesError,
    UnreadablePromptError,
    lint_file,
    lint_text,
    load_lint_rules,
    parse_lint_rules,
    shipped_rules_path,
)

GOOD_PROMPT = """\
# Role
You are the returns assistant for Larkspur Outdoor, an online shop for hiking gear. You \
help customers who want to return or exchange something they bought in the last 60 days.

# Task
Check whether the item can be returned under the policy below and tell the customer the \
next step. A return merchandise authorisation (RMA) number is created by the returns desk, \
never by you.

# Tone
Friendly, calm and plain. Write in the second person and avoid jargon.

# Format
At most 4 sentences. End with one clear next step, for example a link to the returns form.

# Policy
- Unused items can be returned within 60 days for a full refund.
- Faulty boots can be exchanged within 30 days.
- Gift cards cannot be returned.

# Edge cases
- If the request is unclear, ask one clarifying question before answering.
- If the customer asks about anything other than returns, say that you only handle returns \
and point them to help@larkspur.example.
- If the order details contradict the policy, do not guess: pass the case to the returns desk.

# Examples
Customer: Can I return a tent I bought 3 weeks ago? I never used it.
Assistant: Yes, unused items can be returned within 60 days for a full refund. Start the \
return on the returns form and the returns desk will email you an RMA number.

Customer: My boots fell apart after two hikes. Can I swap them?
Assistant: I'm sorry they let you down. Faulty boots can be exchanged within 30 days: send \
a photo of the fault with the returns form and the desk will confirm the exchange.
"""

# A prompt that satisfies every "presence" rule, to which one pitfall at a time is added.
BASE = (
    "You are a museum guide for visitors aged 10 to 14. Use a warm, friendly tone. "
    "Answer in at most 3 sentences. If a question is off-topic, say so.\n\n"
    "Examples\nUser: Who painted the ceiling?\nAssistant: Michelangelo, between 1508 and 1512.\n\n"
)
NEXT = len(prompt_lines(BASE))  # the line text appended to BASE starts on


def qa_pairs(n: int) -> str:
    return "\n".join(f"Q: question {i}?\nA: answer {i}." for i in range(n))


def bullets(n: int) -> str:
    return "\n".join(f"- Rule number {i} applies here." for i in range(n))


@pytest.fixture(scope="module")
def rules() -> LintRules:
    return load_lint_rules()


def rule_ids(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


# (rule, failing prompt, passing prompt) — each rule has at least one failing and one
# passing example; several have more, for the cases that are easy to get wrong.
CASES = [
    ("vague-instruction", BASE + "Be helpful.", BASE + "Be helpful: name the gallery and room."),
    ("vague-instruction", BASE + "Answer questions.", BASE + "Answer questions about paintings."),
    (
        "vague-instruction",
        BASE + "Do your best and be accurate.",
        BASE + "Do your best to give dates as years, e.g. 1508.",
    ),
    ("no-role", "Reply in at most 3 sentences.", "You are a librarian. Reply in 3 sentences."),
    ("no-role", "Reply in one line.", "Act as a tour guide. Reply in one line."),
    (
        "no-role",  # a role in a sample answer is not the assistant's role
        "Reply in one line.\n\nExamples\nUser: Thanks!\nAssistant: You are welcome!",
        "Your role: the shop's helpdesk. Reply in one line.",
    ),
    ("no-tone", "You are a guide.", "You are a guide. Keep a warm, friendly tone."),
    ("no-tone", "You are a guide.", "You are a guide. Write in plain language."),
    ("no-output-format", "You are a guide. Be friendly.", "You are a guide. Use 2 sentences."),
    (
        "no-output-format",
        "You are a classifier.",
        "You are a classifier. Return JSON with the keys label and reason.",
    ),
    (
        "no-edge-case-handling",
        "You are a guide.",
        "You are a guide. If a question is off-topic, say so politely.",
    ),
    (
        "no-edge-case-handling",
        "You are a guide.",
        "You are a guide. When the request is ambiguous, ask a clarifying question.",
    ),
    ("examples-count", "You are a guide.", "You are a guide.\n\n" + qa_pairs(2)),
    ("examples-count", "You are a guide.\n\n" + qa_pairs(4), "You are a guide.\n\n" + qa_pairs(3)),
    (
        "examples-count",
        "You are a guide.\n\n" + "\n\n".join(f"Example {i}\nSay {i}." for i in range(5)),
        "You are a guide.\n\n# Examples\nChild: why?\nProfessor Pip: Because.",
    ),
    (
        "conflicting-instructions",
        BASE + "Be brief.\nExplain in detail.",
        BASE + "Be brief unless the visitor asks for more; then explain in detail.",
    ),
    (
        "conflicting-instructions",
        BASE + "Use a formal tone. Casual slang is fine.",
        BASE + "Use a formal tone. Never be casual.",
    ),
    (
        "conflicting-instructions",
        BASE + "Never ask questions. Always ask clarifying questions.",
        BASE + "Never ask questions about the visitor's age. Ask clarifying questions if needed.",
    ),
    ("overlong", BASE + bullets(41), BASE + bullets(30)),
    ("overlong", BASE + "x" * 9000, BASE + "x" * 2000),
    ("undefined-acronym", BASE + "Meet the SLA.", BASE + "Meet the service level agreement (SLA)."),
    ("undefined-acronym", BASE + "Track each KPI.", BASE + "KPI means key performance indicator."),
    ("undefined-acronym", BASE + "Check the CRM.", BASE + "Reply as JSON. DO NOT SHARE THE PIN."),
]


def test_every_rule_has_a_failing_and_a_passing_case():
    assert {rule for rule, _, _ in CASES} == set(RULE_IDS)


@pytest.mark.parametrize(("rule", "failing", "passing"), CASES)
def test_rule_fails_and_passes(rule, failing, passing, rules):
    assert rule in rule_ids(lint_prompt(failing, rules)), failing
    assert rule not in rule_ids(lint_prompt(passing, rules)), passing


def test_base_prompt_is_clean(rules):
    assert lint_prompt(BASE, rules) == []


def test_a_good_prompt_has_no_findings(rules):
    assert lint_prompt(GOOD_PROMPT, rules) == []
    assert count_examples(GOOD_PROMPT, rules) == 2


@pytest.mark.parametrize("scenario", load_prompt_scenarios(), ids=lambda s: s.id)
def test_demo_model_answers_have_no_errors_or_warnings(scenario, rules):
    findings = lint_prompt(scenario.gold, rules)
    assert [f for f in findings if f.severity == "error"] == []
    assert prompt_metrics(scenario.gold, rules)["prompt.findings"].value == 0, findings
    assert 2 <= count_examples(scenario.gold, rules) <= 3


def test_default_severities(rules):
    expected = {
        "vague-instruction": "warning",
        "no-role": "error",
        "no-tone": "warning",
        "no-output-format": "error",
        "no-edge-case-handling": "warning",
        "examples-count": "warning",
        "conflicting-instructions": "error",
        "overlong": "warning",
        "undefined-acronym": "info",
    }
    assert {rule: rules.rule(rule).severity for rule in RULE_IDS} == expected
    assert all(rules.rule(rule).enabled for rule in RULE_IDS)


# --- where and what ------------------------------------------------------------------


def test_findings_are_sorted_by_line_then_rule(rules):
    findings = lint_prompt("Be helpful.\nUse the SLA.\nBe brief.\nExplain in detail.", rules)
    assert findings == sorted(findings, key=lambda f: (f.line, f.rule))
    assert findings[0].line == 1


def test_whole_prompt_findings_are_on_line_1(rules):
    for finding in lint_prompt("\n\nhello\n", rules):
        assert finding.line == 1 and finding.column == 1


def test_vague_instruction_quotes_the_phrase_with_line_and_column(rules):
    (finding,) = [f for f in lint_prompt(BASE + "Then be helpful.", rules)]
    assert (finding.rule, finding.line, finding.column) == ("vague-instruction", NEXT, 6)
    assert finding.message.startswith('"be helpful" says nothing concrete')
    assert "how long" in finding.message


def test_a_vague_phrase_in_a_concrete_sentence_passes(rules):
    for sentence in (
        'Be helpful: when asked "where is the café?", name the floor.',
        "Answer questions in a bulleted list.",
        "Help the user find a painting by giving its room number, such as Room 4.",
    ):
        assert "vague-instruction" not in rule_ids(lint_prompt(BASE + sentence, rules))


def test_conflict_is_reported_on_the_later_line_naming_the_earlier(rules):
    text = BASE + "Be brief.\n\nWhen in doubt, stay calm.\nExplain in detail."
    (finding,) = [f for f in lint_prompt(text, rules) if f.rule == "conflicting-instructions"]
    assert finding.line == len(prompt_lines(text))
    assert finding.severity == "error"
    assert f'"Explain in detail" conflicts with "Be brief" on line {NEXT}' in finding.message


def test_conflict_needs_both_sides_unnegated(rules):
    text = BASE + "Don't use emoji. Never use emoji in titles."
    assert "conflicting-instructions" not in rule_ids(lint_prompt(text, rules))
    text = BASE + "Don't use emoji. Use emojis for every answer."
    assert "conflicting-instructions" in rule_ids(lint_prompt(text, rules))


def test_too_many_examples_points_at_the_first_one_over(rules):
    text = "You are a guide.\n\n" + qa_pairs(5)
    (finding,) = [f for f in lint_prompt(text, rules) if f.rule == "examples-count"]
    assert finding.line == 9  # the 4th "Q:" line
    assert finding.message.startswith("5 few-shot examples")


def test_example_lines_are_not_linted_as_instructions(rules):
    text = BASE + "\nUser: Be brief.\nAssistant: I will explain in detail, as I do my best."
    assert lint_prompt(text, rules) == []


def test_an_inline_example_counts_once_and_hides_no_instruction(rules):
    text = (
        "You are a bot. Be warm. At most 2 sentences.\n"
        "Example: the user asks for our hours; answer 'We open at 9'.\n"
        "If the request is unclear, ask a clarifying question."
    )
    assert lint_prompt(text, rules) == []
    assert count_examples(text, rules) == 1
    prose = BASE + "Examples help the model learn the format, so keep them short."
    assert count_examples(prose, rules) == 1  # the line is prose, not an examples heading


def test_code_blocks_are_not_linted(rules):
    text = BASE + "Reply with SQL like this:\n```sql\nSELECT XYZ FROM t; -- be helpful\n```\n"
    assert lint_prompt(text, rules) == []


def test_acronym_is_reported_once_where_first_used(rules):
    text = BASE + "Check the SLA.\nThe SLA is strict.\nSLAs apply."
    found = [f for f in lint_prompt(text, rules) if f.rule == "undefined-acronym"]
    assert [(f.line, f.column) for f in found] == [(NEXT, 11)]
    assert found[0].severity == "info" and '"SLA" is not defined' in found[0].message


def test_acronym_defined_after_use_counts(rules):
    text = BASE + "Meet the SLA.\nSLA stands for service level agreement."
    assert "undefined-acronym" not in rule_ids(lint_prompt(text, rules))


def test_curly_apostrophes_match_straight_ones(rules):
    text = BASE.replace("If a question is off-topic, say so.", "If you don’t know, say so.")
    assert "no-edge-case-handling" not in rule_ids(lint_prompt(text, rules))


def test_crlf_and_cr_line_breaks_number_lines_like_lf(rules):
    lf = "Be helpful.\nYou are a guide.\nBe brief.\nExplain in detail."
    for brk in ("\r\n", "\r"):
        other = lint_prompt(lf.replace("\n", brk), rules)
        assert [(f.rule, f.line, f.column) for f in other] == [
            (f.rule, f.line, f.column) for f in lint_prompt(lf, rules)
        ]


# --- the metric ------------------------------------------------------------------------


def test_prompt_findings_counts_errors_and_warnings_not_info(rules):
    text = "Be helpful.\nCheck the SLA."
    findings = lint_prompt(text, rules)
    measured = prompt_metrics(text, rules)["prompt.findings"]
    counted = [f for f in findings if f.severity != "info"]
    assert any(f.severity == "info" for f in findings)
    assert measured.value == len(counted) > 0
    assert measured.source == "data" and measured.metric == "prompt.findings"
    assert "no-role (error, line 1)" in measured.detail
    assert "1 info finding not counted" in measured.detail


def test_the_system_prompt_rubric_scores_the_findings(rules):
    rubric = load_rubric(rubric_path("system-prompt")).require()

    def pitfalls(text: str) -> float | None:
        result = evaluate(rubric, prompt_metrics(text, rules), criteria=["pitfalls"])
        return result.criterion("pitfalls").score

    assert pitfalls(GOOD_PROMPT) == 5
    assert pitfalls(BASE + "Be helpful.") == 3
    assert pitfalls("Be helpful.") == 1


# --- the data file -------------------------------------------------------------------


def shipped_data() -> dict:
    return yaml.safe_load(shipped_rules_path().read_text(encoding="utf-8"))


def write_rules(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_rules_file_is_in_the_resources_folder():
    assert shipped_rules_path().name == "prompt_lint.yaml"
    assert shipped_rules_path().parent.name == "resources"


def test_disabling_a_rule_in_the_data_file_turns_it_off(tmp_path):
    data = shipped_data()
    data["rules"]["no-role"]["enabled"] = False
    rules = load_lint_rules(write_rules(tmp_path, data))
    assert "no-role" not in rule_ids(lint_prompt("Reply in 2 sentences.", rules))


def test_changing_a_severity_in_the_data_file_changes_findings_and_exit_code(tmp_path):
    data = shipped_data()
    data["rules"]["no-tone"]["severity"] = "error"
    rules = load_lint_rules(write_rules(tmp_path, data))
    text = BASE.replace(" Use a warm, friendly tone.", "")
    (finding,) = lint_prompt(text, rules)
    assert (finding.rule, finding.severity) == ("no-tone", "error")
    assert lint_text(text, rules).exit_code == EXIT_FINDINGS
    assert lint_text(text, load_lint_rules()).exit_code == EXIT_OK


def test_adding_a_vague_phrase_in_the_data_file_takes_effect(tmp_path):
    data = shipped_data()
    data["rules"]["vague-instruction"]["phrases"].append("keep it snappy")
    rules = load_lint_rules(write_rules(tmp_path, data))
    findings = lint_prompt(BASE + "Keep it snappy.", rules)
    assert rule_ids(findings) == ["vague-instruction"]
    assert findings[0].message.startswith('"Keep it snappy"')
    assert lint_prompt(BASE + "Keep it snappy.", load_lint_rules()) == []


def test_thresholds_and_messages_in_the_data_file_take_effect(tmp_path):
    data = shipped_data()
    data["rules"]["examples-count"]["max_examples"] = 0
    data["rules"]["examples-count"]["min_examples"] = 0
    data["rules"]["examples-count"]["message_too_many"] = "{count} > {max_examples}"
    rules = load_lint_rules(write_rules(tmp_path, data))
    (finding,) = lint_prompt(BASE, rules)
    assert finding.message == "1 > 0"


def test_a_wildcard_phrase_matches_any_ending(tmp_path):
    data = shipped_data()
    data["rules"]["no-tone"]["phrases"] = ["sparkl*"]
    rules = load_lint_rules(write_rules(tmp_path, data))
    text = BASE.replace("Use a warm, friendly tone.", "Sound sparkly.")
    assert "no-tone" not in rule_ids(lint_prompt(text, rules))
    text = BASE.replace("Use a warm, friendly tone.", "Sound warm.")
    assert "no-tone" in rule_ids(lint_prompt(text, rules))


def replace_line(text: str, old: str, new: str) -> tuple[str, int]:
    """``text`` with the first line containing ``old`` edited, and that line's number."""
    lines = text.splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if old in line)
    lines[number] = lines[number].replace(old, new, 1)
    return "".join(lines), number + 1


def shipped_text() -> str:
    return shipped_rules_path().read_text(encoding="utf-8")


def test_a_bad_severity_names_file_line_and_field(tmp_path):
    text, line = replace_line(shipped_text(), "    severity: error", "    severity: fatal")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PromptRulesError) as info:
        load_lint_rules(path)
    problem = info.value.problems[0]
    assert problem.location.file == str(path)
    assert problem.location.line == line
    assert problem.location.field == "rules.no-role.severity"
    assert "rule 'no-role': 'severity' should be 'error', 'warning' or 'info', got 'fatal'" in (
        problem.message
    )
    assert problem.format().startswith(f"{path}:{line}:15: error: ")


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),  # the problem is on the line edited, or its field's
    [
        ("  no-tone:", "  no-tonne:", "rules.no-tonne", "unknown rule 'no-tonne'"),
        (
            "    enabled: true",
            "    enabled: maybe",
            "rules.vague-instruction.enabled",
            "true or false",
        ),
        (
            "    max_instructions: 40",
            "    max_instructions: 0",
            "rules.overlong.max_instructions",
            "at least 1",
        ),
        (
            "    max_chars: 8000",
            "    max_chars: lots",
            "rules.overlong.max_chars",
            "a whole number",
        ),
        (
            "    severity: warning",
            "    severty: warning",
            "rules.vague-instruction.severty",
            "did you mean 'severity'",
        ),
        (
            "      - be helpful",
            "      - no",
            "rules.vague-instruction.phrases[0]",
            "put the word in quotes",
        ),
        ("version: 1", "version: 2", "version", "should be 1"),
        (
            "    min_examples: 1",
            "    min_examples: 5",
            "rules.examples-count.min_examples",
            "more than max_examples",
        ),
        (
            '      "{phrase}" says nothing concrete',
            '      "{phrasing}" says nothing concrete',
            "rules.vague-instruction.message",
            "{phrasing}, which this rule does not fill (it fills: {phrase})",
        ),
        (
            '      - "({acronym})"',
            '      - "(acronym)"',
            "rules.undefined-acronym.definitions[0]",
            "{acronym} exactly once",
        ),
    ],
)
def test_malformed_rules_are_reported_with_line_and_field(tmp_path, old, new, field, words):
    text, line = replace_line(shipped_text(), old, new)
    if field.endswith(".message"):  # a folded block: the position is the field's line
        line -= 1
    with pytest.raises(PromptRulesError) as info:
        parse_lint_rules(text, "rules.yaml")
    messages = [p.message for p in info.value.problems]
    problem = next(p for p in info.value.problems if p.location.field == field)
    assert words in problem.message, messages
    assert problem.location.file == "rules.yaml"
    assert problem.location.line == line, messages


def test_a_missing_rule_is_an_error_not_a_silent_switch_off():
    data = shipped_data()
    del data["rules"]["overlong"]
    with pytest.raises(PromptRulesError, match="rule 'overlong' is missing"):
        parse_lint_rules(yaml.safe_dump(data), "rules.yaml")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "got an empty file"),
        ("- a list\n", "must be a mapping"),
        ("version: 1\nrules: [\n", "YAML syntax error"),
    ],
)
def test_broken_rules_files(text, words):
    with pytest.raises(PromptRulesError, match=re.escape(words)) as info:
        parse_lint_rules(text, "r.yaml")
    assert info.value.location.file == "r.yaml" and info.value.location.line


def test_unreadable_rules_and_prompt_files(tmp_path):
    with pytest.raises(PromptRulesError, match="cannot read rules file: no such file"):
        load_lint_rules(tmp_path / "missing.yaml")
    with pytest.raises(UnreadablePromptError, match="is a directory"):
        lint_file(tmp_path)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\xe9".encode("latin-1"))
    with pytest.raises(UnreadablePromptError, match="not UTF-8 text"):
        lint_file(bad)


def test_lint_file_reads_utf8_with_a_bom(tmp_path, rules):
    path = tmp_path / "prompt.txt"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_PROMPT.encode("utf-8"))
    report = lint_file(path, rules)
    assert report.findings == [] and report.exit_code == EXIT_OK and report.source == str(path)


# --- never raises -------------------------------------------------------------------

FRAGMENTS = [
    "You are", "Example 1", "Examples", "# Examples", "User:", "Assistant:", "Q:", "A:",
    "```", "~~~", "Be brief.", "explain in detail", "be helpful", "SLA", "(SLA)", "DO NOT",
    "e.g.", "; ", ". ", "- ", "1. ", ":", "“", "’", "\u00a0", "\n", "\r\n", "\r", "\n\n",
    "if", "never", "{", "}", "*", "\\", "é", "\u2028", "\t", "#",
]  # fmt: skip
prompt_text = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=60).map("".join),
)


@given(prompt_text)
def test_lint_prompt_never_raises_and_stays_inside_the_text(text):
    rules = load_lint_rules()
    lines = prompt_lines(text)
    findings = lint_prompt(text, rules)
    for f in findings:
        assert f.rule in RULE_IDS
        assert f.severity in ("error", "warning", "info")
        assert 1 <= f.line <= len(lines)
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1
        assert f.message
    assert findings == sorted(findings, key=lambda f: (f.line, f.rule, f.column, f.message))
    assert prompt_metrics(text, rules)["prompt.findings"].value <= len(findings)
