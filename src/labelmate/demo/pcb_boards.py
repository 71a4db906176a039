"""Synthetic circuit boards with known defects, for bounding-box practice.

A board is first *planned* (every random decision, as a list of drawing ops) and
then *rendered* by replaying the ops. Keeping the two apart is what makes the gold
boxes trustworthy: each defect's ops are also drawn onto a private mask, later ops
erase what they cover from that mask, so the gold box is the bounding box of the
defect pixels that are actually visible. `render_board(plan, omit=i)` replays the
same plan without defect *i*, which lets a test prove the box independently by
diffing two renders.

Box convention: `(x0, y0, x1, y1)` with x1/y1 exclusive, i.e. the box covers the
pixel squares [x0, x1) × [y0, y1) — the tightest box around the drawn pixels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

WIDTH, HEIGHT = 640, 480

SOLDER_BRIDGE = "Solder Bridge"
MISSING_COMPONENT = "Missing Component"
SCRATCH = "Scratch"

BOARD = (18, 92, 52)
COPPER = (184, 124, 64)
PAD = (214, 178, 86)
HOLE = (20, 30, 24)
SILK = (236, 236, 228)
IC_BODY = (34, 34, 38)
IC_TEXT = (150, 150, 156)
RESISTOR = (28, 28, 28)
CAPACITOR = (128, 92, 60)
SOLDER = (196, 199, 206)
SOLDER_SHINE = (242, 243, 246)
SCRATCH_COLOUR = (222, 244, 210)

# What each board shows. Fixed so every label is well represented; positions are random.
# "tiny" scratches and "border" defects are the hard cases.
_PLANS: tuple[tuple[str, ...], ...] = (
    ("bridge", "missing", "scratch"),
    ("bridge",),
    ("missing", "scratch"),
    ("scratch-tiny",),
    ("bridge", "bridge", "missing"),
    ("scratch-border", "missing"),
    ("missing", "bridge", "scratch", "scratch"),
    ("bridge", "scratch"),
    ("missing",),
    ("missing-border", "scratch-tiny"),
    ("scratch", "bridge", "missing", "scratch"),
    ("bridge", "scratch-border"),
)
BOARD_COUNT = len(_PLANS)

_HARD_NOTES = {
    "scratch-tiny": "One scratch is only a dozen pixels long: zoom in.",
    "scratch-border": "A scratch starts at the edge of the image: the box stops at the edge.",
    "missing-border": "The missing component sits against the left edge of the board.",
}


def board_notes() -> dict[str, str]:
    """Hints on the hard boards, keyed by external id, for after self-scoring."""
    notes = {}
    for index, kinds in enumerate(_PLANS):
        hints = [_HARD_NOTES[k] for k in kinds if k in _HARD_NOTES]
        if hints:
            notes[f"pcb-{index + 1:03d}"] = " ".join(dict.fromkeys(hints))
    return notes


Rect = tuple[int, int, int, int]  # inclusive corners, as Pillow draws them


@dataclass(frozen=True)
class Op:
    """One Pillow drawing call: kind is rect, outline, ellipse, line or text."""

    kind: str
    xy: tuple[int, ...]
    fill: tuple[int, int, int]
    width: int = 1
    text: str = ""


@dataclass(frozen=True)
class Group:
    ops: tuple[Op, ...]
    defect: int | None = None  # index into BoardPlan.labels, or None for the board itself


@dataclass(frozen=True)
class BoardPlan:
    external_id: str
    texture_seed: int
    groups: tuple[Group, ...]
    labels: tuple[str, ...]  # one per defect
    size: tuple[int, int] = (WIDTH, HEIGHT)


@dataclass(frozen=True)
class BoardImage:
    """A written board: where it is and its exact defect boxes (x1/y1 exclusive)."""

    external_id: str
    rel_path: str
    width: int
    height: int
    defects: tuple[tuple[str, tuple[int, int, int, int]], ...]


@dataclass
class _Part:
    """A placed component, in board coordinates."""

    kind: str  # ic, res, cap
    name: str
    pads: list[Rect]
    body: Rect
    outline: Rect
    rows: list[list[Rect]]  # IC pin rows (for bridges)
    vertical: bool
    body_text: str = ""


def _tr(r: Rect, dx: int, dy: int, vertical: bool) -> Rect:
    """Move a rect drawn in local horizontal coordinates onto the board."""
    x0, y0, x1, y1 = r
    if vertical:
        x0, y0, x1, y1 = y0, x0, y1, x1
    return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


def _overlaps(a: Rect, b: Rect, margin: int = 0) -> bool:
    return not (
        a[2] + margin < b[0] or b[2] + margin < a[0] or a[3] + margin < b[1] or b[3] + margin < a[1]
    )


def _make_ic(name: str, x: int, y: int, vertical: bool, n: int, bh: int, body_text: str) -> _Part:
    """An SOIC-like package: n pins on two long sides, the body covering the pad roots."""
    bw = n * 12 + 4
    top = [(5 + k * 12, -9, 10 + k * 12, 3) for k in range(n)]
    bottom = [(5 + k * 12, bh - 3, 10 + k * 12, bh + 9) for k in range(n)]
    rows = [[_tr(r, x, y, vertical) for r in row] for row in (top, bottom)]
    return _Part(
        kind="ic",
        name=name,
        pads=rows[0] + rows[1],
        body=_tr((0, 0, bw, bh), x, y, vertical),
        outline=_tr((-3, -12, bw + 3, bh + 12), x, y, vertical),
        rows=rows,
        vertical=vertical,
        body_text="" if vertical else body_text,
    )


def _make_passive(name: str, x: int, y: int, vertical: bool) -> _Part:
    pads = [(0, 0, 8, 10), (20, 0, 28, 10)]
    return _Part(
        kind="res" if name.startswith("R") else "cap",
        name=name,
        pads=[_tr(p, x, y, vertical) for p in pads],
        body=_tr((5, 1, 23, 9), x, y, vertical),
        outline=_tr((-3, -3, 31, 13), x, y, vertical),
        rows=[],
        vertical=vertical,
    )


def _place_parts(rng: random.Random, border_passive: bool) -> list[_Part]:
    """Lay components out on a 4×3 grid of cells, at least two ICs and many passives."""
    parts: list[_Part] = []
    if border_passive:
        parts.append(_make_passive("R0", 4, rng.randint(90, HEIGHT - 120), vertical=True))
    cells = [(c, r) for r in range(3) for c in range(4)]
    ic_cells = set(rng.sample(cells, rng.randint(3, 4)))
    counters = {"U": 0, "R": 0, "C": 0}
    for c, r in cells:
        cx0, cy0 = 36 + c * 146, 34 + r * 142
        if (c, r) in ic_cells:
            vertical = rng.random() < 0.3
            n, bh = rng.randint(4, 8), rng.choice((26, 30, 34, 40))
            text = f"{rng.choice(('LM', 'MCU', 'TX', 'SN'))}{rng.randint(10, 99)}"
            counters["U"] += 1
            name = f"U{counters['U']}"
            probe = _make_ic(name, 0, 0, vertical, n, bh, text)
            w = probe.outline[2] - probe.outline[0]
            h = probe.outline[3] - probe.outline[1]
            x = cx0 + rng.randint(0, max(0, 128 - w)) - probe.outline[0]
            y = cy0 + 12 + rng.randint(0, max(0, 112 - h)) - probe.outline[1]
            parts.append(_make_ic(name, x, y, vertical, n, bh, text))
            continue
        vertical = rng.random() < 0.5
        for k in range(rng.randint(2, 4)):
            prefix = rng.choice("RC")
            counters[prefix] += 1
            step = 36 if vertical else 30
            x = cx0 + 8 + (k * step if vertical else rng.randint(0, 56))
            y = cy0 + 18 + (rng.randint(0, 36) if vertical else k * step)
            parts.append(_make_passive(f"{prefix}{counters[prefix]}", x, y, vertical))
    return parts


def _trace_ops(rng: random.Random, parts: list[_Part]) -> list[Op]:
    """Copper stubs from pads out to vias, with a 45° dog-leg, plus a few long runs."""
    ops: list[Op] = []
    for part in parts:
        for pad in part.pads:
            if rng.random() > 0.45:
                continue
            cx, cy = (pad[0] + pad[2]) // 2, (pad[1] + pad[3]) // 2
            bx, by = (part.body[0] + part.body[2]) // 2, (part.body[1] + part.body[3]) // 2
            # Leave the pad away from the body centre, along the pin axis.
            if part.vertical == (part.kind == "ic"):
                dx, dy = (1 if cx >= bx else -1), 0
            else:
                dx, dy = 0, (1 if cy >= by else -1)
            a = rng.randint(8, 22)
            d = rng.randint(4, 14) * rng.choice((-1, 1))
            b = rng.randint(4, 18)
            p1 = (cx + dx * a, cy + dy * a)
            p2 = (p1[0] + dx * abs(d) + dy * d, p1[1] + dy * abs(d) + dx * d)
            p3 = (p2[0] + dx * b, p2[1] + dy * b)
            pts = [(cx, cy), p1, p2, p3]
            if not all(6 <= px < WIDTH - 6 and 6 <= py < HEIGHT - 6 for px, py in pts):
                continue
            ops.append(Op("line", tuple(v for p in pts for v in p), COPPER, width=3))
            ops.extend(_via(*p3))
    for _ in range(rng.randint(3, 6)):
        x, y = rng.randint(40, WIDTH - 40), rng.randint(40, HEIGHT - 40)
        pts = [(x, y)]
        for _seg in range(rng.randint(2, 4)):
            dx, dy = rng.choice(((1, 0), (0, 1), (1, 1), (1, -1), (-1, 0), (0, -1)))
            n = rng.randint(20, 120)
            x = min(max(x + dx * n, 20), WIDTH - 20)
            y = min(max(y + dy * n, 20), HEIGHT - 20)
            pts.append((x, y))
        ops.append(
            Op("line", tuple(v for p in pts for v in p), COPPER, width=rng.choice((2, 3, 4)))
        )
        ops.extend(_via(*pts[0]) + _via(*pts[-1]))
    return ops


def _via(x: int, y: int) -> list[Op]:
    return [
        Op("ellipse", (x - 4, y - 4, x + 4, y + 4), PAD),
        Op("ellipse", (x - 2, y - 2, x + 2, y + 2), HOLE),
    ]


def _footprint_ops(part: _Part) -> list[Op]:
    ops = [Op("rect", pad, PAD) for pad in part.pads]
    ops.append(Op("outline", part.outline, SILK))
    return ops


def _body_ops(part: _Part) -> list[Op]:
    colour = {"ic": IC_BODY, "res": RESISTOR, "cap": CAPACITOR}[part.kind]
    ops = [Op("rect", part.body, colour)]
    if part.kind == "ic":
        x0, y0, _x1, y1 = part.body
        ops.append(Op("ellipse", (x0 + 3, y1 - 8, x0 + 7, y1 - 4), IC_TEXT))
        ops.append(
            Op(
                "ellipse",
                (
                    part.outline[0] - 6,
                    part.outline[3] - 3,
                    part.outline[0] - 2,
                    part.outline[3] + 1,
                ),
                SILK,
            )
        )
        if part.body_text:
            ops.append(Op("text", (x0 + 10, (y0 + y1) // 2 - 6), IC_TEXT, text=part.body_text))
    return ops


def _label_op(part: _Part) -> Op:
    x0, y0 = part.outline[0], part.outline[1]
    return Op("text", (x0, max(0, y0 - 13)), SILK, text=part.name)


def _bridge_ops(rng: random.Random, part: _Part) -> list[Op]:
    """A silver blob joining two neighbouring pins of one IC row."""
    row = rng.choice(part.rows)
    k = rng.randrange(len(row) - 1)
    a, b = row[k], row[k + 1]
    if part.vertical:  # pins are horizontal bars stacked vertically
        x0, x1 = a[0], a[2]
        ext = (x0, a[1] + rng.randint(0, 2), x1, b[3] - rng.randint(0, 2))
        cx = (x0 + x1) // 2 + (3 if a[0] > part.body[0] else -3)
        main = (cx - 3 - rng.randint(0, 1), ext[1], cx + 3 + rng.randint(0, 1), ext[3])
    else:
        y0, y1 = a[1], a[3]
        cy = (y0 + y1) // 2 + (3 if a[1] > part.body[1] else -3)
        main = (
            a[0] + rng.randint(0, 2),
            cy - 3 - rng.randint(0, 1),
            b[2] - rng.randint(0, 2),
            cy + 3 + rng.randint(0, 1),
        )
    mx, my = (main[0] + main[2]) // 2, (main[1] + main[3]) // 2
    lump = (
        mx - 3 + rng.randint(-1, 1),
        my - 3,
        mx + 3 + rng.randint(-1, 1),
        my + 3 + rng.randint(0, 1),
    )
    return [
        Op("ellipse", main, SOLDER),
        Op("ellipse", lump, SOLDER),
        Op("ellipse", (mx - 2, my - 2, mx, my - 1), SOLDER_SHINE),
    ]


def _scratch_ops(rng: random.Random, variant: str) -> list[Op]:
    """A thin bright polyline: the solder mask scraped off the board."""
    if variant == "tiny":
        length, width = rng.randint(10, 16), 1
    else:
        length, width = rng.randint(50, 180), rng.choice((1, 1, 2))
    if variant == "border":
        edge = rng.choice("LRT")
        x = {"L": 0, "R": WIDTH - 1}.get(edge, rng.randint(120, WIDTH - 120))
        y = 0 if edge == "T" else rng.randint(80, HEIGHT - 80)
        dx, dy = {"L": (1.0, 0.35), "R": (-1.0, -0.3), "T": (0.3, 1.0)}[edge]
    else:
        x, y = rng.randint(40, WIDTH - 40), rng.randint(40, HEIGHT - 40)
        dx, dy = rng.uniform(-1, 1), rng.uniform(-1, 1)
    norm = max((dx * dx + dy * dy) ** 0.5, 0.1)
    dx, dy = dx / norm, dy / norm
    pts = [(x, y)]
    fx, fy = float(x), float(y)
    for _ in range(3):
        seg = length / 3
        fx += dx * seg + rng.uniform(-1.5, 1.5)
        fy += dy * seg + rng.uniform(-1.5, 1.5)
        pts.append((min(max(round(fx), 0), WIDTH - 1), min(max(round(fy), 0), HEIGHT - 1)))
    return [Op("line", tuple(v for p in pts for v in p), SCRATCH_COLOUR, width=width)]


def _ops_extent(ops: list[Op]) -> Rect:
    """Generous extent of some ops, used only to keep defects apart."""
    xs = [v for op in ops for v in op.xy[0::2]]
    ys = [v for op in ops for v in op.xy[1::2]]
    pad = max(op.width for op in ops) + 1
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


def plan_board(seed: int, index: int) -> BoardPlan:
    """Make every random choice for board `index` (0-based); nothing is drawn yet."""
    rng = random.Random(f"labelmate-demo:pcb:{seed}:{index}")
    kinds = _PLANS[index % len(_PLANS)]
    parts = _place_parts(rng, border_passive="missing-border" in kinds)
    traces = _trace_ops(rng, parts)
    passives = [p for p in parts if p.kind != "ic"]
    ics = [p for p in parts if p.kind == "ic"]

    labels: list[str] = []
    taken: list[Rect] = []
    missing: dict[int, int] = {}  # id(part) -> defect index
    surface: list[Group] = []
    for kind in kinds:
        for _attempt in range(200):
            if kind.startswith("missing"):
                part = passives[0] if kind == "missing-border" else rng.choice(passives)
                if id(part) in missing:
                    continue
                extent = part.outline
                ops: list[Op] = []
            elif kind == "bridge":
                part = rng.choice(ics)
                ops = _bridge_ops(rng, part)
                extent = _ops_extent(ops)
            else:
                ops = _scratch_ops(rng, kind.partition("-")[2])
                extent = _ops_extent(ops)
            if any(_overlaps(extent, t, margin=8) for t in taken):
                continue
            taken.append(extent)
            if kind.startswith("missing"):
                missing[id(part)] = len(labels)
                labels.append(MISSING_COMPONENT)
            else:
                surface.append(Group(tuple(ops), defect=len(labels)))
                labels.append(SOLDER_BRIDGE if kind == "bridge" else SCRATCH)
            break
        else:  # pragma: no cover - the layout always has room; fail loudly if not
            raise RuntimeError(f"could not place {kind} on board {index}")

    holes = []
    for hx, hy in ((16, 16), (WIDTH - 17, 16), (16, HEIGHT - 17), (WIDTH - 17, HEIGHT - 17)):
        holes += [Op("ellipse", (hx - 10, hy - 10, hx + 10, hy + 10), PAD)]
        holes += [Op("ellipse", (hx - 6, hy - 6, hx + 6, hy + 6), HOLE)]

    groups = [Group(tuple(traces)), Group(tuple(holes))]
    for part in parts:
        groups.append(Group(tuple(_footprint_ops(part)), defect=missing.get(id(part))))
    groups.append(Group(tuple(op for p in parts if id(p) not in missing for op in _body_ops(p))))
    groups.append(Group(tuple(_label_op(p) for p in parts)))
    groups.extend(surface)
    return BoardPlan(
        external_id=f"pcb-{index + 1:03d}",
        texture_seed=rng.randrange(2**32),
        groups=tuple(groups),
        labels=tuple(labels),
    )


@cache
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=10)


def _draw(draw: ImageDraw.ImageDraw, op: Op, fill: int | tuple[int, int, int]) -> None:
    if op.kind == "rect":
        draw.rectangle(op.xy, fill=fill)
    elif op.kind == "outline":
        draw.rectangle(op.xy, outline=fill, width=op.width)
    elif op.kind == "ellipse":
        draw.ellipse(op.xy, fill=fill)
    elif op.kind == "line":
        draw.line(op.xy, fill=fill, width=op.width, joint="curve" if op.width > 2 else None)
    elif op.kind == "text":
        draw.text(op.xy[:2], op.text, fill=fill, font=_font())
    else:  # pragma: no cover - plans are built in this module
        raise ValueError(f"unknown op kind {op.kind!r}")


def _texture(plan: BoardPlan) -> Image.Image:
    """Board green with a faint fibreglass mottle; seeded, so renders repeat exactly."""
    w, h = plan.size
    rng = random.Random(plan.texture_seed)
    noise = Image.frombytes("L", (w // 4, h // 4), rng.randbytes((w // 4) * (h // 4)))
    noise = noise.resize((w, h), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(1))
    dark = Image.new("RGB", (w, h), tuple(c - 8 for c in BOARD))
    light = Image.new("RGB", (w, h), tuple(c + 8 for c in BOARD))
    return Image.composite(light, dark, noise)


def render_board(
    plan: BoardPlan, omit: int | None = None
) -> tuple[Image.Image, list[tuple[int, int, int, int] | None]]:
    """Draw the plan; return the image and, per defect, its visible-pixel box.

    Boxes are (x0, y0, x1, y1) with x1/y1 exclusive; an omitted defect gets None.
    """
    img = _texture(plan)
    draw = ImageDraw.Draw(img)
    masks = [Image.new("L", plan.size, 0) for _ in plan.labels]
    mask_draws = [ImageDraw.Draw(m) for m in masks]
    drawn: list[int] = []
    for group in plan.groups:
        if group.defect is not None and group.defect == omit:
            continue
        for op in group.ops:
            _draw(draw, op, op.fill)
            for i in drawn:  # whatever is painted later hides that part of a defect
                if i != group.defect:
                    _draw(mask_draws[i], op, 0)
            if group.defect is not None:
                _draw(mask_draws[group.defect], op, 255)
        if group.defect is not None and group.defect not in drawn:
            drawn.append(group.defect)
    boxes = [None if i == omit else masks[i].getbbox() for i in range(len(masks))]
    return img, boxes


def write_boards(dest: Path, seed: int, count: int = BOARD_COUNT) -> list[BoardImage]:
    """Render `count` boards as PNGs under dest/pcb and return their exact defect boxes."""
    folder = dest / "pcb"
    folder.mkdir(parents=True, exist_ok=True)
    boards: list[BoardImage] = []
    for index in range(count):
        plan = plan_board(seed, index)
        img, boxes = render_board(plan)
        rel = f"pcb/{plan.external_id}.png"
        img.save(dest / rel, format="PNG", compress_level=1)
        defects = []
        for label, box in zip(plan.labels, boxes, strict=True):
            if box is None:  # pragma: no cover - a defect fully hidden would be a bug
                raise RuntimeError(f"{plan.external_id}: a {label} is not visible")
            defects.append((label, box))
        boards.append(BoardImage(plan.external_id, rel, WIDTH, HEIGHT, tuple(defects)))
    return boards
