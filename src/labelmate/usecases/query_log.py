"""The query log of a project: keep sent queries, record answers, turn them into rulings.

A ruling is written into the project's rubric YAML (`rulings:`), so it appears in the
rubric panel, in hints on similar items, and travels with the rubric on export.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from labelmate.core.errors import WorkspaceError
from labelmate.core.models import Project
from labelmate.core.query import Draft
from labelmate.store import Workspace
from labelmate.store.queries import QueryRecord


def log_sent(ws: Workspace, project: Project, draft: Draft | Any, text: str) -> QueryRecord:
    """Store a query the user sent, with the draft it came from."""
    assert project.id is not None
    return ws.add_query(
        project.id,
        draft.item_id,
        text,
        draft=draft.to_dict(),
        region_id=draft.region_id,
        status="sent",
    )


def record_answer(
    ws: Workspace,
    project: Project,
    query_id: int,
    answer: str,
    *,
    as_ruling: bool = False,
    criterion: str | None = None,
) -> QueryRecord:
    """Record the answer; with `as_ruling`, also add it to the project's rubric as a
    ruling on `criterion` (default: the first criterion the draft named)."""
    from labelmate.usecases.query import answer_to_ruling, rubric_text_with_ruling

    record = ws.get_query(query_id)
    if record.project_id != project.id:
        raise WorkspaceError(f"query {query_id} belongs to another project")
    ruling_id = None
    if as_ruling:
        if not project.rubric_yaml:
            raise WorkspaceError(f"project {project.name!r} has no rubric to keep the ruling in")
        draft = Draft.from_dict(record.draft) if record.draft else None
        existing = _rulings_of(project)
        ruling = answer_to_ruling(
            draft if draft is not None else record.text,
            answer,
            criterion=criterion,
            decided_on=date.today(),
            source=f"query {query_id}",
            existing=existing,
        )
        text = rubric_text_with_ruling(project.rubric_yaml, ruling, f"rubric of {project.name}")
        ws.update_project(project.model_copy(update={"rubric_yaml": text}))
        ruling_id = ruling.id
    return ws.answer_query(query_id, answer, ruling_id=ruling_id)


def _rulings_of(project: Project) -> tuple[Any, ...]:
    from labelmate.io.rubric_file import parse_rubric_text

    if not project.rubric_yaml:
        return ()
    rubric = parse_rubric_text(project.rubric_yaml, project.name, lint=False).rubric
    return tuple(rubric.rulings) if rubric is not None else ()
