"""Loaders for the hand-written demo text sets in resources/demo/*.yaml.

The YAML is written by people, so every loader validates what it reads and fails
with the file and item named: a typo in a gold label or an entity that does not
occur in its text must break the build (and the tests), not ship a wrong answer.
NER offsets are *computed* here from (surface text, label, occurrence) so nobody
has to count characters by hand.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from labelmate.paths import resource_path

SENTIMENTS = ("Positive", "Neutral", "Negative")
NER_LABELS = ("PER", "ORG", "LOC", "MISC")


class DemoDataError(ValueError):
    """A demo resource file is malformed; the message names the file and item."""


def demo_dir() -> Path:
    return resource_path("demo")


def _load(name: str) -> dict[str, Any]:
    path = demo_dir() / name
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict):
        raise DemoDataError(f"{path}: expected a mapping at the top level")
    return doc


@dataclass(frozen=True)
class Review:
    id: str
    text: str
    label: str
    rationale: str | None = None


@dataclass(frozen=True)
class Entity:
    start: int  # code points, end-exclusive
    end: int
    label: str
    text: str


@dataclass(frozen=True)
class NerSnippet:
    id: str
    text: str
    entities: tuple[Entity, ...]
    note: str | None = None


@dataclass(frozen=True)
class PromptScenario:
    id: str
    title: str
    scenario: str
    gold: str


def _unique_ids(items: list[Any], name: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DemoDataError(f"{name}: duplicate id {item.id!r}")
        seen.add(item.id)


def load_reviews() -> list[Review]:
    """The sentiment set; every gold label must be one of SENTIMENTS."""
    doc = _load("reviews.yaml")
    reviews = []
    for raw in doc.get("reviews") or []:
        review = Review(
            id=str(raw["id"]),
            text=str(raw["text"]).strip(),
            label=str(raw["label"]),
            rationale=str(raw["rationale"]).strip() if raw.get("rationale") else None,
        )
        if review.label not in SENTIMENTS:
            raise DemoDataError(f"reviews.yaml: {review.id} has unknown label {review.label!r}")
        if not review.text:
            raise DemoDataError(f"reviews.yaml: {review.id} has no text")
        reviews.append(review)
    _unique_ids(reviews, "reviews.yaml")
    return reviews


@dataclass(frozen=True)
class AnnotatedReview:
    """One review as several simulated annotators labelled it (annotator → label)."""

    review: Review
    labels: tuple[tuple[str, str], ...]
    note: str | None = None


def load_review_annotators() -> list[AnnotatedReview]:
    """The agreement set: reviews of reviews.yaml with every annotator's label."""
    doc = _load("review_annotators.yaml")
    names = [str(n) for n in doc.get("annotators") or []]
    if len(names) < 2 or len(set(names)) != len(names):
        raise DemoDataError("review_annotators.yaml: needs two or more distinct annotators")
    reviews = {r.id: r for r in load_reviews()}
    items = []
    for raw in doc.get("items") or []:
        rid = str(raw["id"])
        labels = [str(label) for label in raw.get("labels") or []]
        if rid not in reviews:
            raise DemoDataError(f"review_annotators.yaml: {rid} is not in reviews.yaml")
        if len(labels) != len(names) or not set(labels) <= set(SENTIMENTS):
            raise DemoDataError(
                f"review_annotators.yaml: {rid} needs one of {SENTIMENTS} per annotator"
            )
        note = str(raw["note"]).strip() if raw.get("note") else None
        items.append(AnnotatedReview(reviews[rid], tuple(zip(names, labels, strict=True)), note))
    if len({item.review.id for item in items}) != len(items):
        raise DemoDataError("review_annotators.yaml: a review is listed twice")
    return items


def find_occurrence(text: str, surface: str, occurrence: int) -> int:
    """Start of the occurrence-th (0-based) non-overlapping match of surface in text."""
    start = -1
    pos = 0
    for _ in range(occurrence + 1):
        start = text.find(surface, pos)
        if start < 0:
            return -1
        pos = start + len(surface)
    return start


def load_ner() -> list[NerSnippet]:
    """The NER set, with offsets computed from each entity's surface text."""
    doc = _load("ner.yaml")
    snippets = []
    for raw in doc.get("snippets") or []:
        sid, text = str(raw["id"]), str(raw["text"])
        entities = []
        for spec in raw.get("entities") or []:
            surface, label = str(spec[0]), str(spec[1])
            occurrence = int(spec[2]) if len(spec) > 2 else 0
            if label not in NER_LABELS:
                raise DemoDataError(f"ner.yaml: {sid} has unknown label {label!r}")
            start = find_occurrence(text, surface, occurrence)
            if start < 0:
                raise DemoDataError(f"ner.yaml: {sid}: {surface!r} #{occurrence} not in text")
            entities.append(Entity(start, start + len(surface), label, surface))
        entities.sort(key=lambda e: e.start)
        for a, b in itertools.pairwise(entities):
            if b.start < a.end:
                raise DemoDataError(f"ner.yaml: {sid}: {a.text!r} overlaps {b.text!r}")
        note = str(raw["note"]).strip() if raw.get("note") else None
        snippets.append(NerSnippet(sid, text, tuple(entities), note))
    _unique_ids(snippets, "ner.yaml")
    return snippets


def load_prompt_scenarios() -> list[PromptScenario]:
    """The system-prompt scenarios, each with a model answer."""
    doc = _load("system_prompts.yaml")
    scenarios = []
    for raw in doc.get("scenarios") or []:
        item = PromptScenario(
            id=str(raw["id"]),
            title=str(raw["title"]),
            scenario=str(raw["scenario"]).strip(),
            gold=str(raw["gold"]).strip(),
        )
        if not item.scenario or not item.gold:
            raise DemoDataError(f"system_prompts.yaml: {item.id} needs a scenario and a gold")
        scenarios.append(item)
    _unique_ids(scenarios, "system_prompts.yaml")
    return scenarios


def load_config(name: str) -> str:
    """A labeling config from resources/demo/configs, as text."""
    return (demo_dir() / "configs" / name).read_text(encoding="utf-8")
