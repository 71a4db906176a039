"""GUI tests: offscreen Qt (tests/conftest.py) and settings isolated from the user's."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QSettings


@pytest.fixture(autouse=True)
def isolated_settings(qapp, tmp_path):
    QCoreApplication.setOrganizationName("LabelmateTests")
    QCoreApplication.setApplicationName("LabelmateTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings().clear()
    yield tmp_path
