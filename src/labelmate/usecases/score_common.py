"""Small helpers shared by the self-scoring modules: project lookup and the total's format."""

from __future__ import annotations

from labelmate.core.errors import NotFoundError
from labelmate.core.models import Project
from labelmate.store import Workspace


def _project(ws: Workspace, project: str | Project) -> Project:
    if isinstance(project, Project):
        return project
    found = ws.project_by_name(project)
    if found is None:
        names = ", ".join(f"'{p.name}'" for p in ws.list_projects()) or "none yet"
        raise NotFoundError(f"no project named '{project}' (projects: {names})")
    return found


def _fmt_total(total: float | None) -> str:
    return "—" if total is None else f"{total:.1f}"
