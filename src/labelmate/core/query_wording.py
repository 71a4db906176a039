"""Clarification queries: wording helpers — how a draft writes numbers, bounds, lists
and item names.

Pure string functions shared by the data model (:mod:`labelmate.core.query_model`),
proposing (:mod:`labelmate.core.query_draft`) and composing
(:mod:`labelmate.core.query_compose`); they import nothing else of the query modules.
"""

from __future__ import annotations

from collections.abc import Sequence

from labelmate.core.metric_vocabulary import METRICS
from labelmate.core.metrics.base import Value
from labelmate.core.rubric import Rule
from labelmate.core.rubric import format_number as _num


def _value(value: Value, unit: str, bounds: Sequence[float] = ()) -> str:
    """7 px, 0.72, true — more digits when rounding would make it read as a bound."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = str(value)
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        if float(text) != value and float(text) in bounds:
            text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def _bound(rule: Rule, unit: str) -> str:
    """``≤ 6 px``, ``≥ 0.5``, ``between 1 and 2 px``, ``= true``."""
    u = f" {unit}" if unit else ""
    if rule.equals is not None:
        shown = str(rule.equals).lower() if isinstance(rule.equals, bool) else rule.equals
        return f"= {shown}"
    if rule.min is not None and rule.max is not None:
        return f"between {_num(rule.min)} and {_num(rule.max)}{u}"
    if rule.max is not None:
        return f"≤ {_num(rule.max)}{u}"
    return f"≥ {_num(rule.min)}{u}"  # type: ignore[arg-type]


def _statement(text: str) -> str:
    """A piece of generated text that must not read as a question or end a sentence:
    "?" dropped (one question per message), trailing stops and spaces trimmed."""
    return " ".join(text.replace("?", "").split()).rstrip(" .;:")


def _and(items: Sequence[str], word: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def item_ref(item_id: str) -> str:
    """How a message names an item: ``item #123`` for a number, ``item pcb-002`` for an
    id without spaces, ``item "board 1.png"`` otherwise."""
    if item_id.isdigit():
        return f"item #{item_id}"
    if item_id and not any(ch.isspace() for ch in item_id) and '"' not in item_id:
        return f"item {item_id}"
    return f'item "{item_id}"'


def _unit(metric: str) -> str:
    spec = METRICS.get(metric)
    return spec.unit if spec is not None else ""
