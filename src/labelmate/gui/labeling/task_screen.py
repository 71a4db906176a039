"""What the image and text labeling screens share: sessions, undo, time, status, actions.

`TaskActions` is the one set of task-level actions in the window — undo and redo,
previous and next, Check, Done, Flag, exam mode and the label keys 1–9 — so no
shortcut exists twice; each action goes to whichever screen is showing.
`TaskScreen` is the base of a screen: it opens a task in a
`labelmate.usecases.labeling.LabelingSession`, keeps one QUndoStack per task in the
shared QUndoGroup, saves every edit through the session before pushing it, and
records active time (idle time excluded).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QUndoGroup, QUndoStack
from PySide6.QtWidgets import QLabel, QToolBar, QWidget

from labelmate.core.active_time import ActiveTimer
from labelmate.core.edits import EditError, RegionEdit
from labelmate.core.errors import LabelmateError
from labelmate.core.models import Project, Task, TaskStatus
from labelmate.gui.undo import EditCommand
from labelmate.store import Workspace
from labelmate.usecases.labeling import LabelingSession, ProjectContext

IDLE_AFTER_S = 60.0
_ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
}


def make_action(
    parent: QObject, text: str, key: str | QKeySequence | None, slot, *, checkable: bool = False
) -> QAction:
    action = QAction(text, parent)
    if key:
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{text} ({QKeySequence(key).toString()})")
    action.setCheckable(checkable)
    action.triggered.connect(slot)
    return action


class TaskActions(QObject):
    """The task-level actions, routed to the screen that is showing."""

    nextRequested = Signal()
    previousRequested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.screen: TaskScreen | None = None
        self.undo_group = QUndoGroup(self)
        # Menu entries name the step ("Undo Move region"); tool buttons stay short.
        self.undo_action = self.undo_group.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self.undo_group.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.undo_button = self._button("Undo", self.undo_action, self.undo_group.canUndoChanged)
        self.redo_button = self._button("Redo", self.redo_action, self.undo_group.canRedoChanged)
        self.prev_action = make_action(self, "◀ Previous", "A", self.previousRequested.emit)
        self.next_action = make_action(self, "Next ▶", "D", self.nextRequested.emit)
        self.check_action = make_action(self, "Check", "Ctrl+Return", self._to("run_check"))
        self.done_action = make_action(
            self, "Done", "Ctrl+D", self._to("toggle_done"), checkable=True
        )
        self.flag_action = make_action(
            self, "Flag", "Ctrl+Shift+F", self._to("toggle_flag"), checkable=True
        )
        self.query_action = make_action(self, "Draft query…", "Ctrl+K", self._to("draft_query"))
        self.query_action.setToolTip(
            "Draft a clarification query about this task that cites the rubric (Ctrl+K)"
        )
        self.exam_action = make_action(self, "Exam mode", None, self._exam_toggled, checkable=True)
        self.exam_action.setToolTip("Hide hints until the task is marked done")
        self.exam_action.setChecked(QSettings().value("labeling/exam_mode", False, type=bool))
        self.digit_actions = [
            make_action(self, f"Label {d}", str(d), lambda _=False, k=str(d): self._hotkey(k))
            for d in range(1, 10)
        ]
        self.toolbar = QToolBar("Task", parent)
        self.toolbar.setObjectName("taskToolbar")
        for action in (self.undo_button, self.redo_button, None, self.prev_action,
                       self.next_action, None, self.exam_action, None, self.check_action,
                       self.done_action, self.flag_action, None, self.query_action):  # fmt: skip
            self.toolbar.addSeparator() if action is None else self.toolbar.addAction(action)

    def attach(self, window: QWidget) -> None:
        """Make the shortcuts work anywhere in `window`."""
        window.addActions(
            [self.undo_action, self.redo_action, self.prev_action, self.next_action,
             self.check_action, self.done_action, self.flag_action, self.query_action,
             *self.digit_actions]
        )  # fmt: skip

    def _button(self, text: str, action: QAction, can_signal) -> QAction:
        button = QAction(text, self)
        button.setEnabled(False)
        button.triggered.connect(action.trigger)
        can_signal.connect(button.setEnabled)
        action.changed.connect(lambda: button.setToolTip(action.text()))
        return button

    def _to(self, method: str):
        def call(_checked: bool = False) -> None:
            if self.screen is not None:
                getattr(self.screen, method)()

        return call

    def _hotkey(self, key: str) -> None:
        if self.screen is not None:
            self.screen.hotkey(key)

    def _exam_toggled(self) -> None:
        QSettings().setValue("labeling/exam_mode", self.exam_action.isChecked())
        if self.screen is not None:
            self.screen.refresh_hints()


class TaskScreen(QWidget):
    """Base of a labeling screen: one task at a time, every edit saved and undoable."""

    statusChanged = Signal(object)  # the task, after its status changed
    message = Signal(str)

    def __init__(self, workspace: Workspace, actions: TaskActions, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.actions = actions
        self.undo_group = actions.undo_group
        self._stacks: dict[int, QUndoStack] = {}
        self._sessions: dict[int, LabelingSession] = {}
        self._contexts: dict[int, ProjectContext] = {}
        self.session: LabelingSession | None = None
        self.timer = ActiveTimer(idle_after=IDLE_AFTER_S)
        self._check_shown = False
        self._hint_timer = QTimer(self, singleShot=True, interval=40)
        self._hint_timer.timeout.connect(self.refresh_hints)
        self.info = QLabel()
        self.info.setObjectName("taskInfo")
        QGuiApplication.instance().applicationStateChanged.connect(self._app_state)

    # -- hooks for the screens -----------------------------------------------------------

    def show_session(self, session: LabelingSession | None) -> None:
        """Show the open task's content and regions (called after open and each edit)."""
        raise NotImplementedError

    def refresh_hints(self) -> None:
        raise NotImplementedError

    def run_check(self) -> None:
        raise NotImplementedError

    def hotkey(self, key: str) -> None:
        raise NotImplementedError

    def info_text(self) -> str:
        return ""

    def focused_region_id(self) -> str | None:
        """The one selected region a query would be about, if any."""
        return None

    def task_text(self) -> str | None:
        return None

    # -- queries -------------------------------------------------------------------------

    def draft_query(self) -> None:
        """Open the query drafter on the open task (and its selected region)."""
        if self.session is None:
            return
        from labelmate.gui.dialogs.query_dialog import QueryDialog
        from labelmate.usecases.query import draft_from_session

        try:
            draft = draft_from_session(
                self.session, region_id=self.focused_region_id(), text=self.task_text()
            )
        except LabelmateError as exc:
            self.message.emit(f"Cannot draft a query: {exc}")
            return
        dialog = QueryDialog(draft, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.logged.connect(self.log_query)
        self.query_dialog = dialog
        dialog.show()

    def log_query(self, draft: object, text: str) -> None:
        """Keep a sent query in the project's log (see usecases.query_log)."""
        from labelmate.usecases.query_log import log_sent

        if self.session is None:
            return
        try:
            log_sent(self._ws, self.session.context.project, draft, text)
        except LabelmateError as exc:
            self.message.emit(f"Query not logged: {exc}")
            return
        self.message.emit("Query logged as sent; record the answer under Queries.")

    def can_mark_done(self) -> str | None:
        """Why the task cannot be marked done yet (a required answer missing), or None."""
        return None

    # -- opening tasks -------------------------------------------------------------------

    def context_for(self, project: Project) -> ProjectContext:
        assert project.id is not None
        context = self._contexts.get(project.id)
        if context is None or context.project != project:
            context = ProjectContext.of(project)
            self._contexts[project.id] = context
        return context

    def open_session(self, project: Project, task: Task | None) -> LabelingSession | None:
        """Leave the current task and open `task`; None (with a message) if it cannot."""
        self.leave_task()
        self._check_shown = False
        self.session = None
        if task is None or task.id is None:
            return None
        context = self.context_for(project)
        session = self._sessions.get(task.id)
        if session is None or session.context is not context:
            try:
                session = LabelingSession.open(self._ws, context, task)
            except LabelmateError as exc:
                self.message.emit(f"Cannot open {task.external_id}: {exc}")
                return None
            self._sessions[task.id] = session
        session.task = task
        self.session = session
        stack = self._stacks.get(task.id)
        if stack is None:
            stack = QUndoStack(self)
            self._stacks[task.id] = stack
            self.undo_group.addStack(stack)
        self.undo_group.setActiveStack(stack)
        self.timer.start()
        return session

    def leave_task(self) -> None:
        """Save the time spent on the open task (also on quit)."""
        if self.session is None:
            return
        try:
            self.session.record_time(self.timer.take())
        except LabelmateError as exc:
            self.message.emit(f"Could not save the time spent: {exc}")

    # -- edits ---------------------------------------------------------------------------

    def apply_edit(self, edit: RegionEdit) -> bool:
        """Save `edit` now and make it undoable; on failure show why and change nothing."""
        if self.session is None:
            return False
        stack = self.undo_group.activeStack()
        if not self._apply(edit):
            self.show_session(self.session)
            return False
        stack.push(EditCommand(edit, self._apply))
        return True

    def _apply(self, edit: RegionEdit) -> bool:
        session = self.session
        if session is None:
            return False
        try:
            session.apply(edit, seconds=self.timer.take())
        except (EditError, LabelmateError) as exc:
            self.message.emit(f"Not saved: {exc}")
            return False
        self.after_change()
        return True

    # -- status --------------------------------------------------------------------------

    def status(self) -> TaskStatus | None:
        return self.session.task.status if self.session else None

    def toggle_done(self) -> None:
        if self.status() == TaskStatus.DONE:
            self.set_status(TaskStatus.TODO)
            return
        reason = self.can_mark_done()
        if reason is not None:
            self.actions.done_action.setChecked(False)
            self.message.emit(f"Not done yet: {reason}")
            return
        self.set_status(TaskStatus.DONE)

    def toggle_flag(self) -> None:
        flagged = self.status() == TaskStatus.FLAGGED
        self.set_status(TaskStatus.TODO if flagged else TaskStatus.FLAGGED)

    def set_status(self, status: TaskStatus) -> None:
        if self.session is None:
            return
        try:
            self.session.record_time(self.timer.take())
            self.session.set_status(status)
        except LabelmateError as exc:
            self.message.emit(f"Not saved: {exc}")
            return
        self.statusChanged.emit(self.session.task)
        self.after_change()

    def with_rulings(self, hints: list) -> list:
        """`hints` followed by the rubric's rulings on the criteria they name: what the
        project manager already decided about cases like this one."""
        session = self.session
        rubric = session.context.rubric if session is not None else None
        if rubric is None or not rubric.rulings or not hints:
            return hints
        from labelmate.core.hints import Hint

        named = {h.criterion_id for h in hints if h.criterion_id}
        extra = [
            Hint(
                message=f"Ruling ({r.decided_on or 'undated'}): {r.answer} — asked: {r.question}",
                severity="info",
                source="data",
                criterion_id=r.criterion,
                kind="ruling",
            )
            for r in rubric.rulings
            if r.criterion in named
        ]
        return [*hints, *extra]

    def hints_hidden(self) -> bool:
        return self.actions.exam_action.isChecked() and self.status() != TaskStatus.DONE

    def start_check(self) -> bool:
        """Whether Check may run now (a task is open, exam mode allows); marks it shown."""
        if self.session is None:
            return False
        if self.hints_hidden():
            self.message.emit("Exam mode: mark the task done to see the check.")
            return False
        self._check_shown = True
        return True

    # -- refresh -------------------------------------------------------------------------

    def after_change(self) -> None:
        self.show_session(self.session)
        status = self.status()
        self.actions.done_action.setChecked(status == TaskStatus.DONE)
        self.actions.flag_action.setChecked(status == TaskStatus.FLAGGED)
        self.refresh_hints()
        self.show_info()

    def show_info(self, *_args: object) -> None:
        session = self.session
        if session is None:
            self.info.setText("")
            return
        task = session.task
        gold = "practice task (gold answer available)" if session.gold is not None else "no gold"
        extra = self.info_text()
        self.info.setText(
            f"  <b>{task.external_id}</b> · {task.status.value} · {gold}"
            + (f" · {extra}" if extra else "")
        )

    # -- time ----------------------------------------------------------------------------

    def watch_activity(self, widget: QWidget) -> None:
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event) -> bool:
        if event.type() in _ACTIVITY:
            self.timer.activity()
        return False

    def _app_state(self, state: Qt.ApplicationState) -> None:
        if state != Qt.ApplicationState.ApplicationActive:
            self.timer.pause()
