"""Python code-point offsets ↔ positions in another tool's count of the same text.

Span regions store Python code-point offsets (`text[start:end]`). A Qt text document
filled with `setPlainText` counts differently: UTF-16 code units, so a character
above U+FFFF (an emoji such as 😀) takes two positions, and a "\\r\\n" pair becomes
one paragraph break, one position. Lone "\\r", "\\n", U+2028 and U+2029 are one
position each, as they are one code point each. A browser counts UTF-16 too, which is
why Label Studio offsets can need the same remap (formats.md §8.10).

`ViewOffsets` converts both ways in O(log k), k being the number of astral characters
and "\\r\\n" pairs in the text. It keeps only those k code-point indices (and their
running totals) in compact arrays, so a 1 MB text of plain prose costs nothing: with
no such character both directions are the identity.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left

__all__ = ["ViewOffsets"]

_ASTRAL = "[\U00010000-\U0010ffff]"


class ViewOffsets:
    """Code-point offsets into `text` ↔ positions in a view that counts it differently.

    By default the view is a Qt text document (`QPlainTextEdit.setPlainText(text)`):
    UTF-16 code units with "\\r\\n" as one position. `utf16=False` counts astral
    characters as one position, `crlf=False` counts "\\r\\n" as two; with both off the
    mapping is the identity.

    Offsets are boundaries (0..len(text)), not characters. A view position that falls
    inside a character — the second half of a surrogate pair — maps to the start of
    that character. A code-point offset between the "\\r" and the "\\n" of a pair (not
    a boundary the view has) maps to the position of the pair, like its start.
    """

    __slots__ = ("_at", "_before", "_length", "_view", "_view_length")

    def __init__(self, text: str, *, utf16: bool = True, crlf: bool = True) -> None:
        self._length = len(text)
        parts = [p for p, on in ((_ASTRAL, utf16), (r"\r\n", crlf)) if on]
        at = array("q")  # code-point index of each astral character or "\r" of a pair
        before = array("q", [0])  # before[k]: view minus code points before event k
        view = array("q")  # view[k]: the view position of event k
        total = 0
        if parts:
            for m in re.finditer("|".join(parts), text):
                i = m.start()
                at.append(i)
                view.append(i + total)
                total += 1 if m.end() - i == 1 else -1  # astral: +1 unit; "\r\n": -1
                before.append(total)
        self._at, self._before, self._view = at, before, view
        self._view_length = self._length + total

    def __repr__(self) -> str:
        return (
            f"ViewOffsets({self._length} code points, {self._view_length} view positions, "
            f"{len(self._at)} astral or CRLF)"
        )

    def view_length(self) -> int:
        """Positions in the view (a Qt document's characterCount() is one more)."""
        return self._view_length

    def to_view(self, cp: int) -> int:
        """Code-point offset (0..len(text)) → view position."""
        if not 0 <= cp <= self._length:
            raise ValueError(f"code-point offset {cp} is outside 0..{self._length}")
        if not self._at:
            return cp
        return cp + self._before[bisect_left(self._at, cp)]

    def to_code_point(self, pos: int) -> int:
        """View position (0..view_length()) → code-point offset; a position inside a
        surrogate pair snaps to the start of its character."""
        if not 0 <= pos <= self._view_length:
            raise ValueError(f"view position {pos} is outside 0..{self._view_length}")
        if not self._at:
            return pos
        k = bisect_left(self._view, pos)
        if k < len(self._view) and self._view[k] == pos:
            return self._at[k]
        # Past event k-1's character: the running total after it applies (inside an
        # astral character this lands on its start).
        return pos - self._before[k]
