"""The portfolio's PDF: its HTML variant laid out by QTextDocument and printed by QPdfWriter.

Fonts are embedded by QPdfWriter; sections start on a new page through the
template's `page-break-before: always`. Runs without a display: when no
QGuiApplication exists one is created, offscreen if there is no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


def render_pdf(html: str, base_dir: Path, target: Path, *, css: str | None = None) -> None:
    """Lay out `html` (images relative to `base_dir`) on A4 pages and write `target`."""
    _ensure_app()
    from PySide6.QtCore import QMarginsF, QSizeF, QUrl
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    # The browser style sheet (custom properties, grid) is beyond Qt's CSS subset, and
    # one unparsable rule can cost the whole sheet, so the PDF gets its own.
    writer = QPdfWriter(str(target))
    writer.setResolution(96)
    writer.setTitle("Annotation portfolio")
    writer.setCreator("Labelmate")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(16, 16, 16, 16),
            QPageLayout.Unit.Millimeter,
        )
    )
    doc = QTextDocument()
    doc.setBaseUrl(QUrl.fromLocalFile(str(base_dir.resolve()) + "/"))
    doc.setDefaultStyleSheet(_qt_css(css or ""))
    doc.setHtml(html)
    rect = writer.pageLayout().paintRectPixels(writer.resolution())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    doc.print_(writer)


def _qt_css(css: str) -> str:
    """QTextDocument understands a subset of CSS; add what it needs for a clean print."""
    return (
        css
        + """
body { font-family: "Helvetica", "Arial", "DejaVu Sans", sans-serif; font-size: 10pt; }
h1 { font-size: 22pt; color: #111827; } .focus { font-size: 12pt; color: #374151; }
.facts th { color: #6b7280; text-align: left; font-weight: normal; }
h3 small { color: #6b7280; font-weight: normal; }
.meta, .legend, figcaption { color: #6b7280; }
h2 { font-size: 15pt; color: #1d4ed8; margin-top: 12px; }
h3 { font-size: 11pt; }
table.data { border-collapse: collapse; }
table.data th { background-color: #f3f4f6; text-align: left; }
table.data td, table.data th { border-bottom: 1px solid #e5e7eb; padding: 4px; }
.break { page-break-before: always; }
td.figure { background-color: #f3f4f6; border: 1px solid #e5e7eb; }
.figure .value { font-size: 16pt; font-weight: bold; color: #2563eb; }
.figure .label { color: #6b7280; }
.card { border-top: 1px solid #e5e7eb; }
blockquote.text { background-color: #f9fafb; }
"""
    )
