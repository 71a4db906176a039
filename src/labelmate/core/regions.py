"""Regions: what an annotation is made of, in image-pixel coordinates.

Percent (Label Studio), normalized (YOLO) and 1-based (VOC) conventions exist only
at the io boundary. Every region names the control it belongs to (`control`, the
config's `from_name`) and the object it annotates (`target`, the `to_name`).
"""

from __future__ import annotations

import math
import secrets
import string
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ID_ALPHABET = string.ascii_letters + string.digits


def new_region_id() -> str:
    """A 10-character id from Label Studio's alphabet ([A-Za-z0-9_-])."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


class RegionBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=new_region_id, min_length=1)
    control: str = Field(min_length=1, description="Name of the control tag (from_name).")
    target: str = Field(min_length=1, description="Name of the object tag (to_name).")
    labels: tuple[str, ...] = ()
    score: float | None = None
    origin: Literal["manual", "prediction", "prediction-changed"] = "manual"
    # Keys an outside format carried that we do not model; written back unchanged.
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def label(self) -> str | None:
        return self.labels[0] if self.labels else None


# NaN and infinity are refused by pydantic's core (in Rust): a Python validator per
# coordinate cost more than the rest of loading a 200,000-box export.
Finite = Annotated[float, Field(allow_inf_nan=False)]


class Box(RegionBase):
    """A rectangle; (x, y) is the top-left corner and the rotation pivot.

    `rotation` is in degrees, clockwise on screen, as Label Studio stores it.
    """

    type: Literal["box"] = "box"
    x: Finite
    y: Finite
    width: Finite = Field(ge=0)
    height: Finite = Field(ge=0)
    rotation: Finite = 0.0

    def corners(self) -> list[tuple[float, float]]:
        """The four corners in pixel space, clockwise from the pivot."""
        t = math.radians(self.rotation)
        c, s = math.cos(t), math.sin(t)
        x, y, w, h = self.x, self.y, self.width, self.height
        return [
            (x, y),
            (x + w * c, y + w * s),
            (x + w * c - h * s, y + w * s + h * c),
            (x - h * s, y + h * c),
        ]

    def bounds(self) -> tuple[float, float, float, float]:
        """Axis-aligned (x_min, y_min, x_max, y_max) enclosing the box."""
        xs, ys = zip(*self.corners(), strict=True)
        return min(xs), min(ys), max(xs), max(ys)


class Polygon(RegionBase):
    type: Literal["polygon"] = "polygon"
    points: tuple[tuple[Finite, Finite], ...] = Field(min_length=1)
    closed: bool = True


class Keypoint(RegionBase):
    type: Literal["keypoint"] = "keypoint"
    x: Finite
    y: Finite
    parent_id: str | None = None  # the box a pose keypoint belongs to


class Span(RegionBase):
    """A character span `text[start:end]` (Python code points, end-exclusive)."""

    type: Literal["span"] = "span"
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Choices(RegionBase):
    """A classification: the chosen options are the labels."""

    type: Literal["choices"] = "choices"


class TextAnswer(RegionBase):
    type: Literal["text"] = "text"
    text: tuple[str, ...] = ()


class Rating(RegionBase):
    type: Literal["rating"] = "rating"
    rating: int = Field(ge=0)


Region = Annotated[
    Box | Polygon | Keypoint | Span | Choices | TextAnswer | Rating,
    Field(discriminator="type"),
]

REGION_TYPES: dict[str, type[RegionBase]] = {
    "box": Box,
    "polygon": Polygon,
    "keypoint": Keypoint,
    "span": Span,
    "choices": Choices,
    "text": TextAnswer,
    "rating": Rating,
}
