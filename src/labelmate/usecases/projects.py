"""Project settings a user changes outside labeling: whether a project may be shared.

Imported client work starts confidential and the demo pack shareable; only shareable
projects ever reach a portfolio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from labelmate.core.errors import NotFoundError
from labelmate.core.models import Project
from labelmate.store import Workspace


@dataclass(frozen=True)
class ProjectSharing:
    name: str
    shareable: bool
    tasks: int
    finished_sessions: int


def _project(ws: Workspace, name: str) -> Project:
    project = ws.project_by_name(name)
    if project is None:
        names = ", ".join(sorted(p.name for p in ws.list_projects())) or "none yet"
        raise NotFoundError(f"no project named '{name}' (projects: {names})")
    return project


def set_shareable(ws: Workspace, names: Sequence[str], shareable: bool) -> list[Project]:
    """Mark projects shareable (they may appear in a portfolio) or confidential.

    Every name is checked before anything changes, so a typo changes nothing.
    """
    projects = [_project(ws, name) for name in names]
    out = []
    for project in projects:
        if project.confidential == shareable:
            project = ws.update_project(project.model_copy(update={"confidential": not shareable}))
        out.append(project)
    return out


def project_sharing(ws: Workspace) -> list[ProjectSharing]:
    """Every project with its sharing state and what a portfolio could show of it."""
    out = []
    for p in sorted(ws.list_projects(), key=lambda p: p.name.casefold()):
        assert p.id is not None
        finished = sum(1 for s in ws.list_score_sessions(p.id) if s.finished)
        out.append(ProjectSharing(p.name, not p.confidential, ws.count_tasks(p.id), finished))
    return out
