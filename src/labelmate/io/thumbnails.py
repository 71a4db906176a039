"""Annotated thumbnails drawn with Pillow from stored geometry (no Qt).

Boxes, polygons and keypoints are drawn in the label's configured colour (the
`<Label background=…>` of the labeling config), falling back to a fixed palette —
the same one the canvas uses — so a portfolio shows labels as the app does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw

from labelmate.core.labeling_interface import palette_colour_for, palette_colours
from labelmate.core.regions import Box, Keypoint, Polygon, RegionBase

PLACEHOLDER_SIZE = (320, 200)


def label_colour(
    colours: Mapping[str, Mapping[str, str | None]], control: str, label: str | None
) -> str:
    """The configured colour of `label` under `control`, else a stable palette colour."""
    configured = colours.get(control, {}).get(label) if label is not None else None
    if configured:
        try:
            ImageColor.getrgb(configured)
            return configured
        except ValueError:
            pass
    fallback = palette_colours(colours).get((control, label or ""))
    return fallback or palette_colour_for(label or control)


def render_thumbnail(
    image_path: Path | None,
    regions: Sequence[RegionBase],
    colours: Mapping[str, Mapping[str, str | None]],
    *,
    max_size: tuple[int, int] = (480, 360),
    size_hint: tuple[int, int] | None = None,
) -> Image.Image:
    """The image scaled to fit `max_size` with the regions drawn on it.

    A missing or unreadable image gives a neutral placeholder of `size_hint` (the
    task's stored image size) so the geometry still shows.
    """
    base: Image.Image
    try:
        if image_path is None:
            raise FileNotFoundError
        with Image.open(image_path) as img:
            scale_from = img.size  # geometry is in the full image's pixels
            img.draft("RGB", max_size)  # cheap downscale for JPEGs
            base = img.convert("RGB")
    except (OSError, ValueError):
        w, h = size_hint or PLACEHOLDER_SIZE
        base = Image.new("RGB", (max(1, w), max(1, h)), "#eceff1")
        scale_from = base.size
    full_w, full_h = scale_from
    base.thumbnail(max_size, Image.Resampling.LANCZOS)
    sx = base.width / max(1, full_w)
    sy = base.height / max(1, full_h)
    draw = ImageDraw.Draw(base, "RGBA")
    width = max(2, round(min(base.size) / 120))
    for region in regions:
        label = region.labels[0] if region.labels else None
        colour = ImageColor.getrgb(label_colour(colours, region.control, label))[:3]
        fill = (*colour, 48)
        if isinstance(region, Box):
            pts = [(x * sx, y * sy) for x, y in region.corners()]
            draw.polygon(pts, fill=fill)
            draw.line([*pts, pts[0]], fill=colour, width=width)
        elif isinstance(region, Polygon):
            pts = [(x * sx, y * sy) for x, y in region.points]
            if region.closed and len(pts) >= 3:
                draw.polygon(pts, fill=fill)
                pts = [*pts, pts[0]]
            if len(pts) >= 2:
                draw.line(pts, fill=colour, width=width)
        elif isinstance(region, Keypoint):
            r = width * 2
            x, y = region.x * sx, region.y * sy
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline="white")
    return base


def write_thumbnail(
    target: Path,
    image_path: Path | None,
    regions: Sequence[RegionBase],
    colours: Mapping[str, Mapping[str, str | None]],
    *,
    max_size: tuple[int, int] = (480, 360),
    size_hint: tuple[int, int] | None = None,
) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    render_thumbnail(image_path, regions, colours, max_size=max_size, size_hint=size_hint).save(
        target, "PNG", optimize=False
    )
    return target
