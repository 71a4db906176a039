"""The default tokenizer: Treebank-like splits with offsets that point back into the text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.io.tokenize import Token, check_tokens, tokenize, whitespace_tokenize


def texts(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def test_reference_sentence_splits_punctuation_like_the_label_studio_export():
    # formats.md §8b: the converter's CoNLL output has these nine tokens.
    assert texts("Ada Lovelace met Babbage in London, England.") == [
        "Ada",
        "Lovelace",
        "met",
        "Babbage",
        "in",
        "London",
        ",",
        "England",
        ".",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ada's notes", ["Ada", "'s", "notes"]),
        ("Ada\u2019s", ["Ada", "\u2019s"]),
        ("don't", ["do", "n't"]),
        ("O'Neil rock'n'roll", ["O'Neil", "rock'n'roll"]),
        ("dogs' bowls", ["dogs", "'", "bowls"]),
        ("an iPhone-sized state-of-the-art box", ["an", "iPhone-sized", "state-of-the-art", "box"]),
        ("U.S. e.g. Mr. Smith", ["U.S.", "e.g.", "Mr", ".", "Smith"]),
        ("pi is 3.14, not 1,000.", ["pi", "is", "3.14", ",", "not", "1,000", "."]),
        ("a,b wait... --yes", ["a", ",", "b", "wait", "...", "--", "yes"]),
        ('"quoted" (paren)', ['"', "quoted", '"', "(", "paren", ")"]),
        ("我爱北京。Hello世界", ["我", "爱", "北", "京", "。", "Hello", "世", "界"]),
        ("안녕하세요 세계", ["안녕하세요", "세계"]),
        ("👩\u200d💻 codes 🇬🇧🇺🇸 👍🏽!", ["👩\u200d💻", "codes", "🇬🇧", "🇺🇸", "👍🏽", "!"]),
        ("line one\r\nline\u00a0two", ["line", "one", "line", "two"]),
    ],
)
def test_tokens_follow_the_documented_rules(text, expected):
    assert texts(text) == expected


def test_offsets_are_code_points_into_the_original_text():
    text = "😀 London,\r\nEngland"
    tokens = tokenize(text)
    assert tokens[1] == Token("London", 2, 8)
    assert [text[t.start : t.end] for t in tokens] == [t.text for t in tokens]


@settings(max_examples=100)
@given(st.text())
def test_any_text_gives_contract_tokens_that_cover_every_non_space_character(text):
    tokens = tokenize(text)
    assert check_tokens(text, tokens) is None
    assert sum(len(t.text) for t in tokens) == sum(not ch.isspace() for ch in text)


_WORDS = st.sampled_from(
    [
        "Ada",
        "Ada's",
        "don't",
        "London,",
        "U.S.",
        "3.14",
        "1,000",
        "我爱",
        "👍🏽",
        "🇬🇧",
        "x-y",
        "...",
        '"q"',
    ]
)


@settings(max_examples=100)
@given(st.lists(_WORDS, max_size=12))
def test_tokens_joined_with_spaces_tokenize_to_themselves(words):
    """CoNLL re-import joins tokens with spaces; re-export must find the same tokens."""
    first = texts(" ".join(words))
    assert texts(" ".join(first)) == first


@settings(max_examples=50)
@given(st.text())
def test_whitespace_tokenizer_keeps_the_contract(text):
    tokens = whitespace_tokenize(text)
    assert check_tokens(text, tokens) is None
    assert [t.text for t in tokens] == text.split()


@pytest.mark.parametrize(
    ("tokens", "reason"),
    [
        ([Token("a ", 0, 2), Token(" ", 1, 2)], "whitespace"),
        ([Token("b", 2, 3), Token("a", 0, 1)], "overlaps"),
        ([Token("a b", 0, 3)], "whitespace"),
        ([Token("zz", 0, 2)], "differs"),
        ([Token("a", 0, 9)], "outside"),
        (["a"], "not a Token"),
    ],
)
def test_check_tokens_names_how_a_plugged_in_tokenizer_broke_the_contract(tokens, reason):
    assert reason in (check_tokens("a b", tokens) or "")
