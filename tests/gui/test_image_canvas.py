"""The image labeling screen driven with real mouse and key events.

Every test asserts what was *stored* in the workspace, because that is what a user
gets back after quitting: the canvas showing a box is not enough.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from labelmate.core.active_time import ActiveTimer
from labelmate.core.models import AnnotationKind, TaskStatus
from labelmate.core.regions import Box, Keypoint, Polygon
from labelmate.gui.canvas.view import Tool
from labelmate.gui.main_window import MainWindow
from labelmate.usecases.demo import install_demo
from labelmate.usecases.workspace import open_workspace

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def demo_ws(tmp_path):
    path = tmp_path / "ws.labelmate"
    install_demo(path)
    with open_workspace(path) as ws:
        yield ws


def open_project(qtbot, ws, prefix: str) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    # Shortcuts only fire in the active window (qtbot.waitActive can return early).
    qtbot.waitUntil(window.isActiveWindow)
    for i in range(window.project_list.count()):
        if window.project_list.item(i).text().startswith(prefix):
            window.project_list.setCurrentRow(i)
            break
    screen = window.image_screen
    assert screen.session is not None, screen.canvas.message_text
    screen.canvas.fit()
    return window


def vp(window: MainWindow, x: float, y: float) -> QPoint:
    """The viewport point showing image pixel (x, y)."""
    return window.image_screen.canvas.mapFromScene(QPointF(x, y))


def drag(qtbot, window: MainWindow, start: tuple[float, float], end: tuple[float, float]) -> None:
    viewport = window.image_screen.canvas.viewport()
    a, b = vp(window, *start), vp(window, *end)
    qtbot.mousePress(viewport, LEFT, pos=a)
    for t in (0.25, 0.5, 0.75, 1.0):
        qtbot.mouseMove(
            viewport, QPoint(round(a.x() + (b.x() - a.x()) * t), round(a.y() + (b.y() - a.y()) * t))
        )
    qtbot.mouseRelease(viewport, LEFT, pos=b)


def stored_regions(ws, window: MainWindow):
    task = window.image_screen.session.task
    mine = ws.annotations_for_task(task.id, AnnotationKind.MINE)
    return mine[-1].regions if mine else []


def zoom(window: MainWindow) -> float:
    return window.image_screen.canvas.zoom()


def test_draw_move_resize_undo_redo_are_stored(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    assert screen.canvas.tool == Tool.RECTANGLE
    tol = 1.5 / zoom(window)  # one screen pixel, in image pixels

    drag(qtbot, window, (100, 80), (220, 160))
    (box,) = stored_regions(demo_ws, window)
    assert isinstance(box, Box) and box.labels == ("Solder Bridge",)
    assert box.control == "defect" and box.target == "image"
    assert box.x == pytest.approx(100, abs=tol) and box.y == pytest.approx(80, abs=tol)
    assert box.width == pytest.approx(120, abs=2 * tol)
    assert box.height == pytest.approx(80, abs=2 * tol)

    qtbot.keyClick(screen.canvas, Qt.Key.Key_V)  # select tool
    assert screen.canvas.tool == Tool.SELECT
    drag(qtbot, window, (160, 120), (190, 140))  # move by (30, 20)
    (moved,) = stored_regions(demo_ws, window)
    assert moved.id == box.id
    assert moved.x == pytest.approx(box.x + 30, abs=2 * tol)
    assert moved.y == pytest.approx(box.y + 20, abs=2 * tol)
    assert moved.width == pytest.approx(box.width, abs=1e-9)

    # Resize by the bottom-right corner handle.
    corner = (moved.x + moved.width, moved.y + moved.height)
    drag(qtbot, window, corner, (corner[0] + 40, corner[1] + 10))
    (resized,) = stored_regions(demo_ws, window)
    assert resized.x == pytest.approx(moved.x, abs=1e-9)
    assert resized.width == pytest.approx(moved.width + 40, abs=2 * tol)
    assert resized.height == pytest.approx(moved.height + 10, abs=2 * tol)

    qtbot.keyClick(screen.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_regions(demo_ws, window) == [moved]
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_regions(demo_ws, window) == [box]
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_regions(demo_ws, window) == []
    assert screen.canvas.regions() == []
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    for expected in ([box], [moved], [resized]):
        qtbot.keyClick(screen.canvas, Qt.Key.Key_Z, redo)
        assert stored_regions(demo_ws, window) == expected
    assert screen.canvas.regions() == [resized]


def test_arrow_nudges_merge_into_one_undo_step_and_delete_is_undoable(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    drag(qtbot, window, (50, 50), (90, 80))
    (box,) = stored_regions(demo_ws, window)
    for _ in range(3):
        qtbot.keyClick(screen.canvas, Qt.Key.Key_Right)
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    (nudged,) = stored_regions(demo_ws, window)
    assert (nudged.x, nudged.y) == pytest.approx((box.x + 3, box.y + 10))
    stack = screen.undo_group.activeStack()
    assert stack.count() == 2  # the add, then one merged nudge
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Delete)
    assert stored_regions(demo_ws, window) == []
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_regions(demo_ws, window) == [nudged]
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_regions(demo_ws, window) == [box]


def test_polygon_clicks_backspace_enter_and_escape(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "Leaf outlines")
    screen = window.image_screen
    canvas = screen.canvas
    assert canvas.tool == Tool.POLYGON
    viewport = canvas.viewport()
    points = [(100, 100), (200, 110), (210, 200), (300, 300), (120, 190)]
    for x, y in points:
        qtbot.mouseClick(viewport, LEFT, pos=vp(window, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)  # drop (120, 190)
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)  # drop (300, 300)
    qtbot.mouseClick(viewport, LEFT, pos=vp(window, 110, 200))
    assert stored_regions(demo_ws, window) == []  # nothing saved while drawing
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    (polygon,) = stored_regions(demo_ws, window)
    assert isinstance(polygon, Polygon) and polygon.labels == ("Leaf",)
    assert len(polygon.points) == 4
    tol = 1.5 / zoom(window)
    for (px, py), (x, y) in zip(polygon.points, [*points[:3], (110, 200)], strict=True):
        assert px == pytest.approx(x, abs=tol) and py == pytest.approx(y, abs=tol)

    # Esc cancels a polygon in progress: nothing is stored.
    for x, y in [(400, 100), (450, 120)]:
        qtbot.mouseClick(viewport, LEFT, pos=vp(window, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert stored_regions(demo_ws, window) == [polygon]
    assert not canvas.drawing

    # Double-click closes a polygon too.
    for x, y in [(400, 300), (480, 300)]:
        qtbot.mouseClick(viewport, LEFT, pos=vp(window, x, y))
    qtbot.mouseClick(viewport, LEFT, pos=vp(window, 440, 360))
    qtbot.mouseDClick(viewport, LEFT, pos=vp(window, 440, 360))
    regions = stored_regions(demo_ws, window)
    assert len(regions) == 2 and len(regions[1].points) == 3


def test_polygon_vertex_move_insert_and_delete(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "Leaf outlines")
    canvas = window.image_screen.canvas
    viewport = canvas.viewport()
    for x, y in [(100, 100), (300, 100), (300, 300), (100, 300)]:
        qtbot.mouseClick(viewport, LEFT, pos=vp(window, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    qtbot.keyClick(canvas, Qt.Key.Key_V)
    (square,) = stored_regions(demo_ws, window)
    assert canvas.selected == [square.id]
    drag(qtbot, window, (300, 300), (340, 320))  # move a vertex
    (moved,) = stored_regions(demo_ws, window)
    tol = 1.5 / zoom(window)
    assert moved.points[2] == pytest.approx((340, 320), abs=tol)
    assert moved.points[:2] == square.points[:2]
    qtbot.mouseDClick(viewport, LEFT, pos=vp(window, 200, 100))  # insert on the top edge
    (inserted,) = stored_regions(demo_ws, window)
    assert len(inserted.points) == 5
    assert inserted.points[1] == pytest.approx((200, 100), abs=tol)
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)  # the new vertex is active: delete it
    (after,) = stored_regions(demo_ws, window)
    assert len(after.points) == 4 and after.points == moved.points


def test_hotkeys_set_the_label_of_the_selected_box(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    drag(qtbot, window, (40, 40), (80, 90))
    qtbot.keyClick(screen.canvas, Qt.Key.Key_3)
    (box,) = stored_regions(demo_ws, window)
    assert box.labels == ("Scratch",)
    assert screen.canvas.label == "Scratch"  # and the next box gets it too
    drag(qtbot, window, (200, 40), (260, 90))
    assert [r.labels for r in stored_regions(demo_ws, window)] == [("Scratch",), ("Scratch",)]
    assert "Scratch" in screen.region_panel.texts()[0]


def test_keypoint_tool_stores_a_point(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "Leaf tips")
    canvas = window.image_screen.canvas
    assert canvas.tool == Tool.KEYPOINT
    qtbot.keyClick(canvas, Qt.Key.Key_2)
    qtbot.mouseClick(canvas.viewport(), LEFT, pos=vp(window, 150, 120))
    (point,) = stored_regions(demo_ws, window)
    assert isinstance(point, Keypoint) and point.labels == ("Base",)
    assert (point.x, point.y) == pytest.approx((150, 120), abs=1.5 / zoom(window))


def test_box_hints_name_the_offset_and_the_rubric_level(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    gold = next(r for r in screen.session.gold if isinstance(r, Box))
    screen.canvas.label = gold.labels[0]
    # Zoom so that one screen pixel is a fraction of an image pixel.
    screen.canvas.centerOn(gold.x + gold.width / 2, gold.y + gold.height / 2)
    screen.canvas.zoom_by(8 / zoom(window))
    drag(
        qtbot,
        window,
        (gold.x - 7, gold.y),
        (gold.x + gold.width, gold.y + gold.height),
    )
    (box,) = stored_regions(demo_ws, window)
    assert box.x == pytest.approx(gold.x - 7, abs=0.2)
    texts = screen.hints_panel.texts()
    left = next(t for t in texts if t.startswith("left edge"))
    assert "7 px outside" in left and "Precision (Geometry): Needs Re-Annotation" in left
    assert "Acceptable allows" in left

    # Exam mode hides hints until the task is done.
    screen.actions.exam_action.trigger()
    assert screen.hints_panel.texts() == []
    assert "Exam mode" in screen.hints_panel.title.text()
    qtbot.keyClick(screen.canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert demo_ws.get_task(screen.session.task.id).status == TaskStatus.DONE
    screen.canvas.select([box.id])
    assert any(t.startswith("left edge") for t in screen.hints_panel.texts())


def test_check_reports_missed_gold_on_the_canvas(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    missed = [t for t in screen.hints_panel.texts() if "missed" in t.lower()]
    assert len(missed) >= len(screen.session.gold)
    assert len(screen.canvas._overlays) == len(screen.session.gold)


def test_next_previous_keys_and_keep_previous_regions(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    first = screen.session.task
    drag(qtbot, window, (40, 40), (80, 90))
    screen.keep_action.setChecked(True)
    qtbot.keyClick(screen.canvas, Qt.Key.Key_D)
    second = screen.session.task
    assert second.id != first.id
    (kept,) = stored_regions(demo_ws, window)
    (original,) = [
        r for r in demo_ws.annotations_for_task(first.id, AnnotationKind.MINE)[-1].regions
    ]
    assert kept.id != original.id and (kept.x, kept.width) == (original.x, original.width)
    qtbot.keyClick(screen.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_regions(demo_ws, window) == []  # the copy is an undoable step
    qtbot.keyClick(screen.canvas, Qt.Key.Key_A)
    assert screen.session.task.id == first.id
    assert [r.id for r in screen.canvas.regions()] == [original.id]


def test_copy_paste_between_tasks(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    drag(qtbot, window, (40, 40), (80, 90))
    drag(qtbot, window, (140, 40), (180, 90))
    qtbot.keyClick(screen.canvas, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(screen.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(screen.canvas, Qt.Key.Key_D)
    qtbot.keyClick(screen.canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = stored_regions(demo_ws, window)
    assert len(pasted) == 2 and screen.canvas.selected == [r.id for r in pasted]


def test_lead_time_is_recorded_on_the_annotation(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    clock = [1000.0]
    screen.timer = ActiveTimer(idle_after=60.0, clock=lambda: clock[0])
    screen.timer.start()
    clock[0] += 12.0
    screen.timer.activity()
    drag(qtbot, window, (40, 40), (80, 90))
    task_id = screen.session.task.id
    lead = demo_ws.annotations_for_task(task_id, AnnotationKind.MINE)[-1].lead_time
    assert lead == pytest.approx(12.0)
    clock[0] += 600.0  # away from the desk: only the idle allowance counts
    screen.timer.activity()
    clock[0] += 5.0
    qtbot.keyClick(screen.canvas, Qt.Key.Key_D)  # leaving the task saves its time
    lead = demo_ws.annotations_for_task(task_id, AnnotationKind.MINE)[-1].lead_time
    assert lead == pytest.approx(12.0 + 60.0 + 5.0)


def test_missing_image_shows_a_message_and_regions_stay(qtbot, demo_ws):
    project = next(p for p in demo_ws.list_projects() if p.name.startswith("PCB"))
    task = demo_ws.list_tasks(project.id, limit=1)[0]
    (Path(project.media_root) / task.media).unlink()
    window = open_project(qtbot, demo_ws, "PCB")
    assert "no such file" in window.image_screen.canvas.message_text.lower() or (
        "missing" in window.image_screen.canvas.message_text.lower()
    )
    assert task.external_id in window.image_screen.info.text()


def test_corrupt_image_shows_a_message_and_the_app_stays_usable(qtbot, demo_ws):
    project = next(p for p in demo_ws.list_projects() if p.name.startswith("PCB"))
    task = demo_ws.list_tasks(project.id, limit=1)[0]
    path = Path(project.media_root) / task.media
    path.write_bytes(path.read_bytes()[:200])  # cut off: a truncated download
    window = open_project(qtbot, demo_ws, "PCB")
    screen = window.image_screen
    assert path.name in screen.canvas.message_text
    qtbot.keyClick(screen.canvas, Qt.Key.Key_D)  # the next task opens normally
    assert screen.canvas.message_text == ""
    drag(qtbot, window, (40, 40), (80, 90))
    assert len(stored_regions(demo_ws, window)) == 1


def test_tool_last_task_and_options_are_remembered(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "Leaf outlines")
    screen = window.image_screen
    qtbot.keyClick(screen.canvas, Qt.Key.Key_D)
    qtbot.keyClick(screen.canvas, Qt.Key.Key_D)
    third = screen.session.task.external_id
    screen.actions.exam_action.trigger()
    screen.keep_action.trigger()
    window.close()
    again = open_project(qtbot, demo_ws, "PCB")
    qtbot.keyClick(again.image_screen.canvas, Qt.Key.Key_V)
    again = open_project(qtbot, demo_ws, "Leaf outlines")
    assert again.image_screen.session.task.external_id == third
    assert again.image_screen.actions.exam_action.isChecked()
    assert again.image_screen.keep_action.isChecked()
    assert again.image_screen.canvas.tool == Tool.POLYGON
