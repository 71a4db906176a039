"""The `Measurement` record every metric produces, and helpers to pick the worst case.

A measurement says where its number came from (`source`) because a rubric level
proposed from an *estimate* deserves less trust than one measured against gold,
and the self-scoring screen shows that difference to the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from labelmate.core.regions import RegionBase

Source = Literal["gold", "estimate", "data"]
"""gold: compared with the reference answer; estimate: inferred without gold (e.g.
from image edges); data: measured from the annotation (and its text) alone."""

Value = float | int | bool


@dataclass(frozen=True, slots=True)
class Measurement:
    """One metric's value for an annotation, with the evidence a user needs to trust it."""

    metric: str
    value: Value
    source: Source
    detail: str = ""
    region_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    """A per-region (or per-pair) value before the annotation-level worst is picked."""

    value: Value
    detail: str
    region_ids: tuple[str, ...]


def worst(
    metric: str,
    observations: Sequence[Observation],
    *,
    higher_is_better: bool,
    source: Source,
    noun: str,
) -> Measurement | None:
    """The annotation-level value: the worst observation, naming where it came from.

    Ties keep the first observation, so the result does not depend on set order
    beyond the order regions were given in.
    """
    if not observations:
        return None
    pick = observations[0]
    for obs in observations[1:]:
        better = obs.value < pick.value if higher_is_better else obs.value > pick.value
        if better:
            pick = obs
    detail = pick.detail
    if len(observations) > 1:
        detail += f" (worst of {len(observations)} {noun})"
    return Measurement(metric, pick.value, source, detail, pick.region_ids)


def describe_region(region: RegionBase, kind: str | None = None) -> str:
    """`box r3 (Solder Bridge)`: how evidence names a region to the user."""
    name = kind or getattr(region, "type", "region")
    labels = ", ".join(region.labels)
    return f"{name} {region.id}" + (f" ({labels})" if labels else "")


def fmt(value: float) -> str:
    """A pixel or ratio number for evidence text: 4.0, 2.5, 0.873."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if float(value).is_integer():
        return f"{value:.1f}"
    return f"{value:.3f}".rstrip("0")
