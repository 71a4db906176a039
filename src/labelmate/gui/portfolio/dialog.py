"""File → Export portfolio: the profile, projects and layout on the left, a live preview
of exactly what will be exported on the right.

The preview runs the export's own steps (`gather_portfolio`, `render_html`,
`render_markdown`) into a private folder, and lays the PDF out with the PDF writer's
own document (`portfolio_document`), so its pages are the PDF's pages. Gathering reads
the workspace and draws thumbnails, so it reruns only when the projects, sample count
or redaction change; profile and template edits only re-render.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from labelmate.core.errors import LabelmateError
from labelmate.gui.dialogs.path_field import PathField
from labelmate.gui.dialogs.report_view import show_report
from labelmate.gui.portfolio.pages_view import PagesView
from labelmate.gui.portfolio.sharing import confirm_shareable
from labelmate.store import Workspace
from labelmate.usecases.portfolio import (
    DEFAULT_QUERIES,
    DEFAULT_SAMPLES,
    HTML_FILE,
    PortfolioContent,
    PortfolioOptions,
    Profile,
    answered_queries,
    build_portfolio,
    gather_portfolio,
    profile_from_form,
    profile_path,
    render_html,
    render_markdown,
    save_profile,
    saved_profile,
    shipped_templates,
    template_dir,
)
from labelmate.usecases.projects import ProjectSharing, project_sharing, set_shareable

_OWN_TEMPLATE = "Your own template folder…"
_FORMATS = (("html", "HTML page"), ("pdf", "PDF"), ("md", "Markdown repository"))
_KEY = "portfolio"


def _note(text: str) -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setStyleSheet("color: #6b7280")
    return label


class PortfolioDialog(QDialog):
    sharingChanged = Signal()  # a project was marked shareable or confidential

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export portfolio")
        self.setObjectName("portfolioDialog")
        self._ws = workspace
        self._preview_root = Path(tempfile.mkdtemp(prefix="labelmate-portfolio-preview-"))
        self._content: PortfolioContent | None = None
        self._content_key: tuple | None = None
        self._generation = 0
        self.document: QTextDocument | None = None  # the PDF as laid out for the preview
        self.markdown_text = ""

        form = QWidget()
        left = QVBoxLayout(form)
        left.addWidget(self._profile_box())
        left.addWidget(self._projects_box())
        left.addWidget(self._queries_box())
        left.addWidget(self._layout_box())
        left.addWidget(self._output_box())
        self.error = QLabel(objectName="portfolioError", wordWrap=True)
        self.error.setStyleSheet("color: #b42318")
        left.addWidget(self.error)
        left.addStretch(1)
        scroll = QScrollArea()
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(420)

        self.pages = PagesView()
        self.markdown = QTextBrowser(objectName="portfolioMarkdown")
        self.markdown.setOpenLinks(False)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.pages, "PDF pages")
        self.tabs.addTab(self.markdown, "Markdown README")
        self.status = QLabel(objectName="portfolioStatus", wordWrap=True)
        self.browser_button = QPushButton("Open HTML preview in browser")
        self.browser_button.clicked.connect(self.open_html_preview)
        preview = QWidget()
        right = QVBoxLayout(preview)
        right.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.browser_button)
        right.addLayout(top)
        right.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(preview)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([460, 800])

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.export)

        # Profile and template edits re-render; project, sample and redaction changes
        # gather again. Both wait for a pause so typing stays smooth.
        self._render_timer = QTimer(self, singleShot=True, interval=250)
        self._render_timer.timeout.connect(self.refresh)
        for edit in (self.name, self.focus, self.tools, self.data_types):
            edit.textChanged.connect(self._render_timer.start)
            edit.textChanged.connect(self._validate)
        self.links.textChanged.connect(self._render_timer.start)
        self.links.textChanged.connect(self._validate)
        self.template.currentIndexChanged.connect(self._template_changed)
        self.samples.valueChanged.connect(self._render_timer.start)
        self.redact.toggled.connect(self._render_timer.start)
        self.project_list.itemChanged.connect(self._load_queries)
        self.project_list.itemChanged.connect(self._render_timer.start)
        self.project_list.itemChanged.connect(self._validate)
        self.query_list.itemChanged.connect(self._query_ticked)
        for box in self.format_boxes.values():
            box.toggled.connect(self._render_timer.start)
            box.toggled.connect(self._validate)

        self._load_profile()
        self._load_projects()
        self._load_queries()
        self._restore_settings()
        self.resize(1280, 860)
        self._restore_geometry()
        self.refresh()

    # -- the form ------------------------------------------------------------------
    def _profile_box(self) -> QGroupBox:
        box = QGroupBox("Profile")
        form = QFormLayout(box)
        self.name = QLineEdit(objectName="profileName", placeholderText="Your name")
        self.focus = QLineEdit(placeholderText="e.g. Computer-vision annotation, sentiment")
        self.tools = QLineEdit(placeholderText="Labelmate, Label Studio, CVAT")
        self.data_types = QLineEdit(placeholderText="images, text")
        self.links = QPlainTextEdit(objectName="profileLinks")
        self.links.setPlaceholderText("GitHub https://github.com/you")
        self.links.setFixedHeight(52)
        form.addRow("Name", self.name)
        form.addRow("Focus", self.focus)
        form.addRow("Tools", self.tools)
        form.addRow("Data types", self.data_types)
        form.addRow("Links", self.links)
        form.addRow(_note(f"Saved to {profile_path(self._ws.path)}."))
        return box

    def _projects_box(self) -> QGroupBox:
        box = QGroupBox("Projects")
        layout = QVBoxLayout(box)
        self.project_list = QListWidget(objectName="portfolioProjects")
        self.project_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.project_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.project_list.setMaximumHeight(150)
        self.project_list.currentItemChanged.connect(self._update_share_button)
        self.share_button = QPushButton("Mark shareable…", objectName="shareButton")
        self.share_button.clicked.connect(self._toggle_sharing)
        hint = _note(
            "Confidential projects never appear in any output. Imported client work starts "
            "confidential."
        )
        layout.addWidget(self.project_list, 1)
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.share_button)
        layout.addLayout(row)
        return box

    def _queries_box(self) -> QGroupBox:
        box = QGroupBox("Clarification queries")
        layout = QVBoxLayout(box)
        self.query_list = QListWidget(objectName="portfolioQueries")
        self.query_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.query_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.query_list.setMaximumHeight(80)
        self._query_ticks: dict[int, bool] = {}  # the user's own ticks, by query id
        self.no_queries = _note("No answered queries in the ticked projects yet.")
        layout.addWidget(self.query_list)
        layout.addWidget(self.no_queries)
        return box

    def _load_queries(self, *_args: object) -> None:
        """The answered queries of the ticked projects; the latest few ticked at first."""
        self.query_list.blockSignals(True)
        self.query_list.clear()
        records = answered_queries(self._ws, self.chosen_projects())
        for index, q in enumerate(records):
            question = " ".join(q.text.split())
            item = QListWidgetItem(f"{q.task_external_id}: {question}")
            item.setToolTip(f"{question}\n\nAnswer: {q.answer or ''}")
            item.setData(Qt.ItemDataRole.UserRole, q.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = self._query_ticks.get(q.id, index < DEFAULT_QUERIES)
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.query_list.addItem(item)
        self.query_list.blockSignals(False)
        self.query_list.setVisible(bool(records))
        self.no_queries.setVisible(not records)

    def _query_ticked(self, item: QListWidgetItem) -> None:
        ticked = item.checkState() == Qt.CheckState.Checked
        self._query_ticks[item.data(Qt.ItemDataRole.UserRole)] = ticked
        self._render_timer.start()

    def chosen_queries(self) -> list[int]:
        return [
            self.query_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.query_list.count())
            if self.query_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _layout_box(self) -> QGroupBox:
        box = QGroupBox("Layout")
        form = QFormLayout(box)
        self.template = QComboBox(objectName="portfolioTemplate")
        for name in shipped_templates():
            self.template.addItem(name, name)
        self.template.addItem(_OWN_TEMPLATE, None)
        self.samples = QSpinBox(minimum=1, maximum=200, value=DEFAULT_SAMPLES)
        self.redact = QCheckBox("Replace task text with its length")
        form.addRow("Template", self.template)
        form.addRow("Samples", self.samples)
        form.addRow("Redact", self.redact)
        formats = QWidget()
        row = QHBoxLayout(formats)
        row.setContentsMargins(0, 0, 0, 0)
        self.format_boxes = {key: QCheckBox(text) for key, text in _FORMATS}
        for check in self.format_boxes.values():
            check.setChecked(True)
            row.addWidget(check)
        form.addRow("Formats", formats)
        return box

    def _output_box(self) -> QGroupBox:
        box = QGroupBox("Output folder")
        layout = QVBoxLayout(box)
        self.out_field = PathField(
            "portfolio_out", folder=True, placeholder="an empty folder, created if needed"
        )
        layout.addWidget(self.out_field)
        return box

    # -- loading -------------------------------------------------------------------
    def _load_profile(self) -> None:
        try:
            profile = saved_profile(self._ws.path)
        except LabelmateError as exc:
            self.error.setText(f"The saved profile could not be read: {exc}")
            profile = None
        if profile is None:
            return
        self.name.setText(profile.name)
        self.focus.setText(profile.focus)
        self.tools.setText(", ".join(profile.tools))
        self.data_types.setText(", ".join(profile.data_types))
        self.links.setPlainText("\n".join(f"{link.label} {link.url}" for link in profile.links))

    def _load_projects(self, keep: set[str] | None = None) -> None:
        current = self.project_list.currentItem()
        current_name = current.data(Qt.ItemDataRole.UserRole) if current else None
        self.project_list.blockSignals(True)
        self.project_list.clear()
        for row in project_sharing(self._ws):
            self.project_list.addItem(self._project_item(row, keep))
        self.project_list.blockSignals(False)
        for i in range(self.project_list.count()):
            if self.project_list.item(i).data(Qt.ItemDataRole.UserRole) == current_name:
                self.project_list.setCurrentRow(i)
        self._update_share_button()

    def _project_item(self, row: ProjectSharing, keep: set[str] | None) -> QListWidgetItem:
        n = row.finished_sessions
        sessions = f"{n} scored session{'s' if n != 1 else ''}" if n else "not scored yet"
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, row.name)
        item.setData(Qt.ItemDataRole.UserRole + 1, row.shareable)
        if row.shareable:
            item.setText(f"{row.name}  ·  {sessions}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = row.finished_sessions > 0 if keep is None else row.name in keep
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            item.setToolTip(f"{row.name}\nShareable: may appear in the portfolio")
        else:
            item.setText(f"{row.name}  ·  confidential")
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            item.setForeground(Qt.GlobalColor.gray)
            item.setToolTip(f"{row.name}\nConfidential: never appears in any output")
        return item

    def chosen_projects(self) -> list[str]:
        out = []
        for i in range(self.project_list.count()):
            item = self.project_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole + 1) and (
                item.checkState() == Qt.CheckState.Checked
            ):
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    # -- sharing -------------------------------------------------------------------
    def _update_share_button(self, *_args: object) -> None:
        item = self.project_list.currentItem()
        self.share_button.setEnabled(item is not None)
        shareable = bool(item and item.data(Qt.ItemDataRole.UserRole + 1))
        self.share_button.setText("Mark confidential" if shareable else "Mark shareable…")

    def _toggle_sharing(self) -> None:
        item = self.project_list.currentItem()
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        shareable = not item.data(Qt.ItemDataRole.UserRole + 1)
        if shareable and not confirm_shareable(self, name):
            return
        try:
            set_shareable(self._ws, [name], shareable)
        except LabelmateError as exc:
            QMessageBox.warning(self, "Sharing", str(exc))
            return
        keep = set(self.chosen_projects())
        if shareable:
            keep.add(name)
        self._load_projects(keep)
        self._load_queries()
        self.sharingChanged.emit()
        self._render_timer.start()

    # -- options -------------------------------------------------------------------
    def _template_changed(self, index: int) -> None:
        if self.template.itemData(index) is None:  # "Your own template folder…"
            folder = QFileDialog.getExistingDirectory(self, "Choose a template folder")
            if folder:
                try:
                    template_dir(folder)
                except LabelmateError as exc:
                    QMessageBox.warning(self, "Template", str(exc))
                    folder = ""
            self.template.blockSignals(True)
            if folder:
                self.template.insertItem(index, Path(folder).name, folder)
                self.template.setCurrentIndex(index)
            else:
                self.template.setCurrentIndex(0)
            self.template.blockSignals(False)
        self._render_timer.start()

    def profile(self) -> Profile:
        """The profile in the form; raises LabelmateError naming the field at fault."""
        return profile_from_form(
            self.name.text(),
            self.focus.text(),
            self.tools.text(),
            self.data_types.text(),
            self.links.toPlainText(),
        )

    def formats(self) -> list[str]:
        return [key for key, box in self.format_boxes.items() if box.isChecked()]

    def options(self, out_dir: Path, *, preview: bool = False) -> PortfolioOptions:
        """The export's options; raises LabelmateError saying what to fix. A preview
        goes ahead without a valid profile (showing the default heading)."""
        projects = self.chosen_projects()
        if not projects:
            raise LabelmateError("Tick at least one shareable project.")
        if not self.formats():
            raise LabelmateError("Choose at least one format.")
        try:
            profile = self.profile()
        except LabelmateError:
            if not preview:
                raise
            profile = None
        return PortfolioOptions(
            out_dir=out_dir,
            template=self.template.currentData() or "classic",
            formats=self.formats(),
            projects=projects,
            profile=profile,
            redact=self.redact.isChecked(),
            samples=self.samples.value(),
            queries=self.chosen_queries(),
        )

    def _validate(self) -> bool:
        """Say at once what blocks the export (the preview follows after a pause)."""
        try:
            self.options(self._preview_root / "out")
        except LabelmateError as exc:
            self.error.setText(str(exc))
            self.export_button.setEnabled(False)
            return False
        self.error.setText("")
        self.export_button.setEnabled(True)
        return True

    # -- preview -------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring the preview up to date with the form (gathering only if needed)."""
        self._render_timer.stop()
        try:
            options = self.options(self._preview_root / "out", preview=True)
            key = (
                tuple(options.projects or ()),
                options.samples,
                options.redact,
                tuple(options.queries or ()),
            )
            if key != self._content_key:
                self._gather(options, key)
            assert self._content is not None
            html = render_html(self._content, options, for_pdf=True)
            markdown = render_markdown(self._content, options)
        except LabelmateError as exc:
            self.error.setText(str(exc))
            self.export_button.setEnabled(False)
            return
        from labelmate.gui.portfolio_pdf import portfolio_document

        self._validate()
        old = self.document
        self.document = portfolio_document(html, self._content.stage)
        self.pages.set_document(self.document)
        if old is not None:
            old.deleteLater()
        self.markdown_text = markdown
        self.markdown.setSearchPaths([str(self._content.stage)])
        self.markdown.setMarkdown(markdown)
        self.markdown.document().setDocumentMargin(16)
        self.tabs.setTabEnabled(1, "md" in options.formats)
        report = self._content.report
        parts = [
            f"{self.document.pageCount()} PDF page(s)",
            f"{len(report.projects)} project(s)",
            f"{report.samples} sample(s)",
        ]
        if not report.samples:
            parts.append("no finished self-score session yet: finish one to show samples")
        self.status.setText(" · ".join(parts))

    def _gather(self, options: PortfolioOptions, key: tuple) -> None:
        self._generation += 1
        stage = self._preview_root / f"preview-{self._generation}"
        stage.mkdir()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.status.setText("Gathering your scored work…")
        QCoreApplication.processEvents()
        try:
            content = gather_portfolio(self._ws, options, stage, datasets=True)
        except LabelmateError:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        finally:
            QApplication.restoreOverrideCursor()
        if self._content is not None:
            shutil.rmtree(self._content.stage, ignore_errors=True)
        self._content, self._content_key = content, key

    def open_html_preview(self) -> None:
        """Write the HTML page into the preview folder and open it in the user's browser."""
        self.refresh()
        if self._content is None:
            return
        try:
            options = self.options(self._preview_root / "out", preview=True)
            html = render_html(self._content, options)
        except LabelmateError as exc:
            self.error.setText(str(exc))
            return
        stage = self._content.stage
        css = template_dir(options.template) / "style.css"
        if css.is_file():
            shutil.copyfile(css, stage / "style.css")
        page = stage / HTML_FILE
        page.write_text(html, encoding="utf-8")
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(page)))

    # -- export --------------------------------------------------------------------
    def export(self) -> None:
        out = self.out_field.path()
        try:
            if out is None:
                raise LabelmateError("Choose an output folder.")
            options = self.options(out)
        except LabelmateError as exc:
            self.error.setText(str(exc))
            return
        if out.is_file():
            self.error.setText(f"{out} is a file; choose a folder.")
            return
        if out.is_dir() and any(out.iterdir()):
            answer = QMessageBox.question(
                self,
                "Export portfolio",
                f"{out} is not empty.\n\nReplace its contents with the portfolio?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            options.replace = True
        assert options.profile is not None
        try:
            save_profile(options.profile, profile_path(self._ws.path))
        except OSError as exc:
            self.error.setText(f"The profile could not be saved: {exc}")
            return
        report = self._run_export(options)
        if report is None:
            return
        self._save_settings()
        show_report(self, "Portfolio", f"Portfolio written to {out}.", report.lines(), folder=out)

    def _run_export(self, options: PortfolioOptions):
        renderer = None
        if "pdf" in options.formats:
            from labelmate.gui.portfolio_pdf import render_pdf

            renderer = render_pdf
        progress = QProgressDialog("Exporting the portfolio…", "", 0, 0, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setCancelButton(None)
        progress.setMinimumDuration(300)

        def step(name: str, done: int, total: int) -> None:
            progress.setLabelText(f"Exporting the portfolio: {name}")
            progress.setMaximum(total)
            progress.setValue(done)
            QCoreApplication.processEvents()

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return build_portfolio(self._ws, options, pdf_renderer=renderer, progress=step)
        except (LabelmateError, OSError) as exc:
            QMessageBox.warning(
                self, "Export failed", f"Nothing was written to {options.out_dir}.\n\n{exc}"
            )
            return None
        finally:
            QApplication.restoreOverrideCursor()
            progress.close()

    def _keep_profile(self) -> None:
        """Edits to the profile are kept when the dialog closes, exported or not."""
        try:
            profile = self.profile()
            if profile != saved_profile(self._ws.path):
                save_profile(profile, profile_path(self._ws.path))
        except (LabelmateError, OSError):
            pass  # an invalid or unsaved profile was shown in the form already

    # -- settings ------------------------------------------------------------------
    def _restore_settings(self) -> None:
        settings = QSettings()
        template = settings.value(f"{_KEY}/template")
        index = self.template.findData(template) if isinstance(template, str) else -1
        if index >= 0:
            self.template.blockSignals(True)
            self.template.setCurrentIndex(index)
            self.template.blockSignals(False)
        formats = settings.value(f"{_KEY}/formats")
        if isinstance(formats, str) and formats:
            for key, box in self.format_boxes.items():
                box.setChecked(key in formats.split(","))
        samples = settings.value(f"{_KEY}/samples")
        if samples is not None:
            self.samples.setValue(int(samples))
        self.redact.setChecked(settings.value(f"{_KEY}/redact", False, type=bool))
        out = settings.value(f"{_KEY}/out")
        self.out_field.set_path(
            out if isinstance(out, str) and out else Path.home() / "Labelmate portfolio"
        )

    def _restore_geometry(self) -> None:
        settings = QSettings()
        geometry = settings.value(f"{_KEY}/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = settings.value(f"{_KEY}/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)

    def _save_settings(self) -> None:
        settings = QSettings()
        template = self.template.currentData()
        if template in shipped_templates():
            settings.setValue(f"{_KEY}/template", template)
        settings.setValue(f"{_KEY}/formats", ",".join(self.formats()))
        settings.setValue(f"{_KEY}/samples", self.samples.value())
        settings.setValue(f"{_KEY}/redact", self.redact.isChecked())
        out = self.out_field.path()
        if out is not None:
            settings.setValue(f"{_KEY}/out", str(out))

    def done(self, result: int) -> None:
        self._keep_profile()
        settings = QSettings()
        settings.setValue(f"{_KEY}/geometry", self.saveGeometry())
        settings.setValue(f"{_KEY}/splitter", self.splitter.saveState())
        shutil.rmtree(self._preview_root, ignore_errors=True)
        super().done(result)
