"""Hints for text labeling — spans and classifications — tied to the rubric's levels.

`span_hints` answers "is the span I just made (or selected) right?". Always, from the
text alone: a space or punctuation at an edge ("“ Paris” starts with a space"), a
boundary that cuts a word ("“Pari” ends inside the word “Paris”"), the same string
labelled differently elsewhere in the task, and an overlap with a span of another
label. With gold: how many characters each boundary is off the matched gold span
("starts 2 characters before gold g3: includes “, ”"), a wrong label, or no gold
span at all (an extra span). Each figure carries the level it implies, worded by
`labelmate.core.hints` ("→ Precision (Boundaries): Acceptable (Gold Standard allows
≤ 0 chars)").

`text_check_hints` is the whole-task "Check" for a text task: missed, extra and
wrongly labelled spans, boundary offsets, the always-hints of every span once,
classification choices against gold (and "Unsure" chosen where gold is clear), then
the level each criterion gets — the same level lines as the image Check.

Offsets are Python code points, as stored (`labelmate.core.text_offsets` converts to
what a Qt text view counts). All figures come from `labelmate.core.metrics` and all
levels from `labelmate.core.hints`; this module picks what to show and words it. It
uses a few of their private helpers (`hints._hint`, `_implications`, `_object_hints`,
`_level_hints`, `_wrong_label_hint`, `_counted_by`, `_labels`, `_ANY_OVERLAP`;
`metrics.text._edges`, `_is_edge_noise`) so the wording and the rules stay one code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from labelmate.core.hints import (
    _ANY_OVERLAP,
    Hint,
    Implication,
    _counted_by,
    _hint,
    _implications,
    _labels,
    _level_hints,
    _object_hints,
    _wrong_label_hint,
    criteria_using,
)
from labelmate.core.metrics import measure
from labelmate.core.metrics.base import Measurement
from labelmate.core.metrics.choices import choices_data_metrics, choices_gold_metrics, is_unsure
from labelmate.core.metrics.objects import match_all, span_iou
from labelmate.core.metrics.text import _edges, _is_edge_noise, span_data_metrics
from labelmate.core.regions import Choices, RegionBase, Span
from labelmate.core.rubric import Rubric

__all__ = ["QUOTE_LIMIT", "quote", "span_hints", "text_check_hints"]

QUOTE_LIMIT = 40
"""Most characters of task text a hint quotes (the "…" of a cut quote included)."""

_ZWJ = "\u200d"
_SHOWN_AS = str.maketrans({"\n": "⏎", "\r": "⏎", "\u2028": "⏎", "\u2029": "⏎", "\t": "⇥"})
_EDGE_NAMES = {
    " ": "a space",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a line break",
    "\u2028": "a line break",
    "\u2029": "a paragraph break",
    "\xa0": "a no-break space",
}
_POSITIONS_SHOWN = 3


# --- wording ------------------------------------------------------------------------


def _continues(text: str, i: int) -> bool:
    """Whether text[i] belongs to the character before it on screen: a combining mark
    or variation selector, a skin tone, an emoji tag, either side of a zero-width
    joiner, or the second of two flag letters (an approximation of grapheme rules)."""
    ch, before = ord(text[i]), ord(text[i - 1])
    return (
        unicodedata.category(text[i]).startswith("M")
        or _ZWJ in (text[i], text[i - 1])
        or 0x1F3FB <= ch <= 0x1F3FF
        or 0xE0020 <= ch <= 0xE007F
        or (_is_flag_letter(ch) and _is_flag_letter(before))
    )


def _is_flag_letter(code: int) -> bool:
    return 0x1F1E6 <= code <= 0x1F1FF


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """“Paris” — at most `limit` characters, cut with “…” (never inside an emoji or
    before an accent), line breaks shown as ⏎ and tabs as ⇥ so a hint stays one line."""
    text = text.replace("\r\n", "\n").translate(_SHOWN_AS)
    if len(text) > limit:
        cut = limit - 1
        while cut > 1 and _continues(text, cut):
            cut -= 1
        text = text[:cut] + "…"
    return f"“{text}”"


def _edge_char(ch: str) -> str:
    """`a space`, `a line break`, `','`."""
    if ch in _EDGE_NAMES:
        return _EDGE_NAMES[ch]
    if ch.isspace():
        return f"whitespace (U+{ord(ch):04X})"
    return f"'{ch}'"


def _chars(n: int) -> str:
    return f"{n} character" if n == 1 else f"{n} characters"


def _at(span: Span) -> str:
    return f"{span.start}–{span.end}"


def _content(span: Span, text: str | None) -> str:
    """The span's characters: from the task text when it covers the span, else its own."""
    if text is not None and span.end <= len(text):
        return text[span.start : span.end]
    return span.text or ""


def _piece(text: str | None, start: int, end: int) -> str:
    """` “, ”` for a message, or nothing when the text is not there to quote."""
    if text is None or not 0 <= start <= end <= len(text):
        return ""
    return f" {quote(text[start:end])}"


# --- the always-hints (text alone) --------------------------------------------------


def _edge_hints(span: Span, text: str | None, rubric: Rubric | None) -> list[Hint]:
    """One hint per edge on whitespace or punctuation, with the level one such span implies."""
    edges = _edges(span, text)
    if edges is None:
        return []
    bad = [
        (side, ch) for side, ch in zip(("start", "end"), edges, strict=True) if _is_edge_noise(ch)
    ]
    if not bad:
        return []
    m = span_data_metrics([span], text)["span.edge_whitespace"]
    imps = _implications(rubric, m)
    shown = quote(_content(span, text))
    return [
        _hint(
            f"{shown} {'starts' if side == 'start' else 'ends'} with {_edge_char(ch)}",
            imps,
            fallback="warning",
            source="data",
            region_ids=(span.id,),
            kind="edge-whitespace",
            side=side,
            detail=m.detail,
        )
        for side, ch in bad
    ]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def _word_at(text: str, i: int, reach: int = QUOTE_LIMIT) -> tuple[int, int]:
    """The run of letters and digits around boundary `i` (at most `reach` each way)."""
    a = i
    while a > 0 and i - a < reach and _is_word(text[a - 1]):
        a -= 1
    b = i
    while b < len(text) and b - i < reach and _is_word(text[b]):
        b += 1
    return a, b


def _cut_hints(
    span: Span, text: str | None, rubric: Rubric | None, agreed: frozenset[str] = frozenset()
) -> list[Hint]:
    """A boundary with a letter or digit on both sides cuts a word. `agreed`: sides
    where gold has the very same boundary (gold cuts there too, so no hint)."""
    if text is None or span.end <= span.start or span.end > len(text):
        return []
    s, e = span.start, span.end
    cuts = []
    if "start" not in agreed and s > 0 and _is_word(text[s - 1]) and _is_word(text[s]):
        cuts.append(("start", _word_at(text, s)))
    if "end" not in agreed and e < len(text) and _is_word(text[e - 1]) and _is_word(text[e]):
        cuts.append(("end", _word_at(text, e)))
    if not cuts:
        return []
    shown = quote(text[s:e])
    if len(cuts) == 2 and cuts[0][1] == cuts[1][1]:
        a, b = cuts[0][1]
        worded = [(None, f"{shown} lies inside the word {quote(text[a:b])}")]
    else:
        verb = {"start": "starts", "end": "ends"}
        worded = [(side, f"{shown} {verb[side]} inside the word {quote(text[a:b])}")
                  for side, (a, b) in cuts]  # fmt: skip
    criterion = _counted_by(rubric, "span.boundary_offset_chars")
    return [
        Hint(message, "warning", "data", (span.id,), kind="cut-word", side=side, **criterion)
        for side, message in worded
    ]


def _positions(spans: Sequence[Span]) -> str:
    shown = ", ".join(_at(s) for s in spans[:_POSITIONS_SHOWN])
    more = len(spans) - _POSITIONS_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _labelled(labels: tuple[str, ...]) -> str:
    return f"labelled {', '.join(labels)}" if labels else "left without a label"


def _label_groups(
    span: Span, spans: Sequence[Span], text: str | None
) -> dict[frozenset[str], list[Span]]:
    """Spans of the same control and text object whose characters equal `span`'s, by
    label set (insertion order: `span`'s own set first)."""
    content = _content(span, text)
    groups: dict[frozenset[str], list[Span]] = {frozenset(span.labels): []}
    if not content:
        return groups
    for other in spans:
        if (
            other.control == span.control
            and other.target == span.target
            and _content(other, text) == content
        ):
            groups.setdefault(frozenset(other.labels), []).append(other)
    return groups


def _same_text_hint(
    span: Span, spans: Sequence[Span], text: str | None, rubric: Rubric | None
) -> list[Hint]:
    """“Paris” is also labelled ORG at 120–127."""
    groups = _label_groups(span, spans, text)
    others = [members for labels, members in groups.items() if labels != frozenset(span.labels)]
    if not others:
        return []
    parts = [f"{_labelled(members[0].labels)} at {_positions(members)}" for members in others]
    ids = (span.id, *(s.id for members in others for s in members))
    return [
        Hint(
            f"{quote(_content(span, text))} is also {'; '.join(parts)}",
            "warning",
            "data",
            ids,
            kind="inconsistent-label",
            **_counted_by(rubric, "label.matches_gold", "label.mismatches"),
        )
    ]


def _overlap_hints(span: Span, spans: Sequence[Span], text: str | None) -> list[Hint]:
    """“York City” (ORG) overlaps “New York” (LOC) at 30–38."""
    hints = []
    for other in spans:
        if (
            other.id == span.id
            or other.control != span.control
            or other.target != span.target
            or frozenset(other.labels) == frozenset(span.labels)
            or min(span.end, other.end) <= max(span.start, other.start)
        ):
            continue
        hints.append(
            Hint(
                f"{quote(_content(span, text))} ({_labels(span)}) overlaps "
                f"{quote(_content(other, text))} ({_labels(other)}) at {_at(other)}",
                "warning",
                "data",
                (span.id, other.id),
                kind="overlap",
            )
        )
    return hints


def _always_hints(
    span: Span,
    spans: Sequence[Span],
    text: str | None,
    rubric: Rubric | None,
    agreed: frozenset[str] = frozenset(),
    *,
    same_text: bool = True,
) -> list[Hint]:
    hints = _edge_hints(span, text, rubric) + _cut_hints(span, text, rubric, agreed)
    if same_text:
        hints += _same_text_hint(span, spans, text, rubric)
    return hints + _overlap_hints(span, spans, text)


# --- against gold -------------------------------------------------------------------


def _boundary_hints(
    span: Span, target: Span, text: str | None, rubric: Rubric | None, *, good: bool = True
) -> list[Hint]:
    """Characters each boundary is off the gold span; one good hint when none is
    (`good=False` leaves it out). `value` is signed: + includes more, − misses some."""
    ids = (span.id,)
    early, late = target.start - span.start, span.end - target.end
    if early == 0 and late == 0:
        if not good:
            return []
        detail = f"span {span.id} [{span.start}, {span.end}) equals gold {target.id}"
        zero = Measurement("span.boundary_offset_chars", 0, "gold", detail, (span.id, target.id))
        return [
            _hint(
                f"starts and ends on gold {target.id}",
                _implications(rubric, zero),
                fallback="good",
                source="gold",
                region_ids=ids,
                kind="boundary",
                value=0.0,
                detail=detail,
            )
        ]
    g = target.id
    worded = []
    if early:
        verb = "includes" if early > 0 else "misses"
        shown = _piece(text, *sorted((span.start, target.start)))
        where = "before" if early > 0 else "after"
        said = f"starts {_chars(abs(early))} {where} gold {g}"
        worded.append(("start", early, said + (f": {verb}{shown}" if shown else "")))
    if late:
        verb = "includes" if late > 0 else "misses"
        shown = _piece(text, *sorted((span.end, target.end)))
        said = f"ends {_chars(abs(late))} {'late' if late > 0 else 'early'}"
        whose = f"after gold {g}" if late > 0 else f"of gold {g}"
        worded.append(
            ("end", late, said + (f": {verb}{shown} {whose}" if shown else f" vs gold {g}"))
        )
    hints = []
    for side, value, message in worded:
        detail = (
            f"span {span.id} [{span.start}, {span.end}) vs gold {target.id} "
            f"[{target.start}, {target.end}): "
            f"{side} {_chars(abs(value))} off"
        )
        m = Measurement("span.boundary_offset_chars", abs(value), "gold", detail, (span.id, g))
        hints.append(
            _hint(
                message,
                _implications(rubric, m),
                fallback="warning",
                source="gold",
                region_ids=ids,
                kind="boundary",
                side=side,
                value=float(value),
                detail=detail,
            )
        )
    return hints


def _agreed(span: Span, target: Span | None) -> frozenset[str]:
    if target is None:
        return frozenset()
    sides = {"start"} if span.start == target.start else set()
    if span.end == target.end:
        sides.add("end")
    return frozenset(sides)


def _near(drawn: list[Span], ref: list[Span], at: int) -> tuple[list[Span], list[Span], int]:
    """The drawn and gold spans in the run of touching spans around `drawn[at]`.

    Spans match only when they overlap, so matching this run gives `drawn[at]` the
    partner matching the whole task would (order, and with it tie-breaks, is kept)
    at the cost of a few spans instead of a long document's.
    """
    entries = sorted(
        [(s.start, s.end, 0, i) for i, s in enumerate(drawn)]
        + [(g.start, g.end, 1, j) for j, g in enumerate(ref)]
    )
    run: list[tuple[int, int]] = []
    hi = -1
    found = False
    for start, end, side, k in entries:
        if run and start > hi:
            if found:
                break
            run = []
        hi = end if not run else max(hi, end)
        run.append((side, k))
        found = found or (side == 0 and k == at)
    mine = sorted(k for side, k in run if side == 0)
    gold = sorted(k for side, k in run if side == 1)
    return [drawn[i] for i in mine], [ref[j] for j in gold], mine.index(at)


def _extra_hint(
    span: Span,
    drawn: Sequence[Span],
    ref: Sequence[Span],
    taken: dict[int, Span],
    text: str | None,
    rubric: Rubric | None,
    threshold: float,
) -> Hint:
    """No gold span matches this one: an extra span, or a second one on a gold span."""
    shown = quote(_content(span, text))
    found = max(((span_iou(span, g), -j) for j, g in enumerate(ref)), default=(0.0, 0))
    value, best = found[0], -found[1]
    if value <= 0:
        message = f"no gold span overlaps {shown}: an extra span?"
    elif value >= threshold and best in taken:
        message = (
            f"gold {ref[best].id} {quote(_content(ref[best], text))} is already matched by "
            f"span {taken[best].id}: a duplicate span?"
        )
    else:
        message = (
            f"no gold span overlaps {shown} enough (best overlap {value:.2f} < "
            f"{threshold:g}, gold {ref[best].id}): an extra span?"
        )
    extra = Measurement("objects.extra", 1, "gold", message, (span.id,))
    return _hint(
        message,
        _implications(rubric, extra),
        fallback="warning",
        source="gold",
        region_ids=(span.id,),
        kind="extra",
        value=value if value > 0 else None,
        detail=message,
    )


# --- live hints for one span --------------------------------------------------------


def span_hints(
    span: Span,
    spans: Sequence[Span],
    text: str,
    gold: Sequence[RegionBase] | None,
    rubric: Rubric | None,
    *,
    iou_threshold: float = 0.5,
) -> list[Hint]:
    """Live hints for the selected or just-made span. `spans`: the task's spans (the
    span may or may not be among them yet); `text`: the text the spans index.

    With gold, spans of the span's control are matched as the Check does (character
    IoU ≥ `iou_threshold`, same label preferred); gold hints come first, then the
    always-hints. A span too far off to match still gets its boundary offsets against
    the gold span it overlaps most, after the "extra span?" hint.
    """
    mine = [s for s in spans if isinstance(s, Span)]
    at = next((i for i, s in enumerate(mine) if s.id == span.id), None)
    if at is None:
        mine.append(span)
    else:
        mine[at] = span  # the caller's copy may be older than the one being edited
    hints: list[Hint] = []
    target: Span | None = None
    if gold is not None:
        hints, target = _gold_hints(span, mine, gold, text, rubric, iou_threshold)
    return hints + _always_hints(span, mine, text, rubric, _agreed(span, target))


def _gold_hints(
    span: Span,
    mine: Sequence[Span],
    gold: Sequence[RegionBase],
    text: str,
    rubric: Rubric | None,
    threshold: float,
) -> tuple[list[Hint], Span | None]:
    drawn = [s for s in mine if s.control == span.control]
    at = next(i for i, s in enumerate(drawn) if s.id == span.id)
    ref = [g for g in gold if isinstance(g, Span) and g.control == span.control]
    drawn, ref, at = _near(drawn, ref, at)
    match = match_all(drawn, ref, threshold)["span"]
    pair = next((p for p in match.pairs if p.mine == at), None)
    if pair is not None:
        target = ref[pair.gold]
        hints = _boundary_hints(span, target, text, rubric)
        if not pair.same_label:
            hints.append(_wrong_label_hint(span, target, rubric))
        return hints, target
    taken = {p.gold: drawn[p.mine] for p in match.pairs}
    hints = [_extra_hint(span, drawn, ref, taken, text, rubric, threshold)]
    loose = match_all(drawn, ref, _ANY_OVERLAP)["span"]
    pair = next((p for p in loose.pairs if p.mine == at), None)
    if pair is None:
        return hints, None
    target = ref[pair.gold]
    return hints + _boundary_hints(span, target, text, rubric, good=False), target


# --- the Check report ---------------------------------------------------------------


def text_check_hints(
    regions: Sequence[RegionBase],
    text: str | None,
    gold: Sequence[RegionBase] | None,
    rubric: Rubric | None,
    *,
    iou_threshold: float = 0.5,
) -> list[Hint]:
    """The "Check" report for a text task, in this order:

    - with gold: missed gold spans (kind "missed", `gold_region` set), extra spans
      ("extra"), wrong labels ("wrong-label") — each quoting the text — then the
      boundary offsets of matched spans that are off ("boundary"), then per answered
      classification control a choice that differs from gold ("choice-mismatch") and
      an "Unsure"-style choice where gold is clear ("unsure-on-clear");
    - the always-hints of every span, once each ("edge-whitespace", "cut-word",
      "inconsistent-label" once per string, "overlap" once per pair);
    - with a rubric: one "level" line per scored criterion, as `hints.check_hints`.

    A control left unanswered is not reported here (the screen knows what is
    required). `text` is the text every span indexes (one Text object per task).
    """
    spans = [r for r in regions if isinstance(r, Span)]
    hints: list[Hint] = []
    targets: dict[str, Span] = {}
    if gold is not None:
        gold_spans = [g for g in gold if isinstance(g, Span)]
        if spans or gold_spans:
            found = _object_hints(spans, gold_spans, rubric, iou_threshold)
            hints += [_quoted(h, spans, text) for h in found]
            match = match_all(spans, gold_spans, iou_threshold)["span"]
            for mine, target, _pair in match.pair_regions():
                assert isinstance(mine, Span) and isinstance(target, Span)
                targets[mine.id] = target
                hints += [
                    replace(h, message=f"span {mine.id} {quote(_content(mine, text))}: {h.message}")
                    for h in _boundary_hints(mine, target, text, rubric, good=False)
                ]
        hints += _choice_hints(regions, gold, rubric)
    seen: set[tuple[str, frozenset[str]]] = set()
    for span in spans:
        for h in _always_hints(
            span, spans, text, rubric, _agreed(span, targets.get(span.id)), same_text=False
        ):
            key = (h.kind + (h.side or ""), frozenset(h.region_ids))
            if key not in seen:
                seen.add(key)
                hints.append(h)
    hints += _inconsistent_hints(spans, text, rubric)
    if rubric is not None:
        measured = measure(regions, gold, text=text, iou_threshold=iou_threshold)
        hints += _level_hints(rubric, measured, {r.id for r in regions}, gold is not None)
    return hints


def _quoted(hint: Hint, spans: Sequence[Span], text: str | None) -> Hint:
    """`missed gold span g3 “Paris” (LOC)`: the span's text after its id."""
    if hint.kind == "missed" and isinstance(hint.gold_region, Span):
        span: Span | None = hint.gold_region
    else:
        span = next((s for s in spans if hint.region_ids and s.id == hint.region_ids[0]), None)
    if span is None:
        return hint
    shown = quote(_content(span, text))
    named = re.compile(rf"\bspan {re.escape(span.id)}(?=[ :(]|$)")
    message, n = named.subn(lambda m: f"{m.group(0)} {shown}", hint.message, count=1)
    return replace(hint, message=message if n else f"{hint.message}: {shown}")


def _inconsistent_hints(
    spans: Sequence[Span], text: str | None, rubric: Rubric | None
) -> list[Hint]:
    """“Paris” is labelled differently: LOC at 15–20; ORG at 120–127 (once per string)."""
    hints = []
    done: set[str] = set()
    for span in spans:
        if span.id in done:
            continue
        groups = _label_groups(span, spans, text)
        members = [s for group in groups.values() for s in group]
        done.update(s.id for s in members)
        if len(groups) < 2:
            continue
        parts = [f"{_labels(group[0])} at {_positions(group)}" for group in groups.values()]
        hints.append(
            Hint(
                f"{quote(_content(span, text))} is labelled differently: {'; '.join(parts)}",
                "warning",
                "data",
                tuple(s.id for s in members),
                kind="inconsistent-label",
                **_counted_by(rubric, "label.matches_gold", "label.mismatches"),
            )
        )
    return hints


def _choice_hints(
    regions: Sequence[RegionBase], gold: Sequence[RegionBase], rubric: Rubric | None
) -> list[Hint]:
    """Per answered control: the choice against gold ("chose Negative, gold says
    Positive" → Correctness), and "Unsure" where gold is clear (→ Clarity)."""
    mine = [r for r in regions if isinstance(r, Choices)]
    ref = [g for g in gold if isinstance(g, Choices)]
    controls = list(dict.fromkeys(c.control for c in mine if c.labels))
    clarity = {c.id for c in criteria_using(rubric, ["choices.unsure_used"])} if rubric else set()
    hints = []
    for control in controls:
        m = [c for c in mine if c.control == control]
        g = [c for c in ref if c.control == control]
        matches = choices_gold_metrics(m, g)["choices.matches_gold"]
        if matches.value:
            continue
        unsure = choices_data_metrics(m)["choices.unsure_used"]
        imps = _implications(rubric, matches, unsure)
        chosen = list(dict.fromkeys(label for c in m for label in c.labels))
        answer = list(dict.fromkeys(label for c in g for label in c.labels))
        where = f"{control}: " if len(controls) > 1 else ""
        said = f"gold says {', '.join(answer)}" if answer else "gold chose nothing"
        ids = tuple(c.id for c in m)
        hints.append(
            _hint(
                f"{where}chose {', '.join(chosen)}, {said}",
                _only(imps, exclude=clarity),
                fallback="warning",
                source="gold",
                region_ids=ids,
                kind="choice-mismatch",
                detail=matches.detail,
            )
        )
        unsure_picked = [label for label in chosen if is_unsure(label)]
        if unsure_picked and answer and not any(is_unsure(a) for a in answer):
            hints.append(
                _hint(
                    f"{where}chose {unsure_picked[0]} where gold is clear ({', '.join(answer)})",
                    [i for i in imps if i.criterion_id in clarity],
                    fallback="warning",
                    source="gold",
                    region_ids=ids,
                    kind="unsure-on-clear",
                    detail=f"{unsure.detail}; {matches.detail}",
                )
            )
    return hints


def _only(imps: Sequence[Implication], *, exclude: set[str]) -> list[Implication]:
    """The implications of the criteria not in `exclude` — or, when that leaves none,
    those not at their best level (the mismatch still decides something)."""
    kept = [i for i in imps if i.criterion_id not in exclude]
    return kept or [i for i in imps if i.severity != "good"]
