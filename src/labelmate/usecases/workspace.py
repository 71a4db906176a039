"""Opening a workspace: the default location, or the one the user named."""

from __future__ import annotations

from pathlib import Path

from labelmate.store import Workspace, default_workspace_path


def resolve_workspace_path(path: Path | None) -> Path:
    return Path(path).expanduser() if path is not None else default_workspace_path()


def open_workspace(path: Path | None) -> Workspace:
    """Open (creating if needed) the workspace; use as a context manager."""
    target = resolve_workspace_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return Workspace.open(target)
