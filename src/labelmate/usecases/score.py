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

This module holds the engine, `score_project` and `start_session`; the rest lives in
siblings and is re-exported here: session decisions in `score_sessions`, the table
and its exports in `session_table`, calibration/time/bottlenecks/progress in
`score_reports`, shared helpers in `score_common`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import secrets
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, RubricError
from labelmate.core.ids import AnnotationId, TaskId
from labelmate.core.labeling_interface import LabelingInterface
from labelmate.core.metrics import Measurement, measure
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Choices, Rating, RegionBase, Span, TextAnswer
from labelmate.core.rubric import Rubric, Rule, iter_rules
from labelmate.core.rubric_engine import CriterionResult, Evidence, RubricResult, evaluate
from labelmate.core.scoring import mean
from labelmate.store import Workspace
from labelmate.store.score_sessions import ScoreItem, ScoreSession, SessionTask
from labelmate.usecases.export import Which
from labelmate.usecases.labeling import ProjectContext
from labelmate.usecases.score_common import _fmt_total, _num, _project
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
PROMPT_METRIC = "prompt.findings"
TEXT_OBJECTS = ("text", "hypertext")


# --- the engine: one project, one rubric ----------------------------------------------


def _rule_key(criterion_id: str, level_score: float, metric: str, threshold: str) -> tuple:
    return (criterion_id, float(level_score), metric, threshold)


def rule_op(rule: Rule) -> tuple[str, Any]:
    """(op, threshold) of a rule: ("<=", 3.0), (">=", 0.5), ("between", [1, 2]), ("==", True)."""
    if rule.equals is not None:
        return "==", rule.equals
    if rule.min is not None and rule.max is not None:
        return "between", [rule.min, rule.max]
    if rule.max is not None:
        return "<=", rule.max
    return ">=", rule.min


@dataclass
class ScoringContext:
    """Everything shared by the tasks of one scoring run, prepared once."""

    project: Project
    rubric: Rubric
    rubric_yaml: str
    interface: LabelingInterface
    text_key: str | None
    lint_rules: Any = None  # LintRules when the rubric uses prompt.findings
    rules: dict[tuple, Rule] = field(default_factory=dict)
    summarize: bool = False  # describe each annotation in TaskScore.summary (sessions)

    @classmethod
    def build(cls, project: Project, rubric_path: Path | None = None) -> ScoringContext:
        """Parse the config and the rubric (`rubric_path`, else the project's) once."""
        if rubric_path is None and not project.rubric_yaml:
            raise InputError(f"project '{project.name}' has no rubric; give one with --rubric FILE")
        context = ProjectContext.of(project)
        context.interface.raise_for_errors()
        if rubric_path is not None:
            from labelmate.io.rubric_file import load_rubric

            path = Path(rubric_path)
            rubric = load_rubric(path, lint=False).require()
            rubric_yaml = path.read_text(encoding="utf-8").removeprefix("\ufeff")
        else:
            if context.rubric is None:
                first = context.problems[0] if context.problems else "it cannot be read"
                raise RubricError(f"the rubric of project '{project.name}' is invalid: {first}")
            rubric, rubric_yaml = context.rubric, project.rubric_yaml
        text_key = next(
            (
                o.data_key
                for o in context.interface.objects
                if o.tag.lower() in TEXT_OBJECTS and o.data_key
            ),
            None,
        )
        rules: dict[tuple, Rule] = {}
        uses_prompt = False
        for c in rubric.criteria:
            for level in c.levels:
                for rule in iter_rules(level.when):
                    rules.setdefault(
                        _rule_key(c.id, level.score, rule.metric, rule.describe()), rule
                    )
                    uses_prompt |= rule.metric == PROMPT_METRIC
        lint_rules = None
        if uses_prompt:
            from labelmate.usecases.prompt_lint import load_lint_rules

            lint_rules = load_lint_rules()
        return cls(project, rubric, rubric_yaml, context.interface, text_key, lint_rules, rules)

    def task_text(self, task: Task) -> str | None:
        if self.text_key is None:
            return None
        value = task.data.get(self.text_key)
        return value if isinstance(value, str) else None

    def measure(
        self, task: Task, mine: Sequence[RegionBase], gold: Sequence[RegionBase] | None
    ) -> dict[str, Measurement]:
        size = None
        if task.image_width and task.image_height:
            size = (task.image_width, task.image_height)
        out = measure(mine, gold, text=self.task_text(task), image_size=size)
        if self.lint_rules is not None:
            answers = [r for r in mine if isinstance(r, TextAnswer)]
            if answers:
                from labelmate.core.prompt_lint import prompt_metrics

                text = "\n\n".join(t for r in answers for t in r.text)
                out.update(prompt_metrics(text, self.lint_rules))
        return out

    def score(
        self,
        task: Task,
        mine: Annotation,
        mine_regions: Sequence[RegionBase],
        gold: Annotation | None = None,
        gold_regions: Sequence[RegionBase] | None = None,
    ) -> TaskScore:
        """Propose levels for one annotation (`mine`, whose regions are given apart so
        the annotation itself may be a head without them) against `gold`."""
        measured = self.measure(task, mine_regions, None if gold is None else gold_regions or [])
        result = evaluate(self.rubric, measured)
        assert task.id is not None
        return TaskScore(
            task_id=task.id,
            external_id=task.external_id,
            annotation_id=mine.id,
            gold_id=None if gold is None else gold.id,
            result=result,
            measurements=measured,
            summary=annotation_summary(mine_regions) if self.summarize else "",
        )

    def rule_of(self, criterion_id: str, ev: Evidence) -> Rule | None:
        return self.rules.get(_rule_key(criterion_id, ev.level_score, ev.metric, ev.threshold))

    def evidence_json(
        self,
        criterion_id: str,
        ev: Evidence,
        measurements: Mapping[str, Measurement] | None = None,
        *,
        full: bool = False,
    ) -> dict[str, Any]:
        """{"metric", "value", "threshold", "op", "source"}; with `full`, also the level,
        whether it passed, the message and the regions it came from (session snapshots)."""
        rule = self.rule_of(criterion_id, ev)
        op, threshold = rule_op(rule) if rule is not None else ("", ev.threshold)
        out: dict[str, Any] = {
            "metric": ev.metric,
            "value": ev.value,
            "threshold": threshold,
            "op": op,
            "source": ev.source,
        }
        if full:
            m = (measurements or {}).get(ev.metric)
            out |= {
                "level_score": ev.level_score,
                "level_name": ev.level_name,
                "passed": ev.passed,
                "matched": ev.matched_level,
                "rule": ev.threshold,
                "message": ev.message,
                "detail": ev.detail,
                "region_ids": list(m.region_ids) if m is not None else [],
            }
        return out


@dataclass(frozen=True)
class TaskScore:
    """One task's proposed levels with their evidence."""

    task_id: TaskId
    external_id: str
    annotation_id: AnnotationId | None
    gold_id: AnnotationId | None
    result: RubricResult
    measurements: Mapping[str, Measurement]
    summary: str = ""

    @property
    def has_gold(self) -> bool:
        return self.gold_id is not None


def proposed_by(result: CriterionResult) -> str:
    """rule | manual | none, as the JSON output names who decided the level."""
    if result.status == "proposed":
        return "rule"
    if result.status == "manual":
        return "manual"
    return "none"


# --- choosing tasks -------------------------------------------------------------------


@dataclass(frozen=True)
class _Pick:
    task: Task
    mine: Annotation  # a head: regions not loaded (see `_regions`)
    gold: Annotation | None


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
            gc.enable()


PARALLEL_FROM = 2000
"""Runs with at least this many tasks are shared among processes (see `_workers`)."""
_FORKED: tuple[ScoringContext, list[list[_Pick]], dict[AnnotationId, str]] | None = None


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
    """This process scores the first part while forked children score the others.

    Children never touch the workspace connection: they get the other parts' regions
    as stored (JSON text), read here before forking, and send back their TaskScores.
    If a child fails in any way, its part is scored here instead (where a genuine
    error then surfaces as usual).
    """
    global _FORKED
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(picks) // workers)
    parts = [picks[i : i + size] for i in range(0, len(picks), size)]
    ids = [p.mine.id for part in parts[1:] for p in part]
    ids += [p.gold.id for part in parts[1:] for p in part if p.gold is not None]
    _FORKED = (context, parts, ws.annotation_regions_json(ids))  # type: ignore[arg-type]
    try:
        with ProcessPoolExecutor(
            max_workers=len(parts) - 1, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            futures = [pool.submit(_score_part, k) for k in range(1, len(parts))]
            _FORKED = None  # the children have their copy; free the text here
            out = _score_here(ws, context, parts[0])
            for k, future in enumerate(futures, start=1):
                try:
                    out += [_unpack(packed) for packed in future.result()]
                except Exception:
                    out += _score_here(ws, context, parts[k])
    finally:
        _FORKED = None
    return out


def _score_part(index: int) -> list[tuple]:
    """In a forked child: score part `index` from the inherited `_FORKED`, packed."""
    from labelmate.store.score_sessions import decode_regions

    assert _FORKED is not None
    context, parts, raw = _FORKED
    gc.disable()
    out = []
    for p in parts[index]:
        regions = {p.mine.id: decode_regions(raw[p.mine.id])} if p.mine.id in raw else {}
        if p.gold is not None and p.gold.id in raw:
            regions[p.gold.id] = decode_regions(raw[p.gold.id])
        out.append(_pack(_score_one(context, p, regions)))
    return out


# A child's TaskScores travel back as plain tuples: pickling the frozen dataclasses
# themselves (field by field, in Python) cost more than a tenth of a 10,000-task run.
_EVIDENCE = tuple(f.name for f in fields(Evidence))
_MEASUREMENT = tuple(f.name for f in fields(Measurement))
_CRITERION = tuple(f.name for f in fields(CriterionResult) if f.name != "evidence")
_RESULT = tuple(f.name for f in fields(RubricResult) if f.name != "criteria")


def _pack(score: TaskScore) -> tuple:
    result = score.result
    return (
        score.task_id,
        score.external_id,
        score.annotation_id,
        score.gold_id,
        score.summary,
        tuple(getattr(result, n) for n in _RESULT),
        [
            (
                tuple(getattr(c, n) for n in _CRITERION),
                [tuple(getattr(e, n) for n in _EVIDENCE) for e in c.evidence],
            )
            for c in result.criteria
        ],
        [(k, tuple(getattr(m, n) for n in _MEASUREMENT)) for k, m in score.measurements.items()],
    )


def _unpack(packed: tuple) -> TaskScore:
    task_id, external_id, annotation_id, gold_id, summary, result, criteria, measured = packed
    return TaskScore(
        task_id=task_id,
        external_id=external_id,
        annotation_id=annotation_id,
        gold_id=gold_id,
        result=RubricResult(
            **dict(zip(_RESULT, result, strict=True)),
            criteria=[
                CriterionResult(
                    **dict(zip(_CRITERION, c, strict=True)),
                    evidence=[Evidence(*e) for e in evidence],
                )
                for c, evidence in criteria
            ],
        ),
        measurements={k: Measurement(*m) for k, m in measured},
        summary=summary,
    )


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
    return ScoreReport(project.name, context, str(chosen), seed, sample, eligible, scores)


# --- annotation summaries ---------------------------------------------------------------

_NOUNS = {
    "box": ("box", "boxes"),
    "polygon": ("polygon", "polygons"),
    "keypoint": ("keypoint", "keypoints"),
    "span": ("span", "spans"),
}


def annotation_summary(regions: Sequence[RegionBase]) -> str:
    """What an annotation holds, in a few words: `3 boxes (2 Solder Bridge, 1 Scratch)`."""
    parts: list[str] = []
    shapes: dict[str, list[RegionBase]] = {}
    for r in regions:
        kind = getattr(r, "type", "")
        if kind in _NOUNS:
            shapes.setdefault(kind, []).append(r)
    for kind, group in shapes.items():
        one, many = _NOUNS[kind]
        labels = Counter(label for r in group for label in r.labels)
        shown = ", ".join(f"{n} {label}" for label, n in labels.most_common(3))
        if len(labels) > 3:
            shown += ", …"
        noun = one if len(group) == 1 else many
        parts.append(f"{len(group)} {noun}" + (f" ({shown})" if shown else ""))
        if kind == "span":
            texts = [r.text for r in group if isinstance(r, Span) and r.text]
            if len(group) == 1 and texts:
                parts[-1] += f" “{_clip(texts[0], 30)}”"
    for r in regions:
        if isinstance(r, Choices):
            parts.append(f"{r.control}: {', '.join(r.labels) or '—'}")
        elif isinstance(r, Rating):
            parts.append(f"{r.control}: {r.rating}")
        elif isinstance(r, TextAnswer):
            text = " ".join(r.text)
            parts.append(f"{r.control}: “{_clip(text, 40)}” ({len(text)} chars)")
    return "; ".join(parts) if parts else "nothing labeled"


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


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
