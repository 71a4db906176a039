"""QUndoCommand around a core edit: Qt's undo stack, the core's semantics.

The edit is applied (and saved) *before* the command is pushed, so a failing edit
never reaches the stack; the first `redo()` that QUndoStack.push makes is skipped.
Undo applies the edit's inverse through the same session, so it is saved too.
Consecutive edits that the core says belong together (arrow-key nudges of the same
regions) merge into one step.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from labelmate.core.edits import RegionEdit

MERGE_ID = 0x4C4D  # any fixed id: QUndoStack only tries mergeWith between equal ids


class EditCommand(QUndoCommand):
    def __init__(self, edit: RegionEdit, apply: Callable[[RegionEdit], bool]) -> None:
        super().__init__(edit.text)
        self.edit = edit
        self._apply = apply
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        if not self._apply(self.edit):
            self.setObsolete(True)

    def undo(self) -> None:
        if not self._apply(self.edit.inverse()):
            self.setObsolete(True)

    def id(self) -> int:
        return MERGE_ID if getattr(self.edit, "merge_key", None) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand):
            return False
        merged = self.edit.merge(other.edit)
        if merged is None:
            return False
        self.edit = merged
        return True
