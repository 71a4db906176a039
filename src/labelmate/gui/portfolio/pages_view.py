"""Paginated QTextDocument shown as sheets of paper: the PDF exactly as it will print.

The document comes from `portfolio_pdf.portfolio_document`, laid out on the PDF's own
page size, so the pages, breaks and cards seen here are the PDF's. Only pages in the
exposed area are painted.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QTextDocument
from PySide6.QtWidgets import QScrollArea, QWidget

from labelmate.gui.portfolio_pdf import draw_page

_GAP = 16  # pixels between sheets, and around them


def _margins() -> tuple[float, float, float, float]:
    """The PDF's page margins as fractions of its printable width/height (l, t, r, b)."""
    from labelmate.gui.portfolio_pdf import page_layout

    layout = page_layout()
    full, paint = layout.fullRect(), layout.paintRect()
    return (
        (paint.left() - full.left()) / paint.width(),
        (paint.top() - full.top()) / paint.height(),
        (full.right() - paint.right()) / paint.width(),
        (full.bottom() - paint.bottom()) / paint.height(),
    )


class _Sheets(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.document: QTextDocument | None = None
        self.scale = 1.0
        self.margins = _margins()
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor("#6b7280"))
        self.setPalette(palette)

    def page_size(self) -> tuple[float, float]:
        """A whole sheet (the printable area and the margins), in widget pixels."""
        assert self.document is not None
        size = self.document.pageSize()
        left, top, right, bottom = self.margins
        return (
            size.width() * (1 + left + right) * self.scale,
            size.height() * (1 + top + bottom) * self.scale,
        )

    def page_count(self) -> int:
        return 0 if self.document is None else self.document.pageCount()

    def page_rect(self, index: int) -> QRectF:
        """Where sheet `index` (0-based) is drawn, in this widget's coordinates."""
        w, h = self.page_size()
        x = max(_GAP, (self.width() - w) / 2)
        return QRectF(x, _GAP + index * (h + _GAP), w, h)

    def sizeHint(self) -> QSize:
        if self.document is None:
            return QSize(200, 200)
        w, h = self.page_size()
        n = self.page_count()
        return QSize(math.ceil(w + 2 * _GAP), math.ceil(n * (h + _GAP) + _GAP))

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.document is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        exposed = QRectF(event.rect())
        page = self.document.pageSize()
        for i in range(self.page_count()):
            rect = self.page_rect(i)
            if not rect.intersects(exposed):
                continue
            painter.fillRect(rect.translated(3, 3), QColor(0, 0, 0, 70))
            painter.fillRect(rect, Qt.GlobalColor.white)
            painter.save()
            painter.translate(rect.topLeft())
            painter.translate(
                self.margins[0] * page.width() * self.scale,
                self.margins[1] * page.height() * self.scale,
            )
            painter.scale(self.scale, self.scale)
            draw_page(painter, self.document, i)
            painter.restore()
        painter.end()


class PagesView(QScrollArea):
    """Scrollable sheets; the pages fit the view's width unless zoomed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sheets = _Sheets()
        self.setWidget(self.sheets)
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)

    def set_document(self, document: QTextDocument | None) -> None:
        """Show `document` (the view does not own it), keeping the scroll position."""
        top = self.verticalScrollBar().value()
        self.sheets.document = document
        self._fit()
        self.verticalScrollBar().setValue(top)
        self.sheets.update()

    def page_count(self) -> int:
        return self.sheets.page_count()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        doc = self.sheets.document
        if doc is not None and doc.pageSize().width() > 0:
            left, _top, right, _bottom = self.sheets.margins
            sheet = doc.pageSize().width() * (1 + left + right)
            room = self.viewport().width() - 2 * _GAP
            self.sheets.scale = max(0.2, min(1.0, room / sheet))
        hint = self.sheets.sizeHint()
        self.sheets.resize(max(hint.width(), self.viewport().width()), hint.height())
