"""The project's rubric at a glance: criteria, their levels, and the rulings so far."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from labelmate.core.rubric import Rubric


def rubric_html(rubric: Rubric | None, problems: tuple[str, ...] = ()) -> str:
    """Escaped HTML: every string comes from a file the user may not have written."""
    if rubric is None:
        if problems:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
            return f"<p>The rubric cannot be used:</p><ul>{items}</ul>"
        return "<p>This project has no rubric. Import one with <i>File → Import</i>.</p>"
    e = html.escape
    scale = {s.score: s.name for s in rubric.scale}
    parts = [f"<h3>{e(rubric.title)}</h3>"]
    rulings_by = {}
    for ruling in rubric.rulings:
        rulings_by.setdefault(ruling.criterion, []).append(ruling)
    for criterion in rubric.criteria:
        manual = " · scored by you" if criterion.manual else ""
        parts.append(f"<p><b>{e(criterion.name)}</b> (weight {criterion.weight:g}{manual})")
        if criterion.question:
            parts.append(f"<br><i>{e(criterion.question)}</i>")
        parts.append("</p><ul>")
        for level in criterion.levels:
            name = level.name or scale.get(level.score, "")
            parts.append(f"<li><b>{level.score:g} {e(name)}</b>: {e(level.descriptor)}</li>")
        parts.append("</ul>")
        for ruling in rulings_by.get(criterion.id, []):
            parts.append(
                f"<p style='margin-left:12px'>⚖ <b>Ruling</b> ({e(str(ruling.decided_on or ''))})"
                f": {e(ruling.answer)}<br><small>{e(ruling.question)}</small></p>"
            )
    general = rulings_by.get(None, [])
    if general:
        parts.append("<p><b>Other rulings</b></p>")
        for ruling in general:
            parts.append(f"<p>⚖ {e(ruling.answer)}<br><small>{e(ruling.question)}</small></p>")
    return "".join(parts)


class RubricPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QTextBrowser(objectName="rubricView")
        self.view.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)

    def show_rubric(self, rubric: Rubric | None, problems: tuple[str, ...] = ()) -> None:
        self.view.setHtml(rubric_html(rubric, problems))
