"""`labelmate portfolio`: a job-application portfolio built from the user's scored work.

Gathers, from shareable projects only (a confidential project never appears in any
output byte), the profile header, summary figures, a skills table backed by the
user's own numbers, the best self-scored samples with annotated thumbnails, progress
charts (SVG) and answered clarification queries, then renders a template folder
(Jinja2; autoescaped HTML, Markdown whose every value is escaped) into HTML, Markdown
laid out as a GitHub repository (with the practice datasets), and — through a
renderer the caller passes in, since PDF needs Qt — PDF. Everything is written to a
staging folder and moved into place at the end.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labelmate.core.errors import InputError, Location, NotFoundError
from labelmate.core.labeling_interface import LabelingInterface, parse_labeling_config
from labelmate.core.models import AnnotationKind, Project
from labelmate.core.regions import Choices, Rating, Span, TextAnswer
from labelmate.core.scoring import mean
from labelmate.io.atomic import DirectoryNotEmptyError, staging_dir
from labelmate.io.thumbnails import label_colour, write_thumbnail
from labelmate.paths import data_dir
from labelmate.store import Workspace
from labelmate.usecases.export import Which, export_from
from labelmate.usecases.score import session_calibration, session_table

FORMATS = ("html", "pdf", "md")
DEFAULT_TEMPLATE = "classic"
DEFAULT_SAMPLES = 12
HTML_FILE = "portfolio.html"
PDF_FILE = "portfolio.pdf"
MD_FILE = "README.md"

TASK_TYPES = {
    "box": "Bounding boxes",
    "polygon": "Polygons",
    "keypoint": "Keypoints",
    "span": "Named-entity spans",
    "choices": "Text classification",
    "text": "Free-text answers",
    "rating": "Ratings",
}
# Metrics measured against gold that read as agreement (a rate or an overlap in 0–1).
AGREEMENT_METRICS = {
    "box.iou": "Box IoU",
    "polygon.iou": "Polygon IoU",
    "span.f1": "Span F1",
    "objects.precision": "Object precision",
    "objects.recall": "Object recall",
    "label.matches_gold": "Labels matching gold",
    "choices.matches_gold": "Choices matching gold",
}
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$")

PdfRenderer = Callable[[str, Path, Path], None]  # (html, base folder, pdf path)
Progress = Callable[[str, int, int], None]  # (step, done, total)


# --- the profile file -----------------------------------------------------------------------


class ProfileLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)


class Profile(BaseModel):
    """The portfolio header: a small YAML file the user edits.

    ```yaml
    name: Ada Example
    focus: Computer-vision annotation (boxes, polygons) and sentiment labeling
    tools: [Labelmate, Label Studio, CVAT]
    data_types: [images, text]
    links:
      - {label: GitHub, url: https://github.com/ada}
    ```
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    focus: str = ""
    tools: list[str] = Field(default_factory=list)
    data_types: list[str] = Field(default_factory=list)
    links: list[ProfileLink] = Field(default_factory=list)


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file; every problem names the field."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"cannot read the profile: {exc.strerror or exc}", Location(file=str(path))
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"the profile is not valid YAML: {getattr(exc, 'problem', exc)}",
            Location(file=str(path), line=mark.line + 1 if mark else None),
        ) from None
    if not isinstance(raw, dict):
        raise InputError(
            "the profile must be a mapping with name, focus, tools, data_types, links",
            Location(file=str(path)),
        )
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        msgs = [
            f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise InputError("invalid profile — " + "; ".join(msgs), Location(file=str(path))) from None


# --- options and report ---------------------------------------------------------------------


@dataclass
class PortfolioOptions:
    out_dir: Path
    template: str = DEFAULT_TEMPLATE  # a name under portfolio_templates/, or a folder path
    formats: Sequence[str] = ("html",)
    projects: Sequence[str] | None = None  # None: every shareable project
    profile: Profile | None = None
    redact: bool = False
    samples: int = DEFAULT_SAMPLES
    replace: bool = False


@dataclass
class PortfolioReport:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    skipped_confidential: list[str] = field(default_factory=list)
    samples: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Portfolio of {len(self.projects)} project(s), {self.samples} sample(s) "
            f"written to {self.out_dir}"
        ]
        out += [f"  wrote {f}" for f in self.files]
        if self.skipped_confidential:
            out.append(f"  left out {len(self.skipped_confidential)} confidential project(s)")
        out += [f"  note: {n}" for n in self.notes]
        return out


# --- templates ------------------------------------------------------------------------------


def template_dir(name_or_path: str) -> Path:
    """A template folder: a shipped template's name or the path of the user's own."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        folder = candidate
    else:
        folder = data_dir("portfolio_templates") / name_or_path
        if "/" in name_or_path or "\\" in name_or_path or not folder.is_dir():
            raise NotFoundError(
                f"no portfolio template '{name_or_path}' "
                f"(shipped: {', '.join(shipped_templates())})"
            )
    for needed in ("portfolio.html.j2", "portfolio.md.j2"):
        if not (folder / needed).is_file():
            raise InputError(
                f"the template folder has no {needed}", Location(file=str(folder / needed))
            )
    return folder


def shipped_templates() -> list[str]:
    root = data_dir("portfolio_templates")
    return sorted(p.name for p in root.iterdir() if (p / "portfolio.html.j2").is_file())


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def md_escape(value: Any) -> str:
    """Plain text made inert in GitHub Markdown: HTML and Markdown syntax escaped."""
    text = str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split()) if "\n" in text else text


def _md_finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return md_escape(value)


def _environment(folder: Path, kind: str) -> Environment:
    if kind == "html":
        env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    else:
        env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=False,
            finalize=_md_finalize,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    return env


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


# --- gathering ------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "item"


def _task_type(interface: LabelingInterface) -> str:
    kinds = [TASK_TYPES.get(c.region_type, c.region_type) for c in interface.controls]
    for preferred in ("box", "polygon", "keypoint", "span", "text", "choices", "rating"):
        if TASK_TYPES[preferred] in kinds:
            return TASK_TYPES[preferred]
    return "Other"


def _middle(levels: Sequence[float]) -> float:
    ordered = sorted(set(levels))
    return ordered[len(ordered) // 2]


@dataclass
class _Project:
    project: Project
    interface: LabelingInterface
    type: str
    colours: dict[str, dict[str, str | None]]
    slug: str

    @property
    def is_image(self) -> bool:
        return any(c.is_image_control for c in self.interface.controls)

    @property
    def has_spans(self) -> bool:
        return any(c.region_type == "span" for c in self.interface.controls)

    def text_key(self) -> str | None:
        for obj in self.interface.objects:
            if obj.tag.lower() in ("text", "hypertext") and obj.data_key:
                return obj.data_key
        return None


def _choose_projects(ws: Workspace, names: Sequence[str] | None, report: PortfolioReport):
    projects = ws.list_projects()
    by_name = {p.name: p for p in projects}
    if names:
        missing = [n for n in names if n not in by_name]
        if missing:
            raise NotFoundError(
                f"no project named '{missing[0]}' (projects: "
                f"{', '.join(sorted(by_name)) or 'none yet'})"
            )
        chosen = [by_name[n] for n in names]
    else:
        chosen = sorted(projects, key=lambda p: p.name)
    out = []
    for p in chosen:
        if p.confidential:
            report.skipped_confidential.append(p.name)
            if names:
                report.notes.append(
                    "a project you named is confidential and was left out; mark it "
                    "shareable to include it"
                )
            continue
        interface = parse_labeling_config(p.config_xml, source=f"project '{p.name}'")
        out.append(
            _Project(p, interface, _task_type(interface), interface.label_colours(), _slug(p.name))
        )
    return out


def _safe_colour(colour: str) -> str:
    return colour if _COLOUR.match(colour) else "#FDD835"


def _text_segments(
    text: str, spans: list[Span], proj: _Project, redact: bool
) -> list[dict[str, Any]]:
    """The text cut into plain and highlighted pieces (template escapes each piece)."""
    if redact:
        return [{"text": f"[redacted — {len(text)} characters]", "label": None, "colour": None}]
    pieces: list[dict[str, Any]] = []
    pos = 0
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if s.start < pos or s.end > len(text) or s.end <= s.start:
            continue
        if s.start > pos:
            pieces.append({"text": text[pos : s.start], "label": None, "colour": None})
        label = s.labels[0] if s.labels else ""
        pieces.append(
            {
                "text": text[s.start : s.end],
                "label": label,
                "colour": _safe_colour(label_colour(proj.colours, s.control, label)),
            }
        )
        pos = s.end
    if pos < len(text):
        pieces.append({"text": text[pos:], "label": None, "colour": None})
    return pieces


def _answer_lines(regions: list[Any], redact: bool) -> list[str]:
    out = []
    for r in regions:
        if isinstance(r, Choices):
            out.append(f"{r.control}: {', '.join(r.labels)}")
        elif isinstance(r, Rating):
            out.append(f"{r.control}: {r.rating}")
        elif isinstance(r, TextAnswer):
            body = " ".join(r.text)
            out.append(
                f"{r.control}: [redacted — {len(body)} characters]"
                if redact
                else f"{r.control}: {body[:600]}{'…' if len(body) > 600 else ''}"
            )
    return out


def _gather(
    ws: Workspace, projects: list[_Project], options: PortfolioOptions, stage: Path, progress
) -> dict[str, Any]:
    type_counts: Counter[str] = Counter()
    lead_times: list[float] = []
    criterion_scores: dict[str, list[float]] = defaultdict(list)
    criterion_max: dict[str, float] = {}
    acceptable = [0, 0]
    agreement: dict[str, list[float]] = defaultdict(list)
    calib_weighted: list[tuple[float, int]] = []
    calib_verdicts: Counter[str] = Counter()
    overrides = 0
    decided_items = 0
    candidates: list[dict[str, Any]] = []
    sessions_count = 0
    precision_scores: list[float] = []
    queries_all: list[Any] = []
    charts: list[dict[str, Any]] = []
    projects_out: list[dict[str, Any]] = []

    for proj in projects:
        p = proj.project
        assert p.id is not None
        tasks = ws.list_tasks(p.id)
        anns = ws.annotations_for_tasks([t.id for t in tasks if t.id is not None])
        mine_tasks = 0
        for t in tasks:
            mine = [a for a in anns.get(t.id, []) if a.kind is AnnotationKind.MINE]  # type: ignore[arg-type]
            if mine:
                mine_tasks += 1
                lead_times += [a.lead_time for a in mine if a.lead_time]
        type_counts[proj.type] += mine_tasks
        finished = [s for s in ws.list_score_sessions(p.id) if s.finished]
        sessions_count += len(finished)
        for s in finished:
            assert s.id is not None
            table = session_table(ws, s.id)
            rubric = table.rubric
            middles = {c.id: _middle([lv.score for lv in c.levels]) for c in rubric.criteria}
            rows_by_task: dict[Any, list] = defaultdict(list)
            for r in table.rows:
                rows_by_task[r.task_id].append(r)
                if r.final_score is None:
                    continue
                decided_items += 1
                overrides += r.decision == "overridden"
                criterion_scores[r.criterion].append(r.final_score)
                crit = next(c for c in rubric.criteria if c.id == r.criterion_id)
                criterion_max[r.criterion] = crit.max_score
                acceptable[1] += 1
                acceptable[0] += r.final_score >= middles[r.criterion_id]
                if "precision" in r.criterion_id or "geometr" in r.criterion.lower():
                    precision_scores.append(r.final_score / crit.max_score)
            seen_metric: set[tuple] = set()
            for it in table.session.items:
                for ev in it.evidence:
                    metric = ev.get("metric")
                    if ev.get("source") != "gold" or metric not in AGREEMENT_METRICS:
                        continue
                    key = (it.task_id, metric)
                    value = ev.get("value")
                    if key in seen_metric or not isinstance(value, (int, float)):
                        continue
                    seen_metric.add(key)
                    agreement[metric].append(float(value))
            cal = session_calibration(ws, s.id)
            if cal.mean_difference is not None and cal.count:
                calib_weighted.append((cal.mean_difference, cal.count))
                for c in cal.criteria:
                    calib_verdicts[c.verdict] += 1
            for st in table.session.tasks:
                total = table.task_totals.get(st.task_id)
                rows = rows_by_task.get(st.task_id, [])
                if total is None or not rows:
                    continue
                candidates.append(
                    {
                        "proj": proj,
                        "session": s.id,
                        "session_task": st,
                        "total": total,
                        "name": table.task_names.get(st.task_id, str(st.task_id)),
                        "rows": [
                            {
                                "criterion": r.criterion,
                                "self_score": r.self_score or "not scored",
                                "proposed": r.proposed,
                                "takeaway": r.takeaway,
                                "evidence": r.evidence_text,
                            }
                            for r in rows
                        ],
                        "takeaway": table.task_takeaways.get(st.task_id, ""),
                    }
                )
        queries = [q for q in ws.list_queries(p.id)]
        queries_all += [(proj, q) for q in queries]
        chart = _progress_chart(ws, proj, stage)
        if chart:
            charts.append(chart)
        if mine_tasks or finished:
            projects_out.append(
                {
                    "name": p.name,
                    "type": proj.type,
                    "tasks": len(tasks),
                    "annotated": mine_tasks,
                    "sessions": len(finished),
                    "description": p.description,
                }
            )

    # Samples: the best-scored tasks first, up to N, with thumbnails.
    # Best first within each project, then the projects taken in turn, so a portfolio
    # shows each kind of work (ties: image work first, then by task).
    candidates.sort(
        key=lambda c: (-c["total"], not c["proj"].is_image, c["proj"].project.name, c["name"])
    )
    by_project: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in candidates:
        by_project[c["proj"].project.name].append(c)
    queues = list(by_project.values())
    candidates = [
        q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)
    ]
    chosen = candidates[: max(0, options.samples)]
    samples = []
    for i, c in enumerate(chosen):
        samples.append(_sample(ws, c, i, options.redact, stage))
        if progress:
            progress("samples", i + 1, len(chosen))

    asked = [q for _, q in queries_all if q.status in ("sent", "answered")]
    answered = [(proj, q) for proj, q in queries_all if q.status == "answered"]
    answered.sort(key=lambda pq: pq[1].answered_at or pq[1].created_at, reverse=True)
    chosen_queries = [
        {
            "project": proj.project.name,
            "task": q.task_external_id,
            "question": "[redacted]" if options.redact else q.text,
            "answer": "[redacted]" if options.redact else (q.answer or ""),
            "ruling": q.ruling_id or "",
            "answered": (q.answered_at or q.created_at).date().isoformat(),
        }
        for proj, q in answered[:8]
    ]

    total_lead = sum(lead_times)
    per_task_min = (total_lead / len(lead_times) / 60) if lead_times else None
    calib = (
        sum(d * n for d, n in calib_weighted) / sum(n for _, n in calib_weighted)
        if calib_weighted
        else None
    )
    calib_count = sum(n for _, n in calib_weighted)
    criteria = [
        {
            "name": name,
            "mean": sum(v) / len(v),
            "max": criterion_max[name],
            "count": len(v),
        }
        for name, v in sorted(criterion_scores.items())
    ]
    overall_pct = mean([s / criterion_max[n] for n, vals in criterion_scores.items() for s in vals])
    precision = mean(precision_scores)
    skills = [
        {
            "skill": "Attention to detail",
            "evidence": (
                f"Precision/geometry criteria average {_pct(precision)} of the top level "
                f"over {len(precision_scores)} self-scored items"
                if precision is not None
                else (
                    f"All criteria average {_pct(overall_pct)} of the top level over "
                    f"{decided_items} self-scored items"
                    if overall_pct is not None
                    else "No self-scored items yet"
                )
            ),
        },
        {
            "skill": "Time management",
            "evidence": (
                f"{per_task_min:.1f} active minutes per task over {len(lead_times)} annotated "
                f"tasks ({total_lead / 3600:.1f} h in all)"
                if per_task_min is not None
                else "No timed annotations yet"
            ),
        },
        {
            "skill": "Critical thinking",
            "evidence": (
                f"Self-scores differ from the gold-measured level by {calib:+.2f} points on "
                f"average over {calib_count} items ({_calib_word(calib)}); "
                f"{overrides} proposal(s) overridden with a reason"
                if calib is not None
                else f"{overrides} rubric proposal(s) overridden with a reason"
            ),
        },
        {
            "skill": "Communication",
            "evidence": (
                f"{len(asked)} rubric-referencing clarification queries sent, "
                f"{len(answered)} answered"
            ),
        },
    ]
    return {
        "projects": projects_out,
        "summary": {
            "tasks_by_type": sorted(
                ((k, v) for k, v in type_counts.items() if v), key=lambda kv: (-kv[1], kv[0])
            ),
            "tasks": sum(type_counts.values()),
            "active_hours": total_lead / 3600 if lead_times else None,
            "sessions": sessions_count,
            "items": decided_items,
            "criteria": criteria,
            "acceptable_share": acceptable[0] / acceptable[1] if acceptable[1] else None,
            "agreement": [
                {"metric": AGREEMENT_METRICS[m], "value": sum(v) / len(v), "count": len(v)}
                for m, v in sorted(agreement.items())
            ],
            "calibration": calib,
            "calibration_word": _calib_word(calib) if calib is not None else "",
            "calibration_items": calib_count,
        },
        "skills": skills,
        "samples": samples,
        "charts": charts,
        "queries": chosen_queries,
    }


def _calib_word(diff: float | None) -> str:
    if diff is None:
        return ""
    if diff > 0.5:
        return "over-confident"
    if diff < -0.5:
        return "under-confident"
    return "well calibrated"


def _sample(ws: Workspace, c: dict[str, Any], index: int, redact: bool, stage: Path):
    proj: _Project = c["proj"]
    st = c["session_task"]
    task = ws.get_task(st.task_id)
    regions: list[Any] = []
    if st.annotation_id is not None:
        try:
            regions = list(ws.get_annotation(st.annotation_id).regions)
        except NotFoundError:
            regions = []
    out: dict[str, Any] = {
        "project": proj.project.name,
        "type": proj.type,
        "task": c["name"],
        "total": c["total"],
        "rows": [
            dict(r, takeaway="[redacted]" if redact and r["takeaway"] else r["takeaway"])
            for r in c["rows"]
        ],
        "takeaway": "[redacted]" if redact and c["takeaway"] else c["takeaway"],
        "summary": st.summary,
        "thumb": None,
        "segments": [],
        "answers": _answer_lines(regions, redact),
        "legend": [],
    }
    if proj.is_image:
        media = (
            Path(proj.project.media_root) / task.media
            if proj.project.media_root and task.media
            else None
        )
        size = (
            (task.image_width, task.image_height)
            if task.image_width and task.image_height
            else None
        )
        rel = f"thumbnails/{index + 1:03d}-{_slug(c['name'])}.png"
        write_thumbnail(stage / rel, media, regions, proj.colours, size_hint=size)
        out["thumb"] = Markup(rel)  # our own path: safe in both formats
        labels = sorted(
            {
                (r.control, r.labels[0])
                for r in regions
                if r.labels and not isinstance(r, (Choices, Span))
            }
        )
        out["legend"] = [
            {"label": lab, "colour": _safe_colour(label_colour(proj.colours, ctl, lab))}
            for ctl, lab in labels
        ]
    key = proj.text_key()
    if key is not None and isinstance(task.data.get(key), str):
        spans = [r for r in regions if isinstance(r, Span)]
        out["segments"] = _text_segments(task.data[key], spans, proj, redact)
    return out


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


def _render(env: Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as exc:
        raise InputError(f"the template has no {exc.name}") from None


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
