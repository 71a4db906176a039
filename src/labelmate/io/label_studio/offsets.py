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

_MAX_SHOWN = 60


@dataclass(frozen=True, slots=True)
class SpanCheck:
    start: int
    end: int
    text: str | None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class _Units:
    """The text as another tool counts it: `units[i]` and the code point each unit starts."""

    name: str
    units: tuple[str, ...]
    starts: tuple[int, ...]  # len(units) + 1 entries; -1 = inside a character


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
    for variant in (_utf16(data), _crlf(data), _crlf_utf16(data)):
        if end > len(variant.units):
            continue
        cp_start, cp_end = variant.starts[start], variant.starts[end]
        if cp_start < 0 or cp_end < 0:
            continue
        if "".join(variant.units[start:end]) in wanted:
            return SpanCheck(
                cp_start,
                cp_end,
                data[cp_start:cp_end],
                f"span offsets {start}–{end} were counted as {variant.name} (as a browser "
                f"does); remapped to code points {cp_start}–{cp_end}",
            )
    return None


def _show(text: str) -> str:
    return repr(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…")


@lru_cache(maxsize=8)
def _utf16(data: str) -> _Units:
    return _build(data, "UTF-16 code units", crlf=False, utf16=True)


@lru_cache(maxsize=8)
def _crlf(data: str) -> _Units:
    return _build(data, "characters with \\r\\n as one", crlf=True, utf16=False)


@lru_cache(maxsize=8)
def _crlf_utf16(data: str) -> _Units:
    return _build(data, "UTF-16 code units with \\r\\n as one", crlf=True, utf16=True)


def _build(data: str, name: str, *, crlf: bool, utf16: bool) -> _Units:
    units: list[str] = []
    starts: list[int] = []
    i, n = 0, len(data)
    while i < n:
        ch = data[i]
        if crlf and ch == "\r" and i + 1 < n and data[i + 1] == "\n":
            units.append("\n")
            starts.append(i)
            i += 2
            continue
        units.append(ch)
        starts.append(i)
        if utf16 and ord(ch) > 0xFFFF:
            units.append("")  # the low surrogate: no text of its own
            starts.append(-1)
        i += 1
    starts.append(n)
    return _Units(name, tuple(units), tuple(starts))


def utf16_offsets(data: str, start: int, end: int) -> tuple[int, int]:
    """Code-point offsets → UTF-16 offsets (what a browser would write); for tests and tools."""
    return (
        len(data[:start].encode("utf-16-le")) // 2,
        len(data[:end].encode("utf-16-le")) // 2,
    )
