"""`labelmate agreement RATINGS.csv`: agreement statistics for a ratings table.

``agreement_from_csv`` reads the table (``labelmate.io.ratings_csv``) and computes every
statistic (``labelmate.core.agreement``); the :class:`AgreementReport` it returns
prints as an aligned table (``lines``) or as JSON (``to_json``).

Exit codes: 0 the statistics were computed (some may be undefined — null with a note);
2 the file could not be read, is not a ratings table, or its categories do not suit the
level (text at ``--level interval``). The error names file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labelmate.core.agreement import STATISTICS, AgreementStats, Level, compute_agreement
from labelmate.io.ratings_csv import read_ratings_csv

EXIT_OK = 0
EXIT_UNREADABLE = 2

STATISTIC_NAMES = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "cohen_kappa_linear": "Cohen's kappa, linear weights",
    "cohen_kappa_quadratic": "Cohen's kappa, quadratic weights",
    "scott_pi": "Scott's pi",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
}
# Category order is worth showing (it drives weighted kappa and ordinal alpha) while short.
MAX_CATEGORIES_SHOWN = 12


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """The statistics for one ratings file, ready to print."""

    source: str
    stats: AgreementStats

    def to_json(self) -> dict[str, object]:
        """``items``, ``raters``, ``level``, ``categories``, every statistic (null when
        undefined) and ``notes`` (statistic → why it is null)."""
        return {"source": self.source, **self.stats.to_json()}

    def lines(self) -> list[str]:
        stats = self.stats
        labels = stats.categories
        categories = f"{len(labels)}"
        if 1 < len(labels) <= MAX_CATEGORIES_SHOWN:
            categories += f" ({' < '.join(labels)})"
        out = [
            f"Agreement in {self.source}",
            f"  items       {stats.items}",
            f"  raters      {stats.raters}",
            f"  categories  {categories}",
            f"  level       {stats.level.value}",
            "",
        ]
        width = max(len(name) for name in STATISTIC_NAMES.values())
        for key in STATISTICS:
            value = stats.values.get(key)
            shown = f"{value:7.4f}" if value is not None else "    n/a"
            note = stats.notes.get(key)
            line = f"  {STATISTIC_NAMES[key]:<{width}}  {shown}"
            out.append(f"{line}  ({note})" if note else line)
        return out


def agreement_from_csv(path: Path | str, level: Level | str = Level.NOMINAL) -> AgreementReport:
    """Read a ratings CSV and compute every statistic at ``level``.

    Raises RatingsCsvError (unreadable or malformed file) or RatingsError (categories
    that do not suit the level); both are InputErrors naming file, line and column.
    """
    table = read_ratings_csv(path)
    return AgreementReport(source=str(path), stats=compute_agreement(table, Level(level)))
