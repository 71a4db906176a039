"""Reports on self-score sessions: calibration against gold, time per criterion,
bottlenecks, and progress across finished sessions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labelmate.core.errors import NotFoundError
from labelmate.core.ids import TaskId
from labelmate.core.models import Project
from labelmate.core.rubric import Criterion, Rubric
from labelmate.core.scoring import (
    Bottlenecks,
    Calibration,
    EditEvent,
    ItemScore,
    Progress,
    SessionPoint,
    TimeSplit,
    attribute_time,
    bottlenecks,
    calibration,
    mean,
    progress,
    weighted_total,
)
from labelmate.store import Workspace
from labelmate.store.score_sessions import ScoreSession, SessionTask
from labelmate.usecases.score_common import _project
from labelmate.usecases.score_sessions import session_rubric
from labelmate.usecases.session_table import _task_names


def _item_scores(
    session: ScoreSession, rubric: Rubric, names: Mapping[TaskId, str]
) -> list[ItemScore]:
    known = {c.id: c for c in rubric.criteria}
    out = []
    for it in session.items:
        criterion = known.get(it.criterion_id)
        if criterion is None:
            continue
        out.append(
            ItemScore(
                task=names.get(it.task_id, str(it.task_id)),
                criterion_id=it.criterion_id,
                proposed=it.proposed_score,
                final=it.final_score,
                max_score=criterion.max_score,
                gold_measured=it.proposal == "proposed"
                and any(e.get("source") == "gold" for e in it.evidence),
                decision=it.decision,
            )
        )
    return out


def session_calibration(ws: Workspace, session_id: int, *, worst: int = 5) -> Calibration:
    """Final self-scores against the gold-measured proposals, per criterion."""
    session = ws.get_score_session(session_id)
    rubric = session_rubric(session)
    return calibration(_item_scores(session, rubric, _task_names(ws, session)), worst=worst)


@dataclass(frozen=True)
class SessionTime:
    per_task: dict[TaskId, TimeSplit]
    total: TimeSplit


def session_time(ws: Workspace, session_id: int, *, idle_after: float = 60.0) -> SessionTime:
    """Active time per task and per criterion, from the edit log and the lead time."""
    session = ws.get_score_session(session_id)
    rubric = session_rubric(session)
    per_task: dict[TaskId, TimeSplit] = {}
    total = TimeSplit(0.0, {c.id: 0.0 for c in rubric.criteria}, {})
    for t in session.tasks:
        per_task[t.task_id] = split = task_time(ws, t, rubric.criteria, idle_after=idle_after)
        total = total + split
    return SessionTime(per_task, total)


def task_time(
    ws: Workspace,
    task: SessionTask,
    criteria: Sequence[Criterion],
    *,
    idle_after: float = 60.0,
) -> TimeSplit:
    lead: float | None = None
    if task.annotation_id is not None:
        try:
            lead = ws.get_annotation(task.annotation_id).lead_time
        except NotFoundError:
            lead = None
    events = [
        EditEvent(e.at, e.detail, e.action)
        for e in ws.edits(task.task_id)
        if (task.annotation_id is not None and e.annotation_id == task.annotation_id)
        or e.action == "status_set"
    ]
    return attribute_time(events, lead, criteria, idle_after=idle_after)


def session_bottlenecks(ws: Workspace, session_id: int) -> Bottlenecks:
    """Criteria ranked by points lost and by time, with the descriptor one level up."""
    session = ws.get_score_session(session_id)
    rubric = session_rubric(session)
    items = _item_scores(session, rubric, _task_names(ws, session))
    seconds = session_time(ws, session_id).total.by_criterion
    return bottlenecks(rubric, items, seconds)


def project_progress(ws: Workspace, project: str | Project) -> Progress:
    """Per-criterion mean final scores per finished session, oldest first, with trends.

    Criteria follow the latest session's rubric; a criterion a session's rubric did
    not have is None there.
    """
    proj = _project(ws, project)
    assert proj.id is not None
    finished = [s for s in ws.list_score_sessions(proj.id, with_items=True) if s.finished]
    points = []
    max_scores: dict[str, float] = {}
    for s in sorted(finished, key=lambda s: (s.finished_at or s.created_at, s.id or 0)):
        rubric = session_rubric(s)
        max_scores = {c.id: c.max_score for c in rubric.criteria}
        by_criterion: dict[str, list[float]] = {}
        finals: dict[TaskId, dict[str, float | None]] = {}
        for it in s.items:
            if it.final_score is not None:
                by_criterion.setdefault(it.criterion_id, []).append(it.final_score)
            finals.setdefault(it.task_id, {})[it.criterion_id] = it.final_score
        totals = [weighted_total(rubric, f) for f in finals.values()]
        points.append(
            SessionPoint(
                session_id=s.id or 0,
                at=s.finished_at or s.created_at,
                means={cid: sum(v) / len(v) for cid, v in by_criterion.items()},
                total=mean(totals),
            )
        )
    return progress(points, max_scores)
