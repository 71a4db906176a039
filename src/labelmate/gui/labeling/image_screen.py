"""The image labeling screen: canvas, tool bar, and the labels / regions / hints panels.

Wiring only. Gestures arrive from the canvas as core edits; `apply_edit` saves them
through `labelmate.usecases.labeling.LabelingSession` (one transaction each) and
pushes them on the task's own QUndoStack, so undo and redo work per task with no
depth limit and are saved too. Hints come from `labelmate.core.hints`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QSettings, Qt, QThreadPool, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QGuiApplication,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import QToolBar, QVBoxLayout

from labelmate.core.edits import InsertRegions, RegionEdit, ReplaceRegions, add_regions
from labelmate.core.errors import LabelmateError
from labelmate.core.models import Project, Task
from labelmate.core.regions import RegionBase, new_region_id
from labelmate.core.shape_edits import moved
from labelmate.gui.canvas import image_source
from labelmate.gui.canvas.items import label_colour, region_outline
from labelmate.gui.canvas.view import TOOL_REGION, CanvasView, Tool
from labelmate.gui.labeling.task_screen import TaskActions, TaskScreen, make_action
from labelmate.gui.panels.hints_panel import HintsPanel
from labelmate.gui.panels.labels_panel import LabelsPanel
from labelmate.gui.panels.region_list import RegionListPanel
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


class ImageLabelingScreen(TaskScreen):
    """One image task at a time; `open_task` switches."""

    def __init__(self, workspace: Workspace, actions: TaskActions, parent=None) -> None:
        super().__init__(workspace, actions, parent)
        self.canvas = CanvasView(self)
        self.labels_panel = LabelsPanel()
        self.region_panel = RegionListPanel()
        self.hints_panel = HintsPanel()
        self._colours: dict[tuple[str, str], QColor] = {}
        self._gray: GrayImage | None = None
        self._pixels: QImage | None = None  # full-resolution pixels, when we have them
        self._clipboard: list[RegionBase] = []
        self._last_regions: tuple[RegionBase, ...] = ()
        self._decodes: dict[int, _FullDecode] = {}
        self._preview: RegionBase | None = None

        # The main window puts this in its tool bar area (full width, remembered).
        self.toolbar = QToolBar("Tools", self)
        self.toolbar.setObjectName("labelingToolbar")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.info)
        layout.addWidget(self.canvas, 1)
        self._build_actions()

        self.canvas.editRequested.connect(self._edit_from_canvas)
        self.canvas.selectionChanged.connect(self._on_canvas_selection)
        self.canvas.previewChanged.connect(self._on_preview)
        self.canvas.message.connect(self.message)
        self.canvas.detailWanted.connect(self._load_full)
        self.canvas.zoomChanged.connect(self.show_info)
        self.region_panel.selectionChanged.connect(self.canvas.select)
        self.hints_panel.regionsClicked.connect(self.canvas.select)
        self.labels_panel.labelChosen.connect(self.choose_label)
        self.watch_activity(self.canvas.viewport())
        self.watch_activity(self.canvas)

    # -- actions -------------------------------------------------------------------------

    def _action(self, text: str, key, slot, *, checkable: bool = False) -> QAction:
        action = make_action(self, text, key, slot, checkable=checkable)
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
        self.fit_action = self._action("Fit", "F", self.canvas.fit)
        self.actual_action = self._action("1:1", "Ctrl+0", self.canvas.actual_size)
        self.toolbar.addAction(self.fit_action)
        self.toolbar.addAction(self.actual_action)
        self.toolbar.addSeparator()
        self.keep_action = self._action(
            "Keep previous regions", None, self._remember, checkable=True
        )
        self.keep_action.setToolTip(
            "Copy the regions of the task you just left onto a new task that has none"
        )
        self.keep_action.setChecked(QSettings().value("labeling/keep_previous", False, type=bool))
        self.toolbar.addAction(self.keep_action)
        self.copy_action = self._action("Copy regions", QKeySequence.StandardKey.Copy, self.copy)
        self.paste_action = self._action(
            "Paste regions", QKeySequence.StandardKey.Paste, self.paste
        )
        self.select_all_action = self._action(
            "Select all", QKeySequence.StandardKey.SelectAll, self._select_all
        )

    # -- opening tasks -------------------------------------------------------------------

    def open_task(self, project: Project, task: Task | None) -> None:
        self.canvas.clear_overlays()
        self.canvas.cancel_drawing()
        session = self.open_session(project, task)
        if session is None:
            self.canvas.set_regions([])
            self.canvas.show_message(
                "Choose a task on the left." if task is None else f"Cannot open {task.external_id}."
            )
            self.after_change()
            return
        assert task is not None
        self._setup_labels(session.context)
        self._load_image(session.context, task)
        self.canvas.set_regions(session.regions)
        keep = self.keep_action.isChecked() and session.annotation is None and self._last_regions
        if keep and self.canvas.image_size is not None:
            self._paste(self._last_regions, "Keep previous regions")
        self.after_change()

    def leave_task(self) -> None:
        if self.session is not None:
            self._last_regions = self.session.regions
        super().leave_task()

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
        fallback = context.interface.palette_colours()
        for control in controls:
            for option in control.options:
                label = (control.name, option.result_value)
                colour = label_colour(option.background, fallback[label])
                self._colours[label] = colour
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
        self.show_info()

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
        self.show_info()

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

    def _edit_from_canvas(self, edit: RegionEdit) -> None:
        if self.apply_edit(edit) and isinstance(edit, InsertRegions) and len(edit.items) == 1:
            self.canvas.select([edit.items[0][1].id])

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

    # -- hints ---------------------------------------------------------------------------

    def _on_preview(self, region: RegionBase | None) -> None:
        self._preview = region
        self._hint_timer.start()

    def _on_canvas_selection(self, ids: list[str]) -> None:
        self.region_panel.select(ids)
        self._preview = None
        self._hint_timer.start()

    def refresh_hints(self) -> None:
        session = self.session
        if session is None:
            self.hints_panel.set_hints("", [])
            return
        if self.hints_hidden():
            self.hints_panel.set_hints("Exam mode: hints appear once you mark the task done.", [])
            return
        focus = self._preview
        if focus is None and len(self.canvas.selected) == 1:
            focus = session.region(self.canvas.selected[0])
        if focus is not None and focus.type not in TOOL_REGION.values():
            focus = None
        if focus is None and not self._check_shown:
            self.hints_panel.set_hints("Select or draw a region to see hints.", [])
            return
        # Hints need shapely, numpy and the parsed rubric: made for the first hint,
        # not at start-up.
        from labelmate.core.hints import check_hints, region_hints

        rubric = session.context.rubric
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
        self.hints_panel.set_hints(title, self.with_rulings(hints))

    def run_check(self) -> None:
        """Ctrl+Enter: missed, extra and wrongly labelled objects, drawn on the canvas."""
        if not self.start_check():
            return
        from labelmate.core.hints import check_hints

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
        self.refresh_hints()
        missed = sum(h.kind == "missed" for h in hints)
        extra = sum(h.kind == "extra" for h in hints)
        wrong = sum(h.kind == "wrong-label" for h in hints)
        self.message.emit(f"Check: {missed} missed, {extra} extra, {wrong} wrong label(s).")

    # -- refresh -------------------------------------------------------------------------

    def show_session(self, session: LabelingSession | None) -> None:
        self.canvas.set_regions(session.regions if session else [])
        self.region_panel.set_regions(session.regions if session else [], self.colour_of)
        self.region_panel.select(self.canvas.selected)
        if self._check_shown and not self.canvas._overlays:
            self._check_shown = False

    def focused_region_id(self) -> str | None:
        return self.canvas.selected[0] if len(self.canvas.selected) == 1 else None

    def info_text(self) -> str:
        label = self.canvas.label or "—"
        return (
            f"tool: {TOOL_NAMES[self.canvas.tool]} · label: {label} · zoom {self.canvas.zoom():.0%}"
        )

    def _remember(self) -> None:
        QSettings().setValue("labeling/keep_previous", self.keep_action.isChecked())


def _gray(image: QImage) -> GrayImage:
    """Luminance bytes for edge estimates, without the row padding QImage keeps."""
    from labelmate.core.metrics.image_edges import GrayImage

    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    data = bytes(gray.constBits())
    if stride != width:
        data = b"".join(data[row * stride : row * stride + width] for row in range(height))
    return GrayImage(width, height, data)
