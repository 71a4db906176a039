"""Text hints: span edges, cut words, label consistency, gold offsets and choices,
worded with the shipped rubrics' own level names."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelmate.core.hints import Hint
from labelmate.core.metrics.text import _is_edge_noise
from labelmate.core.regions import Choices, Span
from labelmate.core.rubric import Rubric
from labelmate.core.text_hints import QUOTE_LIMIT, quote, span_hints, text_check_hints
from labelmate.io.rubric_file import load_rubric

SHIPPED = Path(__file__).parents[2] / "rubrics"
NER = load_rubric(SHIPPED / "ner-spans.yaml").require()
SENTIMENT = load_rubric(SHIPPED / "text-sentiment.yaml").require()

#       0    5     11 14   20    26 29      38 40   45
TEXT = "Alice moved to Paris, then to New York. Paris is big."


def span(id, start, end, label="LOC", control="ner"):
    return Span(id=id, control=control, target="text", labels=(label,), start=start, end=end)


def choice(id, *labels, control="sentiment"):
    return Choices(id=id, control=control, target="review", labels=labels)


def of_kind(hints: list[Hint], kind: str) -> list[Hint]:
    return [h for h in hints if h.kind == kind]


def levels(rubric: Rubric, criterion_id: str) -> dict[float, str]:
    """Score → level name, read from the rubric file."""
    criterion = rubric.criterion(criterion_id)
    return {level.score: rubric.level_name(level) for level in criterion.levels}


PREC = NER.criterion("precision").name
P = levels(NER, "precision")
C = levels(NER, "completeness")
K = levels(NER, "correctness")

GOLD = [span("g1", 0, 5, "PER"), span("g2", 15, 20), span("g3", 30, 38), span("g4", 40, 45)]


def test_the_shipped_level_names_are_the_ones_messages_use():
    assert P == {5: "Gold Standard", 3: "Acceptable", 1: "Needs Re-Annotation"}
    assert PREC == "Precision (Boundaries)"


# --- always: a space or punctuation at an edge -------------------------------------


def test_a_leading_space_is_named_with_the_level_one_such_span_implies():
    s = span("s1", 14, 20)  # " Paris"
    (h,) = of_kind(span_hints(s, [s], TEXT, None, NER), "edge-whitespace")
    assert h.message == f"“ Paris” starts with a space → {PREC}: {P[3]} ({P[5]} allows ≤ 0)"
    assert (h.side, h.region_ids, h.severity) == ("start", ("s1",), "warning")
    assert (h.criterion_id, h.level_name, h.source) == ("precision", P[3], "data")


def test_trailing_punctuation_is_quoted_and_both_edges_give_two_hints():
    s = span("s1", 15, 21)  # "Paris,"
    (h,) = of_kind(span_hints(s, [s], TEXT, None, None), "edge-whitespace")
    assert h.message == "“Paris,” ends with ','"  # no rubric: no level
    assert h.criterion_id is None and h.side == "end"
    both = span("s2", 14, 21)  # " Paris,"
    sides = [h.side for h in of_kind(span_hints(both, [both], TEXT, None, NER), "edge-whitespace")]
    assert sides == ["start", "end"]


def test_line_breaks_at_an_edge_are_named_and_shown_on_one_line():
    text = "Paris\r\nBerlin"
    s = span("s1", 0, 7)
    (h,) = of_kind(span_hints(s, [s], text, None, None), "edge-whitespace")
    assert h.message == "“Paris⏎” ends with a line break"


def test_a_clean_span_has_no_edge_hint():
    s = span("s1", 15, 20)
    assert span_hints(s, [s], TEXT, None, NER) == []


# --- always: a boundary that cuts a word --------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "side", "message"),
    [
        (15, 19, "end", "“Pari” ends inside the word “Paris”"),
        (16, 20, "start", "“aris” starts inside the word “Paris”"),
        (16, 19, None, "“ari” lies inside the word “Paris”"),
        (13, 20, "start", "“o Paris” starts inside the word “to”"),
    ],
)
def test_a_boundary_between_two_letters_cuts_a_word(start, end, side, message):
    s = span("s1", start, end)
    (h,) = of_kind(span_hints(s, [s], TEXT, None, NER), "cut-word")
    assert (h.message, h.side, h.region_ids) == (message, side, ("s1",))
    assert h.criterion_name == PREC and h.level_name is None  # no figure, no level


def test_digits_cut_too_and_whole_words_do_not():
    text = "Founded in 2023 by Zoë."
    year = span("s1", 11, 14)  # "202"
    (h,) = of_kind(span_hints(year, [year], text, None, None), "cut-word")
    assert h.message == "“202” ends inside the word “2023”"
    for s in (span("s2", 11, 15), span("s3", 19, 22), span("s4", 0, 7)):
        assert of_kind(span_hints(s, [s], text, None, None), "cut-word") == []


def test_no_cut_word_hint_where_gold_has_the_same_boundary():
    text = "the Parisian food"
    gold = [span("g", 4, 9)]  # gold marks "Paris" inside "Parisian"
    s = span("s", 4, 9)
    assert of_kind(span_hints(s, [s], text, gold, NER), "cut-word") == []
    assert of_kind(span_hints(s, [s], text, None, NER), "cut-word")


# --- always: the same string labelled differently -----------------------------------


def test_the_same_string_labelled_differently_elsewhere_is_named_with_its_offsets():
    a, b = span("a", 15, 20, "LOC"), span("b", 40, 45, "ORG")
    (h,) = of_kind(span_hints(a, [a, b], TEXT, None, NER), "inconsistent-label")
    assert h.message == "“Paris” is also labelled ORG at 40–45"
    assert h.region_ids == ("a", "b") and h.criterion_name == "Correctness"
    (back,) = of_kind(span_hints(b, [a, b], TEXT, None, NER), "inconsistent-label")
    assert back.message == "“Paris” is also labelled LOC at 15–20"


def test_the_same_string_with_the_same_label_or_another_string_is_fine():
    a, b = span("a", 15, 20), span("b", 40, 45)
    assert of_kind(span_hints(a, [a, b], TEXT, None, None), "inconsistent-label") == []
    c = span("c", 30, 38, "ORG")
    assert of_kind(span_hints(a, [a, c], TEXT, None, None), "inconsistent-label") == []


# --- always: overlap with a span of another label ------------------------------------


def test_an_overlap_with_a_span_of_another_label_names_both():
    york, city = span("y", 30, 38, "LOC"), span("c", 34, 38, "ORG")
    (h,) = of_kind(span_hints(city, [york, city], TEXT, None, None), "overlap")
    assert h.message == "“York” (ORG) overlaps “New York” (LOC) at 30–38"
    assert h.region_ids == ("c", "y")


def test_touching_or_same_label_or_other_control_spans_do_not_overlap():
    s = span("s", 30, 34, "ORG")  # "New "
    for other in (
        span("t", 34, 38, "LOC"),  # touches, no shared character
        span("u", 30, 38, "ORG"),  # same label
        span("v", 30, 38, "LOC", control="topics"),
    ):
        assert of_kind(span_hints(s, [s, other], TEXT, None, None), "overlap") == []


# --- against gold: boundary offsets with ner-spans.yaml levels ------------------------


def test_starting_two_characters_before_gold_is_acceptable():
    s = span("s1", 13, 20)  # "o Paris" vs gold g2 "Paris"
    (h,) = of_kind(span_hints(s, [s], TEXT, GOLD, NER), "boundary")
    assert h.message == (
        f"starts 2 characters before gold g2: includes “o ” → {PREC}: {P[3]} "
        f"({P[5]} allows ≤ 0 chars)"
    )
    assert (h.side, h.value, h.level_name, h.severity) == ("start", 2.0, P[3], "warning")


def test_ending_one_character_early_and_three_late():
    early = span("s1", 30, 37)  # "New Yor"
    (h,) = of_kind(span_hints(early, [early], TEXT, GOLD, NER), "boundary")
    assert h.message.startswith("ends 1 character early: misses “k” of gold g3 → ")
    assert (h.side, h.value, h.level_name) == ("end", -1.0, P[3])
    late = span("s2", 40, 48)  # "Paris is" vs gold g4 "Paris": IoU 5/8
    (h,) = of_kind(span_hints(late, [late], TEXT, GOLD, NER), "boundary")
    assert h.message == (
        f"ends 3 characters late: includes “ is” after gold g4 → {PREC}: {P[1]} "
        f"({P[3]} allows ≤ 2 chars)"
    )
    assert (h.value, h.level_name, h.severity) == (3.0, P[1], "error")


def test_starting_after_gold_says_what_is_missed():
    s = span("s1", 31, 38)  # "ew York"
    hints = span_hints(s, [s], TEXT, GOLD, NER)
    (h,) = of_kind(hints, "boundary")
    assert h.message.startswith("starts 1 character after gold g3: misses “N” → ")
    assert h.value == -1.0


def test_exact_boundaries_give_one_good_hint():
    s = span("s1", 15, 20)
    hints = span_hints(s, [s], TEXT, GOLD, NER)
    (h,) = hints
    assert h.message == f"starts and ends on gold g2 → {PREC}: {P[5]}"
    assert (h.kind, h.severity, h.level_name) == ("boundary", "good", P[5])


def test_a_wrong_label_against_gold_names_both_labels():
    s = span("s1", 15, 20, "ORG")
    (h,) = of_kind(span_hints(s, [s], TEXT, GOLD, NER), "wrong-label")
    assert (
        h.message == f"labelled ORG, but gold g2 is LOC → Correctness: {K[3]} ({K[5]} allows ≤ 0)"
    )
    assert h.region_ids == ("s1",)


def test_a_span_no_gold_overlaps_is_extra_with_the_completeness_level():
    s = span("s1", 22, 26)  # "then"
    (h,) = span_hints(s, [s], TEXT, GOLD, NER)
    assert h.message == (
        f"no gold span overlaps “then”: an extra span? → Completeness: {C[3]} ({C[5]} allows ≤ 0)"
    )
    assert (h.kind, h.criterion_id, h.level_name, h.value) == ("extra", "completeness", C[3], None)


def test_a_span_overlapping_gold_too_little_is_extra_and_still_shows_its_offsets():
    s = span("s1", 26, 33)  # " to New" vs gold "New York": IoU 3/12
    hints = span_hints(s, [s], TEXT, GOLD, NER)
    assert [h.kind for h in hints][:3] == ["extra", "boundary", "boundary"]
    assert hints[0].message.startswith(
        "no gold span overlaps “ to New” enough (best overlap 0.25 < 0.5, gold g3): an extra span?"
    )
    assert [h.value for h in of_kind(hints, "boundary")] == [4.0, -5.0]


def test_a_second_span_on_a_matched_gold_span_is_a_duplicate():
    first, second = span("s1", 15, 20), span("s2", 15, 20, "MISC")
    (h,) = of_kind(span_hints(second, [first, second], TEXT, GOLD, NER), "extra")
    assert h.message.startswith("gold g2 “Paris” is already matched by span s1: a duplicate")


def test_the_focused_span_replaces_its_older_copy_and_is_matched_among_many():
    many = [span(f"s{i}", 15, 20) for i in range(3)] + [span("x", 0, 5, "PER")]
    moved = span("x", 0, 4, "PER")  # being edited: the list still holds the old copy
    (h,) = of_kind(span_hints(moved, many, TEXT, GOLD, NER), "boundary")
    assert h.message.startswith("ends 1 character early: misses “e” of gold g1")


# --- the Check report -----------------------------------------------------------------


def test_check_lists_missed_extra_and_wrong_spans_quoting_their_text():
    mine = [span("s1", 13, 21), span("s2", 30, 38, "ORG"), span("s3", 21, 25)]
    hints = text_check_hints(mine, TEXT, GOLD, NER)
    missed = of_kind(hints, "missed")
    assert [h.message for h in missed] == [
        "missed gold span g1 “Alice” (PER)",
        "missed gold span g4 “Paris” (LOC)",
    ]
    assert [h.gold_region.id for h in missed] == ["g1", "g4"]
    (extra,) = of_kind(hints, "extra")
    assert extra.message == "extra span s3 “ the” (LOC): no gold span matches it"
    (wrong,) = of_kind(hints, "wrong-label")
    assert wrong.message == "span s2 “New York” is labelled ORG, but gold g3 is LOC"
    bounds = of_kind(hints, "boundary")
    assert [h.message.split(" → ")[0] for h in bounds] == [
        "span s1 “o Paris,”: starts 2 characters before gold g2: includes “o ”",
        "span s1 “o Paris,”: ends 1 character late: includes “,” after gold g2",
    ]
    lines = {h.criterion_name: h for h in of_kind(hints, "level")}
    assert set(lines) == {c.name for c in NER.criteria}
    assert lines[PREC].level_name == P[1]  # 2 spans on a space or punctuation


def test_check_reports_each_span_problem_once():
    a, b = span("a", 15, 20, "LOC"), span("b", 40, 45, "ORG")
    c = span("c", 17, 22, "MISC")  # "ris, " overlaps a
    hints = text_check_hints([a, b, c], TEXT, None, None)
    (same,) = of_kind(hints, "inconsistent-label")
    assert same.message == "“Paris” is labelled differently: LOC at 15–20; ORG at 40–45"
    assert set(same.region_ids) == {"a", "b"}
    assert len(of_kind(hints, "overlap")) == 1
    assert [h.side for h in of_kind(hints, "cut-word")] == ["start"]
    assert not of_kind(hints, "level") and not of_kind(hints, "missed")


def test_check_without_text_quotes_the_spans_own_text():
    s = Span(id="s", control="ner", target="text", labels=("LOC",), start=3, end=9, text="Paris ")
    (h,) = text_check_hints([s], None, None, None)
    assert h.message == "“Paris ” ends with a space"


# --- classification against gold (text-sentiment.yaml) ---------------------------------

S_CORRECT = levels(SENTIMENT, "correctness")
S_CLARITY = levels(SENTIMENT, "clarity")
CLARITY = SENTIMENT.criterion("clarity").name


def test_a_sentiment_that_differs_from_gold_is_a_correctness_error():
    hints = text_check_hints(
        [choice("c", "Negative")], "Not bad.", [choice("g", "Positive")], SENTIMENT
    )
    (h,) = of_kind(hints, "choice-mismatch")
    assert h.message.startswith(f"chose Negative, gold says Positive → Correctness: {S_CORRECT[1]}")
    assert CLARITY not in h.message  # Unsure was not used: clarity is not this hint's business
    assert (h.criterion_id, h.severity, h.region_ids) == ("correctness", "error", ("c",))
    assert not of_kind(hints, "unsure-on-clear")
    lines = {h.criterion_id: h.level_name for h in of_kind(hints, "level")}
    assert lines == {"correctness": S_CORRECT[1], "clarity": S_CLARITY[5]}


def test_unsure_where_gold_is_clear_is_a_clarity_error():
    hints = text_check_hints(
        [choice("c", "Unsure")], "Great!", [choice("g", "Positive")], SENTIMENT
    )
    (h,) = of_kind(hints, "unsure-on-clear")
    assert h.message.startswith(f"chose Unsure where gold is clear (Positive) → {CLARITY}: ")
    assert (h.criterion_id, h.level_name) == ("clarity", S_CLARITY[1])
    (m,) = of_kind(hints, "choice-mismatch")
    assert m.criterion_id == "correctness"


def test_unsure_where_gold_is_unsure_too_and_a_matching_choice_are_fine():
    for mine, gold in ((("Unsure",), ("Unsure",)), (("Positive",), ("Positive",))):
        hints = text_check_hints([choice("c", *mine)], "?", [choice("g", *gold)], SENTIMENT)
        assert [h.kind for h in hints] == ["level", "level"]
        assert all(h.severity == "good" for h in hints)


def test_an_unanswered_control_is_left_to_the_screen():
    hints = text_check_hints([], "Great!", [choice("g", "Positive")], SENTIMENT)
    assert not of_kind(hints, "choice-mismatch") and not of_kind(hints, "unsure-on-clear")


def test_several_controls_are_named():
    mine = [choice("c1", "Negative"), choice("c2", "Sports", control="topic")]
    gold = [choice("g1", "Positive"), choice("g2", "Sports", control="topic")]
    (h,) = of_kind(text_check_hints(mine, "x", gold, None), "choice-mismatch")
    assert h.message == "sentiment: chose Negative, gold says Positive"
    assert h.severity == "warning"


# --- emoji and other astral characters: offsets are code points ---------------------------

EMOJI = "I ❤️ Paris 😀 and Berlin 👨‍👩‍👧 too"


def test_emoji_text_is_quoted_by_code_point_offsets():
    paris = EMOJI.index("Paris")
    berlin = EMOJI.index("Berlin")
    assert (paris, berlin) == (5, 17)
    s = span("s1", paris, paris + 6)  # "Paris "
    (h,) = of_kind(span_hints(s, [s], EMOJI, None, None), "edge-whitespace")
    assert h.message == "“Paris ” ends with a space"
    heart = span("s2", 2, 4, "MISC")  # "❤️": heart and variation selector
    assert span_hints(heart, [heart], EMOJI, None, None) == []
    gold = [span("g1", paris, paris + 5), span("g2", berlin, berlin + 6)]
    hints = text_check_hints([span("s3", paris - 1, paris + 5)], EMOJI, gold, None)
    assert of_kind(hints, "missed")[0].message == "missed gold span g2 “Berlin” (LOC)"
    assert of_kind(hints, "boundary")[0].message == (
        "span s3 “ Paris”: starts 1 character before gold g1: includes “ ”"
    )
    family = EMOJI.index("👨")
    fam = span("s4", family, family + 5, "MISC")
    assert EMOJI[fam.start : fam.end] == "👨‍👩‍👧"
    (h,) = of_kind(
        span_hints(fam, [fam, span("s5", family, family + 5)], EMOJI, None, None),
        "inconsistent-label",
    )
    assert h.message == "“👨‍👩‍👧” is also labelled LOC at 24–29"


# --- quoting ----------------------------------------------------------------------------


def test_quotes_are_cut_at_forty_characters_never_inside_an_emoji():
    long = "a" * 50
    assert quote(long) == "“" + "a" * 39 + "…”"
    assert len(quote(long)) - 2 == QUOTE_LIMIT
    family = "x" * 36 + "👨‍👩‍👧" + "yyyy"  # the cut would fall inside the family emoji
    shown = quote(family)[1:-1]
    assert shown == "x" * 36 + "…"
    assert quote("e\u0301" * 30)[1:-1].endswith("e\u0301…")  # accents stay on their letter
    assert quote("x" * 38 + "🇫🇷🇫🇷")[1:-1] == "x" * 38 + "…"  # a flag is two letters
    assert quote("one\r\ntwo\tthree") == "“one⏎two⇥three”"
    assert quote("short") == "“short”"


# --- properties --------------------------------------------------------------------------

_PIECES = st.sampled_from(
    ["a", "b", "Z", "7", " ", ",", ".", "\n", "\r\n", "😀", "é", "e\u0301", "-"]
)


@st.composite
def _tasks(draw):
    text = "".join(draw(st.lists(_PIECES, max_size=40)))
    n = len(text)

    def one(prefix):
        start = draw(st.integers(0, n))
        end = draw(st.integers(start, n))
        return Span(
            id=f"{prefix}{draw(st.integers(0, 5))}",
            control=draw(st.sampled_from(["ner", "ner", "other"])),
            target="text",
            labels=tuple(draw(st.lists(st.sampled_from(["LOC", "ORG", "PER"]), max_size=2))),
            start=start,
            end=end,
        )

    # Unique ids per side, as in a stored annotation; the focused span may reuse one
    # (an edited copy of a listed span) or be new.
    spans = list({s.id: s for s in (one("s") for _ in range(draw(st.integers(0, 6))))}.values())
    gold = None
    if draw(st.booleans()):
        gold = list({g.id: g for g in (one("g") for _ in range(draw(st.integers(0, 6))))}.values())
    focused = one("s")
    return text, focused, spans, gold, draw(st.sampled_from([None, NER]))


@given(_tasks())
def test_span_hints_never_raise_and_edge_hints_are_true(task):
    text, focused, spans, gold, rubric = task
    hints = span_hints(focused, spans, text, gold, rubric)
    for h in hints:
        assert focused.id in h.region_ids
        if h.kind == "edge-whitespace":
            at = focused.start if h.side == "start" else focused.end - 1
            assert _is_edge_noise(text[at])
            assert text[at].isspace() or not text[at].isalnum()
        if h.kind == "boundary" and h.value:
            assert f"{int(abs(h.value))} character" in h.message
        assert h.message.count("“") == h.message.count("”")


@given(_tasks())
def test_check_never_raises_and_quotes_stay_short(task):
    text, focused, spans, gold, rubric = task
    for h in text_check_hints([*spans, focused], text, gold, rubric):
        for part in h.message.split("“")[1:]:
            assert len(part.split("”")[0]) <= QUOTE_LIMIT
