"""The main window: wiring of panels and actions, no domain logic.

Projects and tasks on the left; in the middle the image labeling screen for projects
whose config draws on images, a read-only preview otherwise (the text screens come
with text labeling); on the right the labels, regions and hints panels as docks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from labelmate import __version__
from labelmate.core.errors import LabelmateError
from labelmate.core.ids import ProjectId, TaskId
from labelmate.core.models import Project, Task, TaskStatus
from labelmate.gui.labeling.image_screen import ImageLabelingScreen
from labelmate.gui.labeling.task_screen import TaskActions, TaskScreen
from labelmate.gui.panels.rubric_panel import RubricPanel
from labelmate.gui.panels.task_preview import TaskPreview
from labelmate.gui.task_list_model import TaskListModel
from labelmate.store import Workspace

if TYPE_CHECKING:
    from labelmate.gui.labeling.text_screen import TextLabelingScreen

_FILTERS: list[tuple[str, TaskStatus | None]] = [
    ("All tasks", None),
    ("To do", TaskStatus.TODO),
    ("Done", TaskStatus.DONE),
    ("Flagged", TaskStatus.FLAGGED),
]


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace, initial_project: str | None = None) -> None:
        super().__init__()
        self._ws = workspace
        self._projects: dict[int, Project] = {}
        self.setWindowTitle(f"Labelmate — {workspace.path.name}")
        self.resize(1440, 900)

        self.project_list = QListWidget(objectName="projectList")
        self.status_filter = QComboBox(objectName="statusFilter")
        for text, _status in _FILTERS:
            self.status_filter.addItem(text)
        self.task_model = TaskListModel(workspace, self)
        self.task_view = QTableView(objectName="taskList")
        self.task_view.setModel(self.task_model)
        self.task_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.task_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.task_view.verticalHeader().hide()
        self.task_view.verticalHeader().setDefaultSectionSize(24)
        self.task_view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.preview = TaskPreview()
        self.task_actions = TaskActions(self)
        self.task_actions.attach(self)
        self.image_screen = ImageLabelingScreen(workspace, self.task_actions)
        # The text screen is built the first time a text project opens (start-up time).
        self.text_screen: TextLabelingScreen | None = None
        self.screens: list[TaskScreen] = []
        self.center = QStackedWidget()
        self.center.addWidget(self.preview)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 6, 6)
        left_layout.addWidget(QLabel("<b>Projects</b>"))
        left_layout.addWidget(self.project_list, 1)
        left_layout.addWidget(QLabel("<b>Tasks</b>"))
        left_layout.addWidget(self.status_filter)
        left_layout.addWidget(self.task_view, 3)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.center)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 820])
        self.setCentralWidget(self.splitter)

        # Each dock shows the panel of the screen that is showing.
        self.docks = {
            "labels": self._dock("Labels"),
            "regions": self._dock("Regions"),
            "hints": self._dock("Hints"),
        }
        self.rubric_panel = RubricPanel()
        self.rubric_dock = QDockWidget("Rubric", self, objectName="rubricDock")
        self.rubric_dock.setWidget(self.rubric_panel)
        self.rubric_dock.setMinimumWidth(240)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.rubric_dock)
        self.tabifyDockWidget(self.docks["hints"], self.rubric_dock)
        self.docks["hints"].raise_()
        # The rubric is parsed a moment after a project opens, not before the window shows.
        self._rubric_timer = QTimer(self, singleShot=True, interval=150)
        self._rubric_timer.timeout.connect(self._show_rubric)
        self.addToolBar(self.task_actions.toolbar)
        self._add_screen(self.image_screen)
        self._build_menus()
        self.task_actions.nextRequested.connect(lambda: self._step_task(1))
        self.task_actions.previousRequested.connect(lambda: self._step_task(-1))
        self.project_list.currentItemChanged.connect(self._on_project_changed)
        self.status_filter.currentIndexChanged.connect(self._reload_tasks)
        self.task_view.selectionModel().selectionChanged.connect(self._on_task_selected)

        self._load_projects()
        # The first task opens just after the window shows (its image decode and config
        # parse are what the user waits for last); any later choice is immediate.
        self._deferring = True
        self._pending: tuple[Task | None] | None = None
        self._restore_settings(initial_project)
        self._deferring = False

    # -- construction --------------------------------------------------------------
    def _dock(self, title: str) -> QDockWidget:
        dock = QDockWidget(title, self, objectName=f"{title.lower()}Dock")
        dock.setWidget(QStackedWidget())
        dock.setMinimumWidth(240)  # hints and rulings are sentences: room to read them
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _add_screen(self, screen: TaskScreen) -> None:
        """Put a screen in the middle, its panels in the docks, its tool bar on top."""
        self.screens.append(screen)
        self.center.addWidget(screen)
        for name, panel in (("labels", screen.labels_panel), ("regions", screen.region_panel),
                            ("hints", screen.hints_panel)):  # fmt: skip
            stack = self.docks[name].widget()
            assert isinstance(stack, QStackedWidget)
            stack.addWidget(panel)
        self.addToolBar(screen.toolbar)
        screen.statusChanged.connect(self.task_model.refresh_task)
        screen.message.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def _text(self) -> TextLabelingScreen:
        if self.text_screen is None:
            from labelmate.gui.labeling.text_screen import TextLabelingScreen

            self.text_screen = TextLabelingScreen(self._ws, self.task_actions)
            self._add_screen(self.text_screen)
            for action in self.text_screen.menu_actions:
                self.task_menu.addAction(action)
        return self.text_screen

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction("&Import tasks…", self, shortcut=QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self._import)
        file_menu.addAction(self.import_action)
        self.export_action = QAction("&Export project…", self, shortcut=QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self._export)
        file_menu.addAction(self.export_action)
        self.portfolio_action = QAction(
            "Export &portfolio…", self, shortcut=QKeySequence("Ctrl+Shift+P")
        )
        self.portfolio_action.triggered.connect(self._portfolio)
        file_menu.addAction(self.portfolio_action)
        self.shareable_action = QAction("&Shareable in portfolios", self, checkable=True)
        self.shareable_action.setStatusTip(
            "A shareable project may appear in your portfolio; a confidential one never does"
        )
        self.shareable_action.triggered.connect(self._set_shareable)
        file_menu.addAction(self.shareable_action)
        file_menu.addSeparator()
        edit_menu = self.menuBar().addMenu("&Edit")
        screen, actions = self.image_screen, self.task_actions
        for action in (actions.undo_action, actions.redo_action, None, screen.copy_action,
                       screen.paste_action, screen.select_all_action):  # fmt: skip
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        for action in (screen.fit_action, screen.actual_action, None, actions.prev_action,
                       actions.next_action):  # fmt: skip
            view_menu.addSeparator() if action is None else view_menu.addAction(action)
        view_menu.addSeparator()
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        self.query_log_action = QAction("Query &log…", self, shortcut=QKeySequence("Ctrl+L"))
        self.query_log_action.triggered.connect(self._query_log)
        task_menu = self.task_menu = self.menuBar().addMenu("&Task")
        for action in (*screen.tool_actions.values(), None, actions.check_action,
                       actions.done_action, actions.flag_action, actions.query_action, None,
                       self.query_log_action, screen.keep_action,
                       actions.exam_action, None):  # fmt: skip
            task_menu.addSeparator() if action is None else task_menu.addAction(action)
        score_menu = self.menuBar().addMenu("&Score")
        self.start_session_action = QAction("&Start self-score session…", self)
        self.start_session_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.start_session_action.triggered.connect(self._start_session)
        self.resume_session_action = QAction("&Resume or review a session…", self)
        self.resume_session_action.triggered.connect(self._resume_session)
        self.progress_action = QAction("&Progress…", self)
        self.progress_action.triggered.connect(self._progress)
        score_menu.addAction(self.start_session_action)
        score_menu.addAction(self.resume_session_action)
        score_menu.addAction(self.progress_action)
        self.agreement_action = QAction("&Agreement and adjudication…", self)
        self.agreement_action.triggered.connect(self._agreement)
        score_menu.addSeparator()
        score_menu.addAction(self.agreement_action)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Labelmate", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _load_projects(self) -> None:
        self.project_list.clear()
        self._projects = {}
        for project in self._ws.list_projects():
            assert project.id is not None
            self._projects[project.id] = project
            count = self._ws.count_tasks(project.id)
            item = QListWidgetItem(f"{project.name}  ({count})")
            item.setData(Qt.ItemDataRole.UserRole, project.id)
            tip = project.description or project.name
            if project.confidential:
                item.setText(f"{item.text()}  · confidential")
                tip += "\n\nConfidential: never appears in a portfolio."
            item.setToolTip(tip)
            self.project_list.addItem(item)
        if not self._projects:
            self.statusBar().showMessage(
                "This workspace has no projects yet. Run 'labelmate demo' to add the practice pack."
            )

    # -- reactions -----------------------------------------------------------------
    def current_project(self) -> Project | None:
        item = self.project_list.currentItem()
        if item is None:
            return None
        return self._projects.get(item.data(Qt.ItemDataRole.UserRole))

    def _on_project_changed(self, *_args: object) -> None:
        project = self.current_project()
        self.shareable_action.setEnabled(project is not None)
        self.shareable_action.setChecked(project is not None and not project.confidential)
        self._reload_tasks()
        self._rubric_timer.start()
        project = self.current_project()
        if project is not None:
            self.statusBar().showMessage(f"{project.name}: {self.task_model.rowCount()} tasks")

    def _show_rubric(self) -> None:
        project = self.current_project()
        if project is None:
            self.rubric_panel.show_rubric(None)
            return
        context = self.image_screen.context_for(project)
        self.rubric_panel.show_rubric(context.rubric, context.problems)

    def _query_log(self) -> None:
        from labelmate.gui.dialogs.query_log_dialog import QueryLogDialog

        project = self.current_project()
        if project is None:
            return
        context = self.image_screen.context_for(project)
        dialog = QueryLogDialog(self._ws, project, context.rubric, self)
        dialog.rulingsChanged.connect(self._rulings_changed)
        dialog.exec()

    def _rulings_changed(self) -> None:
        """A ruling was added to the rubric: reread the project so panels and hints see it."""
        project = self.current_project()
        if project is None or project.id is None:
            return
        self._projects[project.id] = self._ws.get_project(project.id)
        self._show_rubric()
        self._show_task(self.current_task())  # its session sees the new rubric

    # -- self-scoring --------------------------------------------------------------
    def _start_session(self) -> None:
        from labelmate.gui.scoring.start_dialog import StartSessionDialog
        from labelmate.usecases.score import start_session

        project = self.current_project()
        if project is None:
            return
        dialog = StartSessionDialog(self._ws, project, self)
        if dialog.exec() != StartSessionDialog.DialogCode.Accepted:
            return
        picked = dialog.chosen_tasks()
        if picked is not None and not picked:
            QMessageBox.information(self, "Self-score session", "Tick at least one task.")
            return
        for screen in self.screens:
            screen.leave_task()
        try:
            session = start_session(
                self._ws,
                project,
                sample=None if picked is not None else dialog.size.value(),
                task_ids=picked,
                seed=dialog.chosen_seed(),
            )
        except LabelmateError as exc:
            QMessageBox.warning(self, "Self-score session", str(exc))
            return
        assert session.id is not None
        self.open_session(session.id)

    def _resume_session(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        from labelmate.usecases.score import list_sessions

        project = self.current_project()
        if project is None:
            return
        sessions = list_sessions(self._ws, project)
        if not sessions:
            QMessageBox.information(self, "Sessions", f"{project.name} has no sessions yet.")
            return
        names = [
            f"#{s.id} · {s.created_at:%Y-%m-%d %H:%M} · {s.status}" for s in reversed(sessions)
        ]
        chosen, ok = QInputDialog.getItem(self, "Sessions", "Session:", names, 0, False)
        if ok:
            self.open_session(int(chosen.split(" ", 1)[0][1:]))

    def _agreement(self) -> None:
        from labelmate.gui.agreement.dashboard import AgreementDialog

        project = self.current_project()
        if project is not None:
            for screen in self.screens:
                screen.leave_task()
            dialog = AgreementDialog(self._ws, project, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.agreement_dialog = dialog
            dialog.show()

    def _progress(self) -> None:
        from labelmate.gui.scoring.reports import ProgressDialog

        project = self.current_project()
        if project is not None:
            dialog = ProgressDialog(self._ws, project, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.progress_dialog = dialog
            dialog.show()

    def open_session(self, session_id: int) -> None:
        from labelmate.gui.scoring.session_dialog import SessionDialog

        dialog = SessionDialog(self._ws, session_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.openTask.connect(self._open_scored_task)
        self.session_dialog = dialog
        dialog.show()

    def _open_scored_task(self, task_id: int) -> None:
        """Show a session's task on its labeling screen, with Check drawn."""
        task = self._ws.get_task(TaskId(task_id))
        if self.status_filter.currentIndex() != 0:
            self.status_filter.setCurrentIndex(0)
        row = self.task_model.row_of(task.external_id)
        if row is None:
            return
        self.task_view.selectRow(row)
        screen = self.task_actions.screen
        if screen is not None:
            screen.run_check()

    def _reload_tasks(self) -> None:
        project = self.current_project()
        status = _FILTERS[max(self.status_filter.currentIndex(), 0)][1]
        for screen in self.screens:
            screen.leave_task()
        self.task_model.set_project(ProjectId(project.id) if project else None, status)
        self._show_task(None)
        if self.task_model.rowCount():
            self.task_view.selectRow(self._remembered_row(project))

    def _remembered_row(self, project: Project | None) -> int:
        if project is None:
            return 0
        wanted = QSettings().value(f"main_window/last_task/{project.name}")
        row = self.task_model.row_of(wanted) if isinstance(wanted, str) else None
        return row or 0

    def _on_task_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        self._show_task(self.task_model.task_at(rows[0].row()) if rows else None)

    def _screen_for(self, project: Project | None) -> TaskScreen | None:
        if project is None:
            return None
        context = self.image_screen.context_for(project)
        if context.image_controls:
            return self.image_screen
        tags = {o.tag.lower() for o in context.interface.objects}
        if tags & {"text", "hypertext"} and context.interface.controls:
            return self._text()
        return None

    def _show_task(self, task: Task | None) -> None:
        if self._deferring:
            self._pending = (task,)
            QTimer.singleShot(0, self._show_pending)
            return
        self._pending = None
        self._open_task(task)

    def _show_pending(self) -> None:
        if self._pending is not None:  # nothing was chosen meanwhile
            (task,) = self._pending
            self._pending = None
            self._open_task(task)

    def _open_task(self, task: Task | None) -> None:
        project = self.current_project()
        chosen = self._screen_for(project)
        for screen in self.screens:
            if screen is not chosen and screen.session is not None:
                screen.open_task(project, None) if project else screen.leave_task()
            screen.toolbar.setVisible(screen is chosen)
        self.task_actions.screen = chosen
        self.task_actions.toolbar.setEnabled(chosen is not None)
        for dock in self.docks.values():
            dock.setEnabled(chosen is not None)
            stack = dock.widget()
            assert isinstance(stack, QStackedWidget)
            if chosen is not None:
                stack.setCurrentIndex(self.screens.index(chosen))
        if chosen is None:
            self.center.setCurrentWidget(self.preview)
            self.preview.show_task(project, task)
            return
        assert project is not None
        self.center.setCurrentWidget(chosen)
        chosen.open_task(project, task)
        if task is not None:
            QSettings().setValue(f"main_window/last_task/{project.name}", task.external_id)

    def current_task(self) -> Task | None:
        rows = self.task_view.selectionModel().selectedRows()
        return self.task_model.task_at(rows[0].row()) if rows else None

    def _step_task(self, step: int) -> None:
        rows = self.task_view.selectionModel().selectedRows()
        row = (rows[0].row() if rows else -1) + step
        if 0 <= row < self.task_model.rowCount():
            self.task_view.selectRow(row)
        else:
            self.statusBar().showMessage("No more tasks this way.", 4000)

    def _project_names(self) -> list[str]:
        return [p.name for p in self._projects.values()]

    def _import(self) -> None:
        # Imported on first use: the dialogs pull in every file-format reader and
        # writer, which the window does not need to open.
        from labelmate.gui.dialogs.import_dialog import ImportDialog, run_import

        current = self.current_project()
        dialog = ImportDialog(self._project_names(), current.name if current else None, self)
        if dialog.exec() != ImportDialog.DialogCode.Accepted:
            return
        request = dialog.request()
        if run_import(self, self._ws, request) is not None:
            self._load_projects()
            self._select_project(request.project)

    def _export(self) -> None:
        from labelmate.gui.dialogs.export_dialog import ExportDialog, run_export

        current = self.current_project()
        if current is None:
            QMessageBox.information(self, "Export", "There is no project to export yet.")
            return
        dialog = ExportDialog(self._project_names(), current.name, self)
        if dialog.exec() == ExportDialog.DialogCode.Accepted:
            run_export(self, self._ws, dialog)

    def _portfolio(self) -> None:
        from labelmate.gui.portfolio.dialog import PortfolioDialog

        for screen in self.screens:
            screen.leave_task()
        dialog = PortfolioDialog(self._ws, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sharingChanged.connect(self._sharing_changed)
        self.portfolio_dialog = dialog
        dialog.show()

    def _set_shareable(self, shareable: bool) -> None:
        from labelmate.gui.portfolio.sharing import confirm_shareable
        from labelmate.usecases.projects import set_shareable

        project = self.current_project()
        if project is None:
            return
        if shareable and not confirm_shareable(self, project.name):
            self.shareable_action.setChecked(False)
            return
        try:
            set_shareable(self._ws, [project.name], shareable)
        except LabelmateError as exc:
            QMessageBox.warning(self, "Sharing", str(exc))
        self._sharing_changed()

    def _sharing_changed(self) -> None:
        """Sharing changed here or in the portfolio dialog: show it in the project list."""
        current = self.current_project()
        self.project_list.blockSignals(True)
        self._load_projects()
        if current is not None:
            self._select_project(current.name)
        self.project_list.blockSignals(False)
        project = self.current_project()
        self.shareable_action.setChecked(project is not None and not project.confidential)

    def _select_project(self, name: str) -> None:
        for i in range(self.project_list.count()):
            pid = self.project_list.item(i).data(Qt.ItemDataRole.UserRole)
            if self._projects[pid].name == name:
                self.project_list.setCurrentRow(i)
                return

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Labelmate",
            f"Labelmate {__version__}\nOffline companion for data annotators.\n"
            f"Workspace: {self._ws.path}",
        )

    # -- settings ------------------------------------------------------------------
    def _restore_settings(self, initial_project: str | None) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = settings.value("main_window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        state = settings.value("main_window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        wanted = initial_project or settings.value("main_window/last_project")
        if self.project_list.count():
            self.project_list.setCurrentRow(0)
            if isinstance(wanted, str):
                self._select_project(wanted)

    def closeEvent(self, event) -> None:
        for screen in self.screens:
            screen.leave_task()
        settings = QSettings()
        settings.setValue("main_window/state", self.saveState())
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/splitter", self.splitter.saveState())
        project = self.current_project()
        if project is not None:
            settings.setValue("main_window/last_project", project.name)
        super().closeEvent(event)
