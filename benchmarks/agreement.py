"""Agreement statistics on a large ratings table.

Target: every statistic for 10,000 items × 5 raters with 10% of ratings missing in
under 1 s (`ratings_10k_x5_s`: the slower of --level nominal and --level interval,
from the parsed table — turning text into categories included). Also timed: reading
the same table from CSV, a two-rater table (every kappa defined), and a 0–100 scale
(101 categories, where Krippendorff's alpha is summed rater pair by rater pair).

Run: .venv/bin/python benchmarks/agreement.py [--items 10000] [--raters 5] [--repeat 3]
The last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from labelmate.core.agreement import AgreementStats, RatingsTable, compute_agreement
from labelmate.io.ratings_csv import read_ratings_csv

SENTIMENTS = np.array(["Negative", "Neutral", "Positive", "Mixed"])


def make_table(items: int, raters: int, missing: float, scale: str, seed: int = 11) -> RatingsTable:
    """Raters who mostly agree with a hidden true category; `missing` of cells empty."""
    rng = np.random.default_rng(seed)
    if scale == "nominal":
        truth = rng.integers(0, len(SENTIMENTS), items)
        noise = rng.integers(0, len(SENTIMENTS), (items, raters))
        codes = np.where(rng.random((items, raters)) < 0.75, truth[:, None], noise)
        cells = SENTIMENTS[codes].astype(object)
    elif scale == "likert":
        truth = rng.integers(1, 6, items)
        cells = np.clip(truth[:, None] + rng.integers(-1, 2, (items, raters)), 1, 5)
        cells = cells.astype(str).astype(object)
    else:  # "0-100"
        truth = rng.integers(0, 101, items)
        cells = np.clip(truth[:, None] + rng.integers(-10, 11, (items, raters)), 0, 100)
        cells = cells.astype(str).astype(object)
    cells[rng.random((items, raters)) < missing] = None
    return RatingsTable(
        raters=tuple(f"rater{j + 1}" for j in range(raters)),
        items=tuple(f"item-{i:06d}" for i in range(items)),
        rows=tuple(tuple(row) for row in cells.tolist()),
    )


def write_csv(t: RatingsTable, path: Path) -> None:
    lines = ["item," + ",".join(t.raters)]
    lines += [
        item + "," + ",".join(c or "" for c in row)
        for item, row in zip(t.items, t.rows, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return min(times), result


def show(label: str, seconds: float, stats: AgreementStats) -> None:
    shown = ", ".join(
        f"{name}={value:.3f}" for name, value in stats.values.items() if value is not None
    )
    print(f"{label}: {seconds:.3f} s  ({shown})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--raters", type=int, default=5)
    ap.add_argument("--missing", type=float, default=0.10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    size = f"{args.items:,} items × {args.raters} raters, {args.missing:.0%} missing"

    nominal = make_table(args.items, args.raters, args.missing, "nominal")
    likert = make_table(args.items, args.raters, args.missing, "likert")
    nominal_s, nominal_stats = best_of(args.repeat, lambda: compute_agreement(nominal, "nominal"))
    interval_s, interval_stats = best_of(args.repeat, lambda: compute_agreement(likert, "interval"))
    show(f"nominal, 4 categories, {size}", nominal_s, nominal_stats)
    show(f"interval, 1–5 scale, {size}", interval_s, interval_stats)
    slowest = max(nominal_s, interval_s)
    print(f"every statistic: {slowest:.3f} s at the slower level (target: < 1 s)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ratings.csv"
        write_csv(nominal, path)
        read_s, _ = best_of(args.repeat, lambda: read_ratings_csv(path))
        end_to_end_s, _ = best_of(
            args.repeat, lambda: compute_agreement(read_ratings_csv(path), "nominal")
        )
    print(f"read CSV: {read_s:.3f} s; read + every statistic: {end_to_end_s:.3f} s")

    pair = make_table(args.items, 2, args.missing, "likert")
    pair_s, pair_stats = best_of(args.repeat, lambda: compute_agreement(pair, "ordinal"))
    show(f"two raters, ordinal, {args.items:,} items", pair_s, pair_stats)

    wide = make_table(args.items, args.raters, args.missing, "0-100")
    wide_s, wide_stats = best_of(args.repeat, lambda: compute_agreement(wide, "interval"))
    show(f"interval, 0–100 scale, {size}", wide_s, wide_stats)

    summary = {
        "area": "agreement",
        "items": args.items,
        "raters": args.raters,
        "missing": args.missing,
        "ratings_10k_x5_s": round(slowest, 4),
        "nominal_s": round(nominal_s, 4),
        "interval_s": round(interval_s, 4),
        "read_csv_s": round(read_s, 4),
        "read_and_compute_s": round(end_to_end_s, 4),
        "two_raters_s": round(pair_s, 4),
        "scale_0_100_s": round(wide_s, 4),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
