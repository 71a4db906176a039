"""Agreement and adjudication: `labelmate agreement`, and the faces' use-cases.

``agreement_from_csv`` reads a ratings table (``labelmate.io.ratings_csv``) and computes
every statistic (``labelmate.core.agreement``); the :class:`AgreementReport` it returns
prints as an aligned table (``lines``) or as JSON (``to_json``).

Inside a workspace, the annotators of a task are its ``peer`` annotations (named by
their author) and its ``mine`` annotation (named by its author, "me" by default;
"me (mine)" should a peer carry the same name), the latest of each when there are
several, cancelled ones left out; ``gold`` joins only when asked
(``include_gold``), as "gold:AUTHOR".

- ``workspace_agreement`` — one control's annotator × annotator matrix, pair and
  overall figures (``labelmate.core.agreement_regions``);
- ``adjudicate`` — the rubric's consensus (``labelmate.core.consensus``) per task;
  accepted tasks are saved as gold by "adjudicated" (``model_version`` says
  "consensus …"), the rest come back as a review queue with the reasons;
- ``resolve`` — an expert's regions for a queued task, saved as the same gold
  (``model_version`` "expert review …"); ``task_versions`` gives each annotator's
  annotation of a task, for showing them side by side.

Adjudicated gold is ordinary gold: ``labelmate export --which gold`` exports it. A task
that already has gold by anyone else is never adjudicated (its gold decides), nor is
one an expert resolved.

Exit codes: 0 the statistics were computed (some may be undefined — null with a note);
2 the file could not be read, is not a ratings table, or its categories do not suit the
level (text at ``--level interval``). The error names file, line and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labelmate.core.agreement import STATISTICS, AgreementStats, Level, compute_agreement
from labelmate.core.agreement_regions import (
    ControlAgreement,
    TaskAnnotators,
    control_agreement,
    kind_of_control,
)
from labelmate.core.consensus import ConsensusResult, consensus
from labelmate.core.errors import InputError, NotFoundError
from labelmate.core.ids import TaskId
from labelmate.core.labeling_interface import ControlTag, LabelingInterface, parse_labeling_config
from labelmate.core.models import Annotation, AnnotationKind, Project, Task
from labelmate.core.regions import RegionBase
from labelmate.core.rubric import Adjudication
from labelmate.io.ratings_csv import read_ratings_csv
from labelmate.store import Workspace
from labelmate.usecases.workspace import open_workspace

EXIT_OK = 0
EXIT_UNREADABLE = 2

STATISTIC_NAMES = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "cohen_kappa_linear": "Cohen's kappa, linear weights",
    "cohen_kappa_quadratic": "Cohen's kappa, quadratic weights",
    "scott_pi": "Scott's pi",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
}
# Category order is worth showing (it drives weighted kappa and ordinal alpha) while short.
MAX_CATEGORIES_SHOWN = 12


@dataclass(frozen=True, slots=True)
class AgreementReport:
    """The statistics for one ratings file, ready to print."""

    source: str
    stats: AgreementStats

    def to_json(self) -> dict[str, object]:
        """``items``, ``raters``, ``level``, ``categories``, every statistic (null when
        undefined) and ``notes`` (statistic → why it is null)."""
        return {"source": self.source, **self.stats.to_json()}

    def lines(self) -> list[str]:
        stats = self.stats
        labels = stats.categories
        categories = f"{len(labels)}"
        if 1 < len(labels) <= MAX_CATEGORIES_SHOWN:
            categories += f" ({' < '.join(labels)})"
        out = [
            f"Agreement in {self.source}",
            f"  items       {stats.items}",
            f"  raters      {stats.raters}",
            f"  categories  {categories}",
            f"  level       {stats.level.value}",
            "",
        ]
        width = max(len(name) for name in STATISTIC_NAMES.values())
        for key in STATISTICS:
            value = stats.values.get(key)
            shown = f"{value:7.4f}" if value is not None else "    n/a"
            note = stats.notes.get(key)
            line = f"  {STATISTIC_NAMES[key]:<{width}}  {shown}"
            out.append(f"{line}  ({note})" if note else line)
        return out


def agreement_from_csv(path: Path | str, level: Level | str = Level.NOMINAL) -> AgreementReport:
    """Read a ratings CSV and compute every statistic at ``level``.

    Raises RatingsCsvError (unreadable or malformed file) or RatingsError (categories
    that do not suit the level); both are InputErrors naming file, line and column.
    """
    table = read_ratings_csv(path)
    return AgreementReport(source=str(path), stats=compute_agreement(table, Level(level)))


# --- agreement inside a workspace -------------------------------------------------------

ADJUDICATED_AUTHOR = "adjudicated"
CONSENSUS_NOTE = "consensus"
EXPERT_NOTE = "expert review"
FIGURE_NAMES = {
    "cohen_kappa": "Cohen's kappa",
    "percent_agreement": "Percent agreement",
    "f1": "F1",
    "mean_iou": "Mean IoU",
    "f1_exact": "Exact F1",
    "f1_overlap": "Overlap F1",
    "oks": "OKS",
}
KIND_NAMES = {
    "classification": "classification",
    "span": "spans",
    "box": "boxes",
    "polygon": "polygons",
    "keypoint": "keypoints",
}
WORST_TASKS_SHOWN = 10


def find_project(ws: Workspace, name: str) -> Project:
    project = ws.project_by_name(name)
    if project is None:
        names = ", ".join(p.name for p in ws.list_projects()) or "none yet"
        raise NotFoundError(f"no project named '{name}' (projects: {names})")
    return project


def _interface(project: Project) -> LabelingInterface:
    interface = parse_labeling_config(project.config_xml, source=f"project '{project.name}'")
    interface.raise_for_errors()
    return interface


def _latest(annotations: Sequence[Annotation]) -> Annotation:
    return max(annotations, key=lambda a: (a.updated_at, a.id or 0))


def annotators_of(
    annotations: Sequence[Annotation], *, include_gold: bool = False
) -> dict[str, Annotation]:
    """Annotator name → their latest annotation, names sorted (see the module docstring)."""
    groups: dict[tuple[AnnotationKind, str], list[Annotation]] = {}
    for a in annotations:
        wanted = a.kind in (AnnotationKind.PEER, AnnotationKind.MINE) or (
            include_gold and a.kind is AnnotationKind.GOLD
        )
        if wanted and not a.was_cancelled:
            groups.setdefault((a.kind, a.author), []).append(a)
    peers = {author for kind, author in groups if kind is AnnotationKind.PEER}
    named: dict[str, Annotation] = {}
    for (kind, author), found in groups.items():
        if kind is AnnotationKind.GOLD:
            name = f"gold:{author}"
        elif kind is AnnotationKind.MINE and author in peers:
            name = f"{author} (mine)"
        else:
            name = author
        named[name] = _latest(found)
    return dict(sorted(named.items()))


def task_versions(
    ws: Workspace, task_id: TaskId, *, include_gold: bool = False
) -> dict[str, Annotation]:
    """Each annotator's annotation of one task, for showing them side by side."""
    return annotators_of(ws.annotations_for_task(task_id), include_gold=include_gold)


def _check_iou(iou: float) -> None:
    if not 0 < iou <= 1:
        raise InputError(f"--iou must be above 0 and at most 1, not {iou:g}")


def _control(interface: LabelingInterface, project: Project, name: str) -> ControlTag:
    control = interface.control(name)
    if control is None:
        names = ", ".join(c.name for c in interface.controls) or "none"
        raise InputError(
            f"project '{project.name}' has no control named '{name}' (controls: {names})"
        )
    return control


def _text_of(interface: LabelingInterface, control: ControlTag, task: Task) -> str | None:
    for target in control.to_names:
        obj = interface.object(target)
        if obj is not None and obj.data_key and isinstance(task.data.get(obj.data_key), str):
            return task.data[obj.data_key]
    return None


def _image_size(task: Task) -> tuple[int, int] | None:
    if task.image_width and task.image_height:
        return task.image_width, task.image_height
    return None


@dataclass(frozen=True)
class WorkspaceAgreementReport:
    """Agreement on one control of a project, ready to print or to show."""

    project: str
    control_tag: str
    agreement: ControlAgreement

    def to_json(self) -> dict[str, object]:
        return {
            "project": self.project,
            "control_tag": self.control_tag,
            **self.agreement.to_json(),
        }

    def lines(self) -> list[str]:
        ag = self.agreement
        kind = KIND_NAMES.get(ag.kind, ag.kind)
        at = f", IoU ≥ {ag.iou_threshold:g}" if ag.iou_threshold is not None else ""
        out = [
            f"Agreement on '{ag.control}' ({self.control_tag}: {kind}{at}) in '{self.project}'",
            f"  annotators  {len(ag.annotators)}"
            + (f" ({', '.join(ag.annotators)})" if ag.annotators else ""),
            f"  tasks       {ag.tasks} done by two or more of them",
        ]
        if len(ag.annotators) >= 2:
            width = max(10, *(len(a) for a in ag.annotators))
            for figure, matrix in ag.matrices.items():
                title = FIGURE_NAMES.get(figure, figure)
                marker = "  (matrix statistic)" if figure == ag.statistic else ""
                out += ["", f"  {title}{marker}"]
                out.append("  " + " " * width + "".join(f"{a[:9]:>10}" for a in ag.annotators))
                for name, row in zip(ag.annotators, matrix, strict=True):
                    cells = "".join(f"{v:10.4f}" if v is not None else f"{'—':>10}" for v in row)
                    out.append(f"  {name:<{width}}{cells}")
            out += ["", "  Pairs"]
            for pair in ag.pairs:
                shown = ", ".join(f"{k} {_fmt(v)}" for k, v in pair.stats.items())
                out.append(f"  {pair.a} – {pair.b} ({pair.tasks} tasks): {shown}")
                out += [f"      {k}: {note}" for k, note in pair.notes.items()]
            out += ["", "  Overall"]
            for key, value in ag.overall.items():
                out.append(f"  {key:<24}{_fmt(value):>10}")
        if ag.notes:
            out += ["", "  Notes"] + [f"  {k}: {v}" for k, v in ag.notes.items()]
        worst = [t for t in ag.tasks_detail if t.value is not None and t.value < 1]
        if worst:
            out += ["", "  Least agreement"]
            for t in worst[:WORST_TASKS_SHOWN]:
                out.append(f"  {t.task:<20}{_fmt(t.value):>8}  {t.detail}")
        return out


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def workspace_agreement(
    ws: Workspace,
    project_name: str,
    control: str,
    iou: float = 0.5,
    *,
    include_gold: bool = False,
) -> WorkspaceAgreementReport:
    """Agreement between a project's annotators on one control.

    Raises NotFoundError (no such project) or InputError (no such control, a control
    without an agreement figure, an IoU threshold outside (0, 1]).
    """
    _check_iou(iou)
    project = find_project(ws, project_name)
    assert project.id is not None
    interface = _interface(project)
    tag = _control(interface, project, control)
    kind = kind_of_control(tag.region_type)
    if kind is None:
        raise InputError(
            f"'{control}' is a {tag.tag} control: free-text answers have no agreement "
            f"statistic; choose one of {', '.join(_measurable(interface)) or 'none'}"
        )
    tasks = ws.list_tasks(project.id)
    by_task = ws.annotations_for_tasks(t.id for t in tasks if t.id is not None)
    items = [
        TaskAnnotators(
            task.external_id,
            {
                name: a.regions
                for name, a in annotators_of(
                    by_task.get(task.id, []),  # type: ignore[arg-type]
                    include_gold=include_gold,
                ).items()
            },
            _image_size(task),
        )
        for task in tasks
    ]
    result = control_agreement(items, control, kind=kind, iou_threshold=iou)
    return WorkspaceAgreementReport(project.name, tag.tag, result)


def _measurable(interface: LabelingInterface) -> list[str]:
    return [c.name for c in interface.controls if kind_of_control(c.region_type) is not None]


def agreement_in_workspace(
    project_name: str,
    control: str,
    iou: float = 0.5,
    *,
    workspace: Path | None = None,
    include_gold: bool = False,
) -> WorkspaceAgreementReport:
    """Open the workspace at ``workspace`` (default: the user's) and measure agreement."""
    with open_workspace(workspace) as ws:
        return workspace_agreement(ws, project_name, control, iou, include_gold=include_gold)


# --- adjudication -------------------------------------------------------------------------


def adjudication_rule(project: Project) -> tuple[Adjudication, str]:
    """The project rubric's adjudication block and where it came from; the defaults
    (consensus vote, quorum 0.66, a domain expert breaks ties) when there is none."""
    if project.rubric_yaml:
        from labelmate.io.rubric_file import parse_rubric_text

        loaded = parse_rubric_text(project.rubric_yaml, f"rubric of {project.name}", lint=False)
        if loaded.rubric is not None and loaded.rubric.adjudication is not None:
            return loaded.rubric.adjudication, f"rubric {loaded.rubric.id}"
        if loaded.rubric is not None:
            return Adjudication(), f"defaults (rubric {loaded.rubric.id} has no adjudication)"
        return Adjudication(), "defaults (the project's rubric has errors)"
    return Adjudication(), "defaults (the project has no rubric)"


@dataclass(frozen=True)
class ReviewItem:
    """A task the consensus could not settle: why, and what each control proposes."""

    task_id: TaskId
    external_id: str
    annotators: tuple[str, ...]
    reasons: tuple[str, ...]
    results: tuple[ConsensusResult, ...]

    @property
    def proposal(self) -> tuple[RegionBase, ...]:
        """Every cluster's merged region, accepted or not (an unsettled one carries the
        first annotator's label among the most voted), as a starting point for the
        expert; then what controls without clusters settled."""
        out: list[RegionBase] = []
        for result in self.results:
            if result.clusters:
                out += [c.region for c in result.clusters if c.region is not None]
            else:
                out += result.regions
        return tuple(out)

    def to_json(self) -> dict[str, object]:
        return {
            "task_id": self.task_id,
            "task": self.external_id,
            "annotators": list(self.annotators),
            "reasons": list(self.reasons),
            "controls": [r.to_json() for r in self.results],
        }


@dataclass(frozen=True)
class AcceptedItem:
    """A task settled by consensus; ``saved`` is False when nothing changed or on a dry run."""

    task_id: TaskId
    external_id: str
    annotators: tuple[str, ...]
    regions: tuple[RegionBase, ...]
    saved: bool

    def to_json(self) -> dict[str, object]:
        return {
            "task_id": self.task_id,
            "task": self.external_id,
            "annotators": list(self.annotators),
            "regions": len(self.regions),
            "saved": self.saved,
        }


@dataclass
class AdjudicationReport:
    """What ``adjudicate`` did: accepted tasks, the review queue, tasks left alone."""

    project: str
    rule: Adjudication
    rule_source: str
    iou_threshold: float
    author: str
    accepted: list[AcceptedItem] = field(default_factory=list)
    queue: list[ReviewItem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # external id, why
    removed: list[str] = field(default_factory=list)  # stale consensus gold deleted

    @property
    def saved(self) -> int:
        return sum(1 for a in self.accepted if a.saved)

    def to_json(self) -> dict[str, object]:
        return {
            "project": self.project,
            "rule": self.rule.model_dump(),
            "rule_source": self.rule_source,
            "iou_threshold": self.iou_threshold,
            "author": self.author,
            "accepted": [a.to_json() for a in self.accepted],
            "saved": self.saved,
            "queue": [q.to_json() for q in self.queue],
            "skipped": [{"task": t, "reason": why} for t, why in self.skipped],
            "removed": list(self.removed),
        }

    def lines(self) -> list[str]:
        rule = self.rule
        out = [
            f"Adjudicated '{self.project}': {rule.strategy}, quorum {rule.quorum:g}, ties to "
            f"{rule.tie_breaker} ({self.rule_source}); IoU ≥ {self.iou_threshold:g}",
            f"  accepted  {len(self.accepted)} ({self.saved} saved as gold by {self.author})",
            f"  to review {len(self.queue)}",
            f"  skipped   {len(self.skipped)}",
        ]
        for item in self.queue:
            out.append(f"  review {item.external_id}:")
            out += [f"    - {reason}" for reason in item.reasons]
        return out


def _note(rule: Adjudication, iou: float, names: Sequence[str]) -> str:
    return (
        f"{CONSENSUS_NOTE}: {rule.strategy}, quorum {rule.quorum:g}, IoU {iou:g}, "
        f"of {', '.join(names)}"
    )


def _same_regions(a: Sequence[RegionBase], b: Sequence[RegionBase]) -> bool:
    return [r.model_dump() for r in a] == [r.model_dump() for r in b]


def _consensus_kind(control: ControlTag) -> str:
    return kind_of_control(control.region_type) or control.region_type


def adjudicate(
    ws: Workspace,
    project_name: str,
    *,
    author: str = ADJUDICATED_AUTHOR,
    iou: float = 0.5,
    rule: Adjudication | None = None,
    save: bool = True,
) -> AdjudicationReport:
    """Settle every task of a project by the rubric's consensus rule.

    Accepted tasks are saved (``save``) as one gold annotation by ``author`` per task,
    its ``model_version`` naming the rule; a later run updates it, and removes it when
    the consensus no longer holds. Tasks with gold by another author, tasks an expert
    resolved and tasks with fewer than two annotators are skipped. ``rule`` overrides
    the rubric's block. All saves are one transaction.
    """
    _check_iou(iou)
    project = find_project(ws, project_name)
    assert project.id is not None
    interface = _interface(project)
    source = "given"
    if rule is None:
        rule, source = adjudication_rule(project)
    report = AdjudicationReport(project.name, rule, source, iou, author)
    tasks = ws.list_tasks(project.id)
    by_task = ws.annotations_for_tasks(t.id for t in tasks if t.id is not None)
    with ws.transaction():
        for task in tasks:
            assert task.id is not None
            _adjudicate_task(ws, interface, task, by_task.get(task.id, []), report, save)
    return report


def _adjudicate_task(
    ws: Workspace,
    interface: LabelingInterface,
    task: Task,
    annotations: list[Annotation],
    report: AdjudicationReport,
    save: bool,
) -> None:
    assert task.id is not None
    golds = [a for a in annotations if a.kind is AnnotationKind.GOLD and not a.was_cancelled]
    others = sorted({g.author for g in golds if g.author != report.author})
    if others:
        report.skipped.append((task.external_id, f"already has gold by {', '.join(others)}"))
        return
    own = [g for g in golds if g.author == report.author]
    if any((g.model_version or "").startswith(EXPERT_NOTE) for g in own):
        report.skipped.append((task.external_id, "resolved by an expert"))
        return
    versions = annotators_of(annotations)
    names = tuple(versions)
    if len(names) < 2:
        report.skipped.append((task.external_id, f"needs two annotators; has {len(names)}"))
        return
    results = tuple(
        consensus(
            {name: a.regions for name, a in versions.items()},
            control.name,
            kind=_consensus_kind(control),
            rule=report.rule,
            iou_threshold=report.iou_threshold,
            text=_text_of(interface, control, task),
        )
        for control in interface.controls
    )
    if all(r.accepted for r in results):
        regions = tuple(r for result in results for r in result.regions)
        changed = not own or not _same_regions(_latest(own).regions, regions)
        if save and changed:
            note = _note(report.rule, report.iou_threshold, names)
            if own:
                current = _latest(own)
                ws.update_annotation(
                    current.model_copy(update={"regions": list(regions), "model_version": note}),
                    reason="adjudication",
                )
            else:
                ws.add_annotation(
                    Annotation(
                        task_id=task.id,
                        author=report.author,
                        kind=AnnotationKind.GOLD,
                        regions=list(regions),
                        model_version=note,
                    ),
                    reason="adjudication",
                )
        report.accepted.append(
            AcceptedItem(task.id, task.external_id, names, regions, save and changed)
        )
        return
    reasons = tuple(f"{r.control}: {why}" for r in results for why in r.reasons)
    report.queue.append(ReviewItem(task.id, task.external_id, names, reasons, results))
    if save and own:  # the consensus this gold came from no longer holds
        for stale in own:
            assert stale.id is not None
            ws.delete_annotation(stale.id)
        report.removed.append(task.external_id)


def review_queue(
    ws: Workspace, project_name: str, *, iou: float = 0.5, rule: Adjudication | None = None
) -> list[ReviewItem]:
    """The tasks an expert has to decide, without saving anything."""
    return adjudicate(ws, project_name, iou=iou, rule=rule, save=False).queue


def resolve(
    ws: Workspace,
    task_id: TaskId,
    regions: Sequence[RegionBase],
    *,
    author: str = ADJUDICATED_AUTHOR,
    expert: str | None = None,
) -> Annotation:
    """Save an expert's regions for a task as its adjudicated gold (by ``author``).

    Replaces the task's earlier gold by ``author``, if any; ``model_version`` records
    "expert review" (and the expert's name), so a later ``adjudicate`` leaves it alone.
    """
    task = ws.get_task(task_id)
    assert task.id is not None
    note = EXPERT_NOTE + (f" by {expert}" if expert else "")
    own = [
        a
        for a in ws.annotations_for_task(task.id, AnnotationKind.GOLD)
        if a.author == author and not a.was_cancelled
    ]
    if own:
        current = _latest(own)
        for extra in own:
            if extra.id != current.id and extra.id is not None:
                ws.delete_annotation(extra.id)
        return ws.update_annotation(
            current.model_copy(update={"regions": list(regions), "model_version": note}),
            reason="adjudication",
        )
    return ws.add_annotation(
        Annotation(
            task_id=task.id,
            author=author,
            kind=AnnotationKind.GOLD,
            regions=list(regions),
            model_version=note,
        ),
        reason="adjudication",
    )
