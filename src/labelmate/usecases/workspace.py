"""Opening a workspace: the default location, or the one the user named."""

from __future__ import annotations

from pathlib import Path

from labelmate.store import Workspace, default_workspace_path
from labelmate.store import open_workspace as _open


def resolve_workspace_path(path: Path | None) -> Path:
    return Path(path).expanduser() if path is not None else default_workspace_path()


def open_workspace(path: Path | None) -> Workspace:
    """Open (creating it and its folder if needed); use as a context manager."""
    target = resolve_workspace_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return _open(target)
