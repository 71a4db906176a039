"""A scoring run shared with forked processes gives exactly the scores of one process.

The parts are claimed from both ends, so the scores must come back in task order
however the work was split; a part a child fails on, or never sends because it
died, is scored by the parent. Pausing the collector for a run leaves it as it was.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import Box
from labelmate.store import Workspace
from labelmate.usecases import score as S
from labelmate.usecases import score_parallel as P

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="runs are shared among processes on Linux only"
)

ROOT = Path(__file__).parents[2]
CONFIG = (
    '<View><Image name="image" value="$image"/><RectangleLabels name="defect" toName="image">'
    '<Label value="Solder Bridge"/><Label value="Scratch"/></RectangleLabels></View>'
)
LABELS = ("Solder Bridge", "Scratch")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.open(tmp_path / "w.labelmate") as w:
        project = w.add_project(
            Project(
                name="Boards",
                config_xml=CONFIG,
                rubric_id="pcb-defect-boxes",
                rubric_yaml=(ROOT / "rubrics" / "pcb-defect-boxes.yaml").read_text("utf-8"),
            )
        )
        rng = random.Random(5)
        tasks = w.add_tasks(
            Task(project_id=project.id, external_id=f"t{i:02d}", data={"image": f"{i}.png"})
            for i in range(37)
        )
        for task in tasks:
            gold = [
                Box(control="defect", target="image", labels=(rng.choice(LABELS),),
                    x=rng.uniform(0, 500), y=rng.uniform(0, 300),
                    width=rng.uniform(5, 60), height=rng.uniform(5, 60))
                for _ in range(rng.randint(0, 4))
            ]  # fmt: skip
            mine = [
                b.model_copy(update={"x": b.x + rng.uniform(-5, 3), "width": b.width + 2})
                for b in gold
                if rng.random() > 0.2
            ]
            if task.external_id != "t07":  # one task without gold
                w.add_annotation(Annotation(task_id=task.id, author="g", kind=AnnotationKind.GOLD,
                                            regions=gold))  # fmt: skip
            if task.external_id != "t11":  # one task nobody labeled
                w.add_annotation(Annotation(task_id=task.id, author="me", regions=mine))
        yield w


def shared(ws: Workspace, monkeypatch: pytest.MonkeyPatch, workers: int) -> S.ScoreReport:
    # pytest-qt has loaded Qt here, which `_workers` refuses; parts of one task each
    monkeypatch.setattr(S, "_workers", lambda tasks: workers)
    monkeypatch.setattr(P, "_PARTS_PER_WORKER", 10**6)
    return S.score_project(ws, "Boards")


@pytest.mark.parametrize("workers", [2, 3])
def test_shared_runs_give_the_scores_of_one_process_in_task_order(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    alone = S.score_project(ws, "Boards", workers=1)
    from_children = []
    unpack = P._unpack
    monkeypatch.setattr(P, "_unpack", lambda packed: from_children.append(1) or unpack(packed))
    together = shared(ws, monkeypatch, workers)
    assert from_children  # the children did score some of the tasks
    assert [t.external_id for t in together.tasks] == [t.external_id for t in alone.tasks]
    assert together.tasks == alone.tasks  # every field, evidence and measurement included
    assert together.to_json() == alone.to_json()
    assert len(alone.tasks) == 36


def test_a_part_a_child_cannot_score_is_scored_here(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = S.score_project(ws, "Boards", workers=1)
    parent = os.getpid()

    def pack_only_here(score: S.TaskScore) -> tuple:
        if os.getpid() != parent:
            raise RuntimeError("a child cannot send this")
        return pack(score)

    pack = P._pack
    monkeypatch.setattr(P, "_pack", pack_only_here)
    assert shared(ws, monkeypatch, 2).tasks == alone.tasks


def test_the_parts_of_a_child_that_died_are_scored_here(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = S.score_project(ws, "Boards", workers=1)

    def die_after_claiming() -> None:
        assert P._FORKED is not None
        P._FORKED[3].last()  # the part it claimed is never sent
        os._exit(3)

    monkeypatch.setattr(P, "_child", die_after_claiming)
    assert shared(ws, monkeypatch, 2).tasks == alone.tasks


def test_a_bulk_run_leaves_the_collector_on_and_garbage_collectable() -> None:
    class Node:
        other: object = None

    def cycle() -> weakref.ref:
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    before = cycle()  # cyclic garbage from before the run …
    with P._bulk():
        during = cycle()  # … and made during it
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert before() is None and during() is None


def test_a_bulk_run_leaves_objects_someone_froze_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with P._bulk():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
