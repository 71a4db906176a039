"""The image labeling screen: canvas, tool bar, and the labels / regions / hints panels.

Wiring only. Gestures arrive from the canvas as core edits; `apply_edit` saves them
through `labelmate.usecases.labeling.LabelingSession` (one transaction each) and
pushes them on the task's own QUndoStack, so undo and redo work per task with no
depth limit and are saved too. Hints come from `labelmate.core.hints`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRunnable, QSettings, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QGuiApplication,
    QImage,
    QKeySequence,
    QUndoGroup,
    QUndoStack,
)
from PySide6.QtWidgets import QLabel, QToolBar, QVBoxLayout, QWidget

from labelmate.core.active_time import ActiveTimer
from labelmate.core.edits import EditError, InsertRegions, RegionEdit, ReplaceRegions, add_regions
from labelmate.core.errors import LabelmateError
from labelmate.core.models import Project, Task, TaskStatus
from labelmate.core.regions import RegionBase, new_region_id
from labelmate.core.shape_edits import moved
from labelmate.gui.canvas import image_source
from labelmate.gui.canvas.items import label_colour, region_outline
from labelmate.gui.canvas.view import TOOL_REGION, CanvasView, Tool
from labelmate.gui.panels.hints_panel import HintsPanel
from labelmate.gui.panels.labels_panel import LabelsPanel
from labelmate.gui.panels.region_list import RegionListPanel
from labelmate.gui.undo import EditCommand
from labelmate.store import Workspace
from labelmate.usecases.labeling import LabelingSession, ProjectContext

if TYPE_CHECKING:
    from labelmate.core.hints import Hint
    from labelmate.core.metrics.image_edges import GrayImage

CONTROL_TOOL = {
    "rectanglelabels": Tool.RECTANGLE,
    "rectangle": Tool.RECTANGLE,
    "polygonlabels": Tool.POLYGON,
    "polygon": Tool.POLYGON,
    "keypointlabels": Tool.KEYPOINT,
    "keypoint": Tool.KEYPOINT,
}
TOOL_KEYS = {Tool.SELECT: "V", Tool.RECTANGLE: "R", Tool.POLYGON: "P", Tool.KEYPOINT: "K"}
TOOL_NAMES = {
    Tool.SELECT: "Select",
    Tool.RECTANGLE: "Rectangle",
    Tool.POLYGON: "Polygon",
    Tool.KEYPOINT: "Keypoint",
}
IDLE_AFTER_S = 60.0


class _FullDecode(QObject, QRunnable):
    done = Signal(object, object)  # task id, QImage or error text

    def __init__(self, task_id: int, path) -> None:
        QObject.__init__(self)
        QRunnable.__init__(self)
        self.setAutoDelete(False)
        self.task_id = task_id
        self.path = path

    def run(self) -> None:
        try:
            image = image_source.load_full(self.path)
        except image_source.ImageLoadError as exc:
            self.done.emit(self.task_id, str(exc))
            return
        self.done.emit(self.task_id, image)


class ImageLabelingScreen(QWidget):
    """One image task at a time; `open_task` switches."""

    nextRequested = Signal()
    previousRequested = Signal()
    statusChanged = Signal(object)  # the task, after its status changed
    message = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.canvas = CanvasView(self)
        self.labels_panel = LabelsPanel()
        self.region_panel = RegionListPanel()
        self.hints_panel = HintsPanel()
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[int, QUndoStack] = {}
        self._sessions: dict[int, LabelingSession] = {}
        self._contexts: dict[int, ProjectContext] = {}
        self.session: LabelingSession | None = None
        self._colours: dict[tuple[str, str], QColor] = {}
        self._gray: GrayImage | None = None
        self._pixels: QImage | None = None  # full-resolution pixels, when we have them
        self._clipboard: list[RegionBase] = []
        self._last_regions: tuple[RegionBase, ...] = ()
        self._check_shown = False
        self._decodes: dict[int, _FullDecode] = {}
        self.timer = ActiveTimer(idle_after=IDLE_AFTER_S)
        self._preview: RegionBase | None = None
        self._hint_timer = QTimer(self, singleShot=True, interval=40)
        self._hint_timer.timeout.connect(self._refresh_hints)

        # The main window puts these in its tool bar area (full width, remembered).
        self.toolbar = QToolBar("Tools", self)
        self.toolbar.setObjectName("labelingToolbar")
        self.task_toolbar = QToolBar("Task", self)
        self.task_toolbar.setObjectName("taskToolbar")
        self.toolbars = (self.toolbar, self.task_toolbar)
        self.info = QLabel()
        self.info.setObjectName("taskInfo")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.info)
        layout.addWidget(self.canvas, 1)
        self._build_actions()

        self.canvas.editRequested.connect(self.apply_edit)
        self.canvas.selectionChanged.connect(self._on_canvas_selection)
        self.canvas.previewChanged.connect(self._on_preview)
        self.canvas.message.connect(self.message)
        self.canvas.detailWanted.connect(self._load_full)
        self.canvas.zoomChanged.connect(self._show_info)
        self.region_panel.selectionChanged.connect(self.canvas.select)
        self.hints_panel.regionsClicked.connect(self.canvas.select)
        self.labels_panel.labelChosen.connect(self.choose_label)
        self.canvas.viewport().installEventFilter(self)
        self.canvas.installEventFilter(self)
        QGuiApplication.instance().applicationStateChanged.connect(self._app_state)
        self._restore_settings()

    # -- actions -------------------------------------------------------------------------

    def _action(
        self, text: str, key: str | QKeySequence | None, slot, *, checkable=False
    ) -> QAction:
        action = QAction(text, self)
        if key:
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{text} ({QKeySequence(key).toString()})")
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.tool_group = QActionGroup(self)
        self.tool_actions: dict[Tool, QAction] = {}
        for tool in Tool:
            action = self._action(
                TOOL_NAMES[tool],
                TOOL_KEYS[tool],
                lambda _=False, t=tool: self.set_tool(t),
                checkable=True,
            )
            self.tool_group.addAction(action)
            self.tool_actions[tool] = action
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        # Menu entries name the step ("Undo Move region"); tool buttons stay short.
        self.undo_action = self.undo_group.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self.undo_group.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo_action, self.redo_action):
            self.addAction(action)
        for text, action, signal in (
            ("Undo", self.undo_action, self.undo_group.canUndoChanged),
            ("Redo", self.redo_action, self.undo_group.canRedoChanged),
        ):
            button = QAction(text, self)
            button.setEnabled(False)
            button.triggered.connect(action.trigger)
            signal.connect(button.setEnabled)
            action.changed.connect(lambda b=button, a=action: b.setToolTip(a.text()))
            self.toolbar.addAction(button)
        self.toolbar.addSeparator()
        self.fit_action = self._action("Fit", "F", self.canvas.fit)
        self.actual_action = self._action("1:1", "Ctrl+0", self.canvas.actual_size)
        self.toolbar.addAction(self.fit_action)
        self.toolbar.addAction(self.actual_action)
        self.prev_action = self._action("◀ Previous", "A", self.previousRequested.emit)
        self.next_action = self._action("Next ▶", "D", self.nextRequested.emit)
        self.task_toolbar.addAction(self.prev_action)
        self.task_toolbar.addAction(self.next_action)
        self.task_toolbar.addSeparator()
        self.keep_action = self._action(
            "Keep previous regions", None, self._remember, checkable=True
        )
        self.keep_action.setToolTip(
            "Copy the regions of the task you just left onto a new task that has none"
        )
        self.task_toolbar.addAction(self.keep_action)
        self.exam_action = self._action("Exam mode", None, self._exam_toggled, checkable=True)
        self.exam_action.setToolTip("Hide hints until the task is marked done")
        self.task_toolbar.addAction(self.exam_action)
        self.task_toolbar.addSeparator()
        self.check_action = self._action("Check", "Ctrl+Return", self.run_check)
        self.done_action = self._action("Done", "Ctrl+D", self.toggle_done, checkable=True)
        self.flag_action = self._action("Flag", "Ctrl+Shift+F", self.toggle_flag, checkable=True)
        for a in (self.check_action, self.done_action, self.flag_action):
            self.task_toolbar.addAction(a)
        self.copy_action = self._action("Copy regions", QKeySequence.StandardKey.Copy, self.copy)
        self.paste_action = self._action(
            "Paste regions", QKeySequence.StandardKey.Paste, self.paste
        )
        self.select_all_action = self._action(
            "Select all", QKeySequence.StandardKey.SelectAll, self._select_all
        )
        self.digit_actions = [
            self._action(f"Label {d}", str(d), lambda _=False, k=str(d): self.hotkey(k))
            for d in range(1, 10)
        ]

    # -- opening tasks -------------------------------------------------------------------

    def context_for(self, project: Project) -> ProjectContext:
        assert project.id is not None
        context = self._contexts.get(project.id)
        if context is None or context.project != project:
            context = ProjectContext.of(project)
            self._contexts[project.id] = context
        return context

    def open_task(self, project: Project, task: Task | None) -> None:
        self.leave_task()
        self.canvas.clear_overlays()
        self._check_shown = False
        if task is None or task.id is None:
            self.session = None
            self.canvas.set_regions([])
            self.canvas.show_message("Choose a task on the left.")
            self._after_change()
            return
        context = self.context_for(project)
        session = self._sessions.get(task.id)
        if session is None or session.context is not context:
            try:
                session = LabelingSession.open(self._ws, context, task)
            except LabelmateError as exc:
                self.session = None
                self.canvas.show_message(f"Cannot open {task.external_id}: {exc}")
                return
            self._sessions[task.id] = session
        session.task = task
        self.session = session
        stack = self._stacks.get(task.id)
        if stack is None:
            stack = QUndoStack(self)
            self._stacks[task.id] = stack
            self.undo_group.addStack(stack)
        self.undo_group.setActiveStack(stack)
        self._setup_labels(context)
        self._load_image(context, task)
        self.canvas.set_regions(session.regions)
        keep = self.keep_action.isChecked() and session.annotation is None and self._last_regions
        if keep and self.canvas.image_size is not None:
            self._paste(self._last_regions, "Keep previous regions")
        self.timer.start()
        self._after_change()

    def leave_task(self) -> None:
        """Save the time spent on the open task (also on quit)."""
        if self.session is None:
            return
        try:
            self.session.record_time(self.timer.take())
        except LabelmateError as exc:
            self.message.emit(f"Could not save the time spent: {exc}")
        self._last_regions = self.session.regions
        self.canvas.cancel_drawing()

    def _load_image(self, context: ProjectContext, task: Task) -> None:
        self._gray = None
        self._pixels = None
        path = context.media_path(task)
        if path is None:
            self.canvas.show_message(f"Task {task.external_id} has no image to show.")
            return
        try:
            info = image_source.read_info(path)
            screen = QGuiApplication.primaryScreen()
            side = 2048
            if screen is not None:
                size = screen.size() * screen.devicePixelRatio()
                side = max(size.width(), size.height(), 1024)
            image, _scale = image_source.load_scaled(path, side)
        except image_source.ImageLoadError as exc:
            self.canvas.show_message(f"{exc}\n\nYour regions are safe; fix the file and reopen.")
            return
        width, height = info.size.width(), info.size.height()
        if (
            task.image_width
            and task.image_height
            and (width, height)
            != (
                task.image_width,
                task.image_height,
            )
        ):
            self.message.emit(
                f"{path.name} is {width}×{height} now but was {task.image_width}×"
                f"{task.image_height} on import; regions are drawn at the stored size."
            )
            width, height = task.image_width, task.image_height
        self.canvas.set_image(image, width, height)
        if image.width() == width and image.height() == height:
            self._pixels = image

    def gray_image(self) -> GrayImage | None:
        """Luminance pixels for edge estimates; only tasks without gold need them, so
        they are made on first use."""
        if self.session is None or self.session.gold is not None or self._pixels is None:
            return None
        if self._gray is None:
            self._gray = _gray(self._pixels)
        return self._gray

    def _load_full(self) -> None:
        session = self.session
        if session is None or session.task.id is None or session.task.id in self._decodes:
            return
        path = session.context.media_path(session.task)
        if path is None:
            return
        job = _FullDecode(session.task.id, path)
        job.done.connect(self._full_loaded, Qt.ConnectionType.QueuedConnection)
        self._decodes[session.task.id] = job
        self.message.emit("Loading the full-resolution image…")
        QThreadPool.globalInstance().start(job)

    def _full_loaded(self, task_id: int, result: object) -> None:
        self._decodes.pop(task_id, None)
        if self.session is None or self.session.task.id != task_id:
            return
        if isinstance(result, QImage):
            self.canvas.set_full_image(result)
            if self._pixels is None:
                self._pixels = result
            self.message.emit("Full resolution loaded.")
        else:
            self.message.emit(str(result))

    # -- labels and tools ----------------------------------------------------------------

    def _setup_labels(self, context: ProjectContext) -> None:
        controls = context.image_controls
        hotkeys = context.interface.hotkeys()
        entries = []
        self._colours = {}
        index = 0
        for control in controls:
            for option in control.options:
                colour = label_colour(option.background, index)
                index += 1
                self._colours[(control.name, option.result_value)] = colour
                entries.append(
                    (
                        control.name,
                        option.result_value,
                        colour,
                        hotkeys[control.name].get(option.result_value),
                    )
                )
        self.labels_panel.set_labels(entries, show_controls=len(controls) > 1)
        self.canvas.colour_of = self.colour_of
        self.canvas.recolour()
        available = {CONTROL_TOOL[c.type] for c in controls if c.type in CONTROL_TOOL}
        for tool, action in self.tool_actions.items():
            action.setEnabled(tool == Tool.SELECT or tool in available)
        wanted = self.canvas.tool if self.canvas.tool in available else None
        if wanted is None:
            remembered = QSettings().value("labeling/tool", "")
            wanted = Tool(remembered) if remembered in {t.value for t in available} else None
        if wanted is None:
            wanted = next(
                (CONTROL_TOOL[c.type] for c in controls if c.type in CONTROL_TOOL), Tool.SELECT
            )
        self.set_tool(wanted)

    def colour_of(self, region: RegionBase) -> QColor:
        label = region.labels[0] if region.labels else None
        colour = self._colours.get((region.control, label or ""))
        return colour if colour is not None else QColor("#9E9E9E")

    def set_tool(self, tool: Tool) -> None:
        self.tool_actions[tool].setChecked(True)
        self.canvas.set_tool(tool)
        control = self._control_for_tool(tool)
        if control is not None:
            self.canvas.control = control.name
            self.canvas.target = control.to_names[0] if control.to_names else "image"
            options = [o.result_value for o in control.options]
            if self.canvas.label not in options:
                self.canvas.label = options[0] if options else None
        if tool != Tool.SELECT:
            QSettings().setValue("labeling/tool", tool.value)
        self.labels_panel.set_active(self.canvas.control, self.canvas.label)
        self._show_info()

    def _control_for_tool(self, tool: Tool):
        if self.session is None:
            return None
        controls = self.session.context.image_controls
        if tool == Tool.SELECT:
            current = self.canvas.control
            return next(
                (c for c in controls if c.name == current), controls[0] if controls else None
            )
        return next((c for c in controls if CONTROL_TOOL.get(c.type) == tool), None)

    def choose_label(self, control: str, value: str) -> None:
        """Make `value` the label for new regions; relabel the selected regions of
        that control."""
        if self.session is None:
            return
        ctl = self.session.context.interface.control(control)
        if (
            ctl is not None
            and self.canvas.tool != Tool.SELECT
            and CONTROL_TOOL.get(ctl.type) != self.canvas.tool
        ):
            self.set_tool(CONTROL_TOOL.get(ctl.type, Tool.SELECT))
        self.canvas.control = control
        self.canvas.label = value
        self.labels_panel.set_active(control, value)
        selected = [
            r
            for r in self.canvas.regions()
            if r.id in self.canvas.selected and r.control == control
        ]
        changed = [
            r.model_copy(update={"labels": (value,)}) for r in selected if r.labels != (value,)
        ]
        if changed:
            before = tuple(r for r in selected if r.labels != (value,))
            self.apply_edit(ReplaceRegions(before, tuple(changed), "label", f"Label as {value}"))
        self._show_info()

    def hotkey(self, key: str) -> None:
        if self.session is None:
            return
        hotkeys = self.session.context.interface.hotkeys()
        control = self.canvas.control
        # The active control first, then any control with that key.
        order = sorted(hotkeys, key=lambda name: name != control)
        image_names = {c.name for c in self.session.context.image_controls}
        for name in order:
            if name not in image_names:
                continue
            for value, k in hotkeys[name].items():
                if k.lower() == key.lower():
                    self.choose_label(name, value)
                    return

    # -- edits ---------------------------------------------------------------------------

    def apply_edit(self, edit: RegionEdit) -> None:
        """Save `edit` now and make it undoable; on failure show why and change nothing."""
        if self.session is None:
            return
        stack = self.undo_group.activeStack()
        if not self._apply(edit):
            self.canvas.set_regions(self.session.regions)
            return
        stack.push(EditCommand(edit, self._apply))
        if isinstance(edit, InsertRegions) and len(edit.items) == 1:
            self.canvas.select([edit.items[0][1].id])

    def _apply(self, edit: RegionEdit) -> bool:
        session = self.session
        if session is None:
            return False
        try:
            session.apply(edit, seconds=self.timer.take())
        except (EditError, LabelmateError) as exc:
            self.message.emit(f"Not saved: {exc}")
            return False
        self.canvas.set_regions(session.regions)
        self._after_change()
        return True

    def copy(self) -> None:
        regions = [r for r in self.canvas.regions() if r.id in self.canvas.selected]
        self._clipboard = regions or self.canvas.regions()
        n = len(self._clipboard)
        self.message.emit(f"Copied {n} region{'s' if n != 1 else ''}.")

    def paste(self) -> None:
        if not self._clipboard:
            self.message.emit("Nothing to paste: copy regions with Ctrl+C first.")
            return
        self._paste(tuple(self._clipboard), "Paste")

    def _paste(self, regions: tuple[RegionBase, ...], what: str) -> None:
        assert self.session is not None
        names = {c.name for c in self.session.context.image_controls}
        usable = [r for r in regions if r.control in names]
        if not usable:
            self.message.emit(f"{what}: none of the regions fit this project's labeling config.")
            return
        size = self.canvas.image_size
        copies = [moved(r.model_copy(update={"id": new_region_id()}), 0, 0, size) for r in usable]
        edit = add_regions(self.session.regions, copies, paste=True)
        self.apply_edit(edit)
        self.canvas.select([r.id for r in copies])

    def _select_all(self) -> None:
        self.canvas.select([r.id for r in self.canvas.regions()])

    # -- status --------------------------------------------------------------------------

    def toggle_done(self) -> None:
        self._set_status(TaskStatus.TODO if self._status() == TaskStatus.DONE else TaskStatus.DONE)

    def toggle_flag(self) -> None:
        self._set_status(
            TaskStatus.TODO if self._status() == TaskStatus.FLAGGED else TaskStatus.FLAGGED
        )

    def _status(self) -> TaskStatus | None:
        return self.session.task.status if self.session else None

    def _set_status(self, status: TaskStatus) -> None:
        if self.session is None:
            return
        try:
            self.session.record_time(self.timer.take())
            self.session.set_status(status)
        except LabelmateError as exc:
            self.message.emit(f"Not saved: {exc}")
            return
        self.statusChanged.emit(self.session.task)
        self._after_change()

    # -- hints ---------------------------------------------------------------------------

    def _exam_toggled(self) -> None:
        self._remember()
        self._refresh_hints()

    def hints_hidden(self) -> bool:
        return self.exam_action.isChecked() and self._status() != TaskStatus.DONE

    def _on_preview(self, region: RegionBase | None) -> None:
        self._preview = region
        self._hint_timer.start()

    def _on_canvas_selection(self, ids: list[str]) -> None:
        self.region_panel.select(ids)
        self._preview = None
        self._hint_timer.start()

    def _refresh_hints(self) -> None:
        session = self.session
        if session is None:
            self.hints_panel.set_hints("", [])
            return
        if self.hints_hidden():
            self.hints_panel.set_hints("Exam mode: hints appear once you mark the task done.", [])
            return
        rubric = session.context.rubric
        focus = self._preview
        if focus is None and len(self.canvas.selected) == 1:
            focus = session.region(self.canvas.selected[0])
        if focus is not None and focus.type not in TOOL_REGION.values():
            focus = None
        if focus is None and not self._check_shown:
            self.hints_panel.set_hints("Select or draw a region to see hints.", [])
            return
        # Hints need shapely and numpy: loaded for the first hint, not at start-up.
        from labelmate.core.hints import check_hints, region_hints

        hints: list[Hint] = []
        title = "Select or draw a region to see hints."
        try:
            if self._check_shown:
                hints = check_hints(session.regions, session.gold, rubric, image=self.gray_image())
                title = "Check: the whole task against " + (
                    "gold" if session.gold is not None else "the image"
                )
            elif focus is not None:
                hints = region_hints(
                    focus, session.regions, session.gold, rubric, image=self.gray_image()
                )
                title = f"Region {focus.id}" + (
                    " (vs gold)" if session.gold is not None else " (no gold)"
                )
        except (ValueError, LabelmateError) as exc:
            title = f"No hints: {exc}"
        self.hints_panel.set_hints(title, hints)

    def run_check(self) -> None:
        """Ctrl+Enter: missed, extra and wrongly labelled objects, drawn on the canvas."""
        if self.session is None:
            return
        if self.hints_hidden():
            self.message.emit("Exam mode: mark the task done to see the check.")
            return
        from labelmate.core.hints import check_hints

        self._check_shown = True
        hints = check_hints(
            self.session.regions,
            self.session.gold,
            self.session.context.rubric,
            image=self.gray_image(),
        )
        shapes = []
        colours = {
            "missed": QColor("#FFEB3B"),
            "extra": QColor("#FF1744"),
            "wrong-label": QColor("#FF9100"),
        }
        for hint in hints:
            colour = colours.get(hint.kind)
            if colour is None:
                continue
            if hint.kind == "missed" and hint.gold_region is not None:
                label = ", ".join(hint.gold_region.labels)
                shapes.append((region_outline(hint.gold_region), colour, f"missed: {label}"))
            for rid in hint.region_ids:
                region = self.session.region(rid)
                if region is not None:
                    shapes.append((region_outline(region), colour, hint.kind.replace("-", " ")))
        self.canvas.set_overlays(shapes)
        self._refresh_hints()
        missed = sum(h.kind == "missed" for h in hints)
        extra = sum(h.kind == "extra" for h in hints)
        wrong = sum(h.kind == "wrong-label" for h in hints)
        self.message.emit(f"Check: {missed} missed, {extra} extra, {wrong} wrong label(s).")

    # -- refresh -------------------------------------------------------------------------

    def _after_change(self) -> None:
        session = self.session
        self.region_panel.set_regions(session.regions if session else [], self.colour_of)
        self.region_panel.select(self.canvas.selected)
        status = self._status()
        self.done_action.setChecked(status == TaskStatus.DONE)
        self.flag_action.setChecked(status == TaskStatus.FLAGGED)
        if self._check_shown and session is not None and not self.canvas._overlays:
            self._check_shown = False
        self._refresh_hints()
        self._show_info()

    def _show_info(self, *_args: object) -> None:
        session = self.session
        if session is None:
            self.info.setText("")
            return
        task = session.task
        label = self.canvas.label or "—"
        gold = "practice task (gold answer available)" if session.gold is not None else "no gold"
        self.info.setText(
            f"  <b>{task.external_id}</b> · {task.status.value} · {gold} · "
            f"tool: {TOOL_NAMES[self.canvas.tool]} · label: {label} · zoom {self.canvas.zoom():.0%}"
        )

    # -- time ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event) -> bool:
        if event.type() in _ACTIVITY:
            self.timer.activity()
        return False

    def _app_state(self, state: Qt.ApplicationState) -> None:
        if state != Qt.ApplicationState.ApplicationActive:
            self.timer.pause()

    # -- settings ------------------------------------------------------------------------

    def _remember(self) -> None:
        settings = QSettings()
        settings.setValue("labeling/keep_previous", self.keep_action.isChecked())
        settings.setValue("labeling/exam_mode", self.exam_action.isChecked())

    def _restore_settings(self) -> None:
        settings = QSettings()
        self.keep_action.setChecked(settings.value("labeling/keep_previous", False, type=bool))
        self.exam_action.setChecked(settings.value("labeling/exam_mode", False, type=bool))


def _gray(image: QImage) -> GrayImage:
    """Luminance bytes for edge estimates, without the row padding QImage keeps."""
    from labelmate.core.metrics.image_edges import GrayImage

    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    data = bytes(gray.constBits())
    if stride != width:
        data = b"".join(data[row * stride : row * stride + width] for row in range(height))
    return GrayImage(width, height, data)


_ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
}
