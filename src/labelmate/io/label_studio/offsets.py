"""Span offsets: check them against the task text, remap browser offsets to code points.

Label Studio computes `start`/`end` in the browser, where a string is UTF-16: an
emoji counts as two units, and a textarea may have turned `\\r\\n` into `\\n`
(formats.md §8.10). We store Python code points, so a span whose `text` does not
match `data[start:end]` is tried against those two encodings (and both at once);
if one matches, the offsets are converted and the user is told. A span nothing
explains is kept as written and flagged — the client's data is what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from labelmate.core.text_offsets import ViewOffsets

_MAX_SHOWN = 60


@dataclass(frozen=True, slots=True)
class SpanCheck:
    start: int
    end: int
    text: str | None
    warning: str | None = None


def check_span(data: str | None, start: int, end: int, written: str | None) -> SpanCheck:
    """Offsets and text for a span read from a file, with a warning if they needed help."""
    if data is None:
        return SpanCheck(start, end, written)
    if end > len(data):
        if written is not None:
            remapped = _remap(data, start, end, written)
            if remapped is not None:
                return remapped
        return SpanCheck(
            start,
            end,
            written,
            f"span {start}–{end} runs past the end of the text ({len(data)} characters); "
            "kept as written",
        )
    actual = data[start:end]
    if written is None or actual == written:
        return SpanCheck(start, end, actual)
    remapped = _remap(data, start, end, written)
    if remapped is not None:
        return remapped
    return SpanCheck(
        start,
        end,
        written,
        f"span text {_show(written)} does not match the task text at {start}–{end} "
        f"({_show(actual)}); kept as written",
    )


def _remap(data: str, start: int, end: int, written: str) -> SpanCheck | None:
    wanted = {written, written.replace("\r\n", "\n")}
    for name, view, crlf in _views(data):
        if start < 0 or end > view.view_length():
            continue
        cp_start, cp_end = view.to_code_point(start), view.to_code_point(end)
        if view.to_view(cp_start) != start or view.to_view(cp_end) != end:
            continue  # an offset inside a character (half a surrogate pair)
        found = data[cp_start:cp_end]
        if crlf:
            found = found.replace("\r\n", "\n")
        if found in wanted:
            return SpanCheck(
                cp_start,
                cp_end,
                data[cp_start:cp_end],
                f"span offsets {start}–{end} were counted as {name} (as a browser "
                f"does); remapped to code points {cp_start}–{cp_end}",
            )
    return None


def _show(text: str) -> str:
    return repr(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…")


@lru_cache(maxsize=8)
def _views(data: str) -> tuple[tuple[str, ViewOffsets, bool], ...]:
    """The ways another tool may have counted `data`: name, offsets, "\\r\\n" as one."""
    return (
        ("UTF-16 code units", ViewOffsets(data, crlf=False), False),
        ("characters with \\r\\n as one", ViewOffsets(data, utf16=False), True),
        ("UTF-16 code units with \\r\\n as one", ViewOffsets(data), True),
    )


def utf16_offsets(data: str, start: int, end: int) -> tuple[int, int]:
    """Code-point offsets → UTF-16 offsets (what a browser would write); for tests and tools."""
    return (
        len(data[:start].encode("utf-16-le")) // 2,
        len(data[:end].encode("utf-16-le")) // 2,
    )
