"""Box snugness estimated from image edges, on synthetic images built as bytes."""

from __future__ import annotations

import math

import pytest

from labelmate.core.metrics import GrayImage, estimate_box_snugness, measure
from labelmate.core.regions import Box

W, H = 120, 100
OBJECT = (30, 25, 90, 70)  # x0, y0, x1, y1 (exclusive): a dark part on a light board


def image(dark=30, light=220, obj=OBJECT, rotation=0.0) -> GrayImage:
    x0, y0, x1, y1 = obj
    px = bytearray([light] * (W * H))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    t = math.radians(-rotation)
    for y in range(H):
        for x in range(W):
            # Rotate pixel centres back into the object's frame.
            dx, dy = x + 0.5 - cx, y + 0.5 - cy
            rx = cx + dx * math.cos(t) - dy * math.sin(t)
            ry = cy + dx * math.sin(t) + dy * math.cos(t)
            if x0 <= rx < x1 and y0 <= ry < y1:
                px[y * W + x] = dark
    return GrayImage(W, H, bytes(px))


def box(x, y, w, h, rotation=0.0):
    return Box(id="r1", control="label", target="image", labels=("Scratch",), x=x, y=y,
               width=w, height=h, rotation=rotation)  # fmt: skip


def test_box_three_px_too_big_estimates_three_px_outside():
    x0, y0, x1, y1 = OBJECT
    m = estimate_box_snugness(box(x0 - 3, y0 - 3, x1 - x0 + 6, y1 - y0 + 6), image())
    assert m["box.max_outside_px"].value == pytest.approx(3, abs=0.5)
    assert m["box.max_outside_px"].source == "estimate"
    assert "estimated from image edges" in m["box.max_outside_px"].detail
    assert m["box.max_inside_px"].value == pytest.approx(0, abs=0.5)


def test_snug_box_estimates_zero():
    x0, y0, x1, y1 = OBJECT
    m = estimate_box_snugness(box(x0, y0, x1 - x0, y1 - y0), image())
    assert m["box.max_outside_px"].value == pytest.approx(0, abs=0.5)
    assert m["box.max_inside_px"].value == pytest.approx(0, abs=0.5)


def test_box_cutting_into_the_object_names_the_edge():
    x0, y0, x1, y1 = OBJECT
    m = estimate_box_snugness(box(x0, y0, x1 - x0 - 4, y1 - y0), image(dark=200, light=40))
    assert m["box.max_inside_px"].value == pytest.approx(4, abs=0.5)
    assert "right edge" in m["box.max_inside_px"].detail


def test_rotated_box_around_rotated_object():
    x0, y0, x1, y1 = OBJECT
    w, h = x1 - x0 + 4, y1 - y0 + 4  # 2 px too big on every side
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, 20.0
    t = math.radians(r)
    # Pivot so that the rotated box is centred on the object.
    px = cx - (w / 2 * math.cos(t) - h / 2 * math.sin(t))
    py = cy - (w / 2 * math.sin(t) + h / 2 * math.cos(t))
    m = estimate_box_snugness(box(px, py, w, h, rotation=r), image(rotation=r))
    assert m["box.max_outside_px"].value == pytest.approx(2, abs=1.0)
    assert m["box.max_inside_px"].value <= 1.0


def test_flat_image_gives_no_estimate():
    flat = GrayImage(W, H, bytes([128] * (W * H)))
    assert estimate_box_snugness(box(10, 10, 40, 40), flat) == {}


def test_measure_uses_the_image_only_without_gold():
    x0, y0, x1, y1 = OBJECT
    b = box(x0 - 3, y0, x1 - x0 + 3, y1 - y0)
    m = measure([b], None, image=image())
    assert m["box.max_outside_px"].source == "estimate"
    assert m["box.max_outside_px"].value == pytest.approx(3, abs=0.5)
    gold = [box(x0, y0, x1 - x0, y1 - y0)]
    assert measure([b], gold, image=image())["box.max_outside_px"].source == "gold"


def test_gray_image_checks_its_size():
    with pytest.raises(ValueError, match="expected 6 bytes"):
        GrayImage(3, 2, b"\x00" * 5)
