"""Analytic rubrics: criteria, performance levels and the rules that decide them.

The YAML shape is documented in PRODUCT.md; `labelmate.io.rubric_file` reads it
(with source positions) and `labelmate.core.rubric_lint` checks its quality.
A level's `when` is a condition tree of metric rules; levels are checked best
first and the first match wins; `otherwise: true` catches the worst case.

Rule bounds are inclusive: `{metric: box.max_outside_px, max: 3}` holds for 3.0.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    """One metric compared with inclusive bounds, or with an exact value."""

    metric: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    equals: bool | float | str | None = None

    @model_validator(mode="after")
    def _has_test(self) -> Rule:
        if self.min is None and self.max is None and self.equals is None:
            raise ValueError(f"rule on '{self.metric}' needs at least one of min, max, equals")
        if self.equals is not None and (self.min is not None or self.max is not None):
            raise ValueError(f"rule on '{self.metric}' mixes 'equals' with 'min'/'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"rule on '{self.metric}' has min {self.min} above max {self.max}")
        return self

    def holds(self, value: Any) -> bool:
        if self.equals is not None:
            if isinstance(self.equals, bool) or isinstance(value, bool):
                return bool(value) is self.equals if isinstance(self.equals, bool) else False
            return value == self.equals
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)

    def describe(self) -> str:
        if self.equals is not None:
            shown = str(self.equals).lower() if isinstance(self.equals, bool) else self.equals
            return f"{self.metric} = {shown}"
        if self.min is not None and self.max is not None:
            return f"{format_number(self.min)} ≤ {self.metric} ≤ {format_number(self.max)}"
        if self.max is not None:
            return f"{self.metric} ≤ {format_number(self.max)}"
        return f"{self.metric} ≥ {format_number(self.min)}"  # type: ignore[arg-type]


def format_number(v: float) -> str:
    """A number as rules and messages show it: 6, 0.5, 1e-06 — no trailing .0."""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


Condition = Annotated[Rule | AllOf | AnyOf, Field(union_mode="left_to_right")]
AllOf.model_rebuild()
AnyOf.model_rebuild()


def iter_rules(condition: Condition | None) -> list[Rule]:
    """Every rule in a condition tree, depth first."""
    if condition is None:
        return []
    if isinstance(condition, Rule):
        return [condition]
    children = condition.all if isinstance(condition, AllOf) else condition.any
    out: list[Rule] = []
    for child in children:
        out.extend(iter_rules(child))
    return out


class ScaleLevel(_Strict):
    score: float
    name: str = Field(min_length=1)


class Level(_Strict):
    score: float
    name: str | None = None  # defaults to the scale's name for this score
    descriptor: str = Field(min_length=1)
    when: Condition | None = None
    otherwise: bool = False

    @model_validator(mode="after")
    def _when_or_otherwise(self) -> Level:
        if self.when is not None and self.otherwise:
            raise ValueError("a level has either 'when' or 'otherwise: true', not both")
        return self


class Criterion(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str = Field(min_length=1)
    question: str = ""
    weight: float = 1.0
    manual: bool = False
    applies_to: list[str] | None = None  # narrows the rubric's applies_to
    levels: list[Level] = Field(min_length=1)

    @property
    def max_score(self) -> float:
        return max(level.score for level in self.levels)


class Ruling(_Strict):
    """A project manager's answer to a clarification query, kept with the rubric."""

    id: str = Field(min_length=1)
    criterion: str | None = None
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    decided_on: str | None = None  # ISO date
    source: str | None = None  # who answered, or where


class Adjudication(_Strict):
    strategy: Literal["consensus_vote", "majority", "domain_expert", "gold_wins"] = "consensus_vote"
    quorum: float = Field(default=0.66, gt=0, le=1)
    tie_breaker: Literal["domain_expert", "gold", "first", "none"] = "domain_expert"


class Rubric(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str = Field(min_length=1)
    version: int | str = 1
    description: str = ""
    applies_to: list[str] = Field(default_factory=list)
    # The label names the rubric was written for (e.g. "Solder Bridge"); informative,
    # so a reader and the demo pack know which labeling config it pairs with.
    labels: list[str] = Field(default_factory=list)
    scale: list[ScaleLevel] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    rulings: list[Ruling] = Field(default_factory=list)
    adjudication: Adjudication | None = None

    @property
    def max_score(self) -> float:
        return max(s.score for s in self.scale)

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def level_name(self, level: Level) -> str:
        if level.name:
            return level.name
        for s in self.scale:
            if s.score == level.score:
                return s.name
        return f"{format_number(level.score)}/{format_number(self.max_score)}"
