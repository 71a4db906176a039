"""Agreement between annotators on the regions of one control, task by task.

Pure computation: no Qt, no storage. ``labelmate.usecases.agreement`` collects the
annotators' regions from a workspace (``peer`` annotations by their author, ``mine``
as its author, optionally ``gold``) and hands them here as :class:`TaskAnnotators`.

What is compared depends on the control's kind (:func:`kind_of_control`):

``classification`` (Choices; Rating at the ordinal level)
    Each task is an item, each annotator a rater, the chosen option(s) the category
    (several chosen options form one category, ``"A|B"``). The items × raters table
    goes to :func:`labelmate.core.agreement.compute_agreement`: every pair gets
    Cohen's kappa and percent agreement, the whole table every statistic (Fleiss'
    kappa, Krippendorff's alpha, …). The matrix holds Cohen's kappa.
``span`` (Labels on text)
    Exact-match F1 (same start, end and label) and overlap F1 (character IoU above 0
    and the same label), per label and over all labels, with spans paired one-to-one
    best overlap first (``core.metrics.objects.match_all``). The matrix holds exact F1.
``box`` / ``polygon``
    Objects paired one-to-one at an IoU threshold (inclusive, default 0.5), best IoU
    first, same-label pairs first (``match_all``). A pair counts as an agreement when
    the labels agree too. With annotator A as the reference: precision = agreements /
    B's objects, recall = agreements / A's objects; F1 = 2·agreements / (A's + B's
    objects) is symmetric. ``mean_iou`` averages the IoU of every matched pair, label
    agreeing or not (``label_mismatches`` counts the others). The matrix holds F1.
``keypoint``
    COCO object keypoint similarity (``core.metrics.keypoints``): keypoints pair by
    label, nearest first; OKS is computed both ways (A as the reference, then B) and
    averaged, since its scale comes from the reference's keypoints. The matrix holds
    the mean OKS over the tasks where it is defined.

Counts are pooled over the tasks both annotators worked on (micro average), so a
task with many objects weighs more than one with few. A task an annotator opened but
left without regions of this control counts as "nothing here"; a task an annotator
has no annotation for is skipped for their pairs.

Never NaN: a figure that is undefined (no objects on either side, one category only)
is None, with the reason under ``notes``. The matrix diagonal is None.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labelmate.core.agreement import Level, RatingsTable, compute_agreement
from labelmate.core.metrics.keypoints import keypoint_gold_metrics
from labelmate.core.metrics.objects import TypeMatch, match_all
from labelmate.core.regions import Box, Choices, Keypoint, Polygon, Rating, RegionBase, Span

CLASSIFICATION = "classification"
SPAN = "span"
BOX = "box"
POLYGON = "polygon"
KEYPOINT = "keypoint"
KINDS = (CLASSIFICATION, SPAN, BOX, POLYGON, KEYPOINT)

# The figure each kind's matrix holds, and every symmetric pair figure shown as a matrix.
PRIMARY = {
    CLASSIFICATION: "cohen_kappa",
    SPAN: "f1_exact",
    BOX: "f1",
    POLYGON: "f1",
    KEYPOINT: "oks",
}
MATRIX_FIGURES = {
    CLASSIFICATION: ("cohen_kappa", "percent_agreement"),
    SPAN: ("f1_exact", "f1_overlap"),
    BOX: ("f1", "mean_iou"),
    POLYGON: ("f1", "mean_iou"),
    KEYPOINT: ("oks",),
}
NOUNS = {SPAN: "spans", BOX: "boxes", POLYGON: "polygons", KEYPOINT: "keypoints"}

# Region type (``region.type``) or labeling-config region type → agreement kind.
_KIND_OF_TYPE = {
    "choices": CLASSIFICATION,
    "rating": CLASSIFICATION,
    "span": SPAN,
    "box": BOX,
    "polygon": POLYGON,
    "keypoint": KEYPOINT,
}
_REGION_CLASS = {SPAN: Span, BOX: Box, POLYGON: Polygon, KEYPOINT: Keypoint}


def kind_of_control(region_type: str) -> str | None:
    """The agreement kind of a control producing ``region_type`` (``ControlTag.region_type``
    or ``Region.type``); None for free text, which has no agreement figure here."""
    return _KIND_OF_TYPE.get(region_type)


def infer_kind(regions: Iterable[RegionBase]) -> str | None:
    """The kind of the first region with one (for callers without the config)."""
    for region in regions:
        kind = _KIND_OF_TYPE.get(getattr(region, "type", ""))
        if kind is not None:
            return kind
    return None


def label_key(region: RegionBase) -> str:
    """A region's labels as one category: ``"Scratch"``, or ``"A|B"`` for several."""
    return "|".join(sorted(region.labels))


def category_of(regions: Sequence[RegionBase]) -> str | None:
    """An annotator's answer to a classification control: its chosen options joined
    (``"A|B"``), the rating as text, or None when nothing was chosen."""
    chosen: set[str] = set()
    for region in regions:
        if isinstance(region, Rating):
            return str(region.rating)
        if isinstance(region, Choices):
            chosen.update(region.labels)
    return "|".join(sorted(chosen)) if chosen else None


@dataclass(frozen=True, slots=True)
class TaskAnnotators:
    """One task's regions per annotator (any controls; filtered by the control asked).

    An annotator present with no regions of the control said "nothing here"; an
    annotator absent from ``regions`` did not do the task. ``image_size`` (width,
    height) is the OKS scale of last resort.
    """

    task: str
    regions: Mapping[str, Sequence[RegionBase]]
    image_size: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Two annotators' agreement on one control over the tasks both did.

    ``stats`` holds the kind's figures (None when undefined, with a note);
    ``per_label`` the same per label for spans, boxes and polygons.
    """

    a: str
    b: str
    tasks: int
    stats: dict[str, float | int | None]
    per_label: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> float | int | None:
        return self.stats.get(name)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"a": self.a, "b": self.b, "tasks": self.tasks}
        data.update({k: _finite(v) for k, v in self.stats.items()})
        if self.per_label:
            data["per_label"] = {
                label: {k: _finite(v) for k, v in figures.items()}
                for label, figures in self.per_label.items()
            }
        data["notes"] = dict(self.notes)
        return data


@dataclass(frozen=True, slots=True)
class TaskAgreement:
    """How well the annotators agree on one task: the mean of the pairs' figure on it
    (None when fewer than two annotators did it), and what each one answered."""

    task: str
    annotators: tuple[str, ...]
    value: float | None
    detail: str

    def to_json(self) -> dict[str, object]:
        return {
            "task": self.task,
            "annotators": list(self.annotators),
            "value": _finite(self.value),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ControlAgreement:
    """Agreement on one control: annotator × annotator matrices, pairs, overall figures.

    ``matrices[name][i][j]`` is the pair figure ``name`` for ``annotators[i]`` and
    ``annotators[j]`` (None on the diagonal and where undefined); ``matrix`` is the
    one named by ``statistic``. ``overall`` holds the mean of each matrix figure over
    the pairs where it is defined (``mean_f1``, …) and, for classification, every
    statistic of the whole items × annotators table (``mean_iou`` stays ``mean_iou``).
    ``tasks_detail`` lists the
    tasks worst agreement first, for a disagreement browser.
    """

    control: str
    kind: str
    statistic: str
    annotators: tuple[str, ...]
    tasks: int
    iou_threshold: float | None
    matrices: dict[str, tuple[tuple[float | None, ...], ...]]
    pairs: tuple[PairAgreement, ...]
    overall: dict[str, float | None]
    notes: dict[str, str] = field(default_factory=dict)
    tasks_detail: tuple[TaskAgreement, ...] = ()

    @property
    def matrix(self) -> tuple[tuple[float | None, ...], ...]:
        return self.matrices[self.statistic]

    def pair(self, a: str, b: str) -> PairAgreement | None:
        for p in self.pairs:
            if {p.a, p.b} == {a, b}:
                return p
        return None

    def to_json(self) -> dict[str, object]:
        def grid(rows: tuple[tuple[float | None, ...], ...]) -> list[list[float | None]]:
            return [[_finite(v) for v in row] for row in rows]

        return {
            "control": self.control,
            "kind": self.kind,
            "iou_threshold": self.iou_threshold,
            "annotators": list(self.annotators),
            "tasks": self.tasks,
            "statistic": self.statistic,
            "matrix": grid(self.matrix),
            "matrices": {name: grid(m) for name, m in self.matrices.items()},
            "overall": {k: _finite(v) for k, v in self.overall.items()},
            "pairs": [p.to_json() for p in self.pairs],
            "notes": dict(self.notes),
            "tasks_detail": [t.to_json() for t in self.tasks_detail],
        }


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return sum(kept) / len(kept) if kept else None


# --- the entry point ------------------------------------------------------------------


def control_agreement(
    tasks: Sequence[TaskAnnotators],
    control: str,
    *,
    kind: str | None = None,
    iou_threshold: float = 0.5,
    annotators: Sequence[str] | None = None,
    keypoint_sigmas: Mapping[str, float] | None = None,
) -> ControlAgreement:
    """Pairwise and overall agreement on ``control`` over ``tasks``.

    kind: one of :data:`KINDS`; inferred from the regions when None (classification
    when there are none). annotators: who to compare and in which order (default:
    everyone present, sorted by name). Never raises for well-formed regions.
    """
    own = [
        TaskAnnotators(
            t.task, {a: [r for r in rs if r.control == control] for a, rs in t.regions.items()}
        )
        for t in tasks
    ]
    if kind is None:
        kind = infer_kind(r for t in own for rs in t.regions.values() for r in rs) or CLASSIFICATION
    if kind not in KINDS:
        raise ValueError(f"unknown agreement kind {kind!r}; one of {', '.join(KINDS)}")
    names = (
        tuple(annotators)
        if annotators is not None
        else tuple(sorted({a for t in tasks for a in t.regions}))
    )
    notes: dict[str, str] = {}
    shared = [t for t in own if sum(1 for a in names if a in t.regions) >= 2]
    if len(names) < 2:
        notes["annotators"] = f"agreement needs two annotators; found {len(names)}"
    elif not shared:
        notes["tasks"] = "no task was done by two or more of the annotators"

    if kind == CLASSIFICATION:
        pairs, overall, per_task = _classification(own, names, control, notes)
    elif kind == KEYPOINT:
        full = {t.task: t for t in tasks}
        pairs, per_task = _keypoints(own, full, names, keypoint_sigmas)
        overall = {}
    else:
        pairs, per_task = _objects(own, names, kind, iou_threshold)
        overall = {}

    matrices: dict[str, tuple[tuple[float | None, ...], ...]] = {}
    index = {name: i for i, name in enumerate(names)}
    for figure in MATRIX_FIGURES[kind]:
        grid: list[list[float | None]] = [[None] * len(names) for _ in names]
        for p in pairs:
            value = p.stats.get(figure)
            i, j = index[p.a], index[p.b]
            grid[i][j] = grid[j][i] = None if value is None else float(value)
        matrices[figure] = tuple(tuple(row) for row in grid)
        mean = _mean(float(v) for p in pairs if (v := p.stats.get(figure)) is not None)
        key = figure if figure.startswith("mean_") else f"mean_{figure}"
        overall[key] = mean
        if mean is None and len(names) >= 2:
            notes.setdefault(key, f"{figure} is undefined for every pair")

    details = sorted(
        per_task, key=lambda t: (t.value is None, t.value if t.value is not None else 0, t.task)
    )
    return ControlAgreement(
        control=control,
        kind=kind,
        statistic=PRIMARY[kind],
        annotators=names,
        tasks=len(shared),
        iou_threshold=iou_threshold if kind in (SPAN, BOX, POLYGON) else None,
        matrices=matrices,
        pairs=tuple(pairs),
        overall={k: _finite(v) for k, v in overall.items()},
        notes=notes,
        tasks_detail=tuple(details),
    )


# --- classification -------------------------------------------------------------------


def _classification(
    tasks: Sequence[TaskAnnotators], names: Sequence[str], control: str, notes: dict[str, str]
) -> tuple[list[PairAgreement], dict[str, float | None], list[TaskAgreement]]:
    answers: list[dict[str, str | None]] = [
        {a: category_of(t.regions[a]) for a in names if a in t.regions} for t in tasks
    ]
    # Ratings compare at the ordinal level; any Choices make the control nominal.
    found = {type(r) for t in tasks for rs in t.regions.values() for r in rs}
    level = Level.ORDINAL if Rating in found and Choices not in found else Level.NOMINAL
    rated = [i for i, row in enumerate(answers) if sum(v is not None for v in row.values()) > 0]

    overall: dict[str, float | None] = {}
    if len(names) >= 2 and rated:
        table = RatingsTable.from_rows(
            names,
            [[answers[i].get(a) for a in names] for i in rated],
            items=[tasks[i].task for i in rated],
        )
        stats = compute_agreement(table, level)
        overall.update(stats.values)
        notes.update({f"overall.{k}": v for k, v in stats.notes.items()})
    elif len(names) >= 2:
        notes.setdefault("overall", f"nobody chose an option of {control}")

    pairs = []
    for a, b in itertools.combinations(names, 2):
        rows = [
            (answers[i].get(a), answers[i].get(b))
            for i in range(len(tasks))
            if a in tasks[i].regions and b in tasks[i].regions
        ]
        both = sum(1 for x, y in rows if x is not None and y is not None)
        pair_notes: dict[str, str] = {}
        figures: dict[str, float | int | None] = {
            "items": both,
            "agreed": sum(1 for x, y in rows if x is not None and x == y),
            "cohen_kappa": None,
            "percent_agreement": None,
        }
        answered = [r for r in rows if r[0] is not None or r[1] is not None]
        if answered:
            stats = compute_agreement(RatingsTable.from_rows((a, b), answered), level)
            for name in ("cohen_kappa", "percent_agreement"):
                figures[name] = stats.values.get(name)
                if name in stats.notes:
                    pair_notes[name] = stats.notes[name]
        else:
            pair_notes["cohen_kappa"] = pair_notes["percent_agreement"] = (
                "no task both annotators did has an answer"
            )
        pairs.append(PairAgreement(a, b, len(rows), figures, notes=pair_notes))

    per_task = []
    for t, row in zip(tasks, answers, strict=True):
        given = [(a, v) for a, v in row.items() if v is not None]
        pair_votes = [x == y for (_, x), (_, y) in itertools.combinations(given, 2)]
        value = sum(pair_votes) / len(pair_votes) if pair_votes else None
        detail = ", ".join(f"{a}: {v if v is not None else '—'}" for a, v in row.items())
        per_task.append(TaskAgreement(t.task, tuple(row), value, detail))
    return pairs, overall, per_task


# --- spans, boxes, polygons -----------------------------------------------------------


@dataclass
class _Counts:
    a: Counter[str] = field(default_factory=Counter)
    b: Counter[str] = field(default_factory=Counter)
    agreed: Counter[str] = field(default_factory=Counter)  # matched, same label
    exact: Counter[str] = field(default_factory=Counter)  # spans: same offsets and label
    iou_sum: float = 0.0
    matched: int = 0
    mismatched: int = 0

    def add(self, mine: Sequence[RegionBase], theirs: Sequence[RegionBase]) -> None:
        self.a.update(label_key(r) for r in mine)
        self.b.update(label_key(r) for r in theirs)


def _type_match(
    mine: Sequence[RegionBase], theirs: Sequence[RegionBase], kind: str, threshold: float
) -> TypeMatch | None:
    return match_all(mine, theirs, threshold).get(kind)


def _count_pairs(match: TypeMatch | None, into: Counter[str], counts: _Counts | None = None) -> int:
    """Add the same-label pairs of ``match`` to ``into``; with ``counts``, the geometry too."""
    if match is None:
        return 0
    agreed = 0
    for mine, _, pair in match.pair_regions():
        if counts is not None:
            counts.matched += 1
            counts.iou_sum += pair.similarity
            counts.mismatched += 0 if pair.same_label else 1
        if pair.same_label:
            into[label_key(mine)] += 1
            agreed += 1
    return agreed


def _f1_figures(agreed: int, n_a: int, n_b: int) -> tuple[float | None, float | None, float | None]:
    """(precision with A as the reference, recall, F1)."""
    return _ratio(agreed, n_b), _ratio(agreed, n_a), _ratio(2 * agreed, n_a + n_b)


def _objects(
    tasks: Sequence[TaskAnnotators], names: Sequence[str], kind: str, threshold: float
) -> tuple[list[PairAgreement], list[TaskAgreement]]:
    cls = _REGION_CLASS[kind]
    noun = NOUNS[kind]
    # Spans pair on any overlap (IoU > 0) for overlap F1, and exactly for exact F1.
    pair_threshold = 0.0 if kind == SPAN else threshold
    task_f1: dict[str, list[float]] = {t.task: [] for t in tasks}
    pairs = []
    for a, b in itertools.combinations(names, 2):
        counts = _Counts()
        n_tasks = 0
        for t in tasks:
            if a not in t.regions or b not in t.regions:
                continue
            n_tasks += 1
            mine = [r for r in t.regions[a] if isinstance(r, cls)]
            theirs = [r for r in t.regions[b] if isinstance(r, cls)]
            counts.add(mine, theirs)
            if not mine and not theirs:
                task_f1[t.task].append(1.0)  # both say there is nothing here
                continue
            agreed = _count_pairs(
                _type_match(mine, theirs, kind, pair_threshold), counts.agreed, counts
            )
            if kind == SPAN:  # the task's figure is exact F1, as the matrix's
                agreed = _count_pairs(_type_match(mine, theirs, kind, 1.0), counts.exact)
            task_f1[t.task].append(2 * agreed / (len(mine) + len(theirs)))
        pairs.append(_object_pair(a, b, n_tasks, counts, kind, noun, threshold))

    per_task = []
    for t in tasks:
        present = tuple(n for n in names if n in t.regions)
        sizes = ", ".join(
            f"{n} {sum(1 for r in t.regions[n] if isinstance(r, cls))}" for n in present
        )
        detail = f"{noun} drawn: {sizes}" if present else "nobody did this task"
        per_task.append(TaskAgreement(t.task, present, _mean(task_f1[t.task]), detail))
    return pairs, per_task


def _object_pair(
    a: str, b: str, n_tasks: int, c: _Counts, kind: str, noun: str, threshold: float
) -> PairAgreement:
    n_a, n_b = sum(c.a.values()), sum(c.b.values())
    notes: dict[str, str] = {}
    stats: dict[str, float | int | None] = {"a_count": n_a, "b_count": n_b}
    if kind == SPAN:
        exact, overlap = sum(c.exact.values()), sum(c.agreed.values())
        p_e, r_e, f_e = _f1_figures(exact, n_a, n_b)
        p_o, r_o, f_o = _f1_figures(overlap, n_a, n_b)
        stats.update(
            exact_matches=exact,
            overlap_matches=overlap,
            f1_exact=f_e,
            f1_overlap=f_o,
            precision_exact=p_e,
            recall_exact=r_e,
            precision_overlap=p_o,
            recall_overlap=r_o,
        )
        undefined = ("f1_exact", "f1_overlap")
    else:
        agreed = sum(c.agreed.values())
        precision, recall, f1 = _f1_figures(agreed, n_a, n_b)
        stats.update(
            matched=c.matched,
            agreed=agreed,
            label_mismatches=c.mismatched,
            precision=precision,
            recall=recall,
            f1=f1,
            mean_iou=_ratio(c.iou_sum, c.matched),
        )
        undefined = ("f1",)
        if c.matched == 0 and n_a + n_b > 0:
            notes["mean_iou"] = f"no two {noun} overlap at IoU ≥ {threshold:g}"
    if n_a + n_b == 0:
        why = (
            f"neither annotator drew any {noun} on the {n_tasks} tasks both did"
            if n_tasks
            else "the two annotators did no task in common"
        )
        for name in (*undefined, "mean_iou") if kind != SPAN else undefined:
            notes[name] = why
    else:
        if n_b == 0:
            notes["precision" if kind != SPAN else "precision_exact"] = f"{b} drew no {noun}"
        if n_a == 0:
            notes["recall" if kind != SPAN else "recall_exact"] = f"{a} drew no {noun}"

    per_label: dict[str, dict[str, float | int | None]] = {}
    for label in sorted(set(c.a) | set(c.b)):
        la, lb = c.a[label], c.b[label]
        figures: dict[str, float | int | None] = {"a_count": la, "b_count": lb}
        if kind == SPAN:
            figures["f1_exact"] = _ratio(2 * c.exact[label], la + lb)
            figures["f1_overlap"] = _ratio(2 * c.agreed[label], la + lb)
        else:
            p, r, f = _f1_figures(c.agreed[label], la, lb)
            figures.update(agreed=c.agreed[label], precision=p, recall=r, f1=f)
        per_label[label or "(no label)"] = figures
    return PairAgreement(a, b, n_tasks, stats, per_label, notes)


# --- keypoints ------------------------------------------------------------------------


def _keypoints(
    tasks: Sequence[TaskAnnotators],
    full: Mapping[str, TaskAnnotators],
    names: Sequence[str],
    sigmas: Mapping[str, float] | None,
) -> tuple[list[PairAgreement], list[TaskAgreement]]:
    task_oks: dict[str, list[float]] = {t.task: [] for t in tasks}
    pairs = []
    for a, b in itertools.combinations(names, 2):
        values: list[float] = []
        distances: list[float] = []
        n_tasks = n_a = n_b = unscaled = 0
        for t in tasks:
            if a not in t.regions or b not in t.regions:
                continue
            n_tasks += 1
            mine = [r for r in t.regions[a] if isinstance(r, Keypoint)]
            theirs = [r for r in t.regions[b] if isinstance(r, Keypoint)]
            n_a, n_b = n_a + len(mine), n_b + len(theirs)
            if not mine and not theirs:
                task_oks[t.task].append(1.0)
                continue
            size = full[t.task].image_size
            both_ways = []
            for x, y, y_all in (
                (mine, theirs, full[t.task].regions[b]),
                (theirs, mine, full[t.task].regions[a]),
            ):
                if not y:
                    continue  # OKS needs reference keypoints; the other direction has them
                match = match_all(x, y, 0.0).get(KEYPOINT)
                if match is None:
                    continue
                found = keypoint_gold_metrics(match, y_all, image_size=size, sigmas=sigmas)
                if "keypoint.oks" in found:
                    both_ways.append(float(found["keypoint.oks"].value))
                else:
                    unscaled += 1
                if x is mine:
                    distances += [
                        math.dist((p.x, p.y), (q.x, q.y))  # type: ignore[attr-defined]
                        for p, q, _ in match.pair_regions()
                    ]
            value = _mean(both_ways)
            if value is not None:
                values.append(value)
                task_oks[t.task].append(value)
        stats: dict[str, float | int | None] = {
            "a_count": n_a,
            "b_count": n_b,
            "oks": _mean(values),
            "mean_distance_px": _mean(distances),
        }
        notes: dict[str, str] = {}
        if stats["oks"] is None:
            notes["oks"] = (
                "no scale for OKS (no parent box, too few keypoints, no image size)"
                if unscaled
                else f"neither annotator placed a keypoint on the {n_tasks} tasks both did"
            )
        if stats["mean_distance_px"] is None:
            notes["mean_distance_px"] = "no keypoints with the same label to compare"
        pairs.append(PairAgreement(a, b, n_tasks, stats, notes=notes))

    per_task = []
    for t in tasks:
        present = tuple(n for n in names if n in t.regions)
        sizes = ", ".join(
            f"{n} {sum(1 for r in t.regions[n] if isinstance(r, Keypoint))}" for n in present
        )
        per_task.append(
            TaskAgreement(t.task, present, _mean(task_oks[t.task]), f"keypoints placed: {sizes}")
        )
    return pairs, per_task
