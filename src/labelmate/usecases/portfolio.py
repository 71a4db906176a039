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
from collections.abc import Callable
from pathlib import Path

from labelmate.core.errors import InputError, Location
from labelmate.io.atomic import DirectoryNotEmptyError, staging_dir
from labelmate.store import Workspace
from labelmate.usecases.portfolio_gather import (
    AGREEMENT_METRICS,
    TASK_TYPES,
    _choose_projects,
    _gather,
)
from labelmate.usecases.portfolio_model import (
    DEFAULT_SAMPLES,
    DEFAULT_TEMPLATE,
    PortfolioOptions,
    PortfolioReport,
)
from labelmate.usecases.portfolio_output import _datasets
from labelmate.usecases.portfolio_profile import Profile, ProfileLink, load_profile
from labelmate.usecases.portfolio_templates import (
    _environment,
    _render,
    md_escape,
    shipped_templates,
    template_dir,
)

__all__ = [
    "AGREEMENT_METRICS",
    "DEFAULT_SAMPLES",
    "DEFAULT_TEMPLATE",
    "FORMATS",
    "HTML_FILE",
    "MD_FILE",
    "PDF_FILE",
    "TASK_TYPES",
    "PdfRenderer",
    "PortfolioOptions",
    "PortfolioReport",
    "Profile",
    "ProfileLink",
    "Progress",
    "build_portfolio",
    "export_portfolio",
    "load_profile",
    "md_escape",
    "shipped_templates",
    "template_dir",
]

FORMATS = ("html", "pdf", "md")
HTML_FILE = "portfolio.html"
PDF_FILE = "portfolio.pdf"
MD_FILE = "README.md"

PdfRenderer = Callable[[str, Path, Path], None]  # (html, base folder, pdf path)
Progress = Callable[[str, int, int], None]  # (step, done, total)


# --- the build ------------------------------------------------------------------------------


def build_portfolio(
    ws: Workspace,
    options: PortfolioOptions,
    *,
    pdf_renderer: PdfRenderer | None = None,
    progress: Progress | None = None,
) -> PortfolioReport:
    formats = list(dict.fromkeys(options.formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(
            f"unknown portfolio format '{(unknown or [''])[0]}'; use html, pdf and/or md"
        )
    if "pdf" in formats and pdf_renderer is None:
        raise InputError("PDF output needs the Qt renderer (labelmate.gui.portfolio_pdf)")
    folder = template_dir(options.template)
    report = PortfolioReport(out_dir=options.out_dir)
    projects = _choose_projects(ws, options.projects, report)
    report.projects = [p.project.name for p in projects]
    try:
        with staging_dir(options.out_dir, replace=options.replace) as stage:
            data = _gather(ws, projects, options, stage, progress)
            report.samples = len(data["samples"])
            report.projects = [p["name"] for p in data["projects"]]
            profile = options.profile or Profile(name="Annotator portfolio")
            context = {
                "profile": profile,
                "redacted": options.redact,
                "datasets": [],
                "formats": formats,
                **data,
            }
            written: list[str] = []
            css = folder / "style.css"
            if css.is_file():
                shutil.copyfile(css, stage / "style.css")
                written.append("style.css")
            html_env = _environment(folder, "html")
            if "html" in formats:
                html = _render(html_env, "portfolio.html.j2", context | {"for_pdf": False})
                (stage / HTML_FILE).write_text(html, encoding="utf-8")
                written.append(HTML_FILE)
            if "pdf" in formats:
                assert pdf_renderer is not None
                html = _render(html_env, "portfolio.html.j2", context | {"for_pdf": True})
                pdf_renderer(html, stage, stage / PDF_FILE)
                written.append(PDF_FILE)
                if progress:
                    progress("pdf", 1, 1)
            if "md" in formats:
                context["datasets"] = _datasets(ws, projects, stage, options.redact, report)
                md = _render(_environment(folder, "md"), "portfolio.md.j2", context)
                (stage / MD_FILE).write_text(md, encoding="utf-8")
                written.append(MD_FILE)
            report.files = [options.out_dir / f for f in written]
    except DirectoryNotEmptyError:
        raise InputError(
            "the folder is not empty; choose an empty folder or replace it (--replace)",
            Location(file=str(options.out_dir)),
        ) from None
    return report


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
