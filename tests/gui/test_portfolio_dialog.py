"""File → Export portfolio: live preview, sharing switch, profile kept, export with clicks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton

from labelmate.core.models import Project
from labelmate.gui.main_window import MainWindow
from labelmate.gui.portfolio.dialog import PortfolioDialog
from labelmate.store import open_workspace
from labelmate.usecases.portfolio import profile_path

BOXES = "PCB defects — boxes"
SENTIMENT = "Movie reviews — sentiment"
SECRET = "Client SECRET-7731"


@pytest.fixture
def ws(scored_demo, tmp_path):
    """The scored demo plus a confidential project."""
    target = tmp_path / "ws" / "ws.labelmate"
    target.parent.mkdir()
    shutil.copyfile(scored_demo, target)
    with open_workspace(target) as workspace:
        demo = workspace.project_by_name(SENTIMENT)
        assert demo is not None
        workspace.add_project(
            Project(
                name=SECRET,
                config_xml=demo.config_xml,
                rubric_id=demo.rubric_id,
                rubric_yaml=demo.rubric_yaml,
                confidential=True,
            )
        )
        yield workspace


def _item(dialog: PortfolioDialog, name: str):
    for i in range(dialog.project_list.count()):
        item = dialog.project_list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == name:
            return item
    raise AssertionError(name)


def _click_item(qtbot, dialog: PortfolioDialog, name: str, *, checkbox: bool = False) -> None:
    view = dialog.project_list
    rect = view.visualItemRect(_item(dialog, name))
    x = rect.left() + 10 if checkbox else rect.center().x()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, rect.center().y()))


def _open(qtbot, ws) -> PortfolioDialog:
    dialog = PortfolioDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_preview_shows_scored_projects_and_follows_the_profile(qtbot, ws):
    dialog = _open(qtbot, ws)
    # Projects with a finished session are ticked; the others are not.
    assert dialog.chosen_projects() == [SENTIMENT, BOXES]
    assert dialog.document is not None and dialog.document.pageCount() >= 2
    assert dialog.pages.page_count() == dialog.document.pageCount()
    assert f"{dialog.document.pageCount()} PDF page(s)" in dialog.status.text()
    text = dialog.document.toPlainText()
    assert "Selected samples" in text and "Bounding boxes" in text

    qtbot.keyClicks(dialog.name, "Ada Lovelace")
    qtbot.waitUntil(lambda: "Ada Lovelace" in dialog.document.toPlainText(), timeout=3000)
    assert "Ada Lovelace" in dialog.markdown_text

    # Unticking a project with a real click on its check box gathers again without it.
    _click_item(qtbot, dialog, BOXES, checkbox=True)
    assert dialog.chosen_projects() == [SENTIMENT]
    qtbot.waitUntil(lambda: "Bounding boxes" not in dialog.document.toPlainText(), timeout=3000)


def test_confidential_project_is_never_previewed_until_marked_shareable(qtbot, ws, monkeypatch):
    dialog = _open(qtbot, ws)
    item = _item(dialog, SECRET)
    assert not item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert "confidential" in item.text()
    assert SECRET not in dialog.document.toPlainText()
    assert SECRET not in dialog.markdown_text

    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes,
    )
    _click_item(qtbot, dialog, SECRET)
    assert dialog.share_button.text() == "Mark shareable…"
    with qtbot.waitSignal(dialog.sharingChanged):
        qtbot.mouseClick(dialog.share_button, Qt.MouseButton.LeftButton)
    assert "may then appear in portfolios" in asked[0]
    assert not ws.project_by_name(SECRET).confidential
    item = _item(dialog, SECRET)
    assert item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert SECRET in dialog.chosen_projects()
    assert dialog.share_button.text() == "Mark confidential"

    # And back: confidential again at once, without a question.
    asked.clear()
    qtbot.mouseClick(dialog.share_button, Qt.MouseButton.LeftButton)
    assert not asked
    assert ws.project_by_name(SECRET).confidential
    assert SECRET not in dialog.chosen_projects()


def test_empty_name_blocks_export_and_names_the_field(qtbot, ws):
    dialog = _open(qtbot, ws)
    qtbot.keyClicks(dialog.name, "A")
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    qtbot.keyClick(dialog.name, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not dialog.export_button.isEnabled(), timeout=3000)
    assert "name" in dialog.error.text()


def test_export_writes_every_format_and_keeps_profile_and_choices(qtbot, ws, tmp_path, monkeypatch):
    dialog = _open(qtbot, ws)
    qtbot.keyClicks(dialog.name, "Ada Example")
    qtbot.keyClicks(dialog.tools, "Labelmate, CVAT")
    qtbot.keyClicks(dialog.links, "GitHub https://github.com/ada")
    compact = dialog.template.findData("compact")
    dialog.template.setCurrentIndex(compact)
    qtbot.mouseClick(dialog.format_boxes["md"], Qt.MouseButton.LeftButton)
    assert dialog.formats() == ["html", "pdf"]
    out = tmp_path / "my portfolio"
    dialog.out_field.edit.clear()
    qtbot.keyClicks(dialog.out_field.edit, str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.findChild(QDialog, "reportDialog") is not None, timeout=20000)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    report = dialog.findChild(QDialog, "reportDialog")
    qtbot.mouseClick(report.findChild(QPushButton, "openFolder"), Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [out]
    assert (out / "portfolio.html").is_file() and (out / "portfolio.pdf").is_file()
    assert not (out / "README.md").exists()
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "Ada Example" in html and "CVAT" in html
    assert SECRET not in html
    saved = yaml.safe_load(profile_path(ws.path).read_text(encoding="utf-8"))
    assert saved["name"] == "Ada Example"
    assert saved["tools"] == ["Labelmate", "CVAT"]
    assert saved["links"] == [{"label": "GitHub", "url": "https://github.com/ada"}]
    settings = QSettings()
    assert settings.value("portfolio/template") == "compact"
    assert settings.value("portfolio/formats") == "html,pdf"

    # A new dialog starts from the saved profile and the remembered choices.
    dialog.close()
    again = _open(qtbot, ws)
    assert again.name.text() == "Ada Example"
    assert again.template.currentData() == "compact"
    assert again.formats() == ["html", "pdf"]
    assert again.out_field.path() == out


def test_profile_edits_are_kept_when_the_dialog_closes_without_export(qtbot, ws):
    dialog = _open(qtbot, ws)
    qtbot.keyClicks(dialog.name, "Grace")
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Close), Qt.MouseButton.LeftButton
    )
    assert yaml.safe_load(profile_path(ws.path).read_text(encoding="utf-8"))["name"] == "Grace"


def test_main_window_switch_marks_the_current_project_confidential(qtbot, ws, monkeypatch):
    window = MainWindow(ws, initial_project=BOXES)
    qtbot.addWidget(window)
    window.show()
    assert window.current_project().name == BOXES
    assert window.shareable_action.isChecked()
    window.shareable_action.trigger()  # untick: confidential, no question asked
    assert ws.project_by_name(BOXES).confidential
    assert "confidential" in window.project_list.currentItem().text()
    assert window.current_project().name == BOXES

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.shareable_action.trigger()  # tick, but the user says no
    assert ws.project_by_name(BOXES).confidential
    assert not window.shareable_action.isChecked()


def test_html_preview_opens_the_rendered_page_in_the_browser(qtbot, ws, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    dialog = _open(qtbot, ws)
    qtbot.keyClicks(dialog.name, "Browser Person")
    qtbot.mouseClick(dialog.browser_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1 and opened[0].isLocalFile()
    page = Path(opened[0].toLocalFile())
    assert page.name == "portfolio.html"
    html = page.read_text(encoding="utf-8")
    assert "Browser Person" in html and SECRET not in html
    assert (page.parent / "style.css").is_file()


def test_ctrl_shift_p_opens_the_portfolio_dialog(qtbot, ws):
    window = MainWindow(ws, initial_project=BOXES)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        window,
        Qt.Key.Key_P,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: getattr(window, "portfolio_dialog", None) is not None)
    dialog = window.portfolio_dialog
    assert dialog.isVisible() and dialog.document is not None
    dialog.close()


def test_unticking_a_query_leaves_it_out_of_the_preview(qtbot, ws):
    dialog = _open(qtbot, ws)
    texts = {
        q.id: q.text
        for name in (SENTIMENT, BOXES)
        for q in ws.list_queries(ws.project_by_name(name).id)
    }
    assert sorted(dialog.chosen_queries()) == sorted(texts)
    assert all(text in dialog.document.toPlainText() for text in texts.values())
    first = dialog.query_list.item(0)
    dropped = texts[first.data(Qt.ItemDataRole.UserRole)]
    rect = dialog.query_list.visualItemRect(first)
    qtbot.mouseClick(
        dialog.query_list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(rect.left() + 10, rect.center().y()),
    )
    assert len(dialog.chosen_queries()) == 1
    qtbot.waitUntil(lambda: dropped not in dialog.document.toPlainText(), timeout=3000)
    # Unticking a project drops its queries from the list as well.
    _click_item(qtbot, dialog, BOXES, checkbox=True)
    assert dialog.query_list.count() == 1
