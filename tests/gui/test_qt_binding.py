"""The Qt binding itself: a guard against a release that would crash the canvas."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtGui import QColor, QImage, QPainter, QPen


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_calls_returning_nothing_keep_none_alive(qapp):
    """PySide6 6.12.0 on Python 3.11 lost a reference to None on each such call, and the
    app aborted after a few thousand canvas repaints."""
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    pen = QPen(QColor("red"))
    before = sys.getrefcount(None)
    for _ in range(1000):
        pen.setWidth(2)
        painter.setPen(pen)
    after = sys.getrefcount(None)
    painter.end()
    assert after >= before - 10
