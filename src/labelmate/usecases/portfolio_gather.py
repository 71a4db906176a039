"""Gathering a portfolio's figures, skills, samples and queries from the workspace.

Only shareable projects are read; a confidential project is skipped and noted.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from labelmate.core.errors import NotFoundError
from labelmate.core.labeling_interface import LabelingInterface, parse_labeling_config
from labelmate.core.models import AnnotationKind
from labelmate.core.regions import Choices, Rating, Span, TextAnswer
from labelmate.core.scoring import mean
from labelmate.io.thumbnails import label_colour, write_thumbnail
from labelmate.store import Workspace
from labelmate.store.queries import QueryRecord
from labelmate.usecases.portfolio_model import (
    DEFAULT_QUERIES,
    PortfolioOptions,
    PortfolioReport,
    _Project,
)
from labelmate.usecases.portfolio_output import _progress_chart
from labelmate.usecases.portfolio_templates import _pct
from labelmate.usecases.score import session_calibration, session_table

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
    answered.sort(key=lambda pq: _latest_first(pq[1]))
    if options.queries is None:
        answered = answered[:DEFAULT_QUERIES]
    else:
        wanted = set(options.queries)
        answered = [(proj, q) for proj, q in answered if q.id in wanted]
    chosen_queries = [
        {
            "project": proj.project.name,
            "task": q.task_external_id,
            "question": "[redacted]" if options.redact else q.text,
            "answer": "[redacted]" if options.redact else (q.answer or ""),
            "ruling": q.ruling_id or "",
            "answered": (q.answered_at or q.created_at).date().isoformat(),
        }
        for proj, q in answered
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


def _latest_first(q: QueryRecord) -> tuple:
    return (-(q.answered_at or q.created_at).timestamp(), q.id)


def answered_queries(ws: Workspace, project_names: Sequence[str]) -> list[QueryRecord]:
    """The answered clarification queries of the named shareable projects, latest first:
    the ones a portfolio can show (`PortfolioOptions.queries` picks among them)."""
    out = []
    for name in project_names:
        p = ws.project_by_name(name)
        if p is None or p.confidential:
            continue
        assert p.id is not None
        out += [q for q in ws.list_queries(p.id) if q.status == "answered"]
    return sorted(out, key=_latest_first)


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
