"""Extra files written into the portfolio's staging folder: SVG progress charts and datasets."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from markupsafe import Markup

from labelmate.core.models import AnnotationKind, Project
from labelmate.store import Workspace
from labelmate.usecases.export import Which, export_from
from labelmate.usecases.portfolio_model import _Project

# --- charts ---------------------------------------------------------------------------------


def _progress_chart(ws: Workspace, proj: _Project, stage: Path) -> dict[str, Any] | None:
    from labelmate.usecases.score import project_progress

    prog = project_progress(ws, proj.project)
    if not prog.sessions:
        return None
    rel = f"charts/progress-{proj.slug}.svg"
    target = stage / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_svg_chart(prog), encoding="utf-8")
    return {
        "project": proj.project.name,
        "src": Markup(rel),
        "sessions": len(prog.sessions),
        "latest": prog.total_series[-1] if prog.total_series else None,
        "trend": prog.total_trend or "",
        "weakest": prog.weakest or "",
    }


def _svg_chart(prog: Any) -> str:
    """A self-contained SVG line chart: weighted total (0–100) per finished session."""
    w, h, left, right, top, bottom = 560, 220, 44, 16, 16, 34
    n = len(prog.sessions)
    xs = [left + (w - left - right) * (i / max(1, n - 1) if n > 1 else 0.5) for i in range(n)]

    def y(v: float) -> float:
        return top + (h - top - bottom) * (1 - v / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#e5e7eb" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'fill="#6b7280">{tick}</text>'
        )
    pts = [(x, v) for x, v in zip(xs, prog.total_series, strict=False) if v is not None]
    if len(pts) > 1:
        path = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#2563eb" stroke-width="2.5"/>')
    for x, v in pts:
        parts.append(f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="4" fill="#2563eb"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y(v) - 8:.1f}" text-anchor="middle" '
            f'fill="#111827">{v:.0f}</text>'
        )
    for i, (x, s) in enumerate(zip(xs, prog.sessions, strict=False)):
        parts.append(
            f'<text x="{x:.1f}" y="{h - 12}" text-anchor="middle" fill="#6b7280">'
            f"#{i + 1} · {s.at.date().isoformat()}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


# --- datasets (Markdown variant) ------------------------------------------------------------


def _datasets(ws: Workspace, projects: list[_Project], stage: Path, redact: bool, report):
    out = []
    for proj in projects:
        p = proj.project
        assert p.id is not None
        if not ws.list_score_sessions(p.id) and not _has_mine(ws, p):
            continue
        if redact and proj.text_key() is not None:
            report.notes.append(f"'{p.name}' holds text; its dataset was left out (--redact)")
            continue
        base = Path("datasets") / proj.slug
        files = []
        formats = [("ls-json", "label-studio")]
        if proj.is_image:
            formats.append(("coco", "coco"))
        elif proj.has_spans:
            formats.append(("conll", "conll"))
        for fmt, sub in formats:
            exp = export_from(ws, p.name, fmt, stage / base / sub, Which("mine"))
            files += [Markup(f.relative_to(stage).as_posix()) for f in exp.files]
        media = _copy_media(ws, p, stage, base / "media") if proj.is_image else None
        out.append(
            {
                "project": p.name,
                "type": proj.type,
                "folder": base.as_posix(),
                "files": files,
                "media": media,
            }
        )
    return out


def _copy_media(ws: Workspace, p: Project, stage: Path, folder: Path) -> str | None:
    """The project's images beside its dataset, at the relative paths the exports name."""
    assert p.id is not None
    if not p.media_root:
        return None
    root = Path(p.media_root).resolve()
    copied = 0
    for t in ws.list_tasks(p.id):
        if not t.media:
            continue
        source = (root / t.media).resolve()
        if not source.is_file() or not source.is_relative_to(root):
            continue
        target = stage / folder / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return folder.as_posix() + "/" if copied else None


def _has_mine(ws: Workspace, p: Project) -> bool:
    assert p.id is not None
    tasks = ws.list_tasks(p.id)
    anns = ws.annotations_for_tasks([t.id for t in tasks if t.id is not None])
    return any(a.kind is AnnotationKind.MINE for v in anns.values() for a in v)
