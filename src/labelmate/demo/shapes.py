"""Synthetic leaves on textured ground, for polygon-precision practice.

Each leaf is a polygon computed in local coordinates (base at the origin, tip on
+x), rotated, moved and rounded to whole pixels; those rounded vertices are both
what Pillow fills and the gold polygon, so gold is exact by construction. A leaf
that crosses the image border is clipped to it first (a hard case: the outline
must follow the frame edge). Stems are thin quadrilaterals with their own label —
the other hard case, since 3–4 px wide shapes punish sloppy clicks.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 512, 384
LEAF, STEM = "Leaf", "Stem"
TIP, BASE = "Tip", "Base"

Point = tuple[int, int]

# Per image: ground and the leaves (style, length range); each entry is a hard-case mix.
_SCENES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("soil", ("plain", "plain")),
    ("soil", ("serrated", "small", "plain")),
    ("sand", ("pale", "plain")),  # low contrast: yellowed leaf on sand
    ("soil", ("lobed", "plain")),
    ("gravel", ("clipped", "small")),  # a leaf running out of frame
    ("sand", ("plain", "serrated", "small")),
    ("gravel", ("lobed", "pale")),
    ("soil", ("clipped", "plain", "small")),
)
SCENE_COUNT = len(_SCENES)

_HARD_NOTES = {
    "pale": "The yellowed leaf is low-contrast against the ground.",
    "clipped": "A leaf runs out of the frame: follow the image edge there.",
    "serrated": "The serrated edge has many small teeth: follow them, don't cut across.",
    "small": "One leaf is small; zoom in before placing points.",
}


def scene_notes() -> dict[str, str]:
    """Hints on the hard scenes, keyed by external id, for after self-scoring."""
    notes = {}
    for index, (_ground, styles) in enumerate(_SCENES):
        hints = [_HARD_NOTES[s] for s in styles if s in _HARD_NOTES]
        if hints:
            notes[f"leaf-{index + 1:03d}"] = " ".join(dict.fromkeys(hints))
    return notes


_GROUNDS = {
    "soil": ((96, 70, 48), (132, 100, 70)),
    "sand": ((188, 168, 124), (214, 196, 150)),
    "gravel": ((110, 110, 104), (150, 148, 140)),
}
_GREENS = ((58, 128, 48), (84, 150, 58), (40, 104, 44), (110, 150, 50))
_PALE = (196, 178, 96)
_STEM_COLOUR = (92, 110, 40)


@dataclass(frozen=True)
class Shape:
    label: str
    points: tuple[Point, ...]
    fill: tuple[int, int, int]
    veins: tuple[tuple[int, int, int, int], ...] = ()  # lines drawn inside the leaf
    # Named vertices of the outline ("Tip", "Base"), for the keypoint practice set.
    landmarks: tuple[tuple[str, Point], ...] = ()


@dataclass(frozen=True)
class ScenePlan:
    external_id: str
    ground: str
    texture_seed: int
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class SceneImage:
    """A written scene: its path and its gold polygons as (label, vertices)."""

    external_id: str
    rel_path: str
    width: int
    height: int
    polygons: tuple[tuple[str, tuple[Point, ...]], ...]
    keypoints: tuple[tuple[str, Point], ...] = ()


def _leaf_outline(rng: random.Random, style: str, length: float) -> list[tuple[float, float]]:
    """Leaf outline in local coordinates: base at (0, 0), tip at (length, 0)."""
    if style == "lobed":  # a rounded, oak-ish blob centred on the axis
        r = length / 2
        k, phase = rng.choice((5, 6, 7)), rng.uniform(0, math.tau)
        pts = []
        for i in range(40):
            t = math.tau * i / 40
            rr = r * (0.82 + 0.14 * math.sin(k * t + phase) + 0.04 * math.sin(3 * t))
            pts.append((r + rr * math.cos(t), 0.75 * rr * math.sin(t)))
        return pts
    width = length * rng.uniform(0.18, 0.28)
    skew = rng.uniform(0.25, 0.45)  # where the leaf is widest, as a fraction of its length
    n = 18 if style == "serrated" else 11
    upper, lower = [], []
    for i in range(1, n):
        t = i / n
        # Widest near `skew`, pointed at the tip, rounded at the base.
        w = width * math.sin(math.pi * t ** (math.log(0.5) / math.log(skew))) ** 0.9
        if style == "serrated":
            w *= 1.0 if i % 2 else 0.86
        upper.append((t * length, -w * rng.uniform(0.97, 1.03)))
        lower.append((t * length, w * rng.uniform(0.97, 1.03)))
    return [(0.0, 0.0), *upper, (length, 0.0), *reversed(lower)]


def _clip(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland–Hodgman clip to the pixel-centre frame [0, W-1] × [0, H-1]."""
    edges = (
        (lambda p: p[0] >= 0, lambda a, b: _cut_x(a, b, 0)),
        (lambda p: p[0] <= WIDTH - 1, lambda a, b: _cut_x(a, b, WIDTH - 1)),
        (lambda p: p[1] >= 0, lambda a, b: _cut_y(a, b, 0)),
        (lambda p: p[1] <= HEIGHT - 1, lambda a, b: _cut_y(a, b, HEIGHT - 1)),
    )
    out = points
    for inside, cut in edges:
        src, out = out, []
        for i, cur in enumerate(src):
            prev = src[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
    return out


def _cut_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cut_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def _place(pts: list[tuple[float, float]], angle: float, ox: float, oy: float) -> list[Point]:
    c, s = math.cos(angle), math.sin(angle)
    placed = [(round(ox + x * c - y * s), round(oy + x * s + y * c)) for x, y in pts]
    return _dedupe(placed)


def _dedupe(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def plan_scene(seed: int, index: int) -> ScenePlan:
    """Make every random choice for scene `index` (0-based); nothing is drawn yet."""
    rng = random.Random(f"labelmate-demo:leaves:{seed}:{index}")
    ground, styles = _SCENES[index % len(_SCENES)]
    shapes: list[Shape] = []
    discs: list[tuple[float, float, float]] = []  # keep leaves apart: centre and radius
    for style in styles:
        length = rng.uniform(34, 48) if style == "small" else rng.uniform(100, 150)
        outline = _leaf_outline(rng, style, length)
        for _attempt in range(500):
            angle = rng.uniform(0, math.tau)
            if style == "clipped":  # the leaf's middle sits on a random edge
                ox, oy = rng.choice(
                    ((-length * 0.4, rng.uniform(80, 300)), (rng.uniform(120, 380), HEIGHT + 10))
                )
                angle = 0.0 if ox < 0 else -math.pi / 2 + rng.uniform(-0.4, 0.4)
            else:
                ox, oy = rng.uniform(40, WIDTH - 40), rng.uniform(40, HEIGHT - 40)
            cx = ox + math.cos(angle) * length / 2
            cy = oy + math.sin(angle) * length / 2
            radius = length / 2 + 10
            if style != "clipped" and not (
                radius - 20 < cx < WIDTH - radius + 20 and radius - 20 < cy < HEIGHT - radius + 20
            ):
                continue
            if any(math.dist((cx, cy), (dx, dy)) < radius + dr for dx, dy, dr in discs):
                continue
            discs.append((cx, cy, radius))
            break
        else:  # pragma: no cover - eight sparse scenes always fit
            raise RuntimeError(f"could not place a {style} leaf in scene {index}")
        c, s = math.cos(angle), math.sin(angle)
        colour = _PALE if style == "pale" else rng.choice(_GREENS)
        clipped = _clip([(ox + x * c - y * s, oy + x * s + y * c) for x, y in outline])
        leaf = [(round(x), round(y)) for x, y in clipped]
        veins = []
        if style != "lobed":
            a, b = (0.1 * length, 0.0), (0.82 * length, 0.0)
            veins.append(tuple(round(v) for v in _pt(a, angle, ox, oy) + _pt(b, angle, ox, oy)))
        landmarks = []
        if style != "lobed":  # the blade's base and tip are outline vertices (0,0), (L,0)
            for name, local in ((TIP, (length, 0.0)), (BASE, (0.0, 0.0))):
                x, y = (round(v) for v in _pt(local, angle, ox, oy))
                if 0 <= x < WIDTH and 0 <= y < HEIGHT:
                    landmarks.append((name, (x, y)))
        shapes.append(
            Shape(LEAF, tuple(_dedupe(leaf)), colour, tuple(veins), tuple(landmarks))  # type: ignore[arg-type]
        )
        if style in ("plain", "serrated", "pale") and rng.random() < 0.8:
            stem_len = rng.uniform(14, 26)
            stem = [(1.0, -2.0), (-stem_len, -1.2), (-stem_len, 1.2), (1.0, 2.0)]
            shapes.append(Shape(STEM, tuple(_place(stem, angle, ox, oy)), _STEM_COLOUR))
    return ScenePlan(f"leaf-{index + 1:03d}", ground, rng.randrange(2**32), tuple(shapes))


def _pt(p: tuple[float, float], angle: float, ox: float, oy: float) -> tuple[float, float]:
    c, s = math.cos(angle), math.sin(angle)
    return (ox + p[0] * c - p[1] * s, oy + p[0] * s + p[1] * c)


def _ground(plan: ScenePlan) -> Image.Image:
    """Mottled ground plus pebbles/grains, from the plan's own seed."""
    rng = random.Random(plan.texture_seed)
    dark, light = _GROUNDS[plan.ground]
    noise = Image.frombytes(
        "L", (WIDTH // 8, HEIGHT // 8), rng.randbytes((WIDTH // 8) * (HEIGHT // 8))
    )
    noise = noise.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC).filter(
        ImageFilter.GaussianBlur(2)
    )
    img = Image.composite(
        Image.new("RGB", (WIDTH, HEIGHT), light), Image.new("RGB", (WIDTH, HEIGHT), dark), noise
    )
    draw = ImageDraw.Draw(img)
    for _ in range(260 if plan.ground == "gravel" else 140):
        x, y, r = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.choice((1, 1, 2, 3))
        tone = rng.choice((dark, light))
        delta = rng.randint(-18, 18)  # same shift on every channel: no green-ish grains
        shade = tuple(min(255, max(0, v + delta)) for v in tone)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)  # type: ignore[arg-type]
    return img


def render_scene(plan: ScenePlan, omit: int | None = None) -> Image.Image:
    """Draw the plan; `omit` leaves one shape out (tests diff the two renders)."""
    img = _ground(plan)
    draw = ImageDraw.Draw(img)
    # Stems first so the leaf blade covers the joint, as it does in nature.
    order = sorted(range(len(plan.shapes)), key=lambda i: plan.shapes[i].label != STEM)
    for i in order:
        if i == omit:
            continue
        shape = plan.shapes[i]
        draw.polygon(shape.points, fill=shape.fill)
        for vein in shape.veins:
            draw.line(vein, fill=tuple(max(0, v - 30) for v in shape.fill), width=1)
    return img


def write_scenes(dest: Path, seed: int, count: int = SCENE_COUNT) -> list[SceneImage]:
    """Render `count` scenes as PNGs under dest/leaves and return their gold polygons."""
    folder = dest / "leaves"
    folder.mkdir(parents=True, exist_ok=True)
    scenes: list[SceneImage] = []
    for index in range(count):
        plan = plan_scene(seed, index)
        rel = f"leaves/{plan.external_id}.png"
        render_scene(plan).save(dest / rel, format="PNG", compress_level=1)
        polygons = tuple((s.label, s.points) for s in plan.shapes)
        keypoints = tuple(k for s in plan.shapes for k in s.landmarks)
        scenes.append(SceneImage(plan.external_id, rel, WIDTH, HEIGHT, polygons, keypoints))
    return scenes
