"""Span and free-text metrics.

`span.edge_whitespace` needs the characters at the span's edges: from the task
text when the caller passes it, else from the span's own `text`. A span that
starts or ends on whitespace or punctuation ("the cat ", "Paris,") is the classic
NER boundary slip. Empty spans have no edge and are not counted.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from labelmate.core.metrics.base import Measurement, Observation, describe_region, fmt, worst
from labelmate.core.metrics.objects import TypeMatch
from labelmate.core.regions import Span, TextAnswer


def _is_edge_noise(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def _edges(span: Span, text: str | None) -> tuple[str, str] | None:
    if span.end <= span.start:
        return None
    if text is not None and span.end <= len(text):
        return text[span.start], text[span.end - 1]
    if span.text:
        return span.text[0], span.text[-1]
    return None


def span_data_metrics(spans: Sequence[Span], text: str | None) -> dict[str, Measurement]:
    """span.edge_whitespace: spans starting or ending on whitespace/punctuation."""
    if not spans:
        return {}
    bad: list[Span] = []
    checked = 0
    for s in spans:
        edges = _edges(s, text)
        if edges is None:
            continue
        checked += 1
        if _is_edge_noise(edges[0]) or _is_edge_noise(edges[1]):
            bad.append(s)
    if checked == 0:
        return {}
    if bad:
        first = bad[0]
        shown = text[first.start : first.end] if text is not None else (first.text or "")
        detail = f"{len(bad)} of {checked} spans have a blank or punctuation edge, e.g. " + (
            f"{describe_region(first, 'span')} {shown!r}"
        )
    else:
        detail = f"all {checked} spans start and end on a word character"
    return {
        "span.edge_whitespace": Measurement(
            "span.edge_whitespace", len(bad), "data", detail, tuple(s.id for s in bad)
        )
    }


def span_gold_metrics(match: TypeMatch) -> dict[str, Measurement]:
    """span.boundary_offset_chars (worst matched pair) and exact-match span.f1."""
    out: dict[str, Measurement] = {}
    obs = []
    for mine, gold, _pair in match.pair_regions():
        assert isinstance(mine, Span) and isinstance(gold, Span)
        off = max(abs(mine.start - gold.start), abs(mine.end - gold.end))
        obs.append(
            Observation(
                off,
                f"{describe_region(mine, 'span')} [{mine.start}, {mine.end}) vs gold "
                f"[{gold.start}, {gold.end}): {off} chars off",
                (mine.id, gold.id),
            )
        )
    m = worst(
        "span.boundary_offset_chars", obs, higher_is_better=False, source="gold",
        noun="matched spans",
    )  # fmt: skip
    if m is not None:
        out[m.metric] = m

    def key(s: Span) -> tuple:
        return (s.control, s.target, s.start, s.end, frozenset(s.labels))

    mine_keys = Counter(key(s) for s in match.mine if isinstance(s, Span))
    gold_keys = Counter(key(s) for s in match.gold if isinstance(s, Span))
    exact = sum((mine_keys & gold_keys).values())
    n_m, n_g = sum(mine_keys.values()), sum(gold_keys.values())
    f1 = 1.0 if n_m + n_g == 0 else 2 * exact / (n_m + n_g)
    out["span.f1"] = Measurement(
        "span.f1",
        f1,
        "gold",
        f"{exact} exact matches (same start, end and label) among {n_m} drawn and {n_g} gold "
        f"spans: F1 {fmt(f1)}",
        (),
    )
    return out


def text_data_metrics(answers: Sequence[TextAnswer]) -> dict[str, Measurement]:
    """text.length_chars: length of the answer (lines joined); the shortest if several."""
    obs = []
    for a in answers:
        n = len("\n".join(a.text))
        obs.append(Observation(n, f"{describe_region(a, 'answer')}: {n} characters", (a.id,)))
    m = worst("text.length_chars", obs, higher_is_better=True, source="data", noun="answers")
    return {m.metric: m} if m is not None else {}
