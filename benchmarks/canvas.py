"""Canvas speed, offscreen: repaint with many polygons, opening a 64 MP JPEG, start-up.

Targets (2-core machine): a full repaint of a view holding 2,000 polygons of 40
vertices under 30 ms; a 64-megapixel JPEG from open to first paint under 1,000 ms;
process start to main window shown under 600 ms.

Run: .venv/bin/python benchmarks/canvas.py [--polygons 2000] [--vertices 40] [--repeat 20]
The last line printed is a JSON summary. Each figure is the median of its runs
(start-up: best of 3 fresh processes, since a cold disk cache is not the app's cost).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

VIEW_SIZE = (1400, 900)


def make_polygons(count: int, vertices: int, width: int, height: int):
    from labelmate.core.regions import Polygon

    rng = random.Random(5)
    out = []
    for i in range(count):
        cx, cy = rng.uniform(40, width - 40), rng.uniform(40, height - 40)
        radius = rng.uniform(10, 40)
        points = tuple(
            (
                cx + radius * (1 + 0.2 * math.sin(5 * k)) * math.cos(math.tau * k / vertices),
                cy + radius * (1 + 0.2 * math.sin(5 * k)) * math.sin(math.tau * k / vertices),
            )
            for k in range(vertices)
        )
        out.append(
            Polygon(id=f"p{i}", control="outline", target="image", labels=("Leaf",), points=points)
        )
    return out


def bench_repaint(app, polygons: int, vertices: int, repeat: int) -> dict[str, float]:
    from PySide6.QtGui import QColor, QImage

    from labelmate.gui.canvas.view import CanvasView

    width, height = 4000, 3000
    image = QImage(2000, 1500, QImage.Format.Format_RGB32)
    image.fill(QColor(120, 110, 90))
    view = CanvasView()
    view.resize(*VIEW_SIZE)
    view.show()
    view.set_image(image, width, height)
    regions = make_polygons(polygons, vertices, width, height)
    start = time.perf_counter()
    view.set_regions(regions)
    set_ms = (time.perf_counter() - start) * 1000
    view.fit()
    app.processEvents()
    view.select([regions[0].id])  # handles of one region, as in real use
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    # Zoomed in on a corner: the scene index must keep culled items cheap.
    view.zoom_by(4.0)
    zoomed = []
    for _ in range(repeat):
        start = time.perf_counter()
        view.viewport().repaint()
        zoomed.append((time.perf_counter() - start) * 1000)
    view.close()
    return {
        "repaint_ms": statistics.median(times),
        "repaint_zoomed_ms": statistics.median(zoomed),
        "set_regions_ms": set_ms,
    }


def make_jpeg(path: Path, side: int = 8000) -> None:
    from PIL import Image, ImageDraw

    rng = random.Random(9)
    image = Image.new("RGB", (side, side), (90, 120, 80))
    draw = ImageDraw.Draw(image)
    for _ in range(4000):  # texture so the JPEG is realistic in size, not a flat fill
        x, y = rng.randrange(side), rng.randrange(side)
        r = rng.randrange(10, 200)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    image.save(path, quality=90)


def bench_open(app, jpeg: Path, repeat: int) -> dict[str, float]:
    from labelmate.gui.canvas import image_source
    from labelmate.gui.canvas.view import CanvasView

    view = CanvasView()
    view.resize(*VIEW_SIZE)
    view.show()
    app.processEvents()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        info = image_source.read_info(jpeg)
        preview, _scale = image_source.load_scaled(jpeg, 2048)
        view.set_image(preview, info.size.width(), info.size.height())
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    view.close()
    return {
        "open_ms": statistics.median(times),
        "megapixels": info.size.width() * info.size.height() / 1e6,
    }


# The real entry point (`labelmate --workspace WS open`), with QMainWindow.show wrapped
# to print the time once the window is shown and quit. (Qt is imported first here, as
# the app would import it anyway; nothing of Labelmate is imported before main().)
STARTUP_CHILD = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
shown = QMainWindow.show
def show(self):
    shown(self)
    QApplication.processEvents()
    print(time.time(), flush=True)
    QTimer.singleShot(0, QApplication.quit)
QMainWindow.show = show
from labelmate.cli import main
sys.exit(main(["--workspace", sys.argv[1], "open"]))
"""


def bench_startup(workspace: Path, runs: int = 3) -> float:
    best = math.inf
    for _ in range(runs):
        start = time.time()
        out = subprocess.run(
            [sys.executable, "-c", STARTUP_CHILD, str(workspace)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        shown = float(out.stdout.strip().splitlines()[-1])
        best = min(best, (shown - start) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--polygons", type=int, default=2000)
    parser.add_argument("--vertices", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from labelmate.usecases.demo import install_demo

    app = QApplication.instance() or QApplication(sys.argv[:1])
    repaint = bench_repaint(app, args.polygons, args.vertices, args.repeat)
    print(
        f"repaint: {args.polygons} polygons × {args.vertices} vertices: "
        f"{repaint['repaint_ms']:.1f} ms fitted, {repaint['repaint_zoomed_ms']:.1f} ms zoomed "
        f"(target < 30 ms); set_regions {repaint['set_regions_ms']:.0f} ms"
    )
    with tempfile.TemporaryDirectory(prefix="labelmate-canvas-") as tmp:
        jpeg = Path(tmp) / "big.jpg"
        make_jpeg(jpeg)
        opened = bench_open(app, jpeg, max(3, args.repeat // 4))
        print(
            f"open: {opened['megapixels']:.0f} MP JPEG to first paint in "
            f"{opened['open_ms']:.0f} ms (target < 1000 ms)"
        )
        workspace = Path(tmp) / "ws.labelmate"
        install_demo(workspace)
        startup = bench_startup(workspace)
        print(f"startup: process start to main window shown in {startup:.0f} ms (target < 600 ms)")
    summary = {
        "area": "canvas",
        "repaint_2000x40_ms": round(repaint["repaint_ms"], 2),
        "repaint_zoomed_ms": round(repaint["repaint_zoomed_ms"], 2),
        "set_regions_ms": round(repaint["set_regions_ms"], 1),
        "open_64mp_ms": round(opened["open_ms"], 1),
        "startup_ms": round(startup, 1),
        "polygons": args.polygons,
        "vertices": args.vertices,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
