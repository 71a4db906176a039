"""Scoring many tasks: in this process, or shared with forked processes on Linux.

`score.py` decides how many processes (`_workers`); this module scores the picked
tasks in order either way (`_score_here`, `_score_forked`), with the cyclic garbage
collector paused (`_bulk`). A child's scores travel back as plain tuples (`_pack`).
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from labelmate.core.ids import AnnotationId
from labelmate.core.metrics import Measurement
from labelmate.core.models import Annotation, Task
from labelmate.core.regions import RegionBase
from labelmate.core.rubric_engine import CriterionResult, Evidence, RubricResult
from labelmate.store import Workspace
from labelmate.usecases.score_engine import ScoringContext, TaskScore


@dataclass(frozen=True)
class _Pick:
    task: Task
    mine: Annotation  # a head: regions not loaded (see `_regions`)
    gold: Annotation | None


def _regions(ws: Workspace, picks: Sequence[_Pick]) -> dict[AnnotationId, list[RegionBase]]:
    """The regions of the picked annotations (mine and gold), by annotation id."""
    ids = [p.mine.id for p in picks if p.mine.id is not None]
    ids += [p.gold.id for p in picks if p.gold is not None and p.gold.id is not None]
    return ws.annotation_regions(ids)  # type: ignore[return-value]


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while thousands of regions are decoded and
    measured: the objects made are not cyclic garbage, and the collector's repeated
    passes over the growing heap took more than half of scoring 10,000 tasks."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _age_survivors()
            gc.enable()


def _age_survivors() -> None:
    """Count what outlived a bulk run as old, the way it would have aged had the
    collector run all along, instead of leaving one young generation of half a
    million objects: the first collection after it then walked them all (a
    twentieth of scoring 10,000 tasks), only to find them alive. They stay
    collectable: the next full collection looks at them as at any old object.
    Nothing is done when something else holds objects frozen (`gc.freeze`)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()  # every tracked object, out of the young generation …
        gc.unfreeze()  # … and back into the oldest one


PARALLEL_FROM = 2000
"""Runs with at least this many tasks are shared among processes (see `_workers`)."""
_FORKED: tuple[Any, ...] | None = None  # what forked children inherit (`_score_forked`)


def _score_here(ws: Workspace, context: ScoringContext, picks: Sequence[_Pick]) -> list[TaskScore]:
    out: list[TaskScore] = []
    page = 2000  # bounds the decoded regions alive at once
    for start in range(0, len(picks), page):
        chunk = picks[start : start + page]
        regions = _regions(ws, chunk)
        out += [_score_one(context, p, regions) for p in chunk]
    return out


def _score_one(context: ScoringContext, p: _Pick, regions: Mapping[Any, Any]) -> TaskScore:
    gold = None if p.gold is None else regions.get(p.gold.id, [])
    return context.score(p.task, p.mine, regions.get(p.mine.id, []), p.gold, gold)


def _score_forked(
    ws: Workspace, context: ScoringContext, picks: list[_Pick], workers: int
) -> list[TaskScore]:
    """Score the picks in small parts shared between this process and `workers - 1`
    forked children, and return the scores in the order of `picks`.

    The regions of every pick are read here once, as stored (JSON text), before
    forking: children never touch the workspace connection. Each process claims the
    next part from a shared counter — children from the last part down, this process
    from the first part up — so the work meets wherever the processes' speeds put it
    (this process also unpacks the children's results, and other programs may be
    busy on the machine). Results are received between parts by this process itself:
    a process pool's helper threads hand work over only when they get the interpreter
    lock, which left a child idle for seconds on a busy machine. A part a child could
    not score (an error, or the child died) is scored here instead, where a genuine
    error surfaces as usual.
    """
    global _FORKED
    import queue as queue_module

    size = min(_PART_MAX, -(-len(picks) // (workers * _PARTS_PER_WORKER)))
    parts = [picks[i : i + size] for i in range(0, len(picks), size)]
    if len(parts) < 2:
        return _score_here(ws, context, picks)
    ids = [p.mine.id for p in picks]
    ids += [p.gold.id for p in picks if p.gold is not None]
    raw: dict[AnnotationId, str] = ws.annotation_regions_json(ids)  # type: ignore[arg-type]
    mp = multiprocessing.get_context("fork")
    claims = _Claims(mp, len(parts))
    done: Any = mp.Queue()  # (part, packed scores or None), from the children
    _FORKED = (context, parts, raw, claims, done)
    children = [
        mp.Process(target=_child, name=f"labelmate-score-{n}", daemon=True)
        for n in range(1, min(workers, len(parts)))
    ]
    results: dict[int, list[TaskScore]] = {}
    failed: list[int] = []

    def receive(message: tuple[int, list[tuple] | None]) -> None:
        k, packed = message
        if packed is None:
            failed.append(k)
        else:
            results[k] = [_unpack(item) for item in packed]

    try:
        for child in children:
            child.start()
        _FORKED = None  # the children have their copy
        while (k := claims.first()) is not None:
            results[k] = _score_raw(context, parts[k], raw)
            with suppress(queue_module.Empty):
                while True:
                    receive(done.get_nowait())
        del raw
        while len(results) + len(failed) < len(parts):
            try:
                receive(done.get(timeout=0.2))
            except queue_module.Empty:
                if not any(child.is_alive() for child in children):
                    with suppress(queue_module.Empty):
                        while True:  # what they sent before they ended
                            receive(done.get(timeout=0.2))
                    break
        for k in range(len(parts)):
            if k not in results:
                results[k] = _score_here(ws, context, parts[k])
    finally:
        _FORKED = None
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
        done.close()
    return [score for k in range(len(parts)) for score in results[k]]


_PARTS_PER_WORKER = 50
"""Parts per process in a shared run: small parts keep the processes' shares even."""
_PART_MAX = 500


class _Claims:
    """Which parts are left, shared by forked processes: [first, last] under a lock."""

    def __init__(self, mp: Any, count: int) -> None:
        self._lock = mp.Lock()
        self._bounds = mp.RawArray("l", [0, count - 1])

    def first(self) -> int | None:
        """Claim the first part left (this process), or None when none is left."""
        with self._lock:
            lo, hi = self._bounds
            if lo > hi:
                return None
            self._bounds[0] = lo + 1
            return lo

    def last(self) -> int | None:
        """Claim the last part left (a child), or None when none is left."""
        with self._lock:
            lo, hi = self._bounds
            if lo > hi:
                return None
            self._bounds[1] = hi - 1
            return hi


def _score_raw(
    context: ScoringContext, picks: Sequence[_Pick], raw: Mapping[AnnotationId, str]
) -> list[TaskScore]:
    """Score picks whose regions are given as stored (`annotation_regions_json`)."""
    from labelmate.store.score_sessions import decode_regions

    out = []
    for p in picks:
        regions = {p.mine.id: decode_regions(raw[p.mine.id])} if p.mine.id in raw else {}
        if p.gold is not None and p.gold.id in raw:
            regions[p.gold.id] = decode_regions(raw[p.gold.id])
        out.append(_score_one(context, p, regions))
    return out


def _child() -> None:
    """In a forked child: score the last parts left, from the inherited `_FORKED`, and
    send each back packed (or None when it fails: the parent then scores it)."""
    assert _FORKED is not None
    context, parts, raw, claims, done = _FORKED
    gc.disable()
    while (k := claims.last()) is not None:
        try:
            packed: list[tuple] | None = [_pack(s) for s in _score_raw(context, parts[k], raw)]
        except Exception:
            packed = None
        done.put((k, packed))
    done.close()
    done.join_thread()


# A child's TaskScores travel back as plain tuples: pickling the frozen dataclasses
# themselves (field by field, in Python) cost more than a tenth of a 10,000-task run.
_EVIDENCE = attrgetter(*(f.name for f in fields(Evidence)))
_MEASUREMENT = attrgetter(*(f.name for f in fields(Measurement)))
_CRITERION_FIELDS = [f.name for f in fields(CriterionResult)]
_RESULT_FIELDS = [f.name for f in fields(RubricResult)]
# Everything but the nested list, in field order; the list goes back in at its index.
_CRITERION = attrgetter(*(n for n in _CRITERION_FIELDS if n != "evidence"))
_RESULT = attrgetter(*(n for n in _RESULT_FIELDS if n != "criteria"))
_EVIDENCE_AT = _CRITERION_FIELDS.index("evidence")
_CRITERIA_AT = _RESULT_FIELDS.index("criteria")


def _pack(score: TaskScore) -> tuple:
    result = score.result
    return (
        score.task_id,
        score.external_id,
        score.annotation_id,
        score.gold_id,
        score.summary,
        _RESULT(result),
        [(_CRITERION(c), [_EVIDENCE(e) for e in c.evidence]) for c in result.criteria],
        [(k, _MEASUREMENT(m)) for k, m in score.measurements.items()],
    )


def _unpack(packed: tuple) -> TaskScore:
    task_id, external_id, annotation_id, gold_id, summary, result, criteria, measured = packed
    at, rat = _EVIDENCE_AT, _CRITERIA_AT
    return TaskScore(
        task_id=task_id,
        external_id=external_id,
        annotation_id=annotation_id,
        gold_id=gold_id,
        result=RubricResult(
            *result[:rat],
            [
                CriterionResult(*c[:at], [Evidence(*e) for e in evidence], *c[at:])
                for c, evidence in criteria
            ],
            *result[rat:],
        ),
        measurements={k: Measurement(*m) for k, m in measured},
        summary=summary,
    )
