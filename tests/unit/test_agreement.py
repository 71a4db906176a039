"""Agreement statistics (core.agreement) against published worked examples.

Sources, each cited again where it is used:

- Cohen (1960) as worked in Wikipedia's "Cohen's kappa" article: 50 proposals, two
  readers, Yes/No table 20/5/10/15 → p_o = 0.70, p_e = 0.50, κ = 0.40.
- Artstein & Poesio (2008), "Inter-coder agreement for computational linguistics",
  Computational Linguistics 34(4), Table 1 (κ = 0.348) and Table 4 (κ = 0.8013), as
  pinned in scikit-learn's own test suite (sklearn/metrics/tests/test_classification.py,
  test_cohen_kappa), which also pins its weighted-kappa example: none 0.9315, linear
  0.9412, quadratic 0.9541.
- Scott (1955) as worked in Wikipedia's "Scott's pi" article: a 3 × 3 table
  [[1,2,3],[4,5,6],[7,8,9]], 45 items → observed 0.333, expected 0.369.
- Fleiss (1971) as worked in Wikipedia's "Fleiss' kappa" article: 10 subjects, 14 raters,
  5 categories → P̄ = 0.378, P̄e = 0.213, κ = 0.210.
- Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 observers ×
  12 units example with missing values: nominal 0.743, ordinal 0.815, interval 0.849,
  ratio 0.797 (also reproduced by R's irr::kripp.alpha: interval 0.8491071); and the
  3 observers × 15 units example of Krippendorff's Content Analysis and Wikipedia's
  "Krippendorff's alpha" article: nominal 0.691, interval 0.811.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelmate.core.agreement import (
    STATISTICS,
    Level,
    RatingsError,
    RatingsTable,
    code_ratings,
    cohen_kappas,
    compute_agreement,
    krippendorff_alpha,
    parse_number,
)


def table(*columns, raters=None):
    """A table from one list per rater (None: missing)."""
    names = raters or [f"r{i + 1}" for i in range(len(columns))]
    return RatingsTable.from_rows(names, list(zip(*columns, strict=True)))


def from_confusion(matrix, labels):
    """Two raters' ratings reproducing a confusion matrix (rows: rater 1, columns: rater 2)."""
    first, second = [], []
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            first += [labels[i]] * count
            second += [labels[j]] * count
    return table(first, second)


def from_counts(counts, labels):
    """Fleiss-style data: counts[i][k] raters put item i in category k."""
    rows = []
    for row in counts:
        ratings = [labels[k] for k, n in enumerate(row) for _ in range(n)]
        rows.append(ratings)
    return RatingsTable.from_rows([f"r{j + 1}" for j in range(len(rows[0]))], rows)


# --- Cohen's kappa ------------------------------------------------------------------


def test_cohen_kappa_wikipedia_50_proposals():
    """Wikipedia "Cohen's kappa", worked example after Cohen (1960): 20 both Yes, 5 A-Yes
    B-No, 10 A-No B-Yes, 15 both No → p_o = 0.7, p_e = 0.5, κ = 0.4."""
    stats = compute_agreement(from_confusion([[20, 5], [10, 15]], ["Yes", "No"]))
    assert stats.values["percent_agreement"] == pytest.approx(0.70)
    assert stats.values["cohen_kappa"] == pytest.approx(0.40)
    # With two categories every weighting gives the same kappa.
    assert stats.values["cohen_kappa_linear"] == pytest.approx(0.40)
    assert stats.values["cohen_kappa_quadratic"] == pytest.approx(0.40)


def test_cohen_kappa_artstein_poesio_table_1():
    """Artstein & Poesio (2008) Table 1, [[20, 20], [10, 50]] → κ = 0.348 (pinned in
    scikit-learn's test_cohen_kappa)."""
    stats = compute_agreement(from_confusion([[20, 20], [10, 50]], [0, 1]))
    assert round(stats.values["cohen_kappa"], 3) == 0.348


def test_cohen_kappa_artstein_poesio_table_4():
    """Artstein & Poesio (2008) Table 4, three categories → κ = 0.8013, with the label
    vectors scikit-learn's test_cohen_kappa uses."""
    first = [0] * 46 + [1] * 44 + [2] * 10
    second = [0] * 52 + [1] * 32 + [2] * 16
    assert round(compute_agreement(table(first, second)).values["cohen_kappa"], 4) == 0.8013


def test_weighted_kappa_matches_scikit_learns_published_example():
    """scikit-learn's test_cohen_kappa weighting example: none 0.9315, linear 0.9412,
    quadratic 0.9541 (4 decimals)."""
    first = [0] * 46 + [1] * 44 + [2] * 10
    second = [0] * 50 + [1] * 40 + [2] * 10
    values = compute_agreement(table(first, second)).values
    assert round(values["cohen_kappa"], 4) == 0.9315
    assert round(values["cohen_kappa_linear"], 4) == 0.9412
    assert round(values["cohen_kappa_quadratic"], 4) == 0.9541


def test_weights_use_positions_in_sorted_order_not_the_numbers():
    """As scikit-learn: categories 1, 10, 100 are positions 0, 1, 2, so they weigh like
    0, 1, 2; text categories sort by code point."""
    first, second = [1, 10, 100, 10, 1, 100], [1, 100, 100, 1, 10, 10]
    by_number = compute_agreement(table(first, second)).values
    by_position = compute_agreement(
        table([{1: 0, 10: 1, 100: 2}[v] for v in first], [{1: 0, 10: 1, 100: 2}[v] for v in second])
    ).values
    letters = compute_agreement(
        table(
            [{1: "a", 10: "b", 100: "c"}[v] for v in first],
            [{1: "a", 10: "b", 100: "c"}[v] for v in second],
        )
    ).values
    for name in ("cohen_kappa_linear", "cohen_kappa_quadratic"):
        assert by_number[name] == pytest.approx(by_position[name])
        assert letters[name] == pytest.approx(by_position[name])


def test_kappa_uses_only_items_both_raters_rated():
    """Items one rater skipped change nothing, not even the weights' category positions."""
    first = [0] * 46 + [1] * 44 + [2] * 10
    second = [0] * 50 + [1] * 40 + [2] * 10
    base = compute_agreement(table(first, second)).values
    padded = compute_agreement(table([*first, 7, None], [*second, None, 9])).values
    for name in ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic", "scott_pi"):
        assert padded[name] == pytest.approx(base[name])


def _naive_weighted_kappa(first, second, k, power):
    """Cohen (1968) straight from the k × k matrices: κw = 1 - Σ w·O / Σ w·E with
    w_ij = |i - j|^power — an independent check of the prefix-sum arithmetic."""
    observed = np.zeros((k, k))
    np.add.at(observed, (first, second), 1)
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    i, j = np.indices((k, k))
    weights = np.abs(i - j) ** power if power else (i != j).astype(float)
    return 1 - (weights * observed).sum() / (weights * expected).sum()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_weighted_kappa_equals_the_matrix_definition(data):
    k = data.draw(st.integers(2, 8))
    n = data.draw(st.integers(1, 40))
    first = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    second = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    if len(np.unique(np.concatenate([first, second]))) < 2:
        return
    result = cohen_kappas(first, second, k)
    assert result["cohen_kappa"] == pytest.approx(_naive_weighted_kappa(first, second, k, 0))
    assert result["cohen_kappa_linear"] == pytest.approx(_naive_weighted_kappa(first, second, k, 1))
    assert result["cohen_kappa_quadratic"] == pytest.approx(
        _naive_weighted_kappa(first, second, k, 2)
    )


# --- Scott's pi and Fleiss' kappa ---------------------------------------------------------


def test_scott_pi_wikipedia_example():
    """Wikipedia "Scott's pi" worked example: 45 items, Yes/No/Maybe, confusion
    [[1,2,3],[4,5,6],[7,8,9]]; joint proportions 0.2, 0.333, 0.467 → Pr(e) = 0.369,
    Pr(a) = 15/45 = 0.333, π = (0.333 - 0.369) / (1 - 0.369) ≈ -0.056."""
    stats = compute_agreement(from_confusion([[1, 2, 3], [4, 5, 6], [7, 8, 9]], "YNM"))
    pe = 0.2**2 + (30 / 90) ** 2 + (42 / 90) ** 2
    assert pe == pytest.approx(0.369, abs=5e-4)
    assert stats.values["percent_agreement"] == pytest.approx(1 / 3)
    assert stats.values["scott_pi"] == pytest.approx((1 / 3 - pe) / (1 - pe))
    assert stats.values["scott_pi"] == pytest.approx(-0.056, abs=1e-3)


FLEISS_1971 = [  # Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_wikipedia_example():
    """Wikipedia "Fleiss' kappa" (after Fleiss 1971): P̄ = 0.378, P̄e = 0.213, κ = 0.210."""
    stats = compute_agreement(from_counts(FLEISS_1971, [1, 2, 3, 4, 5]))
    assert stats.values["fleiss_kappa"] == pytest.approx(0.210, abs=5e-4)
    # P̄ is the mean share of agreeing rater pairs: our percent agreement.
    assert stats.values["percent_agreement"] == pytest.approx(0.378, abs=5e-4)


def test_fleiss_with_two_raters_is_scotts_pi():
    """Fleiss (1971) generalises Scott's pi: with two raters on every item they coincide."""
    stats = compute_agreement(from_confusion([[1, 2, 3], [4, 5, 6], [7, 8, 9]], "YNM"))
    assert stats.values["fleiss_kappa"] == pytest.approx(stats.values["scott_pi"])


def test_fleiss_needs_the_same_number_of_ratings_per_item():
    stats = compute_agreement(table(["a", "b", "a"], ["a", None, "b"], ["b", "b", None]))
    assert stats.values["fleiss_kappa"] is None
    assert "between 2 and 3 ratings" in stats.notes["fleiss_kappa"]


# --- Krippendorff's alpha --------------------------------------------------------------

KRIPPENDORFF_2011 = [  # observers × units; None = missing
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
KRIPPENDORFF_3_OBSERVERS = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_worked_example(level, expected):
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers,
    12 units, missing values; the printed alphas to three decimals."""
    stats = compute_agreement(table(*KRIPPENDORFF_2011), level)
    assert stats.values["krippendorff_alpha"] == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.691), ("interval", 0.811)])
def test_krippendorff_three_observer_example(level, expected):
    """Wikipedia "Krippendorff's alpha", computational example (3 observers, 15 units):
    nominal α = 0.691; its interval α is 0.811 (the krippendorff package's documented
    0.810845)."""
    stats = compute_agreement(table(*KRIPPENDORFF_3_OBSERVERS), level)
    assert stats.values["krippendorff_alpha"] == pytest.approx(expected, abs=5e-4)


def test_text_categories_give_the_same_alpha_as_their_codes():
    """Krippendorff (2011) again with the values as words (the krippendorff package's
    documented example): nominal alpha does not care what the categories are called."""
    words = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high", None: None}
    stats = compute_agreement(table(*[[words[v] for v in row] for row in KRIPPENDORFF_2011]))
    assert stats.values["krippendorff_alpha"] == pytest.approx(0.743, abs=5e-4)


def test_alpha_ignores_items_nobody_else_rated():
    base = compute_agreement(table(*KRIPPENDORFF_2011), "interval").values
    extra = [[*row, v] for row, v in zip(KRIPPENDORFF_2011, [None, 40, None, None], strict=True)]
    assert compute_agreement(table(*extra), "interval").values[
        "krippendorff_alpha"
    ] == pytest.approx(base["krippendorff_alpha"])


# --- percent agreement ---------------------------------------------------------------------


def test_percent_agreement_is_the_mean_share_of_agreeing_pairs():
    """(a, a, b): 1 of 3 pairs agree; (a, a, a): 3 of 3; (c, -, -) has no pair and is left
    out; (b, -, b): 1 of 1. Mean over the three pairable items: (1/3 + 1 + 1) / 3."""
    stats = compute_agreement(
        table(["a", "a", "c", "b"], ["a", "a", None, None], ["b", "a", None, "b"])
    )
    assert stats.values["percent_agreement"] == pytest.approx((1 / 3 + 1 + 1) / 3)


# --- categories and levels ------------------------------------------------------------------


def test_numbers_are_one_category_however_written():
    coded = code_ratings(table(["1", "1.0", "+1", "2"], ["1e0", "2.00", "1", "2"]))
    assert coded.labels == ("1", "2")
    assert coded.codes.tolist() == [[0, 0], [0, 1], [0, 0], [1, 1]]


def test_mixed_numbers_and_text_are_text_at_the_nominal_level():
    coded = code_ratings(table(["1", "yes"], ["1.0", "no"]))
    assert coded.labels == ("1", "1.0", "no", "yes")
    assert not coded.numeric


def test_text_at_interval_level_names_the_cell():
    t = RatingsTable(
        raters=("a", "b"),
        items=("x", "y"),
        rows=(("1", "2"), ("3", "high")),
        source="ratings.csv",
        row_lines=(2, 3),
    )
    with pytest.raises(RatingsError) as info:
        compute_agreement(t, "interval")
    assert str(info.value).startswith("ratings.csv:3:3: 'high' is not a number")
    assert "--level interval" in str(info.value)


def test_numbers_mixed_with_text_at_ordinal_level_is_an_error():
    with pytest.raises(RatingsError, match="cannot order numbers and text"):
        compute_agreement(table(["1", "2"], ["low", "3"]), "ordinal")


def test_negative_numbers_at_ratio_level_are_an_error():
    with pytest.raises(RatingsError, match="absolute zero"):
        compute_agreement(table(["1", "-2"], ["1", "3"]), "ratio")


def test_parse_number_refuses_nan_inf_and_words():
    assert parse_number(" 3 ") == 3.0
    assert parse_number("-.5e1") == -5.0
    for text in ("nan", "inf", "1e999", "NA", "1_000", "0x10", ""):
        assert parse_number(text) is None


# --- undefined statistics are null with a reason -------------------------------------------


def test_one_category_only_is_null_with_notes():
    stats = compute_agreement(table(["a", "a", "a"], ["a", "a", None]))
    data = stats.to_json()
    assert data["percent_agreement"] == 1.0
    for name in ("cohen_kappa", "scott_pi", "fleiss_kappa", "krippendorff_alpha"):
        assert data[name] is None
        assert name in data["notes"]
    assert "chance agreement is 1" in data["notes"]["cohen_kappa"]


def test_no_pairable_item_is_null_with_notes():
    stats = compute_agreement(table(["a", None], [None, "b"]))
    data = stats.to_json()
    assert all(data[name] is None for name in STATISTICS)
    assert data["notes"]["cohen_kappa"] == "no item was rated by both raters"
    assert data["notes"]["krippendorff_alpha"] == "no item has two or more ratings"


def test_three_raters_have_no_two_rater_statistics():
    stats = compute_agreement(table(["a", "b"], ["a", "b"], ["a", "a"]))
    assert stats.values["cohen_kappa"] is None
    assert stats.notes["scott_pi"] == "needs exactly two raters; the table has 3"
    assert stats.values["fleiss_kappa"] is not None


def test_an_empty_table_gives_nulls():
    stats = compute_agreement(RatingsTable(raters=("a", "b"), items=(), rows=()))
    data = stats.to_json()
    assert data["items"] == 0
    assert all(data[name] is None for name in STATISTICS)
    assert data["notes"]["fleiss_kappa"] == "the table has no items"


# --- properties ----------------------------------------------------------------------------

CATEGORY_SETS = {
    "words": ["pos", "neg", "neu", "n/a"],
    "small ints": ["1", "2", "3", "4", "5"],
    "floats": ["0", "0.5", "2.25", "10", "100"],
    "mixed": ["1", "yes", "2.0", "no"],
}


@st.composite
def rating_tables(draw, categories=None):
    kind = categories or draw(st.sampled_from(sorted(CATEGORY_SETS)))
    pool = CATEGORY_SETS[kind]
    n_raters = draw(st.integers(1, 5))
    n_items = draw(st.integers(0, 25))
    cell = st.one_of(st.none(), st.sampled_from(pool))
    rows = draw(
        st.lists(
            st.lists(cell, min_size=n_raters, max_size=n_raters),
            min_size=n_items,
            max_size=n_items,
        )
    )
    return RatingsTable.from_rows([f"r{j}" for j in range(n_raters)], rows), kind


@settings(max_examples=300, deadline=None)
@given(rating_tables(), st.sampled_from(list(Level)))
def test_random_tables_never_give_nan_or_crash(drawn, level):
    t, kind = drawn
    cells = [c for row in t.rows for c in row if c is not None]
    # A "mixed" table can still hold only numbers (e.g. a single "1").
    numeric = all(parse_number(c) is not None for c in cells)
    if level in (Level.INTERVAL, Level.RATIO) and not numeric and cells:
        with pytest.raises(RatingsError):
            compute_agreement(t, level)
        return
    if level is Level.ORDINAL and kind == "mixed":
        kinds = {c.isalpha() for row in t.rows for c in row if c is not None}
        if len(kinds) == 2:
            with pytest.raises(RatingsError):
                compute_agreement(t, level)
            return
    data = compute_agreement(t, level).to_json()
    json.dumps(data, allow_nan=False)  # no NaN or infinity anywhere
    for name in STATISTICS:
        value = data[name]
        assert value is None or math.isfinite(value)
        assert (value is None) == (name in data["notes"]), name
    if data["percent_agreement"] is not None:
        assert 0 <= data["percent_agreement"] <= 1


def _alpha_by_package(coded, level):
    """The same statistic from the krippendorff package (GPL, so test-only)."""
    krippendorff = pytest.importorskip("krippendorff")
    codes = coded.codes
    pairable = (codes >= 0).sum(axis=1) >= 2
    codes = codes[pairable]
    present = np.unique(codes[codes >= 0])
    k = len(present)
    local = np.where(codes >= 0, np.searchsorted(present, codes), -1)
    valid = local >= 0
    unit_of, _ = np.nonzero(valid)
    counts = np.bincount(unit_of * k + local[valid], minlength=len(local) * k)
    domain = coded.values[present] if level in ("interval", "ratio") else np.arange(k)
    try:
        return float(
            krippendorff.alpha(
                value_counts=counts.reshape(len(local), k),
                value_domain=domain,
                level_of_measurement=level,
            )
        )
    except ValueError:
        return None


@settings(max_examples=200, deadline=None)
@given(
    rating_tables(categories="floats") | rating_tables(categories="small ints"),
    st.sampled_from(list(Level)),
)
def test_alpha_equals_the_krippendorff_package(drawn, level):
    """Our alpha (shipped) computes exactly what the krippendorff package does."""
    t, _ = drawn
    coded = code_ratings(t, level)
    ours, _ = krippendorff_alpha(coded, level)
    if ours is None:
        return  # undefined: the package raises or returns NaN for the same tables
    with np.errstate(all="ignore"):
        package = _alpha_by_package(coded, Level(level).value)
    assert package is not None
    assert ours == pytest.approx(package, rel=1e-9, abs=1e-12)


def test_many_categories_stay_cheap_and_agree_with_the_package():
    """A 0–100 scale on 2,000 items, where the package holds an items × k² array."""
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 101, 2000)
    ratings = np.clip(truth[:, None] + rng.integers(-8, 9, (2000, 4)), 0, 100).astype(object)
    ratings[rng.random((2000, 4)) < 0.1] = None
    t = RatingsTable.from_rows(["a", "b", "c", "d"], ratings.tolist())
    coded = code_ratings(t, "interval")
    ours, _ = krippendorff_alpha(coded, "interval")
    assert ours == pytest.approx(_alpha_by_package(coded, "interval"), rel=1e-9)
