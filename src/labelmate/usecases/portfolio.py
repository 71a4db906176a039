"""`labelmate portfolio`: a job-application portfolio built from the user's scored work.

Gathers, from shareable projects only (a confidential project never appears in any
output byte), the profile header, summary figures, a skills table backed by the
user's own numbers, the best self-scored samples with annotated thumbnails, progress
charts (SVG) and answered clarification queries, then renders a template folder
(Jinja2; autoescaped HTML, Markdown whose every value is escaped) into HTML, Markdown
laid out as a GitHub repository (with the practice datasets), and — through a
renderer the caller passes in, since PDF needs Qt — PDF. Everything is written to a
staging folder and moved into place at the end.

The work is split by responsibility: `portfolio_profile` (the profile file),
`portfolio_model` (options, report), `portfolio_templates` (template folders, Jinja2),
`portfolio_gather` (figures and samples from the workspace), `portfolio_output` (charts,
datasets); this module orchestrates the build and re-exports the public names.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from labelmate.core.errors import InputError, Location
from labelmate.io.atomic import DirectoryNotEmptyError, staging_dir
from labelmate.store import Workspace
from labelmate.usecases.portfolio_gather import (
    AGREEMENT_METRICS,
    TASK_TYPES,
    _choose_projects,
    _gather,
    answered_queries,
)
from labelmate.usecases.portfolio_model import (
    DEFAULT_QUERIES,
    DEFAULT_SAMPLES,
    DEFAULT_TEMPLATE,
    PortfolioOptions,
    PortfolioReport,
    _Project,
)
from labelmate.usecases.portfolio_output import _datasets
from labelmate.usecases.portfolio_profile import (
    Profile,
    ProfileLink,
    load_profile,
    profile_from_form,
    profile_path,
    save_profile,
    saved_profile,
)
from labelmate.usecases.portfolio_templates import (
    _environment,
    _render,
    md_escape,
    shipped_templates,
    template_dir,
)

__all__ = [
    "AGREEMENT_METRICS",
    "DEFAULT_QUERIES",
    "DEFAULT_SAMPLES",
    "DEFAULT_TEMPLATE",
    "FORMATS",
    "HTML_FILE",
    "MD_FILE",
    "PDF_FILE",
    "TASK_TYPES",
    "PdfRenderer",
    "PortfolioContent",
    "PortfolioOptions",
    "PortfolioReport",
    "Profile",
    "ProfileLink",
    "Progress",
    "answered_queries",
    "build_portfolio",
    "check_formats",
    "export_portfolio",
    "gather_portfolio",
    "load_profile",
    "md_escape",
    "profile_from_form",
    "profile_path",
    "render_html",
    "render_markdown",
    "save_profile",
    "saved_profile",
    "shipped_templates",
    "template_dir",
    "write_portfolio",
]

FORMATS = ("html", "pdf", "md")
HTML_FILE = "portfolio.html"
PDF_FILE = "portfolio.pdf"
MD_FILE = "README.md"

PdfRenderer = Callable[[str, Path, Path], None]  # (html, base folder, pdf path)
Progress = Callable[[str, int, int], None]  # (step, done, total)


# --- the build ------------------------------------------------------------------------------


@dataclass
class PortfolioContent:
    """Everything gathered for one portfolio, ready to render in any template or format.

    Gathering (figures, thumbnails, charts and, for Markdown, the datasets) writes its
    assets into `stage`; rendering only fills templates. The GUI's live preview keeps a
    content and re-renders it as the profile or template changes, through the very
    functions the export uses, so the preview is exactly what will be written.
    """

    stage: Path
    data: dict[str, Any]
    projects: list[_Project]
    report: PortfolioReport
    datasets: list[Any] | None = None  # None until gathered (Markdown only)


def check_formats(formats: Sequence[str], pdf_renderer: PdfRenderer | None) -> list[str]:
    chosen = list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise InputError(
            f"unknown portfolio format '{(unknown or [''])[0]}'; use html, pdf and/or md"
        )
    if "pdf" in chosen and pdf_renderer is None:
        raise InputError("PDF output needs the Qt renderer (labelmate.gui.portfolio_pdf)")
    return chosen


def gather_portfolio(
    ws: Workspace,
    options: PortfolioOptions,
    stage: Path,
    *,
    datasets: bool = False,
    progress: Progress | None = None,
) -> PortfolioContent:
    """Read the shareable projects' scored work; write thumbnails and charts to `stage`."""
    report = PortfolioReport(out_dir=options.out_dir)
    projects = _choose_projects(ws, options.projects, report)
    data = _gather(ws, projects, options, stage, progress)
    report.samples = len(data["samples"])
    report.projects = [p["name"] for p in data["projects"]]
    content = PortfolioContent(stage, data, projects, report)
    if datasets:
        content.datasets = _datasets(ws, projects, stage, options.redact, report)
    return content


def _context(content: PortfolioContent, options: PortfolioOptions, formats: Sequence[str]):
    return {
        "profile": options.profile or Profile(name="Annotator portfolio"),
        "redacted": options.redact,
        "datasets": content.datasets or [],
        "formats": list(formats),
        **content.data,
    }


def render_html(
    content: PortfolioContent, options: PortfolioOptions, *, for_pdf: bool = False
) -> str:
    """The HTML page (or, `for_pdf`, the variant laid out for Qt's PDF printer)."""
    env = _environment(template_dir(options.template), "html")
    formats = options.formats
    return _render(
        env, "portfolio.html.j2", _context(content, options, formats) | {"for_pdf": for_pdf}
    )


def render_markdown(content: PortfolioContent, options: PortfolioOptions) -> str:
    """The repository README (needs the content gathered with `datasets=True`)."""
    env = _environment(template_dir(options.template), "md")
    return _render(env, "portfolio.md.j2", _context(content, options, options.formats))


def write_portfolio(
    content: PortfolioContent,
    options: PortfolioOptions,
    *,
    pdf_renderer: PdfRenderer | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """Render every chosen format into the content's stage; the names written."""
    formats = check_formats(options.formats, pdf_renderer)
    folder = template_dir(options.template)
    stage = content.stage
    written: list[str] = []
    css = folder / "style.css"
    if css.is_file():
        shutil.copyfile(css, stage / "style.css")
        written.append("style.css")
    if "html" in formats:
        (stage / HTML_FILE).write_text(render_html(content, options), encoding="utf-8")
        written.append(HTML_FILE)
    if "pdf" in formats:
        assert pdf_renderer is not None
        pdf_renderer(render_html(content, options, for_pdf=True), stage, stage / PDF_FILE)
        written.append(PDF_FILE)
        if progress:
            progress("pdf", 1, 1)
    if "md" in formats:
        if content.datasets is None:
            raise InputError("the Markdown portfolio needs its datasets gathered first")
        (stage / MD_FILE).write_text(render_markdown(content, options), encoding="utf-8")
        written.append(MD_FILE)
    return written


def build_portfolio(
    ws: Workspace,
    options: PortfolioOptions,
    *,
    pdf_renderer: PdfRenderer | None = None,
    progress: Progress | None = None,
) -> PortfolioReport:
    formats = check_formats(options.formats, pdf_renderer)
    template_dir(options.template)  # a bad template fails before any work
    if options.profile is None:  # the profile kept beside the workspace, if written
        options = replace(options, profile=saved_profile(ws.path))
    try:
        with staging_dir(options.out_dir, replace=options.replace) as stage:
            content = gather_portfolio(
                ws, options, stage, datasets="md" in formats, progress=progress
            )
            written = write_portfolio(
                content, options, pdf_renderer=pdf_renderer, progress=progress
            )
            content.report.files = [options.out_dir / f for f in written]
    except DirectoryNotEmptyError:
        raise InputError(
            "the folder is not empty; choose an empty folder or replace it (--replace)",
            Location(file=str(options.out_dir)),
        ) from None
    return content.report


def export_portfolio(
    options: PortfolioOptions,
    *,
    workspace: Path | None = None,
    pdf_renderer: PdfRenderer | None = None,
    progress: Progress | None = None,
) -> PortfolioReport:
    """Open the workspace at `workspace` (default: the user's) and build the portfolio."""
    from labelmate.usecases.workspace import open_workspace

    with open_workspace(workspace) as ws:
        return build_portfolio(ws, options, pdf_renderer=pdf_renderer, progress=progress)
