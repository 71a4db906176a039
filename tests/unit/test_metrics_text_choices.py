"""Spans, choices, free text and ratings: what text criteria are decided from."""

from __future__ import annotations

import pytest

from labelmate.core.metrics import is_unsure, measure
from labelmate.core.regions import Choices, Rating, Span, TextAnswer

TEXT = "Alice moved to Paris, then to New York."


def span(id, start, end, label="LOC"):
    return Span(id=id, control="ner", target="text", labels=(label,), start=start, end=end)


def choice(id, *labels, control="sentiment"):
    return Choices(id=id, control=control, target="review", labels=labels)


def test_span_boundary_offset_and_exact_f1():
    gold = [span("g1", 15, 20), span("g2", 30, 38), span("g0", 0, 5, "PER")]
    mine = [span("s1", 15, 21), span("s2", 30, 38), span("s0", 0, 5, "PER")]  # "Paris,"
    m = measure(mine, gold, text=TEXT)
    assert m["span.boundary_offset_chars"].value == 1
    assert m["span.boundary_offset_chars"].region_ids == ("s1", "g1")
    assert m["span.f1"].value == pytest.approx(2 * 2 / 6)
    assert m["objects.recall"].value == 1.0  # char IoU 5/6 ≥ 0.5


def test_span_f1_requires_the_same_label():
    gold = [span("g", 0, 5, "PER")]
    mine = [span("s", 0, 5, "ORG")]
    m = measure(mine, gold, text=TEXT)
    assert m["span.f1"].value == 0
    assert m["label.mismatches"].value == 1
    assert m["span.boundary_offset_chars"].value == 0


def test_edge_whitespace_and_punctuation_counted_from_the_text():
    mine = [span("a", 15, 21), span("b", 29, 38), span("c", 0, 5)]  # "Paris,", " New York"
    m = measure(mine, None, text=TEXT)
    assert m["span.edge_whitespace"].value == 2
    assert m["span.edge_whitespace"].source == "data"
    assert set(m["span.edge_whitespace"].region_ids) == {"a", "b"}
    assert "'Paris,'" in m["span.edge_whitespace"].detail


def test_edge_whitespace_falls_back_to_span_text():
    s = Span(id="x", control="ner", target="text", labels=("LOC",), start=3, end=9, text="Paris ")
    assert measure([s], None)["span.edge_whitespace"].value == 1


def test_edge_whitespace_needs_some_text():
    assert "span.edge_whitespace" not in measure([span("a", 0, 5)], None)


@pytest.mark.parametrize(
    ("option", "unsure"),
    [("Unsure", True), ("Can't tell", True), ("not sure", True), ("Neutral", False),
     ("Sure", False), ("?", True)],
)  # fmt: skip
def test_unsure_wording(option, unsure):
    assert is_unsure(option) is unsure


def test_unsure_used_without_gold():
    m = measure([choice("c", "Unsure")], None)
    assert m["choices.unsure_used"].value is True
    assert m["choices.unsure_used"].source == "data"
    assert measure([choice("c", "Neutral")], None)["choices.unsure_used"].value is False


def test_choices_match_gold_per_control():
    gold = [choice("g", "Neutral"), choice("g2", "Yes", control="spoiler")]
    assert measure([choice("c", "Neutral"), choice("c2", "Yes", control="spoiler")],
                   gold)["choices.matches_gold"].value is True  # fmt: skip
    m = measure([choice("c", "Positive")], gold)
    assert m["choices.matches_gold"].value is False
    assert "sentiment: chose Positive, gold is Neutral" in m["choices.matches_gold"].detail
    assert "spoiler: chose nothing" in m["choices.matches_gold"].detail
    only = measure([choice("c", "Neutral")], gold, control="sentiment")
    assert only["choices.matches_gold"].value is True


def test_text_length_and_rating_distance():
    answer = TextAnswer(id="t", control="answer", target="q", text=("Hello", "world"))
    m = measure([answer], None)
    assert m["text.length_chars"].value == 11
    mine = [Rating(id="r", control="stars", target="q", rating=2)]
    gold = [Rating(id="g", control="stars", target="q", rating=5)]
    assert measure(mine, gold)["rating.distance"].value == 3
