"""The foundation window over the demo pack: projects, tasks, filters, preview, settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from labelmate.gui.main_window import MainWindow
from labelmate.usecases.demo import install_demo
from labelmate.usecases.workspace import open_workspace


@pytest.fixture
def demo_ws(tmp_path):
    path = tmp_path / "ws.labelmate"
    install_demo(path)
    with open_workspace(path) as ws:
        yield ws


def _project_names(window: MainWindow) -> list[str]:
    return [window.project_list.item(i).text() for i in range(window.project_list.count())]


def test_window_lists_demo_projects_and_their_tasks(qtbot, demo_ws):
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    names = _project_names(window)
    assert any(name.startswith("PCB defects") for name in names), names
    assert window.task_model.rowCount() > 0
    first = window.task_model.task_at(0)
    # The first project draws on images, so its first task opens on the canvas, just
    # after the window shows.
    assert first is not None
    qtbot.waitUntil(lambda: first.external_id in window.image_screen.info.text())
    assert window.center.currentWidget() is window.image_screen
    assert window.image_screen.info.text().count(first.external_id) == 1


def test_clicking_a_project_and_a_task_shows_it(qtbot, demo_ws):
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    names = _project_names(window)
    review_row = next(i for i, n in enumerate(names) if "review" in n.lower())
    item_rect = window.project_list.visualItemRect(window.project_list.item(review_row))
    qtbot.mouseClick(
        window.project_list.viewport(), Qt.MouseButton.LeftButton, pos=item_rect.center()
    )
    assert window.current_project().name == names[review_row].rsplit("  (", 1)[0]
    second = window.task_view.visualRect(window.task_model.index(1, 1))
    qtbot.mouseClick(window.task_view.viewport(), Qt.MouseButton.LeftButton, pos=second.center())
    task = window.task_model.task_at(1)
    screen = window.text_screen  # reviews are text: they open on the text screen
    assert window.center.currentWidget() is screen
    assert task.external_id in screen.info.text()
    assert screen.views["review"].toPlainText() == task.data["text"]
    qtbot.keyClick(window.task_view, Qt.Key.Key_Down)
    assert window.task_model.task_at(2).external_id in screen.info.text()


def test_status_filter_shows_only_matching_tasks(qtbot, demo_ws):
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    total = window.task_model.rowCount()
    window.status_filter.setCurrentIndex(2)  # Done
    assert window.task_model.rowCount() == 0
    window.status_filter.setCurrentIndex(1)  # To do
    assert window.task_model.rowCount() == total


def test_last_project_is_remembered(qtbot, demo_ws):
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.project_list.setCurrentRow(2)
    chosen = window.current_project().name
    window.close()
    assert QSettings().value("main_window/last_project") == chosen
    again = MainWindow(demo_ws)
    qtbot.addWidget(again)
    assert again.current_project().name == chosen


def test_empty_workspace_explains_how_to_add_the_demo(qtbot, tmp_path):
    with open_workspace(tmp_path / "empty.labelmate") as ws:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        assert "labelmate demo" in window.statusBar().currentMessage()
        assert window.task_model.rowCount() == 0
