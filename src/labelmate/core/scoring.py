"""Self-scoring figures: weighted totals, calibration, time per criterion, bottlenecks
and progress. Pure functions over plain values; the use-cases feed them from the store.

**Criterion kinds.** Time attribution needs to know which of the four core criteria
(PRODUCT.md) a rubric criterion is. `criterion_kind` decides, first by words in the
criterion's id and name, then by the metrics its rules use:

========================  ===============================================================
kind                      id/name words; metrics
========================  ===============================================================
precision                 precision, geometr, tight, snug, boundar, outline;
                          ``box.*``, ``polygon.*``, ``keypoint.*``,
                          ``span.boundary*``, ``span.edge_whitespace``
completeness              complete, missing, missed, recall, coverage; ``objects.*``
correctness               correct, accura, label, class, sentiment; ``label.*``,
                          ``choices.matches_gold``, ``rating.*``
clarity                   clarity, clear, ambigu, unsure, flag; ``choices.unsure_used``
========================  ===============================================================

With no word and no metric (a manual criterion such as "tone"), the criterion has no
kind and no edit time is attributed to it.

**Edits → kinds.** The edit log's ``detail`` holds what an edit served (the labeling
session's reason): ``geometry`` → precision; ``add``, ``delete``, ``paste`` →
completeness; ``label`` → correctness; ``status``/``flag`` and every status change
(``status_set``) → clarity. ``time`` saves and unknown reasons (an import logs the
annotation kind) serve nothing in particular and stay *unattributed*.

**Time split.** The active time (the annotation's ``lead_time``, idle excluded) is
shared among the edits in proportion to the time since the previous edit, each gap
capped at ``idle_after`` seconds (as `labelmate.core.active_time` does); the first edit
weighs as much as the mean capped gap (1 when it is the only one). An edit's share goes
to its kind, and a kind's time is split equally among the criteria of that kind (to
"unattributed" when the rubric has none). Without a lead time the capped gaps
themselves are the seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Literal

from labelmate.core.rubric import Criterion, Level, Rubric, iter_rules
from labelmate.core.rubric import format_number as _num
from labelmate.core.rubric_engine import evaluate

CriterionKind = Literal["precision", "completeness", "correctness", "clarity"]
KINDS: tuple[CriterionKind, ...] = ("precision", "completeness", "correctness", "clarity")
UNATTRIBUTED = "unattributed"

_WORDS: dict[CriterionKind, tuple[str, ...]] = {
    "precision": ("precision", "geometr", "tight", "snug", "boundar", "outline"),
    "completeness": ("complete", "missing", "missed", "recall", "coverage"),
    "correctness": ("correct", "accura", "label", "class", "sentiment"),
    "clarity": ("clarity", "clear", "ambigu", "unsure", "flag"),
}
_METRIC_PREFIXES: tuple[tuple[str, CriterionKind], ...] = (
    ("box.", "precision"),
    ("polygon.", "precision"),
    ("keypoint.", "precision"),
    ("span.boundary", "precision"),
    ("span.edge_whitespace", "precision"),
    ("objects.", "completeness"),
    ("label.", "correctness"),
    ("choices.matches_gold", "correctness"),
    ("rating.", "correctness"),
    ("choices.unsure_used", "clarity"),
)
EDIT_KINDS: dict[str, CriterionKind] = {
    "geometry": "precision",
    "add": "completeness",
    "delete": "completeness",
    "paste": "completeness",
    "label": "correctness",
    "status": "clarity",
    "flag": "clarity",
}


# --- criterion kinds ------------------------------------------------------------------


def criterion_metrics(criterion: Criterion) -> list[str]:
    """The metrics a criterion's rules name, in order of first use."""
    seen: dict[str, None] = {}
    for level in criterion.levels:
        for rule in iter_rules(level.when):
            seen.setdefault(rule.metric)
    return list(seen)


def metric_kind(metric: str) -> CriterionKind | None:
    for prefix, kind in _METRIC_PREFIXES:
        if metric.startswith(prefix):
            return kind
    return None


def criterion_kind(criterion: Criterion) -> CriterionKind | None:
    """Which core criterion this is (see the module docstring), or None."""
    words = f"{criterion.id} {criterion.name}".lower()
    for kind in KINDS:
        if any(w in words for w in _WORDS[kind]):
            return kind
    votes: dict[CriterionKind, int] = {}
    for metric in criterion_metrics(criterion):
        kind = metric_kind(metric)
        if kind is not None:
            votes[kind] = votes.get(kind, 0) + 1
    if not votes:
        return None
    return max(KINDS, key=lambda k: votes.get(k, 0))  # ties: the order of KINDS


def edit_kind(action: str, detail: str | None) -> CriterionKind | None:
    """The kind of work an edit-log entry served, or None (unattributed)."""
    if action == "status_set":
        return "clarity"
    return EDIT_KINDS.get((detail or "").lower())


# --- levels and totals ----------------------------------------------------------------


def level_of(criterion: Criterion, score: float) -> Level | None:
    return next((lv for lv in criterion.levels if lv.score == score), None)


def level_label(rubric: Rubric, criterion: Criterion, score: float | None) -> str:
    """``Acceptable (3/5)``, or an empty string for no score."""
    if score is None:
        return ""
    level = level_of(criterion, score)
    name = rubric.level_name(level) if level is not None else _num(score)
    return f"{name} ({_num(score)}/{_num(criterion.max_score)})"


def next_level_up(criterion: Criterion, score: float) -> Level | None:
    """The lowest level scoring more than `score`: what would move you up a level."""
    better = [lv for lv in criterion.levels if lv.score > score]
    return min(better, key=lambda lv: lv.score) if better else None


def weighted_total(rubric: Rubric, scores: Mapping[str, float | None]) -> float | None:
    """The rubric engine's 0–100 total over the criteria that have a score.

    Same formula as `rubric_engine.evaluate` (weight · score / max, over the weight
    of the scored criteria); None when nothing is scored.
    """
    given = {cid: s for cid, s in scores.items() if s is not None}
    if not given:
        return None
    return evaluate(rubric, {}, manual_scores=given, criteria=list(given)).total


# --- calibration ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemScore:
    """One task × criterion of a session: what the rules said and what the user kept."""

    task: str  # how the user knows the task (external id)
    criterion_id: str
    proposed: float | None
    final: float | None
    max_score: float = 5.0
    gold_measured: bool = False  # the proposal came from a comparison with gold
    decision: str = ""

    @property
    def difference(self) -> float | None:
        """final − proposed: positive when the user rated themselves higher."""
        if self.final is None or self.proposed is None:
            return None
        return self.final - self.proposed


@dataclass(frozen=True, slots=True)
class CriterionCalibration:
    criterion_id: str
    count: int
    mean_difference: float  # > 0: over-confident
    mean_abs_difference: float
    higher: int  # self-score above the measured level
    lower: int
    equal: int
    verdict: Literal["over-confident", "under-confident", "calibrated"]


@dataclass(frozen=True, slots=True)
class Calibration:
    criteria: list[CriterionCalibration]
    disagreements: list[ItemScore]  # largest |final − proposed| first
    count: int
    mean_difference: float | None


def calibration(
    items: Iterable[ItemScore], *, worst: int = 5, tolerance: float = 0.5
) -> Calibration:
    """Final self-scores against the levels measured against gold, per criterion.

    Only items whose proposal was measured against gold and that have a final score
    count. The mean signed difference (final − measured) is the over-confidence: above
    `tolerance` reads "over-confident", below −tolerance "under-confident".
    `disagreements` lists up to `worst` items that differ most (ties: task, criterion).
    """
    usable = [it for it in items if it.gold_measured and it.difference is not None]
    by_criterion: dict[str, list[ItemScore]] = {}
    for it in usable:
        by_criterion.setdefault(it.criterion_id, []).append(it)
    rows = []
    for cid, group in by_criterion.items():
        diffs = [it.difference for it in group if it.difference is not None]
        mean = sum(diffs) / len(diffs)
        verdict: Literal["over-confident", "under-confident", "calibrated"] = "calibrated"
        if mean > tolerance:
            verdict = "over-confident"
        elif mean < -tolerance:
            verdict = "under-confident"
        rows.append(
            CriterionCalibration(
                criterion_id=cid,
                count=len(diffs),
                mean_difference=mean,
                mean_abs_difference=sum(abs(d) for d in diffs) / len(diffs),
                higher=sum(d > 0 for d in diffs),
                lower=sum(d < 0 for d in diffs),
                equal=sum(d == 0 for d in diffs),
                verdict=verdict,
            )
        )
    differing = [it for it in usable if it.difference]
    differing.sort(key=lambda it: (-abs(it.difference or 0.0), it.task, it.criterion_id))
    all_diffs = [it.difference for it in usable if it.difference is not None]
    return Calibration(
        criteria=rows,
        disagreements=differing[:worst],
        count=len(usable),
        mean_difference=sum(all_diffs) / len(all_diffs) if all_diffs else None,
    )


# --- time attribution -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditEvent:
    """One edit-log entry as time attribution sees it."""

    at: datetime
    detail: str | None
    action: str = "annotation_updated"


@dataclass(frozen=True, slots=True)
class TimeSplit:
    """Active seconds of one task (or a sum of tasks) by criterion."""

    total: float
    by_criterion: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, float] = field(default_factory=dict)  # kinds and "unattributed"

    @property
    def unattributed(self) -> float:
        return self.by_kind.get(UNATTRIBUTED, 0.0)

    def __add__(self, other: TimeSplit) -> TimeSplit:
        return TimeSplit(
            self.total + other.total,
            _add(self.by_criterion, other.by_criterion),
            _add(self.by_kind, other.by_kind),
        )


def _add(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0.0) + v
    return out


def attribute_time(
    events: Sequence[EditEvent],
    lead_time: float | None,
    criteria: Sequence[Criterion],
    *,
    idle_after: float = 60.0,
) -> TimeSplit:
    """Split a task's active time among the rubric's criteria (see the module docstring)."""
    ordered = sorted(events, key=lambda e: e.at)
    by_kind: dict[str, float] = {}
    if not ordered:
        total = float(lead_time or 0.0)
        if total:
            by_kind[UNATTRIBUTED] = total
        return TimeSplit(total, {c.id: 0.0 for c in criteria}, by_kind)
    gaps = [max(0.0, min((b.at - a.at).total_seconds(), idle_after)) for a, b in pairwise(ordered)]
    first = sum(gaps) / len(gaps) if gaps else 1.0
    weights = [first, *gaps]
    weight_sum = sum(weights)
    if lead_time is not None:
        total = float(lead_time)
        seconds = [total * w / weight_sum if weight_sum > 0 else 0.0 for w in weights]
        if weight_sum <= 0:  # every edit at the same instant: share equally
            seconds = [total / len(weights)] * len(weights)
    else:
        seconds = [0.0, *gaps] if gaps else [0.0]
        total = sum(seconds)
    for event, s in zip(ordered, seconds, strict=True):
        kind = edit_kind(event.action, event.detail) or UNATTRIBUTED
        by_kind[kind] = by_kind.get(kind, 0.0) + s
    members: dict[str, list[str]] = {}
    for c in criteria:
        kind = criterion_kind(c)
        if kind is not None:
            members.setdefault(kind, []).append(c.id)
    by_criterion = {c.id: 0.0 for c in criteria}
    out_kinds: dict[str, float] = {}
    for kind, s in by_kind.items():
        ids = members.get(kind, [])
        if kind == UNATTRIBUTED or not ids:
            out_kinds[UNATTRIBUTED] = out_kinds.get(UNATTRIBUTED, 0.0) + s
            continue
        out_kinds[kind] = out_kinds.get(kind, 0.0) + s
        for cid in ids:
            by_criterion[cid] += s / len(ids)
    return TimeSplit(total, by_criterion, out_kinds)


# --- bottlenecks ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bottleneck:
    criterion_id: str
    name: str
    weight: float
    count: int  # items with a final score
    mean_score: float | None
    max_score: float
    points_lost: float  # Σ weight × (max − score)
    total_points_lost: float  # mean loss of the 0–100 total per task
    seconds: float
    time_share: float  # of all attributed and unattributed seconds
    next_level: Level | None  # what would move the mean up a level
    next_level_name: str | None


@dataclass(frozen=True, slots=True)
class Bottlenecks:
    by_points: list[Bottleneck]  # most points lost first
    by_time: list[Bottleneck]  # most seconds first


def bottlenecks(
    rubric: Rubric, items: Iterable[ItemScore], seconds: Mapping[str, float]
) -> Bottlenecks:
    """Where the points and the time go, per criterion, with the next level's descriptor.

    Points lost use final self-scores. `total_points_lost` converts them to the 0–100
    total: weight · (max − score) / max / Σ rubric weights · 100, averaged over tasks.
    """
    finals: dict[str, list[float]] = {}
    tasks: set[str] = set()
    for it in items:
        tasks.add(it.task)
        if it.final is not None:
            finals.setdefault(it.criterion_id, []).append(it.final)
    weight_sum = sum(c.weight for c in rubric.criteria) or 1.0
    all_seconds = sum(seconds.values())
    rows = []
    for c in rubric.criteria:
        scores = finals.get(c.id, [])
        lost = sum(c.weight * (c.max_score - s) for s in scores)
        mean = sum(scores) / len(scores) if scores else None
        nxt = next_level_up(c, mean) if mean is not None else None
        pct = 0.0
        if scores and c.max_score > 0 and tasks:
            pct = lost / c.max_score / weight_sum * 100 / len(tasks)
        s = float(seconds.get(c.id, 0.0))
        rows.append(
            Bottleneck(
                criterion_id=c.id,
                name=c.name,
                weight=c.weight,
                count=len(scores),
                mean_score=mean,
                max_score=c.max_score,
                points_lost=lost,
                total_points_lost=pct,
                seconds=s,
                time_share=s / all_seconds if all_seconds > 0 else 0.0,
                next_level=nxt,
                next_level_name=rubric.level_name(nxt) if nxt is not None else None,
            )
        )
    order = {c.id: i for i, c in enumerate(rubric.criteria)}
    return Bottlenecks(
        by_points=sorted(rows, key=lambda b: (-b.points_lost, order[b.criterion_id])),
        by_time=sorted(rows, key=lambda b: (-b.seconds, order[b.criterion_id])),
    )


# --- progress -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionPoint:
    """One finished session's per-criterion mean final scores."""

    session_id: int
    at: datetime
    means: Mapping[str, float]
    total: float | None = None


Trend = Literal["up", "down", "flat"]


@dataclass(frozen=True, slots=True)
class Progress:
    sessions: list[SessionPoint]  # oldest first
    series: dict[str, list[float | None]]  # criterion → mean per session (None: unscored)
    slopes: dict[str, float | None]  # per session step; None with fewer than 2 points
    trends: dict[str, Trend | None]
    weakest: str | None  # lowest latest mean relative to the criterion's maximum
    total_series: list[float | None]
    total_trend: Trend | None


def slope(values: Sequence[float | None]) -> float | None:
    """Least-squares slope of the values against their position, Nones skipped."""
    points = [(float(i), v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def trend_of(value: float | None, eps: float = 1e-9) -> Trend | None:
    if value is None:
        return None
    if value > eps:
        return "up"
    if value < -eps:
        return "down"
    return "flat"


def progress(
    points: Iterable[SessionPoint],
    max_scores: Mapping[str, float],
) -> Progress:
    """Per-criterion means across sessions in time order, their trend and the weakest.

    `max_scores`: criterion id → its best level score, in rubric order (the order
    breaks ties for the weakest). The weakest criterion is the one whose latest mean
    is lowest relative to its maximum.
    """
    ordered = sorted(points, key=lambda p: (p.at, p.session_id))
    series = {cid: [p.means.get(cid) for p in ordered] for cid in max_scores}
    slopes = {cid: slope(vals) for cid, vals in series.items()}
    latest: dict[str, float] = {}
    for cid, vals in series.items():
        known = [v for v in vals if v is not None]
        if known and max_scores[cid] > 0:
            latest[cid] = known[-1] / max_scores[cid]
    weakest = min(latest, key=lambda cid: latest[cid]) if latest else None
    totals = [p.total for p in ordered]
    return Progress(
        sessions=ordered,
        series=series,
        slopes=slopes,
        trends={cid: trend_of(s) for cid, s in slopes.items()},
        weakest=weakest,
        total_series=totals,
        total_trend=trend_of(slope(totals)),
    )


def mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None and not math.isnan(v)]
    return sum(known) / len(known) if known else None
