"""Widgets of the text labeling screen: the span text view and the answer controls.

`SpanTextView` shows a task's text read-only and draws spans as extra selections,
so a 1 MB text with thousands of spans is one QPlainTextEdit, not a widget per
character or per span. Offsets shown to the user and stored are Python code points;
`labelmate.core.text_offsets.ViewOffsets` converts to and from the document's
positions (UTF-16, with \\r\\n as one position).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QRadioButton,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from labelmate.core.labeling_interface import ControlTag
from labelmate.core.regions import Span
from labelmate.core.text_offsets import ViewOffsets

WORD_CHARS = str.isalnum
VISIBLE_MARGIN = 4000  # document positions drawn beyond the visible text, each side


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow [start, end) to whole words and trim whitespace at both edges.

    A selection that starts or ends inside a word takes the whole word, as Label
    Studio's word granularity does; spaces picked up at the edges are dropped.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, end
    while start > 0 and WORD_CHARS(text[start - 1]) and WORD_CHARS(text[start]):
        start -= 1
    while end < len(text) and WORD_CHARS(text[end]) and WORD_CHARS(text[end - 1]):
        end += 1
    return start, end


class SpanTextView(QPlainTextEdit):
    """A read-only text whose mouse selections become spans."""

    selectionMade = Signal(int, int)  # code-point start, end (a new span wanted)
    spanClicked = Signal(str)  # region id
    emptyClick = Signal()
    deleteRequested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"text_{name}")
        self.name = name
        self.setReadOnly(True)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.25)  # reading text all day
        self.setFont(font)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.text = ""
        self.offsets = ViewOffsets("")
        self.spans: list[Span] = []
        self.selected: list[str] = []
        self.colour_of: Callable[[Span], QColor] = lambda span: QColor("#E53935")
        self.marks: list[tuple[int, int, QColor, str]] = []  # Check findings: missed gold
        self._cursors: dict[tuple[int, int], QTextCursor] = {}
        self._ordered: list[Span] = []
        self._built = (0, 0)  # code points the extra selections cover
        self.verticalScrollBar().valueChanged.connect(self._on_scroll)
        self._formats: dict[object, QTextCharFormat] = {}
        self._press_pos: int | None = None

    def set_text(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        self.offsets = ViewOffsets(text)
        self._cursors = {}
        self.spans, self._ordered, self.marks = [], [], []
        self.setExtraSelections([])
        self.setPlainText(text)

    # -- offsets ----------------------------------------------------------------------

    def selection(self) -> tuple[int, int] | None:
        """The selected text as code-point offsets, or None when nothing is selected."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start = self.offsets.to_code_point(cursor.selectionStart())
        end = self.offsets.to_code_point(cursor.selectionEnd())
        return (start, end) if end > start else None

    def select_range(self, start: int, end: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(self.offsets.to_view(start))
        cursor.setPosition(self.offsets.to_view(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def clear_selection(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    # -- spans ------------------------------------------------------------------------

    def set_spans(self, spans: Sequence[Span], selected: Sequence[str]) -> None:
        self.spans = list(spans)
        self._ordered = sorted(self.spans, key=lambda s: (s.start, -s.end))
        self.selected = list(selected)
        self._redraw()

    def _visible_range(self) -> tuple[int, int]:
        """Code points on screen, widened by a margin so small scrolls need no redraw."""
        first = self.firstVisibleBlock().position()
        corner = self.viewport().rect().bottomRight()
        last = self.cursorForPosition(corner).position()
        margin = VISIBLE_MARGIN
        lo = self.offsets.to_code_point(max(first - margin, 0))
        hi = self.offsets.to_code_point(min(last + margin, self.offsets.view_length()))
        return lo, hi

    def _on_scroll(self, *_args: object) -> None:
        lo, hi = self._visible_range()
        built_lo, built_hi = self._built
        margin = VISIBLE_MARGIN // 2
        if lo + margin < built_lo or hi - margin > built_hi or (lo, hi) == (0, 0):
            self._redraw()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._on_scroll()

    def _redraw(self) -> None:
        """Extra selections for the spans near the visible part of the text only.

        A selection needs a cursor, and a cursor two position look-ups in the
        document; building them for 5,000 spans of a 1 MB text would take most of a
        second on every change, so only what can be seen (plus a margin) is built,
        and cursors of unchanged spans are reused.
        """
        lo, hi = self._visible_range()
        self._built = (lo, hi)
        chosen = set(self.selected)
        cache: dict[tuple[int, int], QTextCursor] = {}
        extra: list[QTextEdit.ExtraSelection] = []
        ordered = [s for s in self._ordered if s.start < hi and s.end > lo]
        for span in ordered:
            cursor = self._cursor(span.start, span.end)
            cache[(span.start, span.end)] = cursor
            extra.append(self._selection(cursor, self._format(span, span.id in chosen)))
        # Overlaps drawn on top with a hatch, so two labels on the same characters
        # are never mistaken for one.
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if b.start >= a.end:
                    break
                if b.labels != a.labels:
                    cursor = self._cursor(b.start, min(a.end, b.end))
                    extra.append(self._selection(cursor, self._overlap_format()))
        for start, end, colour, tip in self.marks:
            if start < hi and end > lo:
                fmt = QTextCharFormat()
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline)
                fmt.setUnderlineColor(colour)
                fmt.setToolTip(tip)
                extra.append(self._selection(self._cursor(start, end), fmt))
        self._cursors = cache
        self.setExtraSelections(extra)

    def set_marks(self, marks: list[tuple[int, int, QColor, str]]) -> None:
        self.marks = marks
        self._redraw()

    def _format(self, span: Span, selected: bool) -> QTextCharFormat:
        """One shared format per colour and state: spans of a label look alike."""
        colour = self.colour_of(span)
        key = (colour.rgba(), selected)
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            fill = QColor(colour)
            fill.setAlpha(110 if selected else 60)
            fmt.setBackground(fill)
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(colour)
            if selected:
                fmt.setFontWeight(700)
            self._formats[key] = fmt
        return fmt

    def _overlap_format(self) -> QTextCharFormat:
        fmt = self._formats.get("overlap")
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(QBrush(QColor(0, 0, 0, 90), Qt.BrushStyle.BDiagPattern))
            self._formats["overlap"] = fmt
        return fmt

    def _cursor(self, start: int, end: int) -> QTextCursor:
        cached = self._cursors.get((start, end))
        if cached is not None:
            return cached
        # An imported span may run past the text (kept as written, and flagged).
        n = len(self.text)
        a, b = min(max(start, 0), n), min(max(end, 0), n)
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.offsets.to_view(a))
        cursor.setPosition(self.offsets.to_view(b), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    @staticmethod
    def _selection(cursor: QTextCursor, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        selection.format = fmt
        return selection

    def span_at(self, cp: int) -> Span | None:
        """The shortest span covering code point `cp` (the innermost of nested spans)."""
        hits = [s for s in self.spans if s.start <= cp < s.end]
        return min(hits, key=lambda s: s.end - s.start) if hits else None

    # -- mouse and keys ---------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deleteRequested.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.clear_selection()
            self.emptyClick.emit()  # drops the span selection too
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self._press_pos = self.cursorForPosition(event.position().toPoint()).position()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        picked = self.selection()
        if picked is not None:
            self.selectionMade.emit(*picked)
            return
        pos = self.cursorForPosition(event.position().toPoint()).position()
        span = self.span_at(self.offsets.to_code_point(pos))
        if span is not None:
            self.spanClicked.emit(span.id)
        else:
            self.emptyClick.emit()


class ChoicesBox(QGroupBox):
    """A `Choices` control: radio buttons (single) or check boxes (multiple)."""

    changed = Signal(str, tuple)  # control name, chosen values

    def __init__(self, control: ControlTag, hotkeys: dict[str, str], title: str) -> None:
        super().__init__(title)
        self.setObjectName(f"choices_{control.name}")
        self.control = control
        self.multiple = control.choice == "multiple"
        layout = QHBoxLayout(self) if control.show_inline else QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)
        self.buttons: dict[str, QAbstractButton] = {}
        for option in control.options:
            key = hotkeys.get(option.result_value)
            text = f"{option.value}  [{key}]" if key else option.value
            button: QAbstractButton = QCheckBox(text) if self.multiple else QRadioButton(text)
            button.setAutoExclusive(False)
            if option.hint:
                button.setToolTip(option.hint)
            self.group.addButton(button)
            self.buttons[option.result_value] = button
            layout.addWidget(button)
        if control.show_inline:
            layout.addStretch(1)
        self.group.buttonClicked.connect(self._clicked)

    def set_values(self, values: Sequence[str]) -> None:
        with QSignalBlocker(self.group):
            for value, button in self.buttons.items():
                button.setChecked(value in values)

    def values(self) -> tuple[str, ...]:
        return tuple(v for v, b in self.buttons.items() if b.isChecked())

    def toggle(self, value: str) -> None:
        """What a hotkey does: pick the value (single), or flip it (multiple)."""
        button = self.buttons[value]
        button.setChecked(not button.isChecked() if self.multiple else True)
        self._clicked(button)

    def _clicked(self, clicked: QAbstractButton) -> None:
        if not self.multiple and clicked.isChecked():
            with QSignalBlocker(self.group):
                for button in self.buttons.values():
                    if button is not clicked:
                        button.setChecked(False)
        self.changed.emit(self.control.name, self.values())


class RatingBox(QGroupBox):
    """A `Rating` control: stars 1..max; clicking the current rating clears it."""

    changed = Signal(str, int)  # control name, rating (0 = none)

    def __init__(self, control: ControlTag, title: str) -> None:
        super().__init__(title)
        self.setObjectName(f"rating_{control.name}")
        self.control = control
        self.value = 0
        layout = QHBoxLayout(self)
        self.stars: list[QToolButton] = []
        for n in range(1, (control.max_rating or 5) + 1):
            star = QToolButton(text="☆")
            star.setToolTip(f"{n} of {control.max_rating or 5}")
            star.clicked.connect(lambda _=False, k=n: self._clicked(k))
            self.stars.append(star)
            layout.addWidget(star)
        layout.addStretch(1)

    def set_value(self, value: int) -> None:
        self.value = value
        for n, star in enumerate(self.stars, start=1):
            star.setText("★" if n <= value else "☆")

    def _clicked(self, n: int) -> None:
        self.changed.emit(self.control.name, 0 if n == self.value else n)


class AnswerEditor(QPlainTextEdit):
    """A `TextArea` answer: saved a moment after typing stops, and when focus leaves."""

    committed = Signal(str, str)  # control name, text

    def __init__(self, control: ControlTag) -> None:
        super().__init__()
        self.setObjectName(f"answer_{control.name}")
        self.control = control
        if control.placeholder:
            self.setPlaceholderText(control.placeholder)
        self._timer = QTimer(self, singleShot=True, interval=700)
        self._timer.timeout.connect(self.commit)
        self.textChanged.connect(self._timer.start)
        self._saved = ""

    def set_answer(self, text: str) -> None:
        """Show the stored answer (after undo, or a task switch) without saving it again."""
        self._saved = text
        if self.toPlainText() == text:
            return
        with QSignalBlocker(self):
            cursor = self.textCursor().position()
            self.setPlainText(text)
            restored = self.textCursor()
            restored.setPosition(min(cursor, len(self.toPlainText())))
            self.setTextCursor(restored)
        self._timer.stop()

    def commit(self) -> None:
        self._timer.stop()
        text = self.toPlainText()
        if text != self._saved:
            self._saved = text
            self.committed.emit(self.control.name, text)

    def focusOutEvent(self, event) -> None:
        self.commit()
        super().focusOutEvent(event)
