"""The canvas as the user sees it, compared with a stored picture.

Catches drawing regressions no geometry assertion sees: a layer that stops painting,
handles on the wrong region, colours taken from the wrong label. Regenerate the
reference after an intended change with LABELMATE_UPDATE_SNAPSHOTS=1 and look at it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.gui.canvas.items import label_colour
from labelmate.gui.canvas.view import CanvasView

REFERENCE = Path(__file__).parent / "snapshots" / "canvas_regions.png"
COLOURS = {"Scratch": "#8E24AA", "Leaf": "#43A047", "Tip": "#E53935"}


def _picture() -> QImage:
    """A deterministic 'photo': tiles of grey so outlines are seen on light and dark."""
    image = QImage(400, 300, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    for i in range(8):
        for j in range(6):
            shade = 40 + ((i + j) % 2) * 150
            painter.fillRect(QRect(i * 50, j * 50, 50, 50), QColor(shade, shade, shade))
    painter.end()
    return image


def _render(qtbot) -> QImage:
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(420, 320)
    view.colour_of = lambda r: label_colour(COLOURS[r.labels[0]], "#E53935")
    view.show()
    view.set_image(_picture(), 400, 300)
    view.resetTransform()
    view.centerOn(200, 150)
    box = Box(
        id="b1", control="c", target="image", labels=("Scratch",), x=40, y=30, width=120, height=80
    )
    leaf = Polygon(
        id="p1",
        control="c",
        target="image",
        labels=("Leaf",),
        points=((220, 60), (340, 80), (360, 200), (250, 240), (210, 150)),
    )
    tip = Keypoint(id="k1", control="c", target="image", labels=("Tip",), x=100, y=220)
    view.set_regions([box, leaf, tip])
    view.select(["p1"])  # filled, thick, with vertex handles
    qtbot.mouseMove(view.viewport(), view.mapFromScene(100, 70))  # hover the box
    image = QImage(view.viewport().size(), QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.black)
    painter = QPainter(image)
    view.viewport().render(painter, QPoint(0, 0))
    painter.end()
    return image


def _difference(a: QImage, b: QImage) -> tuple[float, float]:
    """(mean absolute difference per channel, share of pixels off by more than 64)."""
    assert (a.width(), a.height()) == (b.width(), b.height())
    a = a.convertToFormat(QImage.Format.Format_RGB32)
    b = b.convertToFormat(QImage.Format.Format_RGB32)
    da, db = bytes(a.constBits()), bytes(b.constBits())
    total = 0
    far = 0
    for i in range(0, len(da), 4):
        d = max(abs(da[i] - db[i]), abs(da[i + 1] - db[i + 1]), abs(da[i + 2] - db[i + 2]))
        total += d
        far += d > 64
    n = len(da) // 4
    return total / n, far / n


def test_canvas_draws_regions_selection_and_hover_as_stored(qtbot):
    image = _render(qtbot)
    if os.environ.get("LABELMATE_UPDATE_SNAPSHOTS") == "1" or not REFERENCE.exists():
        REFERENCE.parent.mkdir(exist_ok=True)
        image.save(str(REFERENCE))
        assert os.environ.get("LABELMATE_UPDATE_SNAPSHOTS") == "1", "reference was missing"
    reference = QImage(str(REFERENCE))
    mean, far = _difference(image, reference)
    assert mean < 2.0 and far < 0.005, (mean, far)


def test_snapshot_comparison_notices_a_missing_outline(qtbot):
    """The tolerance is not so loose that losing one region's outline passes."""
    image = _render(qtbot)
    reference = QImage(str(REFERENCE))
    painter = QPainter(image)
    painter.fillRect(QRect(20, 20, 180, 120), QColor(40, 40, 40))  # paint over the box area
    painter.end()
    mean, far = _difference(image, reference)
    assert not (mean < 2.0 and far < 0.005)
