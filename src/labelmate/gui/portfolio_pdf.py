"""The portfolio's PDF: its HTML variant laid out by QTextDocument and printed by QPdfWriter.

`portfolio_document` lays the HTML (rendered with `for_pdf` true) out on A4 pages of
`page_layout()` exactly as `render_pdf` prints it, so a live preview can draw the same
pages. Fonts are embedded by QPdfWriter; sections start on a new page through the
template's `page-break-before: always`.

QTextDocument ignores `page-break-inside: avoid`, so cards are kept whole here: the
template marks the first block of each keep-together unit (a sample card, a chart, a
query) with an anchor named `card-…` placed before the block's text; a card runs up
to the next card, the next heading of level 1 or 2, page-breaking block or block
anchored `card-stop` (the footer), or the end. After layout, a card that straddles
a page boundary but fits on a page gets a page break before its first block; cards
are handled top to bottom, each measured after the earlier moves.

Runs without a display: when no QGuiApplication exists one is created, offscreen if
there is no display; an existing application (the GUI's) is used as it is.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QPageLayout, QPainter, QTextBlock, QTextDocument

__all__ = ["Card", "cards", "draw_page", "page_layout", "portfolio_document", "render_pdf"]

CARD_PREFIX = "card-"
CARD_STOP = "card-stop"
MARGINS_MM = (16.0, 16.0, 16.0, 18.0)  # left, top, right, bottom

_app = None  # keep the application we created alive


def _ensure_app() -> None:
    global _app
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication([])


# --- public API -----------------------------------------------------------------------------


def page_layout() -> QPageLayout:
    """A4 portrait with the portfolio's margins (millimetres)."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize

    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        QMarginsF(*MARGINS_MM),
        QPageLayout.Unit.Millimeter,
    )


def portfolio_document(html: str, base_dir: Path, *, css: str | None = None) -> QTextDocument:
    """`html` (images relative to `base_dir`) laid out on A4 pages, cards kept whole.

    The page size is the printable area of `page_layout()` in the document's own
    units (pixels at the application's default DPI), one document page per PDF page.
    """
    _ensure_app()
    from PySide6.QtCore import QSizeF, QUrl
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setBaseUrl(QUrl.fromLocalFile(str(base_dir.resolve()) + "/"))
    # The browser style sheet (custom properties, grid) is beyond Qt's CSS subset, and
    # one unparsable rule can cost the whole sheet, so the PDF gets its own.
    doc.setDefaultStyleSheet(_qt_css(css or ""))
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    rect = page_layout().paintRectPixels(_layout_dpi())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    _keep_cards_whole(doc)
    return doc


def render_pdf(html: str, base_dir: Path, target: Path, *, css: str | None = None) -> None:
    """Lay out `html` (images relative to `base_dir`) on A4 pages and write `target`."""
    doc = portfolio_document(html, base_dir, css=css)
    from PySide6.QtGui import QPdfWriter

    writer = QPdfWriter(str(target))
    writer.setResolution(_layout_dpi())  # one document pixel per device pixel
    writer.setTitle(doc.metaInformation(doc.MetaInformation.DocumentTitle) or "Portfolio")
    writer.setCreator("Labelmate")
    writer.setPageLayout(page_layout())
    from PySide6.QtGui import QPainter

    painter = QPainter(writer)
    try:
        for index in range(doc.pageCount()):
            if index:
                writer.newPage()
            draw_page(painter, doc, index)
    finally:
        painter.end()


def draw_page(painter: QPainter, doc: QTextDocument, index: int) -> None:
    """Draw page `index` (0-based) of `doc` with the painter's origin at the top left of
    the page's printable area (one document pixel per device pixel), and the running
    footer — the document title and "page i of n" — in the bottom margin below it.

    `render_pdf` prints with it and the GUI preview draws with it, so the two agree.
    """
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QFont

    size = doc.pageSize()
    painter.save()
    clip = QRectF(0, index * size.height(), size.width(), size.height())
    painter.translate(0, -clip.top())
    painter.setClipRect(clip)
    context = QAbstractTextDocumentLayout.PaintContext()
    context.clip = clip
    doc.documentLayout().draw(painter, context)
    painter.restore()

    painter.save()
    font = QFont(doc.defaultFont())
    font.setPointSizeF(7.5)
    painter.setFont(font)
    painter.setPen(QColor("#6b7280"))
    mm = size.width() / page_layout().paintRect().width()  # document pixels per millimetre
    band = QRectF(0, size.height() + 6 * mm, size.width(), 6 * mm)
    title = doc.metaInformation(doc.MetaInformation.DocumentTitle)
    align = Qt.AlignmentFlag.AlignVCenter
    painter.drawText(band, align | Qt.AlignmentFlag.AlignLeft, title)
    page = f"Page {index + 1} of {doc.pageCount()}"
    painter.drawText(band, align | Qt.AlignmentFlag.AlignRight, page)
    painter.restore()


@dataclass(frozen=True)
class Card:
    """A keep-together unit: its anchor name and its first and last block."""

    name: str
    first: QTextBlock
    last: QTextBlock

    def pages(self, doc: QTextDocument) -> tuple[int, int]:
        """The pages (0-based) its first and its last block are laid out on."""
        top, bottom = _extent(doc, self)
        height = doc.pageSize().height()
        return int(top // height), int(max(top, bottom - 0.5) // height)


def cards(doc: QTextDocument) -> list[Card]:
    """The document's cards in order: from a block holding a `card-…` anchor up to the
    next card, `card-stop`, page-breaking block or heading 1–2, or the end."""
    from PySide6.QtGui import QTextFormat

    found: list[Card] = []
    name: str | None = None
    first = last = None
    block = doc.begin()
    while block.isValid():
        anchors = _anchor_names(block)
        start = next((a for a in anchors if a.startswith(CARD_PREFIX) and a != CARD_STOP), None)
        fmt = block.blockFormat()
        stop = (
            start is not None
            or CARD_STOP in anchors
            or 0 < fmt.headingLevel() <= 2
            or bool(fmt.pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        )
        if stop and name is not None:
            found.append(Card(name, first, last))
            name = None
        if start is not None:
            name, first = start, block
        if name is not None:
            last = block
        block = block.next()
    if name is not None:
        found.append(Card(name, first, last))
    return found


# --- keeping cards whole --------------------------------------------------------------------


def _keep_cards_whole(doc: QTextDocument) -> None:
    from PySide6.QtGui import QTextBlockFormat, QTextCursor, QTextFormat

    height = doc.pageSize().height()
    for card in cards(doc):
        top, bottom = _extent(doc, card)
        first_page, last_page = card.pages(doc)
        if first_page == last_page or bottom - top > height:
            continue  # already whole, or taller than a page: let it flow
        fmt = QTextBlockFormat()
        fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        QTextCursor(card.first).mergeBlockFormat(fmt)


def _extent(doc: QTextDocument, card: Card) -> tuple[float, float]:
    """The top of the card's first block and the bottom of its lowest block."""
    layout = doc.documentLayout()
    layout.documentSize()  # lays the whole document out: it is done lazily, in steps
    top = layout.blockBoundingRect(card.first).top()
    bottom = top
    block = card.first
    while block.isValid():
        if block.length() > 1:  # empty blocks after a table report odd rectangles
            rect = layout.blockBoundingRect(block)
            bottom = max(bottom, rect.bottom())
        if block == card.last:
            break
        block = block.next()
    return top, bottom


def _anchor_names(block: QTextBlock) -> list[str]:
    names: list[str] = []
    it = block.begin()
    while not it.atEnd():
        names += it.fragment().charFormat().anchorNames()
        it += 1
    return names


# --- geometry and style ---------------------------------------------------------------------


def _layout_dpi() -> int:
    """The DPI QTextDocument lays out at without a paint device (Qt's default DPI)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.testAttribute(Qt.ApplicationAttribute.AA_Use96Dpi):
        return 96
    screen = QGuiApplication.primaryScreen()
    return round(screen.logicalDotsPerInchY()) if screen is not None else 100


def _qt_css(css: str) -> str:
    """Defaults under the template's own `<style>` (the PDF's, in Qt's CSS subset)."""
    return (
        css
        + """
body { font-family: "Helvetica", "Arial", "DejaVu Sans", sans-serif; font-size: 10pt; }
.break { page-break-before: always; }
"""
    )
