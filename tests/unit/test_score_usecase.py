"""Scoring a project and running self-score sessions through the use-cases."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from labelmate.core.errors import InputError, NotFoundError, RubricError, WorkspaceError
from labelmate.core.ids import TaskId
from labelmate.core.models import Annotation, AnnotationKind, Project, Task, utcnow
from labelmate.core.regions import Box, Choices, TextAnswer
from labelmate.store import Workspace
from labelmate.usecases import score as S

ROOT = Path(__file__).parents[2]
PCB_YAML = (ROOT / "rubrics" / "pcb-defect-boxes.yaml").read_text(encoding="utf-8")
BOX_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Solder Bridge"/><Label value="Scratch"/>
  </RectangleLabels>
</View>"""
# Left edge of the drawn box this many px outside the gold box; everything else exact.
OUTSIDE = {"b-3.0": 3.0, "b-3.5": 3.5, "b-6.0": 6.0, "b-6.5": 6.5, "b-0.0": 0.0}


def gold_box(rid: str = "g") -> Box:
    return Box(
        id=rid,
        control="label",
        target="image",
        labels=("Scratch",),
        x=100,
        y=100,
        width=50,
        height=50,
    )


def drawn(outside: float, label: str = "Scratch") -> Box:
    return Box(
        id="m",
        control="label",
        target="image",
        labels=(label,),
        x=100 - outside,
        y=100,
        width=50 + outside,
        height=50,
    )


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "ws.labelmate"


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    with Workspace.open(ws_path) as workspace:
        yield workspace


def add_box_project(ws: Workspace, name: str = "Boxes", rubric: str | None = PCB_YAML) -> Project:
    project = ws.add_project(
        Project(
            name=name,
            config_xml=BOX_CONFIG,
            rubric_id="pcb-defect-boxes" if rubric else None,
            rubric_yaml=rubric,
        )
    )
    tasks = ws.add_tasks(
        Task(
            project_id=project.id,
            external_id=ext,
            data={"image": f"{ext}.png"},
            image_width=640,
            image_height=480,
        )
        for ext in [*OUTSIDE, "no-gold", "unlabeled"]
    )
    for task in tasks:
        if task.external_id in OUTSIDE:
            ws.add_annotation(
                Annotation(
                    task_id=task.id, author="gold", kind=AnnotationKind.GOLD, regions=[gold_box()]
                )
            )
            ws.add_annotation(
                Annotation(
                    task_id=task.id,
                    author="me",
                    lead_time=30.0,
                    regions=[drawn(OUTSIDE[task.external_id])],
                )
            )
        elif task.external_id == "no-gold":
            ws.add_annotation(Annotation(task_id=task.id, author="me", regions=[drawn(1.0)]))
    return project


def by_task(report: S.ScoreReport) -> dict[str, S.TaskScore]:
    return {t.external_id: t for t in report.tasks}


# --- score_project -----------------------------------------------------------------------


def test_exact_threshold_boundaries_decide_the_level(ws: Workspace) -> None:
    add_box_project(ws)
    report = S.score_project(ws, "Boxes")
    levels = {
        ext: t.result.criterion("precision").score
        for ext, t in by_task(report).items()
        if ext in OUTSIDE
    }
    # rule bounds are inclusive: 3.0 px is still "≤ 3", 6.0 still "≤ 6"
    assert levels == {"b-3.0": 5, "b-3.5": 3, "b-6.0": 3, "b-6.5": 1, "b-0.0": 5}
    on_bound = report.task_json(by_task(report)["b-3.0"])
    precision = next(c for c in on_bound["criteria"] if c["id"] == "precision")
    assert precision["level_score"] == 5 and precision["level_name"] == "Gold Standard"
    assert precision["proposed_by"] == "rule"
    assert {
        "metric": "box.max_outside_px",
        "value": 3.0,
        "threshold": 3.0,
        "op": "<=",
        "source": "gold",
    } in precision["evidence"]
    just_over = report.task_json(by_task(report)["b-6.5"])
    evidence = next(c for c in just_over["criteria"] if c["id"] == "precision")["evidence"]
    # why not the better levels: each failed rule, with the value that failed it
    assert {
        "metric": "box.max_outside_px",
        "value": 6.5,
        "threshold": 6.0,
        "op": "<=",
        "source": "gold",
    } in evidence


def test_json_has_exactly_the_documented_shape(ws: Workspace) -> None:
    add_box_project(ws)
    out = S.score_project(ws, "Boxes").to_json()
    assert set(out) == {"rubric", "tasks", "summary"} and out["rubric"] == "pcb-defect-boxes"
    assert [t["task"] for t in out["tasks"]] == [*OUTSIDE, "no-gold"]  # "unlabeled" skipped
    for task in out["tasks"]:
        assert set(task) == {"task", "total", "criteria"}
        assert task["total"] is None or 0 <= task["total"] <= 100
        for c in task["criteria"]:
            assert set(c) == {"id", "level_score", "level_name", "proposed_by", "evidence"}
            assert c["proposed_by"] in ("rule", "manual", "none")
            for e in c["evidence"]:
                assert set(e) == {"metric", "value", "threshold", "op", "source"}
    perfect = out["tasks"][4]
    assert perfect["total"] == pytest.approx(100.0)  # clarity (manual) is not scored
    clarity = perfect["criteria"][3]
    assert clarity == {
        "id": "clarity",
        "level_score": None,
        "level_name": None,
        "proposed_by": "none",
        "evidence": [],
    }
    summary = out["summary"]
    assert summary["tasks_scored"] == 6 and summary["tasks_eligible"] == 6
    assert summary["tasks_with_gold"] == 5
    assert summary["which"] == "mine" and summary["seed"] is None and summary["sample_size"] is None
    precision = next(c for c in summary["criteria"] if c["id"] == "precision")
    assert precision["count"] == 5 and precision["not_measurable"] == 1
    assert precision["mean_level_score"] == pytest.approx((5 + 3 + 3 + 1 + 5) / 5)


def test_a_task_without_gold_gets_not_measurable_criteria(ws: Workspace) -> None:
    add_box_project(ws)
    task = by_task(S.score_project(ws, "Boxes"))["no-gold"]
    assert not task.has_gold
    assert {r.criterion_id: r.status for r in task.result.criteria} == {
        "correctness": "not_measurable",
        "completeness": "not_measurable",
        "precision": "not_measurable",
        "clarity": "unscored",
    }
    assert task.result.total is None
    evidence = task.result.criterion("precision").evidence[0]
    assert evidence.value is None and evidence.source is None


def test_sampling_is_reproducible_with_the_same_seed(ws: Workspace) -> None:
    add_box_project(ws)
    first = S.score_project(ws, "Boxes", sample=3, seed=11)
    again = S.score_project(ws, "Boxes", sample=3, seed=11)
    assert [t.external_id for t in first.tasks] == [t.external_id for t in again.tasks]
    assert len(first.tasks) == 3 and first.eligible == 6
    drawn_seed = S.score_project(ws, "Boxes", sample=3)
    assert drawn_seed.seed is not None  # chosen, and reported so it can be reused
    assert drawn_seed.to_json()["summary"]["seed"] == drawn_seed.seed
    redo = S.score_project(ws, "Boxes", sample=3, seed=drawn_seed.seed)
    assert [t.task_id for t in redo.tasks] == [t.task_id for t in drawn_seed.tasks]
    everything = S.score_project(ws, "Boxes", sample=50, seed=1)
    assert len(everything.tasks) == 6
    with pytest.raises(InputError, match="at least 1"):
        S.score_project(ws, "Boxes", sample=0)


def test_draw_sample_is_seeded_and_ordered() -> None:
    picked, seed = S.draw_sample(100, 10, 5)
    assert seed == 5 and picked == sorted(picked) and len(set(picked)) == 10
    assert S.draw_sample(100, 10, 5)[0] == picked
    assert S.draw_sample(4, None, None) == ([0, 1, 2, 3], None)


def test_which_gold_scores_the_gold_without_comparing_it_to_itself(ws: Workspace) -> None:
    add_box_project(ws)
    report = S.score_project(ws, "Boxes", which="gold")
    assert len(report.tasks) == 5 and not any(t.has_gold for t in report.tasks)
    assert report.to_json()["summary"]["which"] == "gold"
    with pytest.raises(InputError, match="--which"):
        S.score_project(ws, "Boxes", which="somebody")
    assert S.score_project(ws, "Boxes", which="author:me").to_json()["summary"]["tasks_scored"] == 6


def test_errors_name_the_problem(ws: Workspace, tmp_path: Path) -> None:
    add_box_project(ws)
    add_box_project(ws, "Bare", rubric=None)
    with pytest.raises(NotFoundError, match=r"no project named 'Nope'.*'Bare'"):
        S.score_project(ws, "Nope")
    with pytest.raises(InputError, match="has no rubric; give one with --rubric"):
        S.score_project(ws, "Bare")
    rubric = tmp_path / "r.yaml"
    rubric.write_text(PCB_YAML, encoding="utf-8")
    assert len(S.score_project(ws, "Bare", rubric_path=rubric).tasks) == 6
    rubric.write_text("id: x\n", encoding="utf-8")
    with pytest.raises(RubricError):
        S.score_project(ws, "Bare", rubric_path=rubric)


def test_the_text_table_lists_task_criterion_level_and_total(ws: Workspace) -> None:
    add_box_project(ws)
    lines = S.score_project(ws, "Boxes", sample=2, seed=3).lines()
    assert lines[0].startswith("Scored 2 of 6 tasks with a 'mine' annotation in 'Boxes'")
    assert lines[1].split() == ["Task", "Criterion", "Level", "(n/5)", "Total"]
    assert any("Gold Standard (5/5)" in line or "Acceptable (3/5)" in line for line in lines)
    assert lines[-1] == "Same tasks again: --sample 2 --seed 3"


def test_text_tasks_and_prompt_findings(ws: Workspace) -> None:
    sentiment = ws.add_project(
        Project(
            name="Reviews",
            config_xml='<View><Text name="review" value="$text"/><Choices name="s" toName="review">'
            '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>',
            rubric_yaml=(ROOT / "rubrics" / "text-sentiment.yaml").read_text(encoding="utf-8"),
        )
    )
    (task,) = ws.add_tasks([Task(project_id=sentiment.id, external_id="r1", data={"text": "ok"})])
    for kind, label in ((AnnotationKind.GOLD, "Positive"), (AnnotationKind.MINE, "Negative")):
        ws.add_annotation(
            Annotation(
                task_id=task.id,
                author="x",
                kind=kind,
                regions=[Choices(control="s", target="review", labels=(label,))],
            )
        )
    result = S.score_project(ws, "Reviews").tasks[0].result
    assert result.criterion("correctness").score == 1
    prompts = ws.add_project(
        Project(
            name="Prompts",
            config_xml='<View><Text name="brief" value="$brief"/>'
            '<TextArea name="system_prompt" toName="brief"/></View>',
            rubric_yaml=(ROOT / "rubrics" / "system-prompt.yaml").read_text(encoding="utf-8"),
        )
    )
    (task,) = ws.add_tasks([Task(project_id=prompts.id, external_id="p1", data={"brief": "x"})])
    ws.add_annotation(
        Annotation(
            task_id=task.id,
            author="me",
            regions=[TextAnswer(control="system_prompt", target="brief", text=("Be nice.",))],
        )
    )
    scored = S.score_project(ws, "Prompts")
    pitfalls = scored.tasks[0].result.criterion("pitfalls")
    assert pitfalls.status == "proposed"
    assert scored.tasks[0].measurements["prompt.findings"].value >= 3
    evidence = scored.task_json(scored.tasks[0])["criteria"][0]["evidence"]
    assert evidence[0]["metric"] == "prompt.findings" and evidence[0]["source"] == "data"


def test_a_large_run_shared_among_processes_gives_the_same_scores(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("runs are shared among processes on Linux only")
    add_box_project(ws)
    serial = S.score_project(ws, "Boxes", workers=1)
    # force the forked path (pytest-qt has loaded Qt here, which _workers refuses)
    monkeypatch.setattr(S, "_workers", lambda tasks: 3)
    shared = S.score_project(ws, "Boxes")
    assert shared.tasks == serial.tasks  # every field, evidence and measurement included
    assert shared.to_json() == serial.to_json()


def test_forking_is_refused_where_it_is_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    assert S._workers(S.PARALLEL_FROM - 1) == 1  # small runs stay here
    monkeypatch.setitem(sys.modules, "PySide6", sys.modules.get("PySide6") or object())
    assert S._workers(10 * S.PARALLEL_FROM) == 1  # Qt's threads make fork unsafe


# --- sessions ------------------------------------------------------------------------------


def start(ws: Workspace, **kw) -> int:
    session = S.start_session(ws, "Boxes", **kw)
    assert session.id is not None
    return session.id


def tid(ws: Workspace, ext: str) -> TaskId:
    project = ws.project_by_name("Boxes")
    assert project is not None and project.id is not None
    task = next(t for t in ws.list_tasks(project.id) if t.external_id == ext)
    assert task.id is not None
    return task.id


def test_a_session_proposes_every_item_with_its_evidence(ws: Workspace) -> None:
    add_box_project(ws)
    sid = start(ws, sample=4, seed=2)
    session = ws.get_score_session(sid)
    assert len(session.tasks) == 4 and len(session.items) == 16 and session.seed == 2
    assert session.sample_size == 4 and session.rubric_id == "pcb-defect-boxes"
    assert session.rubric_yaml == PCB_YAML
    same = S.start_session(ws, "Boxes", sample=4, seed=2)
    assert same.task_ids == session.task_ids  # the recorded seed draws the same sample
    item = session.items[2]
    assert item.criterion_id == "precision" and item.proposal == "proposed"
    e = item.evidence[0]
    assert {
        "metric",
        "value",
        "threshold",
        "op",
        "source",
        "level_score",
        "message",
        "region_ids",
    } <= set(e)
    assert e["region_ids"] == ["m", "g"]
    clarity = session.items[3]
    assert clarity.proposal == "manual" and clarity.proposed_score is None
    assert session.tasks[0].summary == "1 box (1 Scratch)"
    default = S.start_session(ws, "Boxes")
    assert default.sample_size == S.DEFAULT_SAMPLE and len(default.tasks) == 6


def test_hand_picked_tasks_keep_their_order(ws: Workspace) -> None:
    add_box_project(ws)
    picked = [tid(ws, "b-6.5"), tid(ws, "b-3.0")]
    session = S.start_session(ws, "Boxes", task_ids=picked)
    assert session.task_ids == picked and session.sample_size is None
    with pytest.raises(InputError, match="'unlabeled' has no annotation"):
        S.start_session(ws, "Boxes", task_ids=[tid(ws, "unlabeled")])
    with pytest.raises(InputError, match="not both"):
        S.start_session(ws, "Boxes", task_ids=picked, sample=2)


def test_confirm_override_manual_and_takeaways_are_persisted(ws_path: Path) -> None:
    with Workspace.open(ws_path) as ws:
        add_box_project(ws)
        t = tid(ws, "b-3.5")  # precision proposed 3 (Acceptable)
        sid = start(ws, task_ids=[t, tid(ws, "b-0.0")])
        assert S.confirm(ws, sid, t, "correctness").final_score == 5
        with pytest.raises(InputError, match="keeps its reason"):
            S.override(ws, sid, t, "precision", 5, "  ")
        with pytest.raises(InputError, match="not a level"):
            S.override(ws, sid, t, "precision", 4, "between")
        over = S.override(ws, sid, t, "precision", 5, "gold box is 1 px loose itself")
        assert (over.decision, over.final_score) == ("overridden", 5)
        with pytest.raises(InputError, match="nothing was proposed"):
            S.confirm(ws, sid, t, "clarity")
        with pytest.raises(InputError, match="override it with a reason"):
            S.set_manual(ws, sid, t, "completeness", 1)
        assert S.set_manual(ws, sid, t, "clarity", 3).decision == "manual"
        S.set_takeaway(ws, sid, t, "precision", "Need to be tighter; left edge 3.5 px out.")
        S.set_takeaway(ws, sid, t, None, "Edges take me longest.")
        # overriding to the proposed level is a confirmation
        assert S.override(ws, sid, t, "completeness", 5, "").decision == "confirmed"
        assert S.reset(ws, sid, t, "completeness").decision == "pending"
    with Workspace.open(ws_path) as again:  # a restart: everything is still there
        session = again.get_score_session(sid)
        precision = session.item(t, "precision")
        assert precision.override_reason == "gold box is 1 px loose itself"
        assert precision.proposed_score == 3 and precision.final_score == 5
        assert precision.takeaway == "Need to be tighter; left edge 3.5 px out."
        assert session.task(t).takeaway == "Edges take me longest."
        assert session.item(t, "clarity").final_score == 3
        assert session.item(t, "completeness").decision == "pending"
        S.confirm(again, sid, t, "completeness")  # and it can be resumed
        S.finish(again, sid)
        with pytest.raises(WorkspaceError, match="read-only"):
            S.confirm(again, sid, t, "completeness")
        with pytest.raises(WorkspaceError, match="read-only"):
            S.set_takeaway(again, sid, t, None, "late thought")


def test_session_table_totals_and_exports(ws: Workspace, tmp_path: Path) -> None:
    add_box_project(ws)
    t1, t2 = tid(ws, "b-3.5"), tid(ws, "b-0.0")
    sid = start(ws, task_ids=[t1, t2])
    for t in (t1, t2):
        for cid in ("correctness", "completeness", "precision"):
            S.confirm(ws, sid, t, cid)
    table = S.session_table(ws, sid)
    assert [r.self_score for r in table.rows[:4]] == [
        "Gold Standard (5/5)",
        "Gold Standard (5/5)",
        "Acceptable (3/5)",
        "",
    ]
    # manual clarity unscored: (3 + 3 + 2·3/5) / 8
    assert table.task_totals[t1] == pytest.approx((3 + 3 + 1.2) / 8 * 100)
    assert table.task_totals[t2] == pytest.approx(100)
    assert table.total == pytest.approx(((3 + 3 + 1.2) / 8 * 100 + 100) / 2)
    assert (table.decided, table.items) == (6, 8)
    S.set_manual(ws, sid, t1, "clarity", 1)  # manual scored: (7.2 + 0.2) / 9
    S.set_takeaway(ws, sid, t1, "clarity", "two | boxes\non one defect")
    table = S.session_table(ws, sid)
    assert table.task_totals[t1] == pytest.approx((3 + 3 + 1.2 + 0.2) / 9 * 100)
    row = table.rows[3]
    assert (row.task, row.annotation, row.criterion) == (
        "b-3.5",
        "1 box (1 Scratch)",
        "Clarity / Ambiguity",
    )
    md = table.to_markdown()
    assert "| Your annotation | Rubric criterion | Your self-score | Key takeaway |" in md
    assert "| b-3.5: 1 box (1 Scratch) | Precision (Geometry) | Acceptable (3/5) |  |" in md
    assert "two \\| boxes<br>on one defect" in md
    for line in md.splitlines():
        if line.startswith("| b-3.5") and "Clarity" in line:
            assert line.count(" | ") == 3  # the escaped pipe does not open a column
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert len(rows) == 8 and rows[3]["key_takeaway"] == "two | boxes\non one defect"
    assert rows[2]["self_score"] == "Acceptable (3/5)" and rows[2]["evidence"]
    out_csv = S.export_session_csv(ws, sid, tmp_path / "s.csv")
    out_md = S.export_session_markdown(ws, sid, tmp_path / "s.md")
    assert out_csv.read_text(encoding="utf-8") == table.to_csv()
    assert out_md.read_text(encoding="utf-8") == md


def test_md_cell_escapes() -> None:
    assert S.md_cell("a|b") == "a\\|b"
    assert S.md_cell(" x \n y ") == "x<br>y"
    assert S.md_cell("back\\slash") == "back\\\\slash"


def test_session_calibration_against_gold(ws: Workspace) -> None:
    add_box_project(ws)
    t1, t2 = tid(ws, "b-3.5"), tid(ws, "b-6.5")
    sid = start(ws, task_ids=[t1, t2])
    S.override(ws, sid, t1, "precision", 5, "looks snug to me")  # measured 3
    S.override(ws, sid, t2, "precision", 3, "only one edge")  # measured 1
    S.confirm(ws, sid, t1, "correctness")
    S.set_manual(ws, sid, t1, "clarity", 5)  # manual: not calibration
    cal = S.session_calibration(ws, sid)
    rows = {c.criterion_id: c for c in cal.criteria}
    assert set(rows) == {"precision", "correctness"}
    assert rows["precision"].mean_difference == 2 and rows["precision"].verdict == "over-confident"
    assert rows["correctness"].mean_difference == 0
    assert [(d.task, d.difference) for d in cal.disagreements] == [("b-3.5", 2), ("b-6.5", 2)]


def test_session_time_and_bottlenecks(ws: Workspace) -> None:
    add_box_project(ws)
    t = tid(ws, "b-6.5")
    mine = ws.annotations_for_task(t, AnnotationKind.MINE)[0]
    ws.update_annotation(mine.model_copy(update={"lead_time": 90.0}), reason="geometry")
    # an edit of another annotation (gold) is not the user's time
    gold = ws.annotations_for_task(t, AnnotationKind.GOLD)[0]
    ws.update_annotation(gold, reason="label")
    start_at = utcnow() - timedelta(seconds=100)
    ws.db.execute(
        "UPDATE edit_log SET at = ? WHERE task_id = ? AND detail = 'mine'",
        [start_at.isoformat(), t],
    )
    sid = start(ws, task_ids=[t])
    split = S.session_time(ws, sid)
    assert split.per_task[t].total == pytest.approx(90.0)
    assert split.total.by_criterion["precision"] > 0
    assert split.total.by_criterion["correctness"] == 0
    assert sum(split.total.by_kind.values()) == pytest.approx(90.0)
    for cid in ("correctness", "completeness", "precision"):
        S.confirm(ws, sid, t, cid)
    report = S.session_bottlenecks(ws, sid)
    top = report.by_points[0]
    assert top.criterion_id == "precision" and top.mean_score == 1
    assert top.next_level_name == "Acceptable" and "6 px" in top.next_level.descriptor  # type: ignore[union-attr]


def test_progress_across_finished_sessions(ws: Workspace) -> None:
    add_box_project(ws)
    bad, good = tid(ws, "b-6.5"), tid(ws, "b-3.0")
    for t in (bad, good):
        sid = start(ws, task_ids=[t])
        for cid in ("correctness", "completeness", "precision"):
            S.confirm(ws, sid, t, cid)
        S.finish(ws, sid)
    start(ws, task_ids=[bad])  # open: not part of progress
    result = S.project_progress(ws, "Boxes")
    assert len(result.sessions) == 2
    assert result.series["precision"] == [1.0, 5.0]
    assert result.trends["precision"] == "up" and result.trends["correctness"] == "flat"
    assert result.weakest in ("correctness", "completeness", "precision")
    assert result.total_trend == "up"
    assert [s.status for s in S.list_sessions(ws, "Boxes")] == ["finished", "finished", "open"]


def test_annotation_summary() -> None:
    boxes = [drawn(1), drawn(2, "Solder Bridge"), drawn(3)]
    assert S.annotation_summary(boxes) == "3 boxes (2 Scratch, 1 Solder Bridge)"
    assert S.annotation_summary([]) == "nothing labeled"
    text = TextAnswer(control="prompt", target="t", text=("You are a helpful assistant.",))
    assert S.annotation_summary([text]) == "prompt: “You are a helpful assistant.” (28 chars)"
    choice = Choices(control="sentiment", target="t", labels=("Neutral",))
    assert S.annotation_summary([choice]) == "sentiment: Neutral"
