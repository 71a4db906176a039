"""Portfolio export: 50 self-scored samples with thumbnails in HTML, PDF and Markdown.

Target: `portfolio_50_s` (one `labelmate portfolio --format html,pdf,md` build of a
portfolio with 50 samples, thumbnails, charts and the practice datasets) under 10 s.
The workspace is the demo pack with "mine" annotations copied from gold with small
offsets and one finished self-score session per project; its setup is not timed.

Run: .venv/bin/python benchmarks/portfolio.py [--keep DIR]
The last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from labelmate.core.models import Annotation, AnnotationKind
from labelmate.core.regions import Box, Choices, Keypoint, Polygon, Span, new_region_id
from labelmate.store import Workspace, open_workspace
from labelmate.usecases import score
from labelmate.usecases.demo import install_demo
from labelmate.usecases.portfolio import PortfolioOptions, Profile, build_portfolio

PLAN = {  # project → tasks to annotate and score (50 in all)
    "PCB defects — boxes": 12,
    "Leaf outlines — polygons": 8,
    "Movie reviews — sentiment": 30,
}


def _nudge(region, rng: random.Random):
    update: dict = {"id": new_region_id()}
    if isinstance(region, Box):
        update |= {"x": region.x + rng.uniform(-3, 3), "y": region.y + rng.uniform(-3, 3)}
    elif isinstance(region, Polygon):
        update["points"] = tuple((x + rng.uniform(-2, 2), y + rng.uniform(-2, 2))
                                 for x, y in region.points)  # fmt: skip
    elif isinstance(region, Keypoint):
        update |= {"x": region.x + rng.uniform(-2, 2), "y": region.y + rng.uniform(-2, 2)}
    elif isinstance(region, Choices | Span):
        pass
    return region.model_copy(update=update)


def annotate_and_score(
    ws: Workspace,
    plan: dict[str, int],
    seed: int = 7,
    takeaway: str = "Tighter boxes on small pads next time.",
    query: str = "does a partly hidden object count as visible?",
) -> list[int]:
    """Copy gold into 'mine' with small offsets, then run and finish a session per project."""
    rng = random.Random(seed)
    sessions = []
    for name, count in plan.items():
        project = ws.project_by_name(name)
        assert project is not None and project.id is not None
        tasks = ws.list_tasks(project.id)[:count]
        anns = ws.annotations_for_tasks([t.id for t in tasks])
        ids = []
        for t in tasks:
            gold = next(a for a in anns[t.id] if a.kind is AnnotationKind.GOLD)
            ws.add_annotation(
                Annotation(
                    task_id=t.id,
                    author="me",
                    kind=AnnotationKind.MINE,
                    regions=[_nudge(r, rng) for r in gold.regions],
                    lead_time=rng.uniform(40, 240),
                )
            )
            ids.append(t.id)
        session = score.start_session(ws, project, task_ids=ids)
        assert session.id is not None
        for item in session.items:
            if item.proposed_score is not None:
                score.confirm(ws, session.id, item.task_id, item.criterion_id)
            else:
                crit = score.session_rubric(session).criterion(item.criterion_id)
                score.set_manual(ws, session.id, item.task_id, item.criterion_id, crit.max_score)
        first = session.tasks[0].task_id
        score.set_takeaway(ws, session.id, first, None, takeaway)
        score.finish(ws, session.id)
        sessions.append(session.id)
        q = ws.add_query(project.id, ws.get_task(first).external_id,
                         f"For '{name}': {query}",
                         status="sent")  # fmt: skip
        ws.answer_query(q.id, "Yes — label it if at least half of it is visible.")
    return sessions


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", type=Path, help="build the portfolio here and keep it")
    args = ap.parse_args()
    from labelmate.gui.portfolio_pdf import render_pdf

    with tempfile.TemporaryDirectory() as tmp:
        ws_path = Path(tmp) / "bench.labelmate"
        install_demo(ws_path)
        with open_workspace(ws_path) as ws:
            annotate_and_score(ws, PLAN)
            out = args.keep or Path(tmp) / "portfolio"
            options = PortfolioOptions(
                out_dir=out,
                formats=("html", "pdf", "md"),
                profile=Profile(name="Benchmark Annotator", tools=["Labelmate"]),
                samples=50,
                replace=True,
            )
            render_pdf("<p>warm-up</p>", Path(tmp), Path(tmp) / "warm.pdf")  # Qt start-up
            t0 = time.perf_counter()
            report = build_portfolio(ws, options, pdf_renderer=render_pdf)
            elapsed = time.perf_counter() - t0
        thumbs = len(list((out / "thumbnails").glob("*.png")))
        pdf_kb = (out / "portfolio.pdf").stat().st_size / 1024
        print(f"{report.samples} samples, {thumbs} thumbnails, PDF {pdf_kb:.0f} KiB")
        print(f"portfolio build (html+pdf+md): {elapsed:.2f} s (target < 10 s)")
        print(json.dumps({"portfolio_50_s": round(elapsed, 3), "samples": report.samples,
                          "thumbnails": thumbs}))  # fmt: skip


if __name__ == "__main__":
    main()
