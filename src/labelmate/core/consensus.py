"""Adjudication by consensus: several annotators' regions for one control → one answer.

Pure computation: no Qt, no storage; ``labelmate.usecases.agreement.adjudicate`` runs
it over a project and saves what is accepted as gold. The rules come from the
rubric's ``adjudication`` block (:class:`labelmate.core.rubric.Adjudication`):

``strategy``
    ``consensus_vote`` — an answer wins when its share of the annotators is at least
    ``quorum`` (inclusive, like rubric bounds: 2 of 3 = 0.667 meets 0.66, and 1 of 2
    meets 0.5); ``majority`` — more than half of the annotators, whatever the quorum;
    ``domain_expert`` — the proposal is computed but every item goes to the review
    queue; ``gold_wins`` — an existing gold answer is accepted as it is, otherwise as
    ``consensus_vote``.
``tie_breaker``
    When the most-voted labels are tied: ``first`` takes the label of the first
    annotator (in the order given) among the tied ones; ``gold`` takes the gold
    label when gold exists and is one of the tied labels; ``domain_expert`` and
    ``none`` leave the item to the review queue.

Per kind of control:

classification (Choices, Rating)
    Each annotator's answer is one vote (several options chosen form one answer,
    ``"A|B"``); the share is votes / annotators, so an annotator who chose nothing
    counts against every answer.
boxes, polygons, spans
    Regions are clustered across annotators: annotators are taken in the order given;
    each one's regions are matched one-to-one to the clusters found so far (to each
    cluster's current merged region, best IoU first, same label first —
    ``core.metrics.objects.match_all``) at the IoU threshold (spans: any overlap);
    what stays unmatched opens a new cluster. A cluster is accepted when the
    annotators in it / all annotators meets the strategy, and its labels agree by
    the same test among its members (ties as above). Members are merged:

    - unrotated boxes: the median of each edge (x, y, x + w, y + h);
    - rotated boxes (any member rotated): the median of the centre, width, height and
      rotation, rotations first unwrapped to within 180° of the first member's;
    - polygons: the medoid — the member with the highest mean IoU to the others
      (ties: the first), since vertex lists of different lengths have no median;
    - spans: the median start rounded down and the median end rounded up, so the
      merged span never cuts a character all members include.

    Medians of an even number of values are the mean of the middle two.
keypoints, free text
    No automatic merge: identical answers are accepted, anything else goes to the
    review queue.

An item is accepted when every cluster is, and every annotator drew the same number
of regions; otherwise :class:`ConsensusResult` lists the reasons, and its clusters
carry a merged proposal (best label guess) for the expert to pick or edit.
"""

from __future__ import annotations

import hashlib
import math
import statistics
import string
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labelmate.core.agreement_regions import (
    BOX,
    CLASSIFICATION,
    KEYPOINT,
    POLYGON,
    SPAN,
    category_of,
    infer_kind,
    label_key,
)
from labelmate.core.geometry import iou, polygon_shape
from labelmate.core.metrics.objects import match_all
from labelmate.core.regions import Box, Choices, Polygon, Rating, RegionBase, Span
from labelmate.core.rubric import Adjudication

TOLERANCE = 1e-9
"""Shares are compared with the quorum allowing for float rounding (2/3 vs 0.6666666667)."""

_ALPHABET = string.ascii_letters + string.digits
_VERB = {BOX: "boxed", POLYGON: "outlined", SPAN: "marked"}
_NOUN = {BOX: "boxes", POLYGON: "polygons", SPAN: "spans", KEYPOINT: "keypoints"}
_CLASSES: dict[str, type[RegionBase]] = {BOX: Box, POLYGON: Polygon, SPAN: Span}


@dataclass(frozen=True, slots=True)
class Cluster:
    """Regions of several annotators judged to be the same object, or (classification)
    every annotator's answer.

    ``votes`` counts each label (most first); ``support`` is members / annotators;
    ``label_share`` the top label's votes / members. ``region`` is the merged
    proposal, labelled with the winner (or, when there is none, the first member's
    label among the most voted), present whether or not the cluster is accepted.
    """

    members: tuple[tuple[str, RegionBase], ...]
    absent: tuple[str, ...]
    votes: tuple[tuple[str, int], ...]
    label: str | None
    support: float
    label_share: float
    accepted: bool
    region: RegionBase | None
    reason: str | None = None

    @property
    def annotators(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.members)

    def to_json(self) -> dict[str, object]:
        return {
            "members": {name: region.id for name, region in self.members},
            "absent": list(self.absent),
            "votes": dict(self.votes),
            "label": self.label,
            "support": self.support,
            "label_share": self.label_share,
            "accepted": self.accepted,
            "reason": self.reason,
            "region": None if self.region is None else self.region.model_dump(mode="json"),
        }


@dataclass(frozen=True, slots=True)
class ConsensusResult:
    """The consensus for one control of one task.

    ``regions`` are the merged regions of the accepted clusters — the gold to save
    when ``accepted``. ``reasons`` say why an item needs review; ``counts`` how many
    regions each annotator drew.
    """

    control: str
    kind: str
    annotators: tuple[str, ...]
    regions: tuple[RegionBase, ...]
    accepted: bool
    reasons: tuple[str, ...]
    clusters: tuple[Cluster, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "control": self.control,
            "kind": self.kind,
            "annotators": list(self.annotators),
            "accepted": self.accepted,
            "reasons": list(self.reasons),
            "counts": dict(self.counts),
            "regions": [r.model_dump(mode="json") for r in self.regions],
            "clusters": [c.to_json() for c in self.clusters],
        }


def meets(votes: int, total: int, rule: Adjudication) -> bool:
    """Whether ``votes`` of ``total`` annotators carry the decision under ``rule``."""
    if total <= 0 or votes <= 0:
        return False
    if rule.strategy == "majority":
        return 2 * votes > total
    return votes / total >= rule.quorum - TOLERANCE


def _threshold_text(rule: Adjudication) -> str:
    return "a majority" if rule.strategy == "majority" else f"quorum {rule.quorum:g}"


def consensus_id(parts: Sequence[str]) -> str:
    """A stable 10-character region id derived from the merged regions' ids."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:10])


# --- the entry point ------------------------------------------------------------------


def consensus(
    regions: Mapping[str, Sequence[RegionBase]],
    control: str,
    *,
    kind: str | None = None,
    rule: Adjudication | None = None,
    iou_threshold: float = 0.5,
    gold: Sequence[RegionBase] | None = None,
    text: str | None = None,
) -> ConsensusResult:
    """The consensus of ``regions`` (annotator → their regions, in annotator order) on
    ``control``. gold: an existing gold answer's regions, for ``gold_wins`` and the
    ``gold`` tie-breaker. text: the task text, to fill merged spans' ``text``.
    """
    rule = rule or Adjudication()
    own = {name: [r for r in rs if r.control == control] for name, rs in regions.items()}
    gold_own = None if gold is None else [r for r in gold if r.control == control]
    if kind is None:
        found = [r for rs in own.values() for r in rs]
        kind = infer_kind(found) or (found[0].type if found else CLASSIFICATION)  # type: ignore[attr-defined]
    names = tuple(own)
    if rule.strategy == "gold_wins" and gold_own:
        return ConsensusResult(control, kind, names, tuple(gold_own), True, ())
    if kind == CLASSIFICATION:
        result = _classification(own, control, rule, gold_own)
    elif kind in _CLASSES:
        result = _objects(own, control, kind, rule, iou_threshold, gold_own, text)
    else:
        result = _identical_or_expert(own, control, kind)
    if rule.strategy == "domain_expert" and names:
        reason = "the rubric's adjudication strategy is domain_expert: an expert decides"
        return ConsensusResult(
            control,
            kind,
            names,
            result.regions,
            False,
            (reason, *result.reasons),
            result.clusters,
            result.counts,
        )
    return result


def _vote(
    labels: Sequence[tuple[str, str]], rule: Adjudication, gold_label: str | None
) -> tuple[str | None, tuple[tuple[str, int], ...], bool, str | None, str]:
    """(winner or None, votes most first, tied, why not, best guess) for (annotator, label)
    pairs in annotator order; the winner still has to meet the rule's share test."""
    counts = Counter(label for _, label in labels)
    order = {label: i for i, (_, label) in reversed(list(enumerate(labels)))}
    votes = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0]])))
    if not votes:
        return None, (), False, None, ""
    top = votes[0][1]
    tied = [label for label, n in votes if n == top]
    guess = tied[0]  # the first annotator's among the most voted
    if len(tied) == 1:
        return tied[0], votes, False, None, guess
    if rule.tie_breaker == "first":
        return guess, votes, True, None, guess
    if rule.tie_breaker == "gold" and gold_label is not None and gold_label in tied:
        return gold_label, votes, True, None, gold_label
    if rule.tie_breaker == "gold":
        why = "tie, and no gold answer among the tied labels to break it"
    elif rule.tie_breaker == "none":
        why = "tie, and the rubric names no tie-breaker"
    else:
        why = "tie, left to a domain expert"
    return None, votes, True, why, guess


def _who(labels: Sequence[tuple[str, str]]) -> str:
    """ "Scratch (ana, chen), Solder Bridge (ben)"."""
    by_label: dict[str, list[str]] = {}
    for name, label in labels:
        by_label.setdefault(label, []).append(name)
    return ", ".join(
        f"{label or '(no label)'} ({', '.join(who)})" for label, who in by_label.items()
    )


# --- classification -------------------------------------------------------------------


def _classification(
    own: Mapping[str, Sequence[RegionBase]],
    control: str,
    rule: Adjudication,
    gold: Sequence[RegionBase] | None,
) -> ConsensusResult:
    names = tuple(own)
    answers = [(name, category_of(own[name])) for name in names]
    given = [(name, c) for name, c in answers if c is not None]
    counts = tuple((name, len(own[name])) for name in names)
    if not given:  # nobody chose anything: nothing to disagree about
        return ConsensusResult(control, CLASSIFICATION, names, (), True, (), (), counts)
    gold_label = category_of(gold) if gold else None
    winner, votes, tied, why, guess = _vote(given, rule, gold_label)
    top = dict(votes).get(winner or guess, 0)
    absent = tuple(name for name, c in answers if c is None)
    reason = None
    if winner is None:
        reason = f"{why}: {_who(given)}"
    elif not tied and not meets(top, len(names), rule):
        reason = (
            f"{winner} chosen by {top} of {len(names)} annotators; "
            f"{_threshold_text(rule)} not met: {_who(given)}"
        )
        if absent:
            reason += f"; no answer from {', '.join(absent)}"
    accepted = reason is None
    template = next(r for name, _ in given for r in own[name] if isinstance(r, Choices | Rating))
    region = _answer_region(template, winner or guess, [r.id for n, _ in given for r in own[n]])
    cluster = Cluster(
        members=tuple((name, _first_answer(own[name])) for name, _ in given),
        absent=absent,
        votes=votes,
        label=winner if accepted else None,
        support=len(given) / len(names),
        label_share=top / len(given),
        accepted=accepted,
        region=region,
        reason=reason,
    )
    return ConsensusResult(
        control,
        CLASSIFICATION,
        names,
        (region,) if accepted else (),
        accepted,
        () if accepted else (reason or "",),
        (cluster,),
        counts,
    )


def _first_answer(regions: Sequence[RegionBase]) -> RegionBase:
    return next(r for r in regions if isinstance(r, Choices | Rating))


def _answer_region(template: RegionBase, category: str, member_ids: Sequence[str]) -> RegionBase:
    new_id = consensus_id(member_ids)
    if isinstance(template, Rating):
        return Rating(
            id=new_id, control=template.control, target=template.target, rating=int(category)
        )
    labels = tuple(category.split("|")) if category else ()
    return Choices(id=new_id, control=template.control, target=template.target, labels=labels)


# --- boxes, polygons, spans -----------------------------------------------------------


def _objects(
    own: Mapping[str, Sequence[RegionBase]],
    control: str,
    kind: str,
    rule: Adjudication,
    threshold: float,
    gold: Sequence[RegionBase] | None,
    text: str | None,
) -> ConsensusResult:
    cls = _CLASSES[kind]
    names = tuple(own)
    drawn = {name: [r for r in own[name] if isinstance(r, cls)] for name in names}
    pair_threshold = 0.0 if kind == SPAN else threshold
    groups: list[list[tuple[str, RegionBase]]] = []
    for name in names:
        mine = drawn[name]
        refs = [_merge(kind, g, _guess_labels(g), text) for g in groups]
        paired: dict[int, int] = {}
        if mine and refs:
            match = match_all(mine, refs, pair_threshold).get(kind)
            paired = {p.mine: p.gold for p in match.pairs} if match else {}
        for i, region in enumerate(mine):
            if i in paired:
                groups[paired[i]].append((name, region))
            else:
                groups.append([(name, region)])

    counts = tuple((name, len(drawn[name])) for name in names)
    clusters = [_judge(kind, g, names, rule, gold, text, threshold) for g in groups]
    reasons = [c.reason for c in clusters if c.reason]
    if len({n for _, n in counts}) > 1:
        shown = ", ".join(f"{name} {n}" for name, n in counts)
        missing = [
            f"{', '.join(c.absent)} drew nothing at the {c.label or _guess(c)} {_where(c.region)}"
            for c in clusters
            if c.accepted and c.absent and c.region is not None
        ]
        reasons.append(
            f"the annotators drew different numbers of {_NOUN[kind]}: {shown}"
            + (f" ({'; '.join(missing)})" if missing else "")
        )
    accepted = not reasons
    regions = tuple(c.region for c in clusters if c.accepted and c.region is not None)
    return ConsensusResult(
        control, kind, names, regions, accepted, tuple(reasons), tuple(clusters), counts
    )


def _guess(cluster: Cluster) -> str:
    return cluster.votes[0][0] if cluster.votes else "region"


def _guess_labels(group: Sequence[tuple[str, RegionBase]]) -> tuple[str, ...]:
    """The labels most members gave (ties: the earliest member's), for matching."""
    counts = Counter(label_key(r) for _, r in group)
    top = max(counts.values())
    return next(r.labels for _, r in group if counts[label_key(r)] == top)


def _judge(
    kind: str,
    group: Sequence[tuple[str, RegionBase]],
    names: Sequence[str],
    rule: Adjudication,
    gold: Sequence[RegionBase] | None,
    text: str | None,
    threshold: float,
) -> Cluster:
    present = {name for name, _ in group}
    absent = tuple(n for n in names if n not in present)
    labelled = [(name, label_key(r)) for name, r in group]
    gold_label = None
    if gold and rule.tie_breaker == "gold":
        gold_label = _gold_label(kind, group, gold, threshold, text)
    winner, votes, tied, why, guess = _vote(labelled, rule, gold_label)
    chosen = winner if winner is not None else guess
    labels = next(r.labels for _, r in group if label_key(r) == chosen)
    region = _merge(kind, group, labels, text)
    top = dict(votes)[chosen]
    where = _where(region)
    noun = chosen or "region"
    reason = None
    if not meets(len(group), len(names), rule):
        reason = (
            f"{len(group)} of {len(names)} annotators {_VERB[kind]} a {noun} {where} "
            f"({', '.join(n for n, _ in group)}); {_threshold_text(rule)} not met"
        )
    elif winner is None:
        reason = f"{where}: {why}: {_who(labelled)}"
    elif not tied and not meets(top, len(group), rule):
        reason = (
            f"{where}: labels disagree, {_who(labelled)}; "
            f"{winner} has {top} of {len(group)} votes, {_threshold_text(rule)} not met"
        )
    return Cluster(
        members=tuple(group),
        absent=absent,
        votes=votes,
        label=winner if reason is None else None,
        support=len(group) / len(names),
        label_share=top / len(group),
        accepted=reason is None,
        region=region,
        reason=reason,
    )


def _gold_label(
    kind: str,
    group: Sequence[tuple[str, RegionBase]],
    gold: Sequence[RegionBase],
    threshold: float,
    text: str | None,
) -> str | None:
    merged = _merge(kind, group, _guess_labels(group), text)
    match = match_all([merged], gold, 0.0 if kind == SPAN else threshold).get(kind)
    if match is None or not match.pairs:
        return None
    return label_key(match.gold[match.pairs[0].gold])


def _where(region: RegionBase | None) -> str:
    if isinstance(region, Box):
        return f"at ({region.x:.0f}, {region.y:.0f})"
    if isinstance(region, Polygon):
        xs = [p[0] for p in region.points]
        ys = [p[1] for p in region.points]
        return f"around ({(min(xs) + max(xs)) / 2:.0f}, {(min(ys) + max(ys)) / 2:.0f})"
    if isinstance(region, Span):
        quoted = f' "{region.text}"' if region.text else ""
        return f"at characters {region.start}–{region.end}{quoted}"
    return ""


# --- merging --------------------------------------------------------------------------


def _merge(
    kind: str,
    group: Sequence[tuple[str, RegionBase]],
    labels: tuple[str, ...],
    text: str | None,
) -> RegionBase:
    members = [r for _, r in group]
    new_id = consensus_id([r.id for r in members])
    common = {"id": new_id, "labels": labels, "score": None, "origin": "manual", "extra": {}}
    if kind == BOX:
        return median_box(members).model_copy(update=common)  # type: ignore[arg-type]
    if kind == POLYGON:
        return members[medoid(members)].model_copy(update=common)  # type: ignore[arg-type]
    return median_span(members, text).model_copy(update=common)  # type: ignore[arg-type]


def median_box(boxes: Sequence[Box]) -> Box:
    """The median box: of each edge when none is rotated, else of centre, size and
    rotation (rotations unwrapped to within 180° of the first box's)."""
    first = boxes[0]
    if all(b.rotation == 0 for b in boxes):
        x0 = statistics.median(b.x for b in boxes)
        y0 = statistics.median(b.y for b in boxes)
        x1 = statistics.median(b.x + b.width for b in boxes)
        y1 = statistics.median(b.y + b.height for b in boxes)
        return first.model_copy(
            update={"x": x0, "y": y0, "width": max(0.0, x1 - x0), "height": max(0.0, y1 - y0)}
        )
    centres = [_centre(b) for b in boxes]
    base = first.rotation
    rotation = statistics.median(base + ((b.rotation - base + 180) % 360 - 180) for b in boxes)
    cx = statistics.median(c[0] for c in centres)
    cy = statistics.median(c[1] for c in centres)
    w = statistics.median(b.width for b in boxes)
    h = statistics.median(b.height for b in boxes)
    t = math.radians(rotation)
    c, s = math.cos(t), math.sin(t)
    return first.model_copy(
        update={
            "x": cx - (w * c - h * s) / 2,
            "y": cy - (w * s + h * c) / 2,
            "width": w,
            "height": h,
            "rotation": rotation,
        }
    )


def _centre(box: Box) -> tuple[float, float]:
    t = math.radians(box.rotation)
    c, s = math.cos(t), math.sin(t)
    w, h = box.width, box.height
    return box.x + (w * c - h * s) / 2, box.y + (w * s + h * c) / 2


def medoid(polygons: Sequence[Polygon]) -> int:
    """Index of the polygon with the highest mean IoU to the others (ties: the first)."""
    if len(polygons) <= 2:
        return 0
    shapes = [polygon_shape(p) for p in polygons]
    best, best_value = 0, -1.0
    for i, a in enumerate(shapes):
        value = sum(iou(a, b) for j, b in enumerate(shapes) if j != i) / (len(shapes) - 1)
        if value > best_value + TOLERANCE:
            best, best_value = i, value
    return best


def median_span(spans: Sequence[Span], text: str | None = None) -> Span:
    """Median start rounded down, median end rounded up; ``text`` fills the span's text."""
    start = math.floor(statistics.median(s.start for s in spans))
    end = math.ceil(statistics.median(s.end for s in spans))
    end = max(start, end)
    if text is not None and end <= len(text):
        surface: str | None = text[start:end]
    else:
        surface = next((s.text for s in spans if (s.start, s.end) == (start, end)), None)
    return spans[0].model_copy(update={"start": start, "end": end, "text": surface})


# --- keypoints and free text ------------------------------------------------------------


def _comparable(region: RegionBase) -> str:
    return region.model_dump_json(exclude={"id", "score", "origin", "extra", "parent_id"})


def _identical_or_expert(
    own: Mapping[str, Sequence[RegionBase]], control: str, kind: str
) -> ConsensusResult:
    names = tuple(own)
    counts = tuple((name, len(own[name])) for name in names)
    answers = {name: sorted(_comparable(r) for r in own[name]) for name in names}
    if names and all(a == answers[names[0]] for a in answers.values()):
        every_id = [r.id for n in names for r in own[n]]
        regions = tuple(
            r.model_copy(update={"id": consensus_id([*every_id, str(i)])})
            for i, r in enumerate(own[names[0]])
        )
        return ConsensusResult(control, kind, names, regions, True, (), (), counts)
    what = _NOUN.get(kind, "text answers")
    reason = f"the annotators' {what} differ, and {what} have no automatic consensus"
    return ConsensusResult(control, kind, names, (), False, (reason,), (), counts)
