"""The whole-task "Check" report for an image task, and the data-only polygon hints.

`check_hints` is the report behind "Check": missed, extra and wrongly labelled
objects, then the level each criterion gets for the whole annotation, then data-only
problems (invalid polygons, area or vertex count a rubric level rules out). The
polygon data hints are shared with the live hints in `labelmate.core.hints`.
All numbers come from `labelmate.core.metrics`, all levels from
`labelmate.core.rubric_engine.evaluate`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from labelmate.core.geometry import polygon_validity
from labelmate.core.hint_levels import (
    Hint,
    _hint,
    _implications,
    _labels,
    _severity,
    _show,
    criteria_using,
)
from labelmate.core.metrics import measure
from labelmate.core.metrics.base import Measurement, describe_region
from labelmate.core.metrics.image_edges import GrayImage
from labelmate.core.metrics.objects import match_all
from labelmate.core.metrics.polygons import polygon_data_metrics
from labelmate.core.regions import Polygon, RegionBase
from labelmate.core.rubric import Rubric
from labelmate.core.rubric import format_number as _num
from labelmate.core.rubric_engine import evaluate

__all__ = ["check_hints"]


_SELF_INTERSECTION = re.compile(r"Self-intersection\[([-\d.e+]+) ([-\d.e+]+)\]")


def _polygon_data_hints(polygon: Polygon, rubric: Rubric | None, *, live: bool) -> list[Hint]:
    """Validity always (an open outline only outside drawing), and the area and
    vertex-count figures the rubric has rules for — live: every level; in the Check
    report (`live=False`): only those below the best level."""
    ids = (polygon.id,)
    hints = []
    ok, reason = polygon_validity(polygon)
    if not ok and not (live and not polygon.closed):
        crossing = _SELF_INTERSECTION.search(reason)
        if crossing:
            x, y = (float(v) for v in crossing.groups())
            text, kind = f"outline crosses itself near ({x:g}, {y:g})", "self-intersection"
        else:
            text, kind = f"invalid outline: {reason}", "invalid"
        detail = f"{describe_region(polygon, 'polygon')}: {reason}"
        imps = _implications(rubric, Measurement("polygon.valid", False, "data", detail, ids))
        hint = _hint(
            text, imps, fallback="error", source="data", region_ids=ids, kind=kind, detail=detail
        )
        hints.append(replace(hint, severity="error"))  # invalid is an error, rubric or not
    sized = ("polygon.area_px", "polygon.vertex_count")
    if rubric is None or not criteria_using(rubric, sized):
        return hints
    found = polygon_data_metrics([polygon])
    for metric, kind in zip(sized, ("area", "vertex-count"), strict=True):
        m = found.get(metric)
        imps = _implications(rubric, m) if m is not None else []
        if m is None or not imps or (not live and all(i.severity == "good" for i in imps)):
            continue
        shown = _show(float(m.value), imps)
        text = f"area {shown} px²" if kind == "area" else f"{shown} vertices"
        hints.append(
            _hint(
                text,
                imps,
                fallback="info",
                source="data",
                region_ids=ids,
                kind=kind,
                value=float(m.value),
                detail=m.detail,
            )
        )
    return hints


# --- the Check report ---------------------------------------------------------------


def check_hints(
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase] | None,
    rubric: Rubric | None,
    *,
    image: GrayImage | None = None,
    iou_threshold: float = 0.5,
) -> list[Hint]:
    """The "Check" (Ctrl+Enter) report for the whole task: one hint per missed gold
    object (kind "missed", gold_region set), per extra drawn object (kind "extra"),
    per wrong label (kind "wrong-label", naming drawn and gold label), then the
    per-criterion levels the whole annotation implies (kind "level", one per scored
    criterion), and data-only problems (invalid polygons, area below a rubric minimum).

    A drawn object matched to gold under another label is reported once, as a wrong
    label (the rubric's counts also see it as one missed and one extra object).
    """
    hints: list[Hint] = []
    if gold is not None:
        hints += _object_hints(mine, gold, rubric, iou_threshold)
    if rubric is not None:
        measured = measure(mine, gold, image=image, iou_threshold=iou_threshold)
        hints += _level_hints(rubric, measured, {r.id for r in mine}, gold is not None)
    for polygon in mine:
        if isinstance(polygon, Polygon):
            hints += _polygon_data_hints(polygon, rubric, live=False)
    return hints


def _counted_by(rubric: Rubric | None, *metrics: str) -> dict:
    """Criterion fields for a hint counted by `metrics` (no level: one object alone
    does not decide it; the level hints do)."""
    found = criteria_using(rubric, metrics) if rubric is not None else []
    if not found:
        return {}
    return {"criterion_id": found[0].id, "criterion_name": found[0].name}


def _object_hints(
    mine: Sequence[RegionBase],
    gold: Sequence[RegionBase],
    rubric: Rubric | None,
    threshold: float,
) -> list[Hint]:
    missed: list[Hint] = []
    extra: list[Hint] = []
    wrong: list[Hint] = []
    for kind, match in match_all(mine, gold, threshold).items():
        paired_mine = {p.mine for p in match.pairs}
        paired_gold = {p.gold for p in match.pairs}
        for j, g in enumerate(match.gold):
            if j not in paired_gold:
                missed.append(
                    Hint(
                        f"missed {describe_region(g, f'gold {kind}')}",
                        "warning",
                        "gold",
                        kind="missed",
                        gold_region=g,
                        detail=f"no drawn {kind} matches gold {g.id}",
                        **_counted_by(rubric, "objects.missed"),
                    )
                )
        for i, r in enumerate(match.mine):
            if i not in paired_mine:
                extra.append(
                    Hint(
                        f"extra {describe_region(r, kind)}: no gold {kind} matches it",
                        "warning",
                        "gold",
                        (r.id,),
                        kind="extra",
                        **_counted_by(rubric, "objects.extra"),
                    )
                )
        for r, g, pair in match.pair_regions():
            if not pair.same_label:
                text = f"{kind} {r.id} is labelled {_labels(r)}, but gold {g.id} is {_labels(g)}"
                wrong.append(
                    Hint(
                        text,
                        "warning",
                        "gold",
                        (r.id,),
                        kind="wrong-label",
                        **_counted_by(rubric, "label.matches_gold", "label.mismatches"),
                    )
                )
    return missed + extra + wrong


def _level_hints(
    rubric: Rubric, measured: Mapping[str, Measurement], drawn_ids: set[str], has_gold: bool
) -> list[Hint]:
    """ "Precision (Geometry): Acceptable (3/5) — box r3 (…): top edge 5.0 px outside gold g1"."""
    result = evaluate(rubric, measured)
    hints = []
    for criterion in rubric.criteria:
        res = result.criterion(criterion.id)
        if res.score is None or res.level_name is None:
            continue
        # Why this level: the failed rules of the nearest better level, else the
        # rules the level met.
        failed = [e for e in res.evidence if e.passed is False and e.level_score > res.score]
        if failed:
            nearest = min(e.level_score for e in failed)
            why = [e for e in failed if e.level_score == nearest]
        else:
            why = [e for e in res.evidence if e.matched_level]
        detail = "; ".join(dict.fromkeys(e.detail for e in why if e.detail))
        text = f"{res.name}: {res.level_name} ({_num(res.score)}/{_num(res.max_score)})"
        ids = tuple(
            dict.fromkeys(
                i for e in why if e.metric in measured for i in measured[e.metric].region_ids
            )
        )
        source = next((e.source for e in why if e.source is not None), None)
        hints.append(
            Hint(
                text + (f" — {detail}" if detail else ""),
                _severity(criterion, res.score),
                source or ("gold" if has_gold else "data"),
                tuple(i for i in ids if i in drawn_ids),
                criterion_id=criterion.id,
                criterion_name=res.name,
                level_name=res.level_name,
                level_score=res.score,
                kind="level",
                detail="; ".join(e.message for e in why),
            )
        )
    return hints
