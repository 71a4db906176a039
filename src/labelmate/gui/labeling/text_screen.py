"""The text labeling screen: spans, choices, ratings, free-text answers, system prompts.

Wiring only, like the image screen: every answer becomes a core edit saved through
the session (one transaction each) and pushed on the task's undo stack. The text is
one read-only view per `Text`/`HyperText` object; the answer controls sit below it.
A `TextArea` that holds a system prompt gets the live prompt linter and a table of
test cases (input → expected behaviour), stored with the answer.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from labelmate.core.edits import InsertRegions, RegionEdit, ReplaceRegions, remove_regions
from labelmate.core.errors import LabelmateError
from labelmate.core.labeling_interface import ControlTag
from labelmate.core.models import Project, Task
from labelmate.core.regions import Choices, Rating, RegionBase, Span, TextAnswer
from labelmate.gui.canvas.items import label_colour
from labelmate.gui.labeling.task_screen import TaskActions, TaskScreen, make_action
from labelmate.gui.labeling.text_views import (
    AnswerEditor,
    ChoicesBox,
    RatingBox,
    SpanTextView,
    snap_to_words,
)
from labelmate.gui.panels.hints_panel import HintsPanel
from labelmate.gui.panels.labels_panel import LabelsPanel
from labelmate.gui.panels.region_list import RegionListPanel
from labelmate.store import Workspace
from labelmate.usecases.labeling import LabelingSession, ProjectContext

if TYPE_CHECKING:
    from labelmate.core.hints import Hint

TEXT_OBJECTS = {"text", "hypertext"}
_TAG = re.compile(r"<[^>]+>")
SEVERITY_MARK = {"error": "✖", "warning": "▲", "info": "ℹ"}


def _plain(value: Any, tag: str) -> str:
    """The text a view shows: HyperText loses its tags (spans on it are not supported)."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return html.unescape(_TAG.sub("", text)) if tag == "hypertext" else text


def is_prompt_control(control: ControlTag, context: ProjectContext) -> bool:
    """A TextArea where the annotator writes a system prompt."""
    if control.type != "textarea":
        return False
    rubric_id = context.project.rubric_id or ""
    return "prompt" in control.name.lower() or rubric_id == "system-prompt"


class TextLabelingScreen(TaskScreen):
    """One text task at a time; `open_task` switches."""

    def __init__(self, workspace: Workspace, actions: TaskActions, parent=None) -> None:
        super().__init__(workspace, actions, parent)
        self.labels_panel = LabelsPanel()
        self.region_panel = RegionListPanel()
        self.hints_panel = HintsPanel()
        self.toolbar = QToolBar("Text", self)
        self.toolbar.setObjectName("textToolbar")
        self.snap_action = make_action(
            self, "Snap to words", "Ctrl+W", self._snap_toggled, checkable=True
        )
        self.snap_action.setChecked(QSettings().value("labeling/snap_words", True, type=bool))
        self.addAction(self.snap_action)
        self.toolbar.addAction(self.snap_action)
        self.menu_actions: tuple[QAction, ...] = (self.snap_action,)

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setObjectName("taskHeader")
        self.text_area = QWidget()
        self.text_layout = QVBoxLayout(self.text_area)
        self.text_layout.setContentsMargins(0, 0, 0, 0)
        self.controls_area = QWidget()
        self.controls_layout = QVBoxLayout(self.controls_area)
        self.controls_layout.setContentsMargins(6, 6, 6, 6)
        self.controls_scroll = QScrollArea()
        self.controls_scroll.setWidgetResizable(True)
        self.controls_scroll.setWidget(self.controls_area)
        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.addWidget(self.text_area)
        self.body.addWidget(self.controls_scroll)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info)
        layout.addWidget(self.header)
        layout.addWidget(self.body, 1)

        self.views: dict[str, SpanTextView] = {}
        self.choice_boxes: dict[str, ChoicesBox] = {}
        self.rating_boxes: dict[str, RatingBox] = {}
        self.editors: dict[str, AnswerEditor] = {}
        self.findings: dict[str, QListWidget] = {}
        self.test_tables: dict[str, QTableWidget] = {}
        self._built_for: ProjectContext | None = None
        self._colours: dict[tuple[str, str], QColor] = {}
        self.active: tuple[str, str] | None = None  # span control, label
        self.selected: list[str] = []
        self._lint_rules: Any = None
        self._lint_timer = QTimer(self, singleShot=True, interval=300)
        self._lint_timer.timeout.connect(self._lint_now)
        self.labels_panel.labelChosen.connect(self.choose_label)
        self.region_panel.selectionChanged.connect(self.select)
        self.hints_panel.regionsClicked.connect(self.select)

    # -- building the screen for a project ------------------------------------------------

    def _build(self, context: ProjectContext) -> None:
        if self._built_for is context:
            return
        self._built_for = context
        for layout in (self.text_layout, self.controls_layout):
            while layout.count():
                item = layout.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
        self.views, self.choice_boxes, self.rating_boxes = {}, {}, {}
        self.editors, self.findings, self.test_tables = {}, {}, {}
        interface = context.interface
        hotkeys = interface.hotkeys()
        headers = [h.value for h in interface.headers if not h.data_key]
        self.header.setText("<b>" + html.escape(" · ".join(headers)) + "</b>" if headers else "")
        self.header.setVisible(bool(headers))
        for obj in interface.objects:
            if obj.tag.lower() not in TEXT_OBJECTS:
                continue
            view = SpanTextView(obj.name)
            view.colour_of = self.colour_of
            view.selectionMade.connect(lambda s, e, v=view: self._span_from_selection(v, s, e))
            view.spanClicked.connect(lambda rid: self.select([rid]))
            view.emptyClick.connect(lambda: self.select([]))
            view.deleteRequested.connect(self.delete_selected)
            self.watch_activity(view.viewport())
            self.watch_activity(view)
            if len([o for o in interface.objects if o.tag.lower() in TEXT_OBJECTS]) > 1:
                self.text_layout.addWidget(QLabel(f"<b>{html.escape(obj.name)}</b>"))
            self.text_layout.addWidget(view, 1)
            self.views[obj.name] = view
        entries = []
        self._colours = {}
        fallback = interface.palette_colours()
        for control in interface.controls:
            title = control.name.replace("_", " ")
            if control.type == "labels":
                for option in control.options:
                    label = (control.name, option.result_value)
                    colour = label_colour(option.background, fallback[label])
                    self._colours[label] = colour
                    key = hotkeys[control.name].get(option.result_value)
                    entries.append((control.name, option.result_value, colour, key))
            elif control.type == "choices":
                box = ChoicesBox(control, hotkeys.get(control.name, {}), title)
                box.changed.connect(self._choices_changed)
                self.controls_layout.addWidget(box)
                self.choice_boxes[control.name] = box
            elif control.type == "rating":
                rating = RatingBox(control, title)
                rating.changed.connect(self._rating_changed)
                self.controls_layout.addWidget(rating)
                self.rating_boxes[control.name] = rating
            elif control.type == "textarea":
                self._build_answer(control, context, title)
        self.controls_layout.addStretch(1)
        # Widgets added to a showing parent appear only on the next event loop turn;
        # show them now so the screen is complete as soon as it is opened.
        for area in (self.text_area, self.controls_area):
            for child in area.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            ):
                child.show()
        answers = self.choice_boxes or self.rating_boxes or self.editors
        self.controls_scroll.setVisible(bool(answers))
        self.labels_panel.set_labels(entries, show_controls=len({e[0] for e in entries}) > 1)
        self.active = (entries[0][0], entries[0][1]) if entries else None
        self.snap_action.setEnabled(bool(entries))  # only spans snap
        self.labels_panel.set_active(*(self.active or (None, None)))
        # A system prompt needs room: give the answers the larger share.
        prompt = any(is_prompt_control(c, context) for c in interface.controls)
        self.body.setSizes([300, 500] if prompt else [500, 250])

    def _build_answer(self, control: ControlTag, context: ProjectContext, title: str) -> None:
        editor = AnswerEditor(control)
        editor.committed.connect(self._answer_committed)
        self.watch_activity(editor)
        self.editors[control.name] = editor
        self.controls_layout.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
        if not is_prompt_control(control, context):
            editor.setMinimumHeight(22 * max(control.rows or 3, 2))
            self.controls_layout.addWidget(editor)
            return
        editor.setMinimumHeight(260)
        editor.textChanged.connect(self._lint_timer.start)
        findings = QListWidget(objectName=f"findings_{control.name}")
        findings.setMaximumHeight(160)
        findings.setWordWrap(True)
        findings.itemClicked.connect(lambda item, e=editor: self._go_to_line(e, item))
        self.findings[control.name] = findings
        table = QTableWidget(0, 2, objectName=f"tests_{control.name}")
        table.setHorizontalHeaderLabels(["Test input", "Expected behaviour"])
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setMinimumHeight(140)
        table.itemChanged.connect(lambda _item, name=control.name: self._tests_changed(name))
        self.test_tables[control.name] = table
        add = QPushButton("Add test case")
        add.clicked.connect(lambda _=False, t=table: self._add_test_row(t))
        remove = QPushButton("Remove selected")
        remove.clicked.connect(lambda _=False, t=table, n=control.name: self._remove_tests(t, n))
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        self.controls_layout.addWidget(editor)
        self.controls_layout.addWidget(QLabel("Linter findings (live):"))
        self.controls_layout.addWidget(findings)
        self.controls_layout.addWidget(QLabel("<b>Test cases</b> — what should the model do?"))
        self.controls_layout.addWidget(table)
        self.controls_layout.addLayout(buttons)

    def colour_of(self, region: RegionBase) -> QColor:
        label = region.labels[0] if region.labels else ""
        return self._colours.get((region.control, label), QColor("#9E9E9E"))

    # -- opening tasks -------------------------------------------------------------------

    def open_task(self, project: Project, task: Task | None) -> None:
        for editor in self.editors.values():
            editor.commit()  # an answer typed a moment ago is saved to its own task
        session = self.open_session(project, task)
        if session is None:
            for view in self.views.values():
                view.set_text("")
                view.set_spans([], [])
            self.after_change()
            return
        self._build(session.context)
        self.selected = []
        for obj in session.context.interface.objects:
            view = self.views.get(obj.name)
            if view is not None:
                raw = session.task.data.get(obj.data_key) if obj.data_key else obj.value
                view.set_text(_plain(raw, obj.tag.lower()))
        self.after_change()

    def leave_task(self) -> None:
        for editor in self.editors.values():
            editor.commit()
        super().leave_task()

    def show_session(self, session: LabelingSession | None) -> None:
        regions = session.regions if session else ()
        self.selected = [rid for rid in self.selected if any(r.id == rid for r in regions)]
        for name, view in self.views.items():
            spans = [r for r in regions if isinstance(r, Span) and r.target == name]
            view.set_spans(spans, self.selected)
        by_control = {r.control: r for r in regions}
        for name, box in self.choice_boxes.items():
            region = by_control.get(name)
            box.set_values(region.labels if isinstance(region, Choices) else ())
        for name, rating in self.rating_boxes.items():
            region = by_control.get(name)
            rating.set_value(region.rating if isinstance(region, Rating) else 0)
        for name, editor in self.editors.items():
            region = by_control.get(name)
            answer = region if isinstance(region, TextAnswer) else None
            editor.set_answer("\n".join(answer.text) if answer else "")
            if name in self.test_tables:
                self._show_tests(name, answer)
        if any(self.findings):
            self._lint_now()
        self.region_panel.set_regions(list(regions), self.colour_of)
        self.region_panel.select(self.selected)

    def focused_region_id(self) -> str | None:
        return self.selected[0] if len(self.selected) == 1 else None

    def task_text(self) -> str | None:
        return self._task_text()

    def info_text(self) -> str:
        if self.active is None:
            return ""
        snap = "snap to words on" if self.snap_action.isChecked() else "snap to words off"
        return f"span label: {self.active[1]} · {snap}"

    # -- spans ---------------------------------------------------------------------------

    def _span_control(self, target: str) -> ControlTag | None:
        if self.session is None:
            return None
        interface = self.session.context.interface
        wanted = self.active[0] if self.active else None
        labels = [c for c in interface.controls if c.type == "labels" and target in c.to_names]
        return next((c for c in labels if c.name == wanted), labels[0] if labels else None)

    def _span_from_selection(self, view: SpanTextView, start: int, end: int) -> None:
        control = self._span_control(view.name)
        if control is None or self.active is None or self.session is None:
            return
        label = self.active[1] if self.active[0] == control.name else control.options[0].value
        self.add_span(view, start, end, label, control)

    def add_span(
        self, view: SpanTextView, start: int, end: int, label: str, control: ControlTag
    ) -> None:
        assert self.session is not None
        if self.snap_action.isChecked():
            start, end = snap_to_words(view.text, start, end)
        view.clear_selection()
        if end <= start:
            self.message.emit("Nothing to label: the selection holds only spaces.")
            return
        span = Span(
            control=control.name,
            target=view.name,
            labels=(label,),
            start=start,
            end=end,
            text=view.text[start:end],
        )
        n = len(self.session.regions)
        if self.apply_edit(InsertRegions(((n, span),), "add", f"Label {label}")):
            self.select([span.id])

    def select(self, ids: list[str]) -> None:
        self.selected = list(ids)
        for view in self.views.values():
            view.set_spans(view.spans, self.selected)
        self.region_panel.select(self.selected)
        self._hint_timer.start()

    def delete_selected(self) -> None:
        if self.session is None or not self.selected:
            return
        ids = [r.id for r in self.session.regions if r.id in self.selected]
        if ids:
            self.apply_edit(remove_regions(self.session.regions, ids))

    def choose_label(self, control: str, value: str) -> None:
        """The label for the next span; relabels the selected spans of that control, or
        labels the text selected in the view."""
        if self.session is None:
            return
        self.active = (control, value)
        self.labels_panel.set_active(control, value)
        ctl = self.session.context.interface.control(control)
        for view in self.views.values():
            picked = view.selection()
            if picked is not None and ctl is not None and view.name in ctl.to_names:
                self.add_span(view, *picked, value, ctl)
                return
        chosen = [r for r in self.session.regions if r.id in self.selected and r.control == control]
        before = tuple(r for r in chosen if r.labels != (value,))
        if before:
            after = tuple(r.model_copy(update={"labels": (value,)}) for r in before)
            self.apply_edit(ReplaceRegions(before, after, "label", f"Label as {value}"))
        self.show_info()

    def hotkey(self, key: str) -> None:
        if self.session is None:
            return
        hotkeys = self.session.context.interface.hotkeys()
        order = sorted(hotkeys, key=lambda name: name != (self.active or ("",))[0])
        for name in order:
            for value, k in hotkeys[name].items():
                if k.lower() != key.lower():
                    continue
                if name in self.choice_boxes:
                    self.choice_boxes[name].toggle(value)
                    return
                control = self.session.context.interface.control(name)
                if control is not None and control.type == "labels":
                    self.choose_label(name, value)
                    return

    def _snap_toggled(self) -> None:
        QSettings().setValue("labeling/snap_words", self.snap_action.isChecked())
        self.show_info()

    # -- answers -------------------------------------------------------------------------

    def _replace_answer(self, control_name: str, new: RegionBase | None, text: str) -> None:
        """Insert, replace or remove the one region a control's answer lives in."""
        session = self.session
        if session is None:
            return
        current = next((r for r in session.regions if r.control == control_name), None)
        edit: RegionEdit | None = None
        if current is None and new is not None:
            edit = InsertRegions(((len(session.regions), new),), "label", text)
        elif current is not None and new is None:
            edit = remove_regions(session.regions, [current.id])
        elif current is not None and new is not None and current != new:
            new = new.model_copy(update={"id": current.id})
            edit = ReplaceRegions((current,), (new,), "label", text)
        if edit is not None:
            self.apply_edit(edit)

    def _target(self, control_name: str) -> str:
        assert self.session is not None
        control = self.session.context.interface.control(control_name)
        return control.to_names[0] if control and control.to_names else control_name

    def _choices_changed(self, control: str, values: tuple[str, ...]) -> None:
        new = (
            Choices(control=control, target=self._target(control), labels=values)
            if values
            else None
        )
        self._replace_answer(control, new, "Choose " + (", ".join(values) or "nothing"))

    def _rating_changed(self, control: str, value: int) -> None:
        new = Rating(control=control, target=self._target(control), rating=value) if value else None
        self._replace_answer(control, new, f"Rate {value}" if value else "Clear rating")

    def _answer_region(
        self, control: str, text: str, tests: list[dict[str, str]]
    ) -> TextAnswer | None:
        if not text and not tests:
            return None
        extra = {"test_cases": tests} if tests else {}
        return TextAnswer(control=control, target=self._target(control), text=(text,), extra=extra)

    def _answer_committed(self, control: str, text: str) -> None:
        tests = self._tests_of(control)
        self._replace_answer(control, self._answer_region(control, text, tests), "Edit answer")

    # -- system prompts: lint and test cases ----------------------------------------------

    def _rules(self) -> Any:
        if self._lint_rules is None:
            from labelmate.usecases.prompt_lint import load_lint_rules

            self._lint_rules = load_lint_rules()
        return self._lint_rules

    def lint_findings(self, control: str) -> list[Any]:
        from labelmate.core.prompt_lint import lint_prompt

        editor = self.editors[control]
        try:
            return lint_prompt(editor.toPlainText(), self._rules())
        except LabelmateError as exc:
            self.message.emit(f"Prompt linter unavailable: {exc}")
            return []

    def _lint_now(self) -> None:
        for name, widget in self.findings.items():
            widget.clear()
            found = self.lint_findings(name)
            for finding in found:
                mark = SEVERITY_MARK.get(finding.severity, "•")
                item = QListWidgetItem(
                    f"{mark} line {finding.line}: {finding.message}  [{finding.rule}]"
                )
                item.setData(Qt.ItemDataRole.UserRole, finding.line)
                widget.addItem(item)
            if not found:
                widget.addItem(
                    "✓ No findings: role, tone, format, edge cases and examples are covered."
                )
        self._hint_timer.start()

    def _go_to_line(self, editor: AnswerEditor, item: QListWidgetItem) -> None:
        line = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(line, int):
            return
        block = editor.document().findBlockByNumber(max(line - 1, 0))
        cursor = editor.textCursor()
        cursor.setPosition(block.position())
        editor.setTextCursor(cursor)
        editor.setFocus()

    def _tests_of(self, control: str) -> list[dict[str, str]]:
        table = self.test_tables.get(control)
        if table is None:
            return []
        out = []
        for row in range(table.rowCount()):
            cells = [table.item(row, c) for c in (0, 1)]
            given, expected = (c.text().strip() if c else "" for c in cells)
            if given or expected:
                out.append({"input": given, "expected": expected})
        return out

    def _show_tests(self, control: str, answer: TextAnswer | None) -> None:
        table = self.test_tables[control]
        tests = answer.extra.get("test_cases", []) if answer else []
        if self._tests_of(control) == tests:
            return
        table.blockSignals(True)
        table.setRowCount(0)
        for test in tests:
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, QTableWidgetItem(str(test.get("input", ""))))
            table.setItem(row, 1, QTableWidgetItem(str(test.get("expected", ""))))
        table.blockSignals(False)

    def _add_test_row(self, table: QTableWidget) -> None:
        row = table.rowCount()
        table.insertRow(row)
        table.setCurrentCell(row, 0)
        table.editItem(table.item(row, 0) or QTableWidgetItem())

    def _remove_tests(self, table: QTableWidget, control: str) -> None:
        rows = sorted({i.row() for i in table.selectedIndexes()}, reverse=True)
        for row in rows:
            table.removeRow(row)
        self._tests_changed(control)

    def _tests_changed(self, control: str) -> None:
        editor = self.editors[control]
        editor.commit()
        region = self._answer_region(control, editor.toPlainText(), self._tests_of(control))
        self._replace_answer(control, region, "Edit test cases")

    # -- done rules ----------------------------------------------------------------------

    def can_mark_done(self) -> str | None:
        if self.session is None:
            return None
        for editor in self.editors.values():
            editor.commit()
        answered = {r.control for r in self.session.regions}
        for control in self.session.context.interface.controls:
            if control.required and control.name not in answered:
                return control.required_message or f"'{control.name}' needs an answer"
        return None

    # -- hints and Check -------------------------------------------------------------------

    def refresh_hints(self) -> None:
        session = self.session
        if session is None:
            self.hints_panel.set_hints("", [])
            return
        if self.hints_hidden():
            self.hints_panel.set_hints("Exam mode: hints appear once you mark the task done.", [])
            return
        hints: list[Hint] = []
        title = "Select a span, or press Check (Ctrl+Enter) for the whole task."
        try:
            if self.findings:
                hints, title = self._prompt_hints(session)
            elif self._check_shown:
                from labelmate.core.text_hints import text_check_hints

                hints = text_check_hints(
                    session.regions, self._task_text(), session.gold, session.context.rubric
                )
                title = "Check: the whole task" + (
                    " against gold" if session.gold is not None else ""
                )
            elif len(self.selected) == 1:
                span = session.region(self.selected[0])
                view = self.views.get(span.target) if isinstance(span, Span) else None
                if isinstance(span, Span) and view is not None:
                    from labelmate.core.text_hints import span_hints

                    spans = [r for r in session.regions if isinstance(r, Span)]
                    hints = span_hints(span, spans, view.text, session.gold, session.context.rubric)
                    title = f"Span “{(span.text or '')[:40]}”"
        except (ValueError, LabelmateError) as exc:
            title = f"No hints: {exc}"
        self.hints_panel.set_hints(title, self.with_rulings(hints))

    def _prompt_hints(self, session: LabelingSession) -> tuple[list[Hint], str]:
        """The linter's findings as hints, with the level their count implies."""
        from labelmate.core.hints import Hint, implied_levels
        from labelmate.core.prompt_lint import prompt_metrics

        hints: list[Hint] = []
        for name in self.findings:
            text = self.editors[name].toPlainText()
            measured = prompt_metrics(text, self._rules())
            rubric = session.context.rubric
            levels = implied_levels(rubric, measured) if rubric is not None else []
            count = measured["prompt.findings"].value
            for level in levels:
                hints.append(
                    Hint(
                        message=f"{count} linter finding(s) → {level.text}",
                        severity=level.severity,
                        source="data",
                        criterion_id=level.criterion_id,
                        criterion_name=level.criterion_name,
                        level_name=level.level_name,
                        level_score=level.level_score,
                        kind="level",
                    )
                )
            tests = len(self._tests_of(name))
            hints.append(
                Hint(
                    message=f"{tests} test case(s) recorded"
                    + ("" if tests >= 3 else " — write at least 3, including an edge case"),
                    severity="good" if tests >= 3 else "info",
                    source="data",
                    kind="tests",
                )
            )
        return hints, "System prompt: linter and rubric"

    def _task_text(self) -> str | None:
        return next(iter(self.views.values())).text if self.views else None

    def run_check(self) -> None:
        if not self.start_check():
            return
        from labelmate.core.text_hints import text_check_hints

        hints = text_check_hints(
            self.session.regions, self._task_text(), self.session.gold, self.session.context.rubric
        )
        marks: dict[str, list[tuple[int, int, QColor, str]]] = {name: [] for name in self.views}
        for hint in hints:
            gold = hint.gold_region
            if hint.kind == "missed" and isinstance(gold, Span) and gold.target in marks:
                marks[gold.target].append(
                    (gold.start, gold.end, QColor("#F9A825"), f"missed: {', '.join(gold.labels)}")
                )
        for name, view in self.views.items():
            view.set_marks(marks[name])
        self.refresh_hints()
        missed = sum(h.kind == "missed" for h in hints)
        extra = sum(h.kind == "extra" for h in hints)
        wrong = sum(h.kind == "wrong-label" for h in hints)
        self.message.emit(f"Check: {missed} missed, {extra} extra, {wrong} wrong label(s).")

    def after_change(self) -> None:
        if self._check_shown:
            self._check_shown = False
            for view in self.views.values():
                view.set_marks([])
        super().after_change()
