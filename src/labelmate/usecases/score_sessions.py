"""Self-score session decisions: confirm, override, manual scores, reset, takeaways,
finish, and listing a project's sessions.
"""

from __future__ import annotations

from dataclasses import replace

from labelmate.core.errors import InputError
from labelmate.core.ids import TaskId
from labelmate.core.models import Project
from labelmate.core.rubric import Criterion, Rubric
from labelmate.core.rubric import format_number as _num
from labelmate.store import Workspace
from labelmate.store.score_sessions import ScoreItem, ScoreSession
from labelmate.usecases.score_common import _project


def session_rubric(session: ScoreSession) -> Rubric:
    """The rubric as it was when the session started."""
    from labelmate.io.rubric_file import parse_rubric_text

    return parse_rubric_text(
        session.rubric_yaml, f"rubric of score session {session.id}", lint=False
    ).require()


def _item(ws: Workspace, session_id: int, task_id: TaskId, criterion_id: str):
    session = ws.get_score_session(session_id)
    rubric = session_rubric(session)
    try:
        criterion = rubric.criterion(criterion_id)
    except KeyError:
        raise InputError(f"rubric '{rubric.id}' has no criterion '{criterion_id}'") from None
    return session, criterion, session.item(task_id, criterion_id)


def _check_level(criterion: Criterion, score: float) -> float:
    levels = sorted({lv.score for lv in criterion.levels}, reverse=True)
    if score not in levels:
        allowed = ", ".join(_num(s) for s in levels)
        raise InputError(
            f"{_num(score)} is not a level of criterion '{criterion.id}' (levels: {allowed})"
        )
    return float(score)


def confirm(ws: Workspace, session_id: int, task_id: TaskId, criterion_id: str) -> ScoreItem:
    """Keep the proposed level as the final one."""
    _session, criterion, item = _item(ws, session_id, task_id, criterion_id)
    if item.proposed_score is None:
        raise InputError(
            f"nothing was proposed for '{criterion.name}' on this task ({item.proposal});"
            " choose a level yourself"
        )
    updated = replace(
        item, decision="confirmed", final_score=item.proposed_score, override_reason=None
    )
    return ws.set_item(session_id, updated)


def override(
    ws: Workspace,
    session_id: int,
    task_id: TaskId,
    criterion_id: str,
    score: float,
    reason: str,
) -> ScoreItem:
    """Replace the proposed level with another one; the reason is required and kept.

    Choosing the proposed level again is a confirmation; on an item with nothing
    proposed (manual, not measurable) it is the same as `set_manual`.
    """
    _session, criterion, item = _item(ws, session_id, task_id, criterion_id)
    score = _check_level(criterion, score)
    if item.proposed_score is None:
        return _manual(ws, session_id, item, score)
    if score == item.proposed_score:
        updated = replace(item, decision="confirmed", final_score=score, override_reason=None)
        return ws.set_item(session_id, updated)
    if not reason.strip():
        raise InputError(
            f"say why '{criterion.name}' is not the proposed level: an override keeps its reason"
        )
    updated = replace(
        item, decision="overridden", final_score=score, override_reason=reason.strip()
    )
    return ws.set_item(session_id, updated)


def set_manual(
    ws: Workspace, session_id: int, task_id: TaskId, criterion_id: str, score: float
) -> ScoreItem:
    """Score a criterion the rules could not: a manual one, or one not measurable here."""
    _session, criterion, item = _item(ws, session_id, task_id, criterion_id)
    score = _check_level(criterion, score)
    if item.proposed_score is not None:
        if score != item.proposed_score:
            raise InputError(
                f"the rules proposed a level for '{criterion.name}'; override it with a reason"
            )
        return confirm(ws, session_id, task_id, criterion_id)
    return _manual(ws, session_id, item, score)


def _manual(ws: Workspace, session_id: int, item: ScoreItem, score: float) -> ScoreItem:
    return ws.set_item(
        session_id, replace(item, decision="manual", final_score=score, override_reason=None)
    )


def reset(ws: Workspace, session_id: int, task_id: TaskId, criterion_id: str) -> ScoreItem:
    """Take back a decision: the item is pending again (its takeaway stays)."""
    _session, _criterion, item = _item(ws, session_id, task_id, criterion_id)
    updated = replace(item, decision="pending", final_score=None, override_reason=None)
    return ws.set_item(session_id, updated)


def set_takeaway(
    ws: Workspace,
    session_id: int,
    task_id: TaskId,
    criterion_id: str | None,
    text: str,
) -> None:
    """The key takeaway of a task × criterion, or of the whole task (criterion None)."""
    if criterion_id is None:
        ws.set_session_task_takeaway(session_id, task_id, text.strip())
        return
    _session, _criterion, item = _item(ws, session_id, task_id, criterion_id)
    ws.set_item(session_id, replace(item, takeaway=text.strip()))


def finish(ws: Workspace, session_id: int) -> ScoreSession:
    """Close the session; it becomes read-only. Undecided items stay unscored."""
    return ws.finish_score_session(session_id)


def list_sessions(ws: Workspace, project: str | Project) -> list[ScoreSession]:
    """The project's sessions, oldest first (without their items)."""
    proj = _project(ws, project)
    assert proj.id is not None
    return ws.list_score_sessions(proj.id)
