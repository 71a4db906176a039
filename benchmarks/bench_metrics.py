"""Benchmark: measure() on 2,000 dense polygons (200 vertices each) against gold.

Run: .venv/bin/python benchmarks/bench_metrics.py [--polygons N] [--vertices V] [--repeat R]
The last line is a JSON summary for CI dashboards; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time

from labelmate.core.metrics import measure
from labelmate.core.regions import Polygon


def blob(rng: random.Random, cx: float, cy: float, radius: float, n: int, pid: str) -> Polygon:
    """A wobbly closed outline: a circle with a few low-frequency bumps."""
    phase = rng.uniform(0, math.tau)
    amp = radius * 0.15
    points = []
    for k in range(n):
        t = math.tau * k / n
        r = radius + amp * math.sin(3 * t + phase)
        points.append((cx + r * math.cos(t), cy + r * math.sin(t)))
    return Polygon(id=pid, control="poly", target="image", labels=("Part",), points=tuple(points))


def build(count: int, vertices: int, seed: int = 7) -> tuple[list[Polygon], list[Polygon]]:
    rng = random.Random(seed)
    side = math.ceil(math.sqrt(count))
    gold, mine = [], []
    for i in range(count):
        cx, cy = 60 + (i % side) * 80, 60 + (i // side) * 80
        radius = rng.uniform(15, 30)
        g = blob(rng, cx, cy, radius, vertices, f"g{i}")
        dx, dy = rng.uniform(-2, 2), rng.uniform(-2, 2)
        m = Polygon(
            id=f"p{i}",
            control="poly",
            target="image",
            labels=("Part",),
            points=tuple((x + dx + rng.uniform(-0.5, 0.5), y + dy) for x, y in g.points),
        )
        gold.append(g)
        mine.append(m)
    return mine, gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--polygons", type=int, default=2000)
    ap.add_argument("--vertices", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    mine, gold = build(args.polygons, args.vertices)
    times = []
    result = {}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = measure(mine, gold)
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(f"polygons: {args.polygons} × {args.vertices} vertices, repeats: {args.repeat}")
    print(f"best {best:.3f} s, median {statistics.median(times):.3f} s")
    for name in ("polygon.max_deviation_px", "polygon.iou", "objects.recall", "polygon.valid"):
        if name in result:
            print(f"  {name} = {result[name].value!r}  ({result[name].detail})")
    summary = {
        "area": "metrics",
        "polygons": args.polygons,
        "vertices": args.vertices,
        "seconds": round(best, 4),
        "per_polygon_ms": round(best / args.polygons * 1000, 4),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
