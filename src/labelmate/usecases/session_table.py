"""The self-score session table (Your annotation | Criterion | Self-score | Key takeaway)
with weighted totals, and its CSV and Markdown exports.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelmate.core.errors import NotFoundError
from labelmate.core.ids import TaskId
from labelmate.core.rubric import Rubric
from labelmate.core.rubric import format_number as _num
from labelmate.core.scoring import level_label, mean, weighted_total
from labelmate.store import Workspace
from labelmate.store.score_sessions import ScoreSession
from labelmate.usecases.score_common import _fmt_total
from labelmate.usecases.score_sessions import session_rubric


@dataclass(frozen=True)
class SessionRow:
    """One line of the session table: a task × criterion."""

    task_id: TaskId
    task: str  # external id
    annotation: str  # "Your annotation" summary
    criterion_id: str
    criterion: str  # name
    weight: float
    proposal: str
    proposed_score: float | None
    proposed: str  # "Acceptable (3/5)" or ""
    decision: str
    final_score: float | None
    self_score: str  # "Acceptable (3/5)", or "" while pending
    override_reason: str
    takeaway: str
    evidence: tuple[dict[str, Any], ...]

    @property
    def evidence_text(self) -> str:
        return "; ".join(str(e.get("message") or "") for e in self.evidence if e.get("message"))


@dataclass
class SessionTable:
    session: ScoreSession
    rubric: Rubric
    rows: list[SessionRow]
    task_totals: dict[TaskId, float | None]  # weighted 0–100 over final scores
    task_takeaways: dict[TaskId, str]
    task_names: dict[TaskId, str]
    total: float | None  # mean of the task totals
    decided: int
    items: int

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "task",
                "your_annotation",
                "criterion_id",
                "criterion",
                "weight",
                "proposed_score",
                "proposed_level",
                "decision",
                "final_score",
                "self_score",
                "override_reason",
                "key_takeaway",
                "task_total",
                "task_takeaway",
                "evidence",
            ]
        )
        for r in self.rows:
            total = self.task_totals.get(r.task_id)
            w.writerow(
                [
                    r.task,
                    r.annotation,
                    r.criterion_id,
                    r.criterion,
                    _num(r.weight),
                    "" if r.proposed_score is None else _num(r.proposed_score),
                    r.proposed,
                    r.decision,
                    "" if r.final_score is None else _num(r.final_score),
                    r.self_score,
                    r.override_reason,
                    r.takeaway,
                    "" if total is None else f"{total:.1f}",
                    self.task_takeaways.get(r.task_id, ""),
                    r.evidence_text,
                ]
            )
        return buf.getvalue()

    def to_markdown(self) -> str:
        """GitHub-ready: the brief's four columns, then totals per task and overall."""
        lines = [
            f"## Self-score session {self.session.id} — rubric `{self.rubric.id}`",
            "",
            "| Your annotation | Rubric criterion | Your self-score | Key takeaway |",
            "|---|---|---|---|",
        ]
        for r in self.rows:
            score = r.self_score or (f"(proposed) {r.proposed}" if r.proposed else "not scored")
            if r.decision == "overridden" and r.override_reason:
                score += f" — overridden: {r.override_reason}"
            lines.append(
                "| "
                + " | ".join(
                    md_cell(x)
                    for x in (f"{r.task}: {r.annotation}", r.criterion, score, r.takeaway)
                )
                + " |"
            )
        lines += ["", "| Task | Weighted total (0–100) | Takeaway |", "|---|---|---|"]
        for t in self.session.tasks:
            lines.append(
                "| "
                + " | ".join(
                    md_cell(x)
                    for x in (
                        self.task_names.get(t.task_id, str(t.task_id)),
                        _fmt_total(self.task_totals.get(t.task_id)),
                        self.task_takeaways.get(t.task_id, ""),
                    )
                )
                + " |"
            )
        lines += [
            "",
            f"Session total: {_fmt_total(self.total)} ({self.decided} of {self.items} items"
            " scored)",
            "",
        ]
        return "\n".join(lines)


def md_cell(text: str) -> str:
    """Text safe inside a GitHub Markdown table cell: pipes escaped, lines joined."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = "<br>".join(line.strip() for line in text.strip().splitlines())
    return text


def _task_names(ws: Workspace, session: ScoreSession) -> dict[TaskId, str]:
    names = {}
    for t in session.tasks:
        try:
            names[t.task_id] = ws.get_task(t.task_id).external_id
        except NotFoundError:
            names[t.task_id] = f"task {t.task_id}"
    return names


def session_table(ws: Workspace, session_id: int) -> SessionTable:
    """Rows Your annotation | Criterion | Self-score | Key takeaway, with totals."""
    session = ws.get_score_session(session_id)
    rubric = session_rubric(session)
    names = _task_names(ws, session)
    summaries = {t.task_id: t.summary for t in session.tasks}
    rows = []
    finals: dict[TaskId, dict[str, float | None]] = {t.task_id: {} for t in session.tasks}
    for it in session.items:
        try:
            criterion = rubric.criterion(it.criterion_id)
        except KeyError:
            continue
        finals[it.task_id][it.criterion_id] = it.final_score
        rows.append(
            SessionRow(
                task_id=it.task_id,
                task=names.get(it.task_id, str(it.task_id)),
                annotation=summaries.get(it.task_id, ""),
                criterion_id=it.criterion_id,
                criterion=criterion.name,
                weight=criterion.weight,
                proposal=it.proposal,
                proposed_score=it.proposed_score,
                proposed=level_label(rubric, criterion, it.proposed_score),
                decision=it.decision,
                final_score=it.final_score,
                self_score=level_label(rubric, criterion, it.final_score),
                override_reason=it.override_reason or "",
                takeaway=it.takeaway,
                evidence=it.evidence,
            )
        )
    totals = {tid: weighted_total(rubric, scores) for tid, scores in finals.items()}
    return SessionTable(
        session=session,
        rubric=rubric,
        rows=rows,
        task_totals=totals,
        task_takeaways={t.task_id: t.takeaway for t in session.tasks if t.takeaway},
        task_names=names,
        total=mean(totals.values()),
        decided=sum(it.final_score is not None for it in session.items),
        items=len(session.items),
    )


def export_session_csv(ws: Workspace, session_id: int, path: Path) -> Path:
    from labelmate.io.atomic import write_text_atomic

    write_text_atomic(Path(path), session_table(ws, session_id).to_csv())
    return Path(path)


def export_session_markdown(ws: Workspace, session_id: int, path: Path) -> Path:
    from labelmate.io.atomic import write_text_atomic

    write_text_atomic(Path(path), session_table(ws, session_id).to_markdown())
    return Path(path)
