"""The picture under the regions: a screen-resolution decode, and the full image once zoomed in."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem


class ImageItem(QGraphicsItem):
    """The picture: a screen-resolution decode, and the full image once zoomed in."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(-10)
        self.preview = QImage()
        self.full: QImage | None = None
        self.rect = QRectF()

    def set_images(self, preview: QImage, full_width: int, full_height: int) -> None:
        self.prepareGeometryChange()
        self.preview = preview
        self.full = None
        self.rect = QRectF(0, 0, full_width, full_height)
        self.update()

    def preview_scale(self) -> float:
        return self.preview.width() / self.rect.width() if self.rect.width() else 1.0

    def boundingRect(self) -> QRectF:
        return self.rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.preview.isNull():
            return
        device_scale = painter.deviceTransform().m11()
        zoomed_in = device_scale > self.preview_scale() * 1.01
        image = self.full if (zoomed_in and self.full is not None) else self.preview
        # Zoomed in, annotators want to see pixels, not a blur; zoomed out, smooth.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, device_scale < 1.0)
        painter.drawImage(self.rect, image)
