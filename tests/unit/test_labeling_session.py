"""Labeling a task: every edit saved at once to the user's one annotation, time added up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from labelmate.core.edits import EditError, ReplaceRegions, add_regions, remove_regions
from labelmate.core.models import Annotation, AnnotationKind, Project, Task, TaskStatus
from labelmate.core.regions import Box
from labelmate.store import Workspace
from labelmate.usecases.labeling import DEFAULT_AUTHOR, LabelingSession, ProjectContext

RUBRIC_YAML = (Path(__file__).parents[2] / "rubrics" / "pcb-defect-boxes.yaml").read_text(
    encoding="utf-8"
)
CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Solder Bridge"/>
    <Label value="Missing Component"/>
    <Label value="Scratch"/>
  </RectangleLabels>
</View>
"""


def box(rid: str, x: float = 10, y: float = 20, label: str = "Scratch") -> Box:
    return Box(
        id=rid, control="label", target="image", labels=(label,), x=x, y=y, width=30, height=40
    )


GOLD = (box("g1", 12, 22), box("g2", 200, 100, "Solder Bridge"))


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "ws.labelmate"


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    with Workspace.open(ws_path) as workspace:
        yield workspace


@pytest.fixture
def project(ws: Workspace) -> Project:
    return ws.add_project(
        Project(
            name="PCB defects",
            config_xml=CONFIG,
            rubric_id="pcb-defect-boxes",
            rubric_yaml=RUBRIC_YAML,
            media_root="/data/boards",
        )
    )


@pytest.fixture
def task(ws: Workspace, project: Project) -> Task:
    return ws.add_task(
        Task(
            project_id=project.id,
            external_id="board-1",
            data={"image": "b1.png"},
            media="b1.png",
            image_width=640,
            image_height=480,
        )
    )


@pytest.fixture
def gold(ws: Workspace, task: Task) -> Annotation:
    return ws.add_annotation(
        Annotation(task_id=task.id, author="expert", kind=AnnotationKind.GOLD, regions=list(GOLD))
    )


@pytest.fixture
def context(project: Project) -> ProjectContext:
    return ProjectContext.of(project)


@pytest.fixture
def session(
    ws: Workspace, context: ProjectContext, task: Task, gold: Annotation
) -> LabelingSession:
    return LabelingSession.open(ws, context, task)


def mine(ws: Workspace, task: Task) -> list[Annotation]:
    return ws.annotations_for_task(task.id, AnnotationKind.MINE)


def moved(b: Box, dx: float) -> Box:
    return b.model_copy(update={"x": b.x + dx})


# -- the project context ---------------------------------------------------------------


def test_context_parses_config_and_rubric(context: ProjectContext, task: Task):
    assert context.problems == ()
    assert [(c.name, c.type) for c in context.image_controls] == [("label", "rectanglelabels")]
    assert context.image_controls[0].to_names == ("image",)
    assert [o.value for o in context.image_controls[0].options] == [
        "Solder Bridge",
        "Missing Component",
        "Scratch",
    ]
    assert context.rubric is not None
    assert context.rubric.id == "pcb-defect-boxes"
    assert context.media_path(task) == Path("/data/boards") / "b1.png"
    assert context.media_path(task.model_copy(update={"media": None})) is None


@pytest.mark.parametrize(
    "broken",
    ["id: [unclosed\n", "id: only-an-id\ntitle: No criteria\n", "- just\n- a list\n"],
    ids=["yaml-syntax", "schema", "not-a-mapping"],
)
def test_a_broken_rubric_gives_no_rubric_and_a_problem_naming_it(project: Project, broken):
    context = ProjectContext.of(project.model_copy(update={"rubric_yaml": broken}))
    assert context.rubric is None
    assert context.problems
    assert all(p.startswith("rubric of PCB defects") for p in context.problems), context.problems
    assert [c.name for c in context.image_controls] == ["label"]  # the config still works


def test_a_project_without_rubric_has_none_and_no_problems(project: Project):
    context = ProjectContext.of(project.model_copy(update={"rubric_yaml": None}))
    assert context.rubric is None
    assert context.problems == ()


# -- opening ---------------------------------------------------------------------------


def test_a_new_session_starts_empty_with_gold(session: LabelingSession):
    assert session.annotation is None
    assert session.regions == ()
    assert session.gold == GOLD
    assert session.author == DEFAULT_AUTHOR == "me"


def test_a_never_stored_task_cannot_be_opened(ws: Workspace, context: ProjectContext):
    from labelmate.core.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="never stored"):
        LabelingSession.open(ws, context, Task(external_id="loose"))


def test_a_task_without_gold_has_gold_none(ws: Workspace, context: ProjectContext, task: Task):
    assert LabelingSession.open(ws, context, task).gold is None


# -- edits are saved -------------------------------------------------------------------


def test_the_first_edit_creates_my_annotation(ws: Workspace, session: LabelingSession, task: Task):
    a = box("a")
    out = session.apply(add_regions(session.regions, [a]), seconds=2.5)

    assert out == (a,)
    assert session.regions == (a,)
    [stored] = mine(ws, task)
    assert stored.author == "me"
    assert stored.kind == AnnotationKind.MINE
    assert stored.regions == [a]
    assert stored.lead_time == 2.5
    assert session.annotation is not None
    assert session.annotation.id == stored.id


def test_later_edits_update_the_same_annotation_and_add_time(
    ws: Workspace, session: LabelingSession, task: Task
):
    a, b = box("a"), box("b", 100, 100)
    session.apply(add_regions(session.regions, [a]), seconds=2.5)
    first_id = session.annotation.id
    session.apply(add_regions(session.regions, [b]), seconds=1.25)
    session.apply(ReplaceRegions((a,), (moved(a, 5),)), seconds=0.25)

    [stored] = mine(ws, task)
    assert stored.id == first_id
    assert stored.regions == [moved(a, 5), b]
    assert stored.lead_time == 4.0
    assert session.annotation.lead_time == 4.0
    # Gold is never touched.
    golds = ws.annotations_for_task(task.id, AnnotationKind.GOLD)
    assert [g.regions for g in golds] == [list(GOLD)]


def test_negative_seconds_add_nothing(ws: Workspace, session: LabelingSession, task: Task):
    session.apply(add_regions(session.regions, [box("a")]), seconds=3)
    session.apply(remove_regions(session.regions, ["a"]), seconds=-10)
    assert mine(ws, task)[0].lead_time == 3


def test_undo_by_inverse_restores_the_stored_regions(
    ws: Workspace, session: LabelingSession, task: Task
):
    a, b = box("a"), box("b", 100, 100)
    session.apply(add_regions(session.regions, [a, b]))
    before = session.regions
    steps = [ReplaceRegions((a,), (moved(a, 7),))]
    session.apply(steps[-1])
    steps.append(remove_regions(session.regions, ["a"]))
    session.apply(steps[-1])
    assert mine(ws, task)[0].regions == [b]

    session.apply(steps[1].inverse())  # undo the delete: a comes back where it was
    assert mine(ws, task)[0].regions == [moved(a, 7), b]
    session.apply(steps[0].inverse())  # undo the move
    assert session.regions == before
    [stored] = mine(ws, task)
    assert stored.regions == list(before)


def test_a_stale_edit_changes_nothing_here_or_on_disk(
    ws: Workspace, session: LabelingSession, task: Task
):
    a = box("a")
    session.apply(add_regions(session.regions, [a]), seconds=2)
    stored_before = mine(ws, task)
    log_before = ws.edits(task.id)
    regions_before = session.regions
    annotation_before = session.annotation

    stale_moves = ReplaceRegions((moved(a, 1),), (moved(a, 2),))  # made from another version
    stale_delete = remove_regions((box("zz"), a), ["zz"])  # a region that is not there
    stale_add = add_regions((), [a])  # already there
    for stale in (stale_moves, stale_delete, stale_add):
        with pytest.raises(EditError):
            session.apply(stale, seconds=60)

    assert session.regions == regions_before
    assert session.annotation == annotation_before
    assert mine(ws, task) == stored_before
    assert ws.edits(task.id) == log_before
    # The next good edit adds its own seconds only.
    session.apply(ReplaceRegions((a,), (moved(a, 1),)), seconds=1)
    assert mine(ws, task)[0].lead_time == 3


def test_no_edit_no_annotation(ws: Workspace, session: LabelingSession, task: Task):
    with pytest.raises(EditError):
        session.apply(remove_regions((box("a"),), ["a"]))
    assert mine(ws, task) == []
    assert session.annotation is None


# -- time ------------------------------------------------------------------------------


def test_record_time_accumulates(ws: Workspace, session: LabelingSession, task: Task):
    session.record_time(4)  # nothing drawn yet: kept for the first write
    session.record_time(0)
    session.record_time(-3)
    assert mine(ws, task) == []

    session.apply(add_regions(session.regions, [box("a")]), seconds=1)
    assert mine(ws, task)[0].lead_time == 5

    session.record_time(2.5)  # the annotation exists: saved at once
    session.record_time(0.5)
    [stored] = mine(ws, task)
    assert stored.lead_time == 8
    assert stored.regions == [box("a")]
    assert session.annotation.lead_time == 8


# -- status ----------------------------------------------------------------------------


def test_done_with_nothing_drawn_stores_an_empty_annotation(
    ws: Workspace, session: LabelingSession, task: Task
):
    session.record_time(6)
    session.set_status(TaskStatus.DONE)

    [stored] = mine(ws, task)
    assert stored.regions == []
    assert stored.author == "me"
    assert stored.lead_time == 6
    assert ws.get_task(task.id).status == TaskStatus.DONE
    assert session.task.status == TaskStatus.DONE


def test_done_after_drawing_keeps_the_one_annotation(
    ws: Workspace, session: LabelingSession, task: Task
):
    session.apply(add_regions(session.regions, [box("a")]))
    session.set_status(TaskStatus.DONE)
    [stored] = mine(ws, task)
    assert stored.regions == [box("a")]
    assert ws.get_task(task.id).status == TaskStatus.DONE


def test_flagging_stores_no_annotation(ws: Workspace, session: LabelingSession, task: Task):
    session.set_status(TaskStatus.FLAGGED)
    assert mine(ws, task) == []
    assert ws.get_task(task.id).status == TaskStatus.FLAGGED
    assert session.task.status == TaskStatus.FLAGGED


# -- the edit log ----------------------------------------------------------------------


def test_the_edit_log_says_what_each_edit_served(
    ws: Workspace, session: LabelingSession, task: Task
):
    a = box("a")
    session.apply(add_regions(session.regions, [a]))
    session.apply(ReplaceRegions((a,), (moved(a, 3),)))
    session.apply(remove_regions(session.regions, ["a"]))
    session.set_status(TaskStatus.DONE)

    mine_id = session.annotation.id
    log = [(e.action, e.detail) for e in ws.edits(task.id) if e.annotation_id == mine_id]
    assert log == [
        ("annotation_added", "add"),
        ("annotation_updated", "geometry"),
        ("annotation_updated", "delete"),
    ]
    assert [(e.action, e.detail) for e in ws.edits(task.id)][-1] == ("status_set", "done")


def test_an_empty_done_is_logged_as_status(ws: Workspace, session: LabelingSession, task: Task):
    session.set_status(TaskStatus.DONE)
    log = [(e.action, e.detail) for e in ws.edits(task.id) if e.action != "status_set"]
    assert log[-1] == ("annotation_added", "status")


def test_paste_and_label_edits_are_logged_with_their_category(
    ws: Workspace, session: LabelingSession, task: Task
):
    a = box("a")
    session.apply(add_regions(session.regions, [a], paste=True))
    relabelled = a.model_copy(update={"labels": ("Solder Bridge",)})
    session.apply(ReplaceRegions((a,), (relabelled,), "label", "Label as Solder Bridge"))
    mine_id = session.annotation.id
    details = [e.detail for e in ws.edits(task.id) if e.annotation_id == mine_id]
    assert details == ["paste", "label"]


# -- reopening -------------------------------------------------------------------------


def test_a_reopened_session_sees_exactly_what_was_saved(
    ws: Workspace, ws_path: Path, session: LabelingSession, task: Task
):
    a, b = (
        box("a"),
        Box(
            id="b",
            control="label",
            target="image",
            labels=("Scratch",),
            x=1.5,
            y=2.25,
            width=3.125,
            height=4,
            rotation=33.3,
        ),
    )
    session.apply(add_regions(session.regions, [a, b]), seconds=1.5)
    session.apply(ReplaceRegions((a,), (moved(a, 0.1),)), seconds=0.5)
    saved = session.regions
    ws.close()

    with Workspace.open(ws_path) as again:
        project = again.get_project(task.project_id)
        reopened = LabelingSession.open(again, ProjectContext.of(project), again.get_task(task.id))
        assert reopened.regions == saved
        assert reopened.gold == GOLD
        assert reopened.annotation is not None
        assert reopened.annotation.id == session.annotation.id
        assert reopened.annotation.lead_time == 2.0

        # Going on where the last session stopped updates the same annotation.
        reopened.apply(remove_regions(reopened.regions, ["b"]), seconds=1)
        [stored] = again.annotations_for_task(task.id, AnnotationKind.MINE)
        assert stored.regions == [moved(a, 0.1)]
        assert stored.lead_time == 3.0


def test_reopening_ignores_cancelled_annotations_and_takes_my_latest(
    ws: Workspace, context: ProjectContext, task: Task, gold: Annotation
):
    ws.add_annotation(Annotation(task_id=task.id, author="me", regions=[box("old")]))
    latest = ws.add_annotation(Annotation(task_id=task.id, author="me", regions=[box("new")]))
    ws.add_annotation(
        Annotation(task_id=task.id, author="me", regions=[box("skip")], was_cancelled=True)
    )
    ws.add_annotation(
        Annotation(
            task_id=task.id, author="model", kind=AnnotationKind.PREDICTION, regions=[box("pred")]
        )
    )
    session = LabelingSession.open(ws, context, task)
    assert session.annotation.id == latest.id
    assert session.regions == (box("new"),)
    assert session.gold == GOLD
