"""Self-scoring: score a project's annotations against its rubric, and self-score sessions.

`score_project` is what `labelmate score` runs: for each task it measures the chosen
annotation (`--which`, as for export) against the task's gold annotation when there
is one (`labelmate.core.metrics.measure`), adds `prompt.findings` for written answers
when the rubric uses it, and lets the rubric engine propose a level per criterion
with the evidence. Tasks without gold get only the metrics the data allows, so
criteria that need gold come out "not measurable". Image tasks are measured without
their pixels: edge-based estimates are for the labeling screen, not for batch scores.

A self-score *session* runs the same engine on a sample (seeded and recorded, so it
can be drawn again) or on hand-picked tasks, stores every proposal with its evidence
(`labelmate.store.score_sessions`), and then records the user's decisions: confirm,
override with a reason, score manual criteria, write takeaways, finish. On top of a
session: the table the brief describes (Your annotation | Criterion | Self-score |
Key takeaway) with weighted totals, CSV and Markdown exports, calibration against
gold, time per criterion, bottlenecks, and progress across finished sessions
(`labelmate.core.scoring`).

This module chooses the tasks and holds `score_project` and `start_session`; the rest
lives in siblings and is re-exported here: the engine (`ScoringContext`, `TaskScore`)
in `score_engine`, scoring many tasks in one or more processes in `score_parallel`,
session decisions in `score_sessions`, the table and its exports in `session_table`,
calibration/time/bottlenecks/progress in `score_reports`, shared helpers in
`score_common`.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError
from labelmate.core.ids import TaskId
from labelmate.core.models import Annotation, AnnotationKind, Project
from labelmate.core.rubric import Rubric
from labelmate.core.rubric import format_number as _num
from labelmate.core.rubric_engine import CriterionResult
from labelmate.core.scoring import mean
from labelmate.store import Workspace
from labelmate.store.score_sessions import ScoreItem, ScoreSession, SessionTask
from labelmate.usecases.export import Which
from labelmate.usecases.score_common import _fmt_total, _project
from labelmate.usecases.score_engine import (
    ScoringContext,
    TaskScore,
    annotation_summary,
    proposed_by,
    rule_op,
)
from labelmate.usecases.score_parallel import (
    PARALLEL_FROM,
    _bulk,
    _Pick,
    _score_forked,
    _score_here,
)
from labelmate.usecases.score_reports import (
    SessionTime,
    project_progress,
    session_bottlenecks,
    session_calibration,
    session_time,
    task_time,
)
from labelmate.usecases.score_sessions import (
    confirm,
    finish,
    list_sessions,
    override,
    reset,
    session_rubric,
    set_manual,
    set_takeaway,
)
from labelmate.usecases.session_table import (
    SessionRow,
    SessionTable,
    export_session_csv,
    export_session_markdown,
    md_cell,
    session_table,
)

__all__ = [
    "DEFAULT_SAMPLE",
    "PARALLEL_FROM",
    "ScoreReport",
    "ScoringContext",
    "SessionRow",
    "SessionTable",
    "SessionTime",
    "TaskScore",
    "_workers",
    "annotation_summary",
    "confirm",
    "draw_sample",
    "export_session_csv",
    "export_session_markdown",
    "finish",
    "list_sessions",
    "md_cell",
    "override",
    "project_progress",
    "proposed_by",
    "reset",
    "rule_op",
    "score_project",
    "session_bottlenecks",
    "session_calibration",
    "session_rubric",
    "session_table",
    "session_time",
    "set_manual",
    "set_takeaway",
    "start_session",
    "task_time",
]


DEFAULT_SAMPLE = 15
"""Tasks in a session when neither a sample size nor tasks are given (the brief: 10–20)."""


# --- choosing tasks -------------------------------------------------------------------


def _which(which: str | Which) -> Which:
    return which if isinstance(which, Which) else Which.parse(which)


def _gold_for(heads: list[Annotation], chosen: Annotation) -> Annotation | None:
    """The latest gold annotation of a task that is not the annotation being scored."""
    gold = [
        a
        for a in heads
        if a.kind is AnnotationKind.GOLD and not a.was_cancelled and a.id != chosen.id
    ]
    return max(gold, key=lambda a: (a.updated_at, a.id or 0)) if gold else None


def draw_sample(count: int, size: int | None, seed: int | None) -> tuple[list[int], int | None]:
    """Indexes (ascending) of a seeded random sample of `size` out of `count`, and the seed.

    No size: every index, and the seed as given. A missing seed is drawn and returned,
    so the same sample can be drawn again with it.
    """
    import random

    if size is None:
        return list(range(count)), seed
    if size < 1:
        raise InputError(f"the sample size must be at least 1, not {size}")
    if seed is None:
        seed = secrets.randbelow(2**31)
    picked = random.Random(seed).sample(range(count), min(size, count))
    return sorted(picked), seed


def _choose(
    ws: Workspace,
    project: Project,
    which: Which,
    *,
    sample: int | None,
    seed: int | None,
    task_ids: Sequence[TaskId] | None,
) -> tuple[list[_Pick], int, int | None]:
    """The tasks to score with their chosen and gold annotations (heads), the number
    of eligible tasks, and the seed used."""
    assert project.id is not None
    heads = ws.annotation_heads(project.id)
    if task_ids is not None:
        tasks = []
        for tid in dict.fromkeys(task_ids):
            task = ws.get_task(tid)
            if task.project_id != project.id:
                raise InputError(f"task {tid} is not in project '{project.name}'")
            tasks.append(task)
    else:
        tasks = ws.list_tasks(project.id)
    eligible: list[_Pick] = []
    for task in tasks:
        own = heads.get(task.id, [])  # type: ignore[arg-type]
        chosen = which.choose(own)
        if chosen is None:
            if task_ids is not None:
                raise InputError(
                    f"task '{task.external_id}' has no annotation matching --which {which};"
                    " label it first"
                )
            continue
        eligible.append(_Pick(task, chosen, _gold_for(own, chosen)))
    if task_ids is not None:
        return eligible, len(eligible), seed
    indexes, seed = draw_sample(len(eligible), sample, seed)
    return [eligible[i] for i in indexes], len(eligible), seed


def _workers(tasks: int) -> int:
    """How many processes to score with: one for small runs; otherwise one per CPU
    (at most 4), but only where forking is safe — Linux, and a process running no
    other thread: the CLI, never the GUI (Qt's own threads are invisible to
    `threading`, hence the check for Qt itself).
    """
    if tasks < PARALLEL_FROM or threading.active_count() > 1 or "PySide6" in sys.modules:
        return 1
    if not sys.platform.startswith("linux"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4, tasks // (PARALLEL_FROM // 2)))


def _score_picks(
    ws: Workspace, context: ScoringContext, picks: Sequence[_Pick], workers: int | None = None
) -> list[TaskScore]:
    """Score the picks in order, sharing a large run among processes (`_workers`
    decides when `workers` is None; 1 keeps everything in this process)."""
    with _bulk():
        auto = _workers(len(picks))
        workers = auto if workers is None else max(1, min(workers, auto))
        if workers > 1:
            return _score_forked(ws, context, list(picks), workers)
        return _score_here(ws, context, picks)


# --- score_project (labelmate score) --------------------------------------------------


@dataclass
class ScoreReport:
    project: str
    context: ScoringContext
    which: str
    seed: int | None
    sample: int | None
    eligible: int  # tasks that have the chosen annotation
    tasks: list[TaskScore]

    @property
    def rubric(self) -> Rubric:
        return self.context.rubric

    def summary(self) -> dict[str, Any]:
        criteria = []
        for c in self.rubric.criteria:
            results = [t.result.criterion(c.id) for t in self.tasks]
            scores = [r.score for r in results if r.score is not None]
            criteria.append(
                {
                    "id": c.id,
                    "name": c.name,
                    "weight": c.weight,
                    "max_score": c.max_score,
                    "mean_level_score": mean(scores),
                    "count": len(scores),
                    "not_measurable": sum(r.status == "not_measurable" for r in results),
                }
            )
        return {
            "project": self.project,
            "which": self.which,
            "seed": self.seed,
            "sample_size": self.sample,
            "tasks_eligible": self.eligible,
            "tasks_scored": len(self.tasks),
            "tasks_with_gold": sum(t.has_gold for t in self.tasks),
            "mean_total": mean(t.result.total for t in self.tasks),
            "criteria": criteria,
        }

    def task_json(self, task: TaskScore) -> dict[str, Any]:
        return {
            "task": task.external_id,
            "total": task.result.total,
            "criteria": [
                {
                    "id": r.criterion_id,
                    "level_score": r.score,
                    "level_name": r.level_name,
                    "proposed_by": proposed_by(r),
                    "evidence": [
                        self.context.evidence_json(r.criterion_id, ev) for ev in r.evidence
                    ],
                }
                for r in task.result.criteria
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "rubric": self.rubric.id,
            "tasks": [self.task_json(t) for t in self.tasks],
            "summary": self.summary(),
        }

    def lines(self) -> list[str]:
        """A table Task | Criterion | Level (n/max) | Total, then the summary."""
        picked = f"sample of {self.sample}, seed {self.seed}; " if self.sample else ""
        out = [
            f"Scored {len(self.tasks)} of {self.eligible} tasks with a '{self.which}' annotation"
            f" in '{self.project}' against rubric {self.rubric.id} ({picked}"
            f"{sum(t.has_gold for t in self.tasks)} with gold)"
        ]
        if not self.tasks:
            return out
        rows = [("Task", "Criterion", f"Level (n/{_num(self.rubric.max_score)})", "Total")]
        for t in self.tasks:
            for i, r in enumerate(t.result.criteria):
                rows.append(
                    (
                        t.external_id if i == 0 else "",
                        r.name,
                        _level_cell(r),
                        (_fmt_total(t.result.total) if i == 0 else ""),
                    )
                )
        widths = [max(len(row[k]) for row in rows) for k in range(3)]
        for n, row in enumerate(rows):
            cells = [row[k].ljust(widths[k]) for k in range(3)]
            out.append("  ".join([*cells, row[3]]).rstrip())
            if n == 0:
                out.append("  ".join("-" * w for w in [*widths, 5]))
        s = self.summary()
        out.append(f"Mean total: {_fmt_total(s['mean_total'])} over {len(self.tasks)} tasks")
        for c in s["criteria"]:
            m = c["mean_level_score"]
            shown = "—" if m is None else f"{m:.2f}/{_num(c['max_score'])}"
            extra = f", {c['not_measurable']} not measurable" if c["not_measurable"] else ""
            out.append(f"  {c['name']}: {shown} ({c['count']} scored{extra})")
        if self.sample:
            out.append(f"Same tasks again: --sample {self.sample} --seed {self.seed}")
        return out


def _level_cell(r: CriterionResult) -> str:
    if r.score is not None:
        return f"{r.level_name} ({_num(r.score)}/{_num(r.max_score)})"
    if r.status == "not_measurable":
        missing = ", ".join(r.missing_metrics)
        return f"not measurable ({missing})" if missing else "not measurable"
    if not r.evidence:
        return "manual — not scored"
    return "no level matched"


def score_project(
    ws: Workspace,
    project_name: str,
    *,
    rubric_path: Path | None = None,
    sample: int | None = None,
    seed: int | None = None,
    which: str | Which = "mine",
    workers: int | None = None,
) -> ScoreReport:
    """Propose a level per task × criterion for a project (what `labelmate score` prints).

    which: the annotation scored per task (mine, gold, latest, author:NAME); tasks
    without one are skipped. sample: score a random sample of that many of those
    tasks, drawn with `seed` (drawn and reported when not given). workers: processes
    to share a large run among (None: decided from the run and the machine; 1: none).
    """
    project = _project(ws, project_name)
    chosen = _which(which)
    context = ScoringContext.build(project, rubric_path)
    with _bulk():
        picks, eligible, seed = _choose(
            ws, project, chosen, sample=sample, seed=seed, task_ids=None
        )
        scores = _score_picks(ws, context, picks, workers)
        del picks  # freed before the collector is back and would walk every task model
    return ScoreReport(project.name, context, str(chosen), seed, sample, eligible, scores)


# --- sessions -------------------------------------------------------------------------


def _snapshot_items(context: ScoringContext, score: TaskScore) -> list[ScoreItem]:
    items = []
    for r in score.result.criteria:
        criterion = context.rubric.criterion(r.criterion_id)
        manual = criterion.manual or not any(
            lv.when is not None or lv.otherwise for lv in criterion.levels
        )
        proposal = "manual" if manual else r.status
        items.append(
            ScoreItem(
                task_id=score.task_id,
                criterion_id=r.criterion_id,
                proposal=proposal,  # type: ignore[arg-type]
                proposed_score=r.score if r.status == "proposed" else None,
                evidence=tuple(
                    context.evidence_json(r.criterion_id, ev, score.measurements, full=True)
                    for ev in r.evidence
                ),
            )
        )
    return items


def start_session(
    ws: Workspace,
    project: str | Project,
    *,
    sample: int | None = None,
    task_ids: Sequence[TaskId] | None = None,
    seed: int | None = None,
    which: str | Which = "mine",
    rubric_path: Path | None = None,
) -> ScoreSession:
    """Start a self-score session: pick the tasks, propose every level, store it all.

    Either `sample` (a seeded random sample of the tasks that have the chosen
    annotation; DEFAULT_SAMPLE when neither is given) or hand-picked `task_ids` (kept
    in the given order; each must have the chosen annotation).
    """
    if sample is not None and task_ids is not None:
        raise InputError("choose a sample size or the tasks, not both")
    if task_ids is not None and not task_ids:
        raise InputError("choose at least one task")
    if sample is None and task_ids is None:
        sample = DEFAULT_SAMPLE
    proj = _project(ws, project)
    assert proj.id is not None
    chosen = _which(which)
    context = ScoringContext.build(proj, rubric_path)
    context.summarize = True
    picks, _eligible, seed = _choose(ws, proj, chosen, sample=sample, seed=seed, task_ids=task_ids)
    if not picks:
        raise InputError(
            f"no task of '{proj.name}' has an annotation matching --which {chosen}; label"
            " some tasks first"
        )
    tasks, items = [], []
    for position, score in enumerate(_score_picks(ws, context, picks)):
        tasks.append(
            SessionTask(
                task_id=score.task_id,
                position=position,
                annotation_id=score.annotation_id,
                gold_id=score.gold_id,
                summary=score.summary,
            )
        )
        items += _snapshot_items(context, score)
    return ws.create_score_session(
        ScoreSession(
            project_id=proj.id,
            rubric_id=context.rubric.id,
            rubric_yaml=context.rubric_yaml,
            which=str(chosen),
            seed=seed,
            sample_size=sample if task_ids is None else None,
            tasks=tuple(tasks),
            items=tuple(items),
        )
    )
