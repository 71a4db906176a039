"""Inter-annotator agreement from a ratings table: one row per item, one column per rater.

Pure computation: no Qt, no files. ``labelmate.io.ratings_csv`` reads the table,
``labelmate.usecases.agreement`` prints the result.

Categories are compared according to the level of measurement (:class:`Level`):

- every rating a number (``3``, ``3.0``, ``-1.5e2``): categories are the numeric values,
  so ``3`` and ``3.0`` are the same category, ordered numerically;
- otherwise, at the nominal level, every rating is a text label (``"3"`` and ``"3.0"``
  then differ) ordered by code point; at the ordinal level an all-text table is
  ordered the same way, and a mix of numbers and text is an error; the interval and
  ratio levels need numbers (the ratio level numbers ≥ 0).

The statistics (:data:`STATISTICS`), each ``None`` with a reason in ``notes`` when it
does not apply or is undefined — never NaN:

``percent_agreement``
    Pairwise percent agreement: for every item with at least two ratings, the share of
    its rater pairs that gave the same category, averaged over those items (each such
    item weighs the same). With two raters it is the share of items both rated on which
    they agree.
``cohen_kappa``, ``cohen_kappa_linear``, ``cohen_kappa_quadratic``
    Cohen's kappa (1960) and weighted kappa (Cohen 1968), exactly two raters, on the
    items both rated. Weights follow scikit-learn's ``cohen_kappa_score``: disagreement
    weights ``|i - j|`` or ``(i - j)²`` where ``i`` and ``j`` are the positions of the two
    categories in the sorted list of categories observed on those items.
``scott_pi``
    Scott's pi (1955), exactly two raters, on the items both rated: chance agreement
    from the two raters' pooled category shares.
``fleiss_kappa``
    Fleiss' kappa (1971), when every item has the same number m ≥ 2 of ratings (raters
    need not be the same people from item to item).
``krippendorff_alpha``
    Krippendorff's alpha at the requested level, any number of raters, missing ratings
    allowed; computed from the coincidence matrix as Krippendorff (2011) defines it (see
    :func:`krippendorff_alpha`). The ``krippendorff`` package is GPL-3.0, which an
    MIT-licensed app cannot ship, so it is only a test-time cross-check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from labelmate.core.errors import InputError, Location


class Level(StrEnum):
    """Stevens' level of measurement: how two categories are compared."""

    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    INTERVAL = "interval"
    RATIO = "ratio"


STATISTICS = (
    "percent_agreement",
    "cohen_kappa",
    "cohen_kappa_linear",
    "cohen_kappa_quadratic",
    "scott_pi",
    "fleiss_kappa",
    "krippendorff_alpha",
)

TWO_RATER_STATISTICS = ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic", "scott_pi")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class RatingsError(InputError):
    """A ratings table cannot be used at the requested level (text at --level interval, …)."""


# --- the table ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatingsTable:
    """Ratings as read: ``rows[i][j]`` is rater ``j``'s category for item ``i`` (None: missing).

    ``source``, ``row_lines`` (the source line of each row) and ``first_column`` (the
    1-based column of the first rater) only serve messages that point at a cell.
    """

    raters: tuple[str, ...]
    items: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]
    source: str | None = None
    row_lines: tuple[int, ...] = ()
    first_column: int = 2

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.items):
            raise ValueError(f"{len(self.items)} items but {len(self.rows)} rows")
        width = len(self.raters)
        for index, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"row {index} has {len(row)} cells for {width} raters")
        if self.row_lines and len(self.row_lines) != len(self.rows):
            raise ValueError("row_lines must give one line per row")

    @classmethod
    def from_rows(
        cls,
        raters: Sequence[str],
        rows: Sequence[Sequence[object]],
        items: Sequence[str] | None = None,
    ) -> RatingsTable:
        """A table from Python values (tests, other faces): None or "" is missing."""

        def cell(value: object) -> str | None:
            if value is None:
                return None
            if isinstance(value, float) and math.isnan(value):
                return None
            text = str(value).strip()
            return text or None

        names = tuple(items) if items is not None else tuple(str(i + 1) for i in range(len(rows)))
        return cls(
            raters=tuple(raters),
            items=names,
            rows=tuple(tuple(cell(v) for v in row) for row in rows),
        )

    def location(self, row: int, rater: int) -> Location:
        line = self.row_lines[row] if self.row_lines else None
        if line is None:
            cell = f"item {self.items[row]}, rater {self.raters[rater]}"
            return Location(file=self.source, field=cell)
        return Location(file=self.source, line=line, column=self.first_column + rater)


@dataclass(frozen=True, slots=True)
class CodedRatings:
    """A table's ratings as category codes, categories in sorted order.

    ``codes[i, j]`` indexes ``labels`` (-1: missing). ``values`` holds each category's
    number when every rating is a number, else None.
    """

    codes: np.ndarray
    labels: tuple[str, ...]
    values: np.ndarray | None

    @property
    def numeric(self) -> bool:
        return self.values is not None


def parse_number(text: str) -> float | None:
    """The finite number ``text`` spells (``3``, ``-0.5``, ``1e3``), else None."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _number_label(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def code_ratings(table: RatingsTable, level: Level | str = Level.NOMINAL) -> CodedRatings:
    """Turn the table's text into category codes for ``level``. Raises RatingsError."""
    level = Level(level)
    n_items, n_raters = len(table.rows), len(table.raters)
    flat = [cell for row in table.rows for cell in row]
    distinct = {cell for cell in flat if cell is not None}
    numbers = {text: parse_number(text) for text in distinct}
    texts = sorted(text for text, number in numbers.items() if number is None)

    if not texts:
        unique_values = sorted({v for v in numbers.values() if v is not None})
        index = {value: code for code, value in enumerate(unique_values)}
        lookup = {text: index[number] for text, number in numbers.items() if number is not None}
        labels = tuple(_number_label(v) for v in unique_values)
        values: np.ndarray | None = np.asarray(unique_values, dtype=np.float64)
        if level is Level.RATIO and unique_values and unique_values[0] < 0:
            bad = _first_cell(table, lambda t: (parse_number(t) or 0.0) < 0)
            raise RatingsError(
                f"{bad[2]!r} is negative; --level ratio needs values of 0 or more "
                "(a ratio scale has an absolute zero); use --level interval",
                table.location(bad[0], bad[1]),
            )
    else:
        if level in (Level.INTERVAL, Level.RATIO):
            bad = _first_cell(table, lambda t: numbers[t] is None)
            raise RatingsError(
                f"{bad[2]!r} is not a number; --level {level.value} needs numeric ratings "
                "(leave a cell empty for a missing rating, or use --level nominal)",
                table.location(bad[0], bad[1]),
            )
        if level is Level.ORDINAL and len(texts) != len(distinct):
            first = _first_cell(table, lambda t: True)
            first_is_number = numbers[first[2]] is not None
            bad = _first_cell(table, lambda t: (numbers[t] is not None) != first_is_number)
            kinds = ("a number", "text") if first_is_number else ("text", "a number")
            raise RatingsError(
                f"{bad[2]!r} is {kinds[1]} but the first rating, {first[2]!r}, is {kinds[0]}; "
                "--level ordinal cannot order numbers and text together "
                "(use --level nominal, or write every category the same way)",
                table.location(bad[0], bad[1]),
            )
        order = sorted(distinct)
        lookup = {text: code for code, text in enumerate(order)}
        labels = tuple(order)
        values = None

    codes = np.fromiter(
        (lookup[cell] if cell is not None else -1 for cell in flat),
        dtype=np.int64,
        count=len(flat),
    ).reshape(n_items, n_raters)
    return CodedRatings(codes=codes, labels=labels, values=values)


def _first_cell(table: RatingsTable, predicate: Callable[[str], bool]) -> tuple[int, int, str]:
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row):
            if cell is not None and predicate(cell):
                return i, j, cell
    raise AssertionError("no cell matches")  # callers only ask when one does


# --- the statistics ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgreementStats:
    """Every statistic for one table at one level; ``values[name]`` is None when undefined."""

    items: int
    raters: int
    level: Level
    categories: tuple[str, ...]
    values: dict[str, float | None]
    notes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """Plain JSON-ready data: ``items``, ``raters``, every statistic, ``notes``."""
        data: dict[str, object] = {
            "items": self.items,
            "raters": self.raters,
            "level": self.level.value,
            "categories": len(self.categories),
        }
        for name in STATISTICS:
            data[name] = _finite(self.values.get(name))
        data["notes"] = dict(self.notes)
        return data


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def compute_agreement(
    table: RatingsTable | CodedRatings,
    level: Level | str = Level.NOMINAL,
) -> AgreementStats:
    """Every statistic in :data:`STATISTICS` for ``table`` at ``level``.

    Raises RatingsError only when the table's categories do not suit ``level`` (text at
    the interval level, numbers mixed with text at the ordinal level); everything else
    gives a result, with None and a note for statistics that are undefined.
    """
    level = Level(level)
    coded = table if isinstance(table, CodedRatings) else code_ratings(table, level)
    codes = coded.codes
    n_items, n_raters = codes.shape
    k = len(coded.labels)
    values: dict[str, float | None] = dict.fromkeys(STATISTICS)
    notes: dict[str, str] = {}

    valid = codes >= 0
    per_item = valid.sum(axis=1)
    item_of, _ = np.nonzero(valid)
    code_of = codes[valid]
    # Per (item, category) counts, kept sparse: memory follows the ratings, not items × k.
    keys, counts = np.unique(item_of * max(k, 1) + code_of, return_counts=True)
    key_item = keys // max(k, 1)
    same_pairs = np.bincount(key_item, weights=counts * (counts - 1) / 2, minlength=n_items)
    squares = np.bincount(key_item, weights=counts.astype(np.float64) ** 2, minlength=n_items)

    _percent_agreement(per_item, same_pairs, values, notes)
    _two_raters(coded, values, notes)
    _fleiss(per_item, squares, code_of, k, values, notes)
    alpha, note = krippendorff_alpha(coded, level)
    values["krippendorff_alpha"] = alpha
    if note:
        notes["krippendorff_alpha"] = note

    for name in STATISTICS:
        values[name] = _finite(values[name])
        if values[name] is None and name not in notes:
            notes[name] = "undefined for this table"
    return AgreementStats(
        items=n_items,
        raters=n_raters,
        level=level,
        categories=coded.labels,
        values=values,
        notes={name: notes[name] for name in STATISTICS if name in notes},
    )


def _percent_agreement(
    per_item: np.ndarray, same_pairs: np.ndarray, values: dict, notes: dict
) -> None:
    pairable = per_item >= 2
    if not pairable.any():
        notes["percent_agreement"] = "no item has two or more ratings"
        return
    m = per_item[pairable].astype(np.float64)
    values["percent_agreement"] = float(np.mean(same_pairs[pairable] / (m * (m - 1) / 2)))


def _two_raters(coded: CodedRatings, values: dict, notes: dict) -> None:
    codes = coded.codes
    n_raters = codes.shape[1]
    if n_raters != 2:
        why = f"needs exactly two raters; the table has {n_raters}"
        notes.update(dict.fromkeys(TWO_RATER_STATISTICS, why))
        return
    first, second = codes[:, 0], codes[:, 1]
    both = (first >= 0) & (second >= 0)
    if not both.any():
        notes.update(dict.fromkeys(TWO_RATER_STATISTICS, "no item was rated by both raters"))
        return
    first, second = first[both], second[both]
    used = np.unique(np.concatenate([first, second]))
    if len(used) < 2:
        why = (
            f"both raters gave every item they both rated the same category "
            f"({coded.labels[used[0]]!r}): chance agreement is 1, so this is undefined"
        )
        notes.update(dict.fromkeys(TWO_RATER_STATISTICS, why))
        return
    kappas = cohen_kappas(np.searchsorted(used, first), np.searchsorted(used, second), len(used))
    values.update(kappas)


def cohen_kappas(first: np.ndarray, second: np.ndarray, k: int) -> dict[str, float]:
    """Cohen's kappa (unweighted, linear, quadratic) and Scott's pi for two raters.

    ``first`` and ``second`` are category positions 0..k-1 in sorted order, one pair
    per item both rated; at least two categories must occur. No k × k matrix is built:
    the weighted sums use the marginals' moments, so thousands of categories are fine.
    """
    n = float(len(first))
    rows = np.bincount(first, minlength=k).astype(np.float64)
    cols = np.bincount(second, minlength=k).astype(np.float64)
    positions = np.arange(k, dtype=np.float64)

    observed = float(np.mean(first == second))
    chance = float(rows @ cols) / (n * n)
    pooled = (rows + cols) / (2 * n)

    diff = (first - second).astype(np.float64)
    # Expected linear disagreement Σ_ij |i-j| r_i c_j, with prefix sums over j < i and j > i.
    cum_c = np.cumsum(cols)
    cum_jc = np.cumsum(positions * cols)
    below = positions * (cum_c - cols) - (cum_jc - positions * cols)  # Σ_{j<i} (i-j) c_j
    above = (cum_jc[-1] - cum_jc) - positions * (cum_c[-1] - cum_c)  # Σ_{j>i} (j-i) c_j
    expected_linear = float(rows @ (below + above)) / n
    # Σ_ij (i-j)² r_i c_j = Σr·Σj²c + Σc·Σi²r - 2·Σir·Σjc
    expected_quadratic = (
        n * float(positions**2 @ cols)
        + n * float(positions**2 @ rows)
        - 2 * float(positions @ rows) * float(positions @ cols)
    ) / n
    return {
        "cohen_kappa": (observed - chance) / (1 - chance),
        "cohen_kappa_linear": 1 - float(np.abs(diff).sum()) / expected_linear,
        "cohen_kappa_quadratic": 1 - float((diff**2).sum()) / expected_quadratic,
        "scott_pi": (observed - float(pooled @ pooled)) / (1 - float(pooled @ pooled)),
    }


def _fleiss(
    per_item: np.ndarray,
    squares: np.ndarray,
    code_of: np.ndarray,
    k: int,
    values: dict,
    notes: dict,
) -> None:
    n_items = len(per_item)
    if n_items == 0:
        notes["fleiss_kappa"] = "the table has no items"
        return
    low, high = int(per_item.min()), int(per_item.max())
    if low != high:
        notes["fleiss_kappa"] = (
            f"items have between {low} and {high} ratings; Fleiss' kappa needs the same "
            "number for every item"
        )
        return
    m = low
    if m < 2:
        notes["fleiss_kappa"] = f"every item has {m} rating{'s' if m != 1 else ''}; needs 2 or more"
        return
    totals = np.bincount(code_of, minlength=k).astype(np.float64)
    if np.count_nonzero(totals) < 2:
        notes["fleiss_kappa"] = (
            "every rating is the same category: chance agreement is 1, so this is undefined"
        )
        return
    agreement = float(np.mean((squares - m) / (m * (m - 1))))
    shares = totals / (n_items * m)
    chance = float(shares @ shares)
    values["fleiss_kappa"] = (agreement - chance) / (1 - chance)


# --- Krippendorff's alpha ---------------------------------------------------------------


def krippendorff_alpha(coded: CodedRatings, level: Level | str) -> tuple[float | None, str | None]:
    """Krippendorff's alpha and, when it is None, why.

    The coincidence-matrix formula of Krippendorff (2011), summed rater pair by rater
    pair in :func:`_alpha_by_pairs` (no items × categories² array, so a 0–100 scale
    over 10,000 items is cheap). Items with fewer than two ratings are left out: they
    cannot be paired and add nothing to the coincidence matrix. Tests reproduce the
    paper's worked example at all four levels and compare random tables with the
    ``krippendorff`` package.
    """
    level = Level(level)
    codes = coded.codes
    if level in (Level.INTERVAL, Level.RATIO) and not coded.numeric and len(coded.labels):
        raise RatingsError(f"--level {level.value} needs numeric ratings")
    pairable = (codes >= 0).sum(axis=1) >= 2
    if not pairable.any():
        return None, "no item has two or more ratings"
    codes = codes[pairable]
    present = np.unique(codes[codes >= 0])
    if len(present) < 2:
        return None, (
            f"every rating on items with two or more ratings is {coded.labels[present[0]]!r}: "
            "no variation to measure, so alpha is undefined"
        )
    # Renumber to the categories that occur on pairable items, keeping their order.
    local = np.where(codes >= 0, np.searchsorted(present, codes), -1)
    k = len(present)
    if level in (Level.INTERVAL, Level.RATIO):
        assert coded.values is not None
        domain = coded.values[present]
    else:
        domain = np.arange(k, dtype=np.float64)  # nominal: identity; ordinal: rank only

    with np.errstate(all="ignore"):
        alpha = _alpha_by_pairs(local, k, domain, level)
    if alpha is None or not math.isfinite(alpha):
        return (
            None,
            "the expected disagreement is zero (or too large to compute), so alpha is undefined",
        )
    return alpha, None


def _alpha_by_pairs(local: np.ndarray, k: int, domain: np.ndarray, level: Level) -> float | None:
    """alpha = 1 - (n - 1) · Σ_u Σ_{i≠j∈u} δ(v_i, v_j)/(m_u - 1) / Σ_c Σ_k n_c n_k δ_ck.

    The observed term is summed over rater column pairs (no items × k² array); the
    expected term over the k × k category grid in row blocks.
    """
    valid = local >= 0
    m_u = valid.sum(axis=1).astype(np.float64)
    n_v = np.bincount(local[valid], minlength=k).astype(np.float64)
    n = float(n_v.sum())
    delta = _distance(level, domain, n_v)

    observed = 0.0
    n_raters = local.shape[1]
    for a in range(n_raters):
        for b in range(a + 1, n_raters):
            both = valid[:, a] & valid[:, b]
            if both.any():
                d = delta(local[both, a], local[both, b])
                observed += float(np.sum(2.0 * d / (m_u[both] - 1)))

    expected = 0.0
    block = max(1, 4_000_000 // k)
    columns = np.arange(k)
    for start in range(0, k, block):
        rows = np.arange(start, min(k, start + block))
        d = delta(rows[:, None], columns[None, :])
        expected += float(n_v[rows] @ d @ n_v)
    if expected == 0:
        return None
    return 1.0 - (n - 1) * observed / expected


Distance = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _distance(level: Level, domain: np.ndarray, n_v: np.ndarray) -> Distance:
    """δ² between category positions, as Krippendorff (2011) defines it per level."""
    if level is Level.NOMINAL:
        return lambda i, j: (i != j).astype(np.float64)
    if level is Level.ORDINAL:
        cum = np.concatenate([[0.0], np.cumsum(n_v)])

        def ordinal(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            lo, hi = np.minimum(i, j), np.maximum(i, j)
            return (cum[hi + 1] - cum[lo] - (n_v[lo] + n_v[hi]) / 2) ** 2

        return ordinal
    if level is Level.INTERVAL:
        return lambda i, j: (domain[i] - domain[j]) ** 2

    def ratio(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        total = domain[i] + domain[j]
        diff = domain[i] - domain[j]
        safe = np.where(total == 0, 1.0, total)
        return np.where(total == 0, 0.0, (diff / safe) ** 2)

    return ratio
