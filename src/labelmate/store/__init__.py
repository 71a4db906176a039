"""The workspace store: one SQLite file per workspace, through sqlite-utils.

Never imports Qt; the GUI reaches it only through use-cases.
"""

from labelmate.store.rows import Edit
from labelmate.store.schema import CURRENT_VERSION
from labelmate.store.workspace import Workspace, default_workspace_path, open_workspace

__all__ = ["CURRENT_VERSION", "Edit", "Workspace", "default_workspace_path", "open_workspace"]
