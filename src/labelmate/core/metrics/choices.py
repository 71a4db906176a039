"""Classification and rating metrics, compared per control.

"Unsure" options are recognised by wording, after case folding and dropping
punctuation: unsure, unclear, not sure, can't tell, cannot tell, don't know,
unknown, ambiguous, skip. A rubric's clarity criterion uses this to check the
flag is kept for genuinely unclear items.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from labelmate.core.metrics.base import Measurement, describe_region
from labelmate.core.regions import Choices, Rating

UNSURE_WORDS = frozenset(
    {
        "unsure",
        "unclear",
        "not sure",
        "cant tell",
        "cannot tell",
        "can not tell",
        "dont know",
        "do not know",
        "unknown",
        "ambiguous",
        "skip",
        "?",
    }
)


def is_unsure(option: str) -> bool:
    """Whether an option's wording means "I can't decide"."""
    norm = option.casefold().replace("’", "'").replace("'", "").strip()
    if norm == "?":
        return True
    norm = re.sub(r"[^\w\s]", " ", norm)
    norm = " ".join(norm.split())
    return norm in UNSURE_WORDS


def choices_data_metrics(choices: Sequence[Choices]) -> dict[str, Measurement]:
    """choices.unsure_used — no gold needed."""
    if not choices:
        return {}
    for c in choices:
        hits = [label for label in c.labels if is_unsure(label)]
        if hits:
            return {
                "choices.unsure_used": Measurement(
                    "choices.unsure_used",
                    True,
                    "data",
                    f"'{hits[0]}' chosen in control {c.control}",
                    (c.id,),
                )
            }
    return {
        "choices.unsure_used": Measurement(
            "choices.unsure_used", False, "data", "no 'Unsure'-style option chosen", ()
        )
    }


def _by_control(regions: Sequence[Choices]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in regions:
        out.setdefault(r.control, set()).update(r.labels)
    return out


def choices_gold_metrics(
    mine: Sequence[Choices], gold: Sequence[Choices]
) -> dict[str, Measurement]:
    """choices.matches_gold: for every control either side answered, the same option set."""
    if not mine and not gold:
        return {}
    m, g = _by_control(mine), _by_control(gold)
    wrong = []
    for control in sorted(set(m) | set(g)):
        if m.get(control, set()) != g.get(control, set()):
            mine_s = ", ".join(sorted(m.get(control, set()))) or "nothing"
            gold_s = ", ".join(sorted(g.get(control, set()))) or "nothing"
            wrong.append(f"{control}: chose {mine_s}, gold is {gold_s}")
    ids = tuple(r.id for r in (*mine, *gold) if r.control in {w.split(":")[0] for w in wrong})
    detail = "; ".join(wrong) if wrong else "every choice equals gold"
    return {
        "choices.matches_gold": Measurement("choices.matches_gold", not wrong, "gold", detail, ids)
    }


def rating_gold_metrics(mine: Sequence[Rating], gold: Sequence[Rating]) -> dict[str, Measurement]:
    """rating.distance: |mine − gold| for each control rated on both sides; the largest."""
    gold_by = {r.control: r for r in gold}
    best: tuple[int, str, tuple[str, ...]] | None = None
    for r in mine:
        g = gold_by.get(r.control)
        if g is None:
            continue
        d = abs(r.rating - g.rating)
        if best is None or d > best[0]:
            text = f"{describe_region(r, 'rating')}: {r.rating} vs gold {g.rating}"
            best = (d, text, (r.id, g.id))
    if best is None:
        return {}
    return {"rating.distance": Measurement("rating.distance", best[0], "gold", best[1], best[2])}
