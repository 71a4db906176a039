"""The portfolio's PDF: pages, embedded fonts, extractable text, section breaks, whole cards."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from labelmate.gui import portfolio_pdf
from labelmate.gui.portfolio_pdf import cards, page_layout, portfolio_document, render_pdf
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
        "<title>Alpha — annotation portfolio</title><h1>Alpha Portfolio</h1><p>first section</p>"
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
        # The running footer: the title and the page number on every page.
        assert text.count("Alpha — annotation portfolio") == 3
        assert "Page 1 of 3" in text and "Page 3 of 3" in text


def _page(doc, block) -> int:
    return int(doc.documentLayout().blockBoundingRect(block).top() // doc.pageSize().height())


def _block(doc, predicate):
    block = doc.begin()
    while block.isValid():
        if predicate(block):
            return block
        block = block.next()
    raise AssertionError("no such block")


def _cards_html(count: int, lines: int = 9) -> str:
    """A title, then `count` cards of `lines` rows each, the last row saying where it ends."""
    cards_html = "".join(
        f'<h3><a name="card-{i}"></a>Card {i}</h3>'
        + "".join(f"<p>card {i} line {k}</p>" for k in range(lines))
        + f'<table class="data"><tr><td>a</td><td>b</td></tr><tr><td>end of card {i}</td>'
        "<td>x</td></tr></table>"
        for i in range(1, count + 1)
    )
    return "<h1>Cards</h1><p>intro</p>" + cards_html


def _straddling(doc) -> list[int]:
    """Numbers of the cards whose first and last rows are on different pages."""
    out = []
    for i in range(1, 100):
        try:
            first = _block(doc, lambda b, i=i: f"card-{i}" in _anchors(b))
        except AssertionError:
            break
        last = _block(doc, lambda b, i=i: b.text() == f"end of card {i}")
        if _page(doc, first) != _page(doc, last):
            out.append(i)
    return out


def _anchors(block) -> list[str]:
    names, it = [], block.begin()
    while not it.atEnd():
        names += it.fragment().charFormat().anchorNames()
        it += 1
    return names


def test_a_card_across_a_page_boundary_moves_to_the_next_page(tmp_path, qapp, monkeypatch):
    html = _cards_html(12)
    with monkeypatch.context() as m:  # as QTextDocument alone lays it out: cards split
        m.setattr(portfolio_pdf, "_keep_cards_whole", lambda doc: None)
        plain = portfolio_document(html, tmp_path)
        assert _straddling(plain), "the fixture must put a card across a page boundary"
    doc = portfolio_document(html, tmp_path)
    assert _straddling(doc) == []
    assert doc.pageCount() > plain.pageCount() - 1 >= 1
    found = cards(doc)
    assert [c.name for c in found] == [f"card-{i}" for i in range(1, 13)]
    assert all(c.pages(doc)[0] == c.pages(doc)[1] for c in found)
    # a moved card starts its page; one that was whole kept its place
    moved = [
        c
        for c in found
        if c.first.blockFormat().pageBreakPolicy()
        != c.first.blockFormat().pageBreakPolicy().PageBreak_Auto
    ]
    assert moved and all(_page(doc, c.first) == _page(doc, c.first.previous()) + 1 for c in moved)


def test_a_card_taller_than_a_page_is_left_to_flow(tmp_path, qapp):
    doc = portfolio_document("<p>intro</p>" + _cards_html(1, lines=120), tmp_path)
    (card,) = cards(doc)
    assert card.pages(doc)[0] == 0 and card.pages(doc)[1] >= 1  # no empty first page


def test_section_breaks_still_start_pages(tmp_path, qapp):
    brk = ' style="page-break-before: always"'
    html = (
        _cards_html(5)
        + f"<h2{brk}>Second section</h2><p>short</p>"
        + f"<h2{brk}>Third section</h2>"
        + "".join(f'<p><a name="card-q{i}"></a>query {i}</p><p>answer {i}</p>' for i in range(3))
    )
    doc = portfolio_document(html, tmp_path)
    second = _block(doc, lambda b: b.text() == "Second section")
    third = _block(doc, lambda b: b.text() == "Third section")
    height = doc.pageSize().height()
    top = doc.documentLayout().blockBoundingRect(second).top()
    assert _page(doc, second) >= 1 and top % height < 30  # at the top of its page
    assert _page(doc, third) == _page(doc, second) + 1
    assert doc.pageCount() == _page(doc, third) + 1
    target = tmp_path / "s.pdf"
    render_pdf(html, tmp_path, target)
    assert _page_count(target.read_bytes()) == doc.pageCount()


def test_page_layout_is_a4_and_the_document_fills_its_printable_area(tmp_path, qapp):
    from PySide6.QtGui import QPageSize

    layout = page_layout()
    assert layout.pageSize().id() == QPageSize.PageSizeId.A4
    doc = portfolio_document("<p>x</p>", tmp_path)
    rect = layout.paintRectPixels(portfolio_pdf._layout_dpi())
    assert (doc.pageSize().width(), doc.pageSize().height()) == (rect.width(), rect.height())


@pytest.mark.parametrize("template", ["classic", "compact"])
def test_portfolio_pdf_from_scored_demo(tmp_path, qapp, template):
    spec = importlib.util.spec_from_file_location("bench_pf", ROOT / "benchmarks/portfolio.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ws_path = tmp_path / "ws.labelmate"
    install_demo(ws_path)
    out = tmp_path / "pf"
    printed: list[str] = []

    def renderer(html: str, base: Path, target: Path) -> None:
        printed.append(html)
        render_pdf(html, base, target)

    plan = {"PCB defects — boxes": 4, "Leaf outlines — polygons": 3, "Movie reviews — sentiment": 4}
    with open_workspace(ws_path) as ws:
        bench.annotate_and_score(ws, plan)
        build_portfolio(
            ws,
            PortfolioOptions(
                out_dir=out,
                template=template,
                formats=("html", "pdf", "md"),
                profile=Profile(name="Pdf Person"),
            ),
            pdf_renderer=renderer,
        )
    pdf = (out / "portfolio.pdf").read_bytes()
    assert _page_count(pdf) >= 4  # summary, skills, samples, progress, queries
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf  # thumbnails drawn
    text = _text(out / "portfolio.pdf")
    if text is not None:
        assert "Pdf Person" in text and "Selected samples" in text
    # the preview's document is the printed one: same pages, every card whole
    doc = portfolio_document(printed[0], out)
    assert doc.pageCount() == _page_count(pdf)
    found = cards(doc)
    names = [c.name for c in found]
    assert sum(n.startswith("card-query-") for n in names) == 3
    assert sum(n.startswith("card-chart-") for n in names) == 3
    assert len([n for n in names if n[5:].isdigit()]) == 11
    assert all(c.pages(doc)[0] == c.pages(doc)[1] for c in found)
    samples = _block(doc, lambda b: b.text().strip() == "Selected samples")
    assert _page(doc, found[0].first) == _page(doc, samples)  # the first card follows its heading
