"""Starting the Qt application: display detection, settings identity, the window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ORGANIZATION = "Labelmate"
APPLICATION = "Labelmate"


def display_problem(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str:
    """Why the window cannot open here, or "" when it can.

    Qt aborts the process when it finds no display; we check first so the user gets
    a sentence instead of a core dump.
    """
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return ""
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return ""  # offscreen, minimal, vnc, eglfs ... need no display server
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open. "
        "Run it from a desktop session, or set QT_QPA_PLATFORM=offscreen to run headless. "
        "Commands such as 'labelmate demo' and 'labelmate rubric check' need no display."
    )


def run_app(workspace: Path | None, project: str | None = None) -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from labelmate.gui.main_window import MainWindow
    from labelmate.paths import resource_path
    from labelmate.usecases.workspace import open_workspace

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(QIcon(str(resource_path("icons", "labelmate.svg"))))
    with open_workspace(workspace) as ws:
        window = MainWindow(ws, initial_project=project)
        window.show()
        return app.exec()
