"""The portfolio's PDF: pages, embedded fonts, extractable text, section page breaks."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from labelmate.gui.portfolio_pdf import render_pdf
from labelmate.store import open_workspace
from labelmate.usecases.demo import install_demo
from labelmate.usecases.portfolio import PortfolioOptions, Profile, build_portfolio

ROOT = Path(__file__).resolve().parents[2]


def _streams(pdf: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            out.append(m.group(1))
    return out


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _text(path: Path) -> str | None:
    """Text through QtPdf when the binding has it, else pdftotext if installed."""
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        QPdfDocument = None
    if QPdfDocument is not None:
        doc = QPdfDocument()
        doc.load(str(path))
        return "\n".join(doc.getAllText(i).text() for i in range(doc.pageCount()))
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    return None


def test_render_pdf_has_pages_and_text(tmp_path, qapp):
    html = (
        "<h1>Alpha Portfolio</h1><p>first section</p>"
        '<h2 style="page-break-before: always">Second</h2><p>more text</p>'
        '<h2 style="page-break-before: always">Third</h2>'
    )
    target = tmp_path / "x.pdf"
    render_pdf(html, tmp_path, target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _page_count(pdf) == 3  # a page per section
    assert b"/FontFile" in pdf  # fonts embedded
    assert any(b"BT" in s and (b"Tj" in s or b"TJ" in s) for s in _streams(pdf))
    text = _text(target)
    if text is not None:
        assert "Alpha Portfolio" in text


@pytest.mark.parametrize("template", ["classic", "compact"])
def test_portfolio_pdf_from_scored_demo(tmp_path, qapp, template):
    spec = importlib.util.spec_from_file_location("bench_pf", ROOT / "benchmarks/portfolio.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ws_path = tmp_path / "ws.labelmate"
    install_demo(ws_path)
    out = tmp_path / "pf"
    with open_workspace(ws_path) as ws:
        bench.annotate_and_score(ws, {"PCB defects — boxes": 2, "Movie reviews — sentiment": 2})
        build_portfolio(
            ws,
            PortfolioOptions(
                out_dir=out,
                template=template,
                formats=("html", "pdf", "md"),
                profile=Profile(name="Pdf Person"),
            ),
            pdf_renderer=render_pdf,
        )
    pdf = (out / "portfolio.pdf").read_bytes()
    assert _page_count(pdf) >= 4  # summary, skills, samples, progress, queries
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf  # thumbnails drawn
    text = _text(out / "portfolio.pdf")
    if text is not None:
        assert "Pdf Person" in text and "Selected samples" in text
