"""Assemble the demo practice pack: media on disk plus tasks and gold in memory.

`build_demo_pack` is the one entry point `labelmate demo` calls. Everything is
derived from the seed and the shipped resources, with fixed timestamps and region
ids derived from task ids, so the same seed gives byte-identical files and equal
models — the pack can be rebuilt at any time instead of being shipped as binaries.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from labelmate.core.models import Annotation, AnnotationKind, Task
from labelmate.core.regions import Box, Choices, Keypoint, Polygon, Span, TextAnswer
from labelmate.demo import annotators, pcb_boards, shapes, text_sets

GOLD_AUTHOR = "demo-gold"
# Fixed so that two builds compare equal, timestamps included.
FIXED_TIME = datetime(2025, 1, 1, tzinfo=UTC)
_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass
class DemoProject:
    """One practice project: what to import, and the answers to score against."""

    name: str
    slug: str
    config_xml: str
    rubric_id: str
    description: str
    tasks: list[Task]
    gold: dict[str, Annotation]  # external_id -> gold annotation
    # external_id -> why the gold is what it is (hard cases only); shown after scoring,
    # kept out of task data so the annotator does not see the answer.
    notes: dict[str, str] = field(default_factory=dict)
    # external_id -> other annotators' work (kind peer), for the agreement projects,
    # which ship no gold: adjudicating them makes it.
    peers: dict[str, list[Annotation]] = field(default_factory=dict)


def region_id(external_id: str, index: int) -> str:
    """A stable 10-character id in Label Studio's alphabet (not random, unlike new ones)."""
    digest = hashlib.sha256(f"{external_id}#{index}".encode()).digest()
    return "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:10])


def _gold(regions: Sequence[object]) -> Annotation:
    return Annotation(
        author=GOLD_AUTHOR,
        kind=AnnotationKind.GOLD,
        regions=list(regions),  # type: ignore[arg-type]
        created_at=FIXED_TIME,
        updated_at=FIXED_TIME,
    )


def _peer(author: str, regions: Sequence[object]) -> Annotation:
    return Annotation(
        author=author,
        kind=AnnotationKind.PEER,
        regions=list(regions),  # type: ignore[arg-type]
        created_at=FIXED_TIME,
        updated_at=FIXED_TIME,
    )


def _image_task(external_id: str, rel_path: str, width: int, height: int) -> Task:
    return Task(
        external_id=external_id,
        data={"image": rel_path},
        media=rel_path,
        image_width=width,
        image_height=height,
        created_at=FIXED_TIME,
    )


def _text_task(external_id: str, key: str, text: str) -> Task:
    return Task(external_id=external_id, data={key: text}, created_at=FIXED_TIME)


def _pcb_project(boards: list[pcb_boards.BoardImage]) -> DemoProject:
    tasks, gold = [], {}
    for board in boards:
        tasks.append(_image_task(board.external_id, board.rel_path, board.width, board.height))
        gold[board.external_id] = _gold(
            [
                Box(
                    id=region_id(board.external_id, i),
                    control="defect",
                    target="image",
                    labels=(label,),
                    x=x0,
                    y=y0,
                    width=x1 - x0,
                    height=y1 - y0,
                )
                for i, (label, (x0, y0, x1, y1)) in enumerate(board.defects)
            ]
        )
    return DemoProject(
        name="PCB defects — boxes",
        slug="pcb-defects",
        config_xml=text_sets.load_config("pcb_boxes.xml"),
        rubric_id="pcb-defect-boxes",
        description=(
            "Box every solder bridge, missing component and scratch as tightly as you can; "
            "the gold boxes are pixel-exact. A missing component's box covers its empty "
            "footprint, silkscreen outline included."
        ),
        tasks=tasks,
        gold=gold,
        notes=pcb_boards.board_notes(),
    )


def _pcb_agreement_project(boards: list[pcb_boards.BoardImage], seed: int) -> DemoProject:
    """Eight of the boards as three annotators boxed them (the same images)."""
    tasks, peers, notes = [], {}, {}
    for sim in annotators.simulate_boards(boards, seed):
        board = sim.board
        external_id = board.external_id.replace("pcb-", "agree-pcb-")
        tasks.append(_image_task(external_id, board.rel_path, board.width, board.height))
        peers[external_id] = [
            _peer(
                name,
                [
                    Box(
                        id=region_id(f"{external_id}/{name}", i),
                        control="defect",
                        target="image",
                        labels=(label,),
                        x=x0,
                        y=y0,
                        width=x1 - x0,
                        height=y1 - y0,
                    )
                    for i, (label, (x0, y0, x1, y1)) in enumerate(boxes)
                ],
            )
            for name, boxes in sim.boxes
        ]
        notes[external_id] = sim.note
    return DemoProject(
        name="PCB defects — three annotators",
        slug="pcb-agreement",
        config_xml=text_sets.load_config("pcb_boxes.xml"),
        rubric_id="pcb-defect-boxes",
        description=(
            "Three annotators (ana, ben and chen) boxed the defects on eight boards. Measure "
            "their agreement, let the rubric's consensus (quorum 0.66) settle what it can and "
            "review the rest: the result is saved as gold."
        ),
        tasks=tasks,
        gold={},
        notes=notes,
        peers=peers,
    )


def _leaf_project(scenes: list[shapes.SceneImage]) -> DemoProject:
    tasks, gold = [], {}
    for scene in scenes:
        tasks.append(_image_task(scene.external_id, scene.rel_path, scene.width, scene.height))
        gold[scene.external_id] = _gold(
            [
                Polygon(
                    id=region_id(scene.external_id, i),
                    control="outline",
                    target="image",
                    labels=(label,),
                    points=tuple((float(x), float(y)) for x, y in points),
                )
                for i, (label, points) in enumerate(scene.polygons)
            ]
        )
    return DemoProject(
        name="Leaf outlines — polygons",
        slug="leaf-outlines",
        config_xml=text_sets.load_config("leaf_polygons.xml"),
        rubric_id="polygon-precision",
        description=(
            "Trace every leaf and every stem along its edge. Watch the thin stems, serrated "
            "edges, a pale leaf on sand and leaves cut off by the frame."
        ),
        tasks=tasks,
        gold=gold,
        notes=shapes.scene_notes(),
    )


def _keypoint_project(scenes: list[shapes.SceneImage]) -> DemoProject:
    """Leaf tips and bases on the same images as the polygon set (no extra media)."""
    tasks, gold = [], {}
    for scene in scenes:
        external_id = scene.external_id.replace("leaf-", "leaf-points-")
        tasks.append(_image_task(external_id, scene.rel_path, scene.width, scene.height))
        gold[external_id] = _gold(
            [
                Keypoint(
                    id=region_id(external_id, i),
                    control="landmark",
                    target="image",
                    labels=(label,),
                    x=float(x),
                    y=float(y),
                )
                for i, (label, (x, y)) in enumerate(scene.keypoints)
            ]
        )
    return DemoProject(
        name="Leaf tips and bases — keypoints",
        slug="leaf-keypoints",
        config_xml=text_sets.load_config("leaf_keypoints.xml"),
        rubric_id="keypoints",
        description=(
            "Put a Tip point on the pointed end of every leaf blade and a Base point where the "
            "blade meets its stem; skip points that are out of frame and the round lobed leaves."
        ),
        tasks=tasks,
        gold=gold,
    )


def _review_project() -> DemoProject:
    tasks, gold, notes = [], {}, {}
    for review in text_sets.load_reviews():
        tasks.append(_text_task(review.id, "text", review.text))
        gold[review.id] = _gold(
            [
                Choices(
                    id=region_id(review.id, 0),
                    control="sentiment",
                    target="review",
                    labels=(review.label,),
                )
            ]
        )
        if review.rationale:
            notes[review.id] = review.rationale
    return DemoProject(
        name="Movie reviews — sentiment",
        slug="review-sentiment",
        config_xml=text_sets.load_config("review_sentiment.xml"),
        rubric_id="text-sentiment",
        description=(
            "Choose the reviewer's overall verdict on the film: Positive, Neutral or Negative. "
            'Expect litotes ("not too bad" is Neutral), sarcasm, mixed and off-topic reviews.'
        ),
        tasks=tasks,
        gold=gold,
        notes=notes,
    )


def _review_agreement_project() -> DemoProject:
    """Ten of the reviews as three annotators labelled them."""
    tasks, peers, notes = [], {}, {}
    for item in text_sets.load_review_annotators():
        review = item.review
        tasks.append(_text_task(review.id, "text", review.text))
        peers[review.id] = [
            _peer(
                name,
                [
                    Choices(
                        id=region_id(f"{review.id}/{name}", 0),
                        control="sentiment",
                        target="review",
                        labels=(label,),
                    )
                ],
            )
            for name, label in item.labels
        ]
        if item.note:
            notes[review.id] = item.note
    return DemoProject(
        name="Movie reviews — three annotators",
        slug="review-agreement",
        config_xml=text_sets.load_config("review_sentiment.xml"),
        rubric_id="text-sentiment",
        description=(
            "Three annotators (ana, ben and chen) labelled ten reviews. Check their kappa, let "
            "the majority settle what it can, and break the ties yourself: the result is saved "
            "as gold."
        ),
        tasks=tasks,
        gold={},
        notes=notes,
        peers=peers,
    )


def _ner_project() -> DemoProject:
    tasks, gold, notes = [], {}, {}
    for snippet in text_sets.load_ner():
        tasks.append(_text_task(snippet.id, "text", snippet.text))
        gold[snippet.id] = _gold(
            [
                Span(
                    id=region_id(snippet.id, i),
                    control="entities",
                    target="doc",
                    labels=(e.label,),
                    start=e.start,
                    end=e.end,
                    text=e.text,
                )
                for i, e in enumerate(snippet.entities)
            ]
        )
        if snippet.note:
            notes[snippet.id] = snippet.note
    return DemoProject(
        name="News snippets — named entities",
        slug="news-ner",
        config_xml=text_sets.load_config("news_ner.xml"),
        rubric_id="ner-spans",
        description=(
            "Tag people (PER), organisations (ORG), places (LOC) and other names (MISC) with "
            "exact boundaries: no possessive 's, no sentence punctuation, longest name wins."
        ),
        tasks=tasks,
        gold=gold,
        notes=notes,
    )


def _prompt_project() -> DemoProject:
    tasks, gold = [], {}
    for item in text_sets.load_prompt_scenarios():
        tasks.append(_text_task(item.id, "scenario", item.scenario))
        gold[item.id] = _gold(
            [
                TextAnswer(
                    id=region_id(item.id, 0),
                    control="system_prompt",
                    target="scenario",
                    text=(item.gold,),
                )
            ]
        )
    return DemoProject(
        name="System prompts — write one per brief",
        slug="system-prompts",
        config_xml=text_sets.load_config("system_prompts.xml"),
        rubric_id="system-prompt",
        description=(
            "Write a system prompt for each client brief: role, task, tone, constraints, two or "
            "three examples and edge cases. Compare with the model answer afterwards."
        ),
        tasks=tasks,
        gold=gold,
    )


def build_demo_pack(dest: Path, seed: int = 7) -> list[DemoProject]:
    """Write the demo media under dest and return the eight projects: six practice
    projects with gold, then two agreement projects (three annotators' peer work on
    boards and reviews of the practice sets, no gold).

    Image tasks refer to their media by a path relative to dest. Nothing is
    written outside dest; existing files with the same names are overwritten.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    scenes = shapes.write_scenes(dest, seed)
    boards = pcb_boards.write_boards(dest, seed)
    return [
        _pcb_project(boards),
        _leaf_project(scenes),
        _keypoint_project(scenes),
        _review_project(),
        _ner_project(),
        _prompt_project(),
        _pcb_agreement_project(boards, seed),
        _review_agreement_project(),
    ]
