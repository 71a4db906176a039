"""Three simulated annotators — ana, ben and chen — for the agreement demo projects.

On the circuit boards each of them starts from the exact defect boxes and places
every edge a little differently (seeded: at most about a tenth of the side, mostly
outward, never inward on a side under 12 px, so their boxes still match at IoU 0.5).
A script per board then adds the disagreements a QA lead meets: a missed defect, a
wrong label, a box so loose it matches nobody's, a box where there is no defect, and a
tie. The script is fixed and the jitter derives from the seed, so the same seed gives
the same annotations.

The review labels are hand-written in ``resources/demo/review_annotators.yaml``
(``text_sets.load_review_annotators``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from labelmate.demo.pcb_boards import MISSING_COMPONENT, SCRATCH, SOLDER_BRIDGE, BoardImage

ANNOTATORS = ("ana", "ben", "chen")
BOARD_COUNT = 8
LOOSE_PADDING_PX = 8

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1/y1 exclusive), as BoardImage.defects


@dataclass(frozen=True)
class Slip:
    """One annotator's departure from the truth on one defect.

    action: ``miss`` (no box), ``relabel`` (box with ``new_label``), ``loose`` (box
    padded by LOOSE_PADDING_PX on every side) — each on the first defect labelled
    ``label`` — or ``extra`` (a ``label`` box where there is no defect).
    """

    annotator: str
    action: str
    label: str
    new_label: str | None = None


# Board index → slips, and the note shown after adjudication (why the board is queued
# or accepted). The boards' defects are fixed by pcb_boards._PLANS; positions vary.
_SCRIPT: tuple[tuple[tuple[Slip, ...], str], ...] = (
    ((), "All three boxed every defect; their edges differ by a pixel or two."),
    (
        (Slip("chen", "relabel", SOLDER_BRIDGE, SCRATCH),),
        "chen labelled the solder bridge a Scratch; 2 of 3 say Solder Bridge, which "
        "meets the quorum.",
    ),
    (
        (Slip("ben", "miss", SCRATCH),),
        "ben missed the scratch. Two of three boxed it, but the annotators disagree on "
        "how many defects there are, so an expert confirms.",
    ),
    (
        (Slip("ben", "loose", SCRATCH), Slip("chen", "miss", SCRATCH)),
        "The tiny scratch: chen missed it and ben's box is so loose that it does not "
        "match ana's at IoU 0.5 — each box has 1 vote of 3.",
    ),
    ((), "All three agree."),
    (
        (Slip("chen", "miss", SCRATCH), Slip("ben", "relabel", SCRATCH, SOLDER_BRIDGE)),
        "The scratch at the board edge: chen drew nothing, ana says Scratch and ben says "
        "Solder Bridge — a tie for an expert.",
    ),
    (
        (Slip("ana", "extra", SOLDER_BRIDGE),),
        "ana boxed a clean stretch of board as a Solder Bridge; nobody else did.",
    ),
    ((), "All three agree."),
)
assert len(_SCRIPT) == BOARD_COUNT
assert {s.label for slips, _ in _SCRIPT for s in slips} <= {
    SOLDER_BRIDGE,
    MISSING_COMPONENT,
    SCRATCH,
}


@dataclass(frozen=True)
class SimulatedBoard:
    """One board as the three annotators boxed it."""

    board: BoardImage
    boxes: tuple[tuple[str, tuple[tuple[str, Rect], ...]], ...]  # annotator → (label, rect)
    note: str


def _jitter(rng: random.Random, rect: Rect, width: int, height: int) -> Rect:
    x0, y0, x1, y1 = rect

    def offset(side: int) -> int:
        most = max(1, round(side * 0.1))
        return rng.randint(0 if side < 12 else -(most // 2), most)

    w, h = x1 - x0, y1 - y0
    return (
        max(0, x0 - offset(w)),
        max(0, y0 - offset(h)),
        min(width, x1 + offset(w)),
        min(height, y1 + offset(h)),
    )


def _loose(rect: Rect, width: int, height: int) -> Rect:
    x0, y0, x1, y1 = rect
    pad = LOOSE_PADDING_PX
    return max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)


def _empty_spot(board: BoardImage, size: tuple[int, int] = (14, 10), margin: int = 24) -> Rect:
    """The first spot on a 40 px grid at least ``margin`` px from every defect."""
    w, h = size
    for y in range(40, board.height - 40, 40):
        for x in range(40, board.width - 40, 40):
            rect = (x, y, x + w, y + h)
            if all(
                rect[2] + margin <= d[0]
                or d[2] + margin <= rect[0]
                or rect[3] + margin <= d[1]
                or d[3] + margin <= rect[1]
                for _, d in board.defects
            ):
                return rect
    raise RuntimeError(f"{board.external_id}: no empty spot")  # pragma: no cover


def simulate_boards(boards: Sequence[BoardImage], seed: int) -> list[SimulatedBoard]:
    """The first BOARD_COUNT boards as ana, ben and chen boxed them."""
    out = []
    for index, board in enumerate(boards[:BOARD_COUNT]):
        slips, note = _SCRIPT[index]
        per_annotator = []
        for name in ANNOTATORS:
            rng = random.Random(f"agreement:{seed}:{index}:{name}")
            mine = {s.label: s for s in slips if s.annotator == name and s.action != "extra"}
            boxes: list[tuple[str, Rect]] = []
            for label, rect in board.defects:
                slip = mine.pop(label, None)
                jittered = _jitter(rng, rect, board.width, board.height)
                if slip is None:
                    boxes.append((label, jittered))
                elif slip.action == "relabel":
                    boxes.append((slip.new_label or label, jittered))
                elif slip.action == "loose":
                    boxes.append((label, _loose(rect, board.width, board.height)))
                # "miss": no box
            if mine:  # pragma: no cover - a script naming a defect the board lacks
                raise RuntimeError(f"{board.external_id}: no {', '.join(mine)} to slip on")
            boxes += [
                (s.label, _empty_spot(board))
                for s in slips
                if s.annotator == name and s.action == "extra"
            ]
            per_annotator.append((name, tuple(boxes)))
        out.append(SimulatedBoard(board, tuple(per_annotator), note))
    return out
