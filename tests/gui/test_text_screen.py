"""The text labeling screen driven with real mouse and key events.

As for images, every test asserts what the workspace stored: the offsets Label
Studio will read back, the text, the answers.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPushButton, QTableWidgetItem

from labelmate.core.models import AnnotationKind, Project, Task, TaskStatus
from labelmate.core.regions import Choices, Span, TextAnswer
from labelmate.gui.labeling.text_views import SpanTextView
from labelmate.gui.main_window import MainWindow
from labelmate.usecases.demo import install_demo
from labelmate.usecases.workspace import open_workspace

LEFT = Qt.MouseButton.LeftButton
NER_CONFIG = """<View>
  <Labels name="entities" toName="doc">
    <Label value="PER" hotkey="1"/><Label value="LOC" hotkey="2"/>
  </Labels>
  <Text name="doc" value="$text"/>
</View>"""


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
    qtbot.waitUntil(window.isActiveWindow)
    for i in range(window.project_list.count()):
        if window.project_list.item(i).text().startswith(prefix):
            window.project_list.setCurrentRow(i)
            break
    assert window.text_screen.session is not None
    return window


def point_at(view: SpanTextView, cp: int) -> QPoint:
    """The viewport point of the boundary before code point `cp`."""
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.offsets.to_view(cp))
    return view.cursorRect(cursor).center()


def select_with_mouse(qtbot, view: SpanTextView, start: int, end: int) -> None:
    viewport = view.viewport()
    a, b = point_at(view, start), point_at(view, end)
    qtbot.mousePress(viewport, LEFT, pos=a)
    qtbot.mouseMove(viewport, QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2))
    qtbot.mouseMove(viewport, b)
    qtbot.mouseRelease(viewport, LEFT, pos=b)


def click(qtbot, button) -> None:
    """Click a check box or radio button on its indicator, as a user aims."""
    qtbot.mouseClick(button, LEFT, pos=QPoint(8, button.height() // 2))


def mine(ws, window: MainWindow):
    task = window.text_screen.session.task
    found = ws.annotations_for_task(task.id, AnnotationKind.MINE)
    return found[-1].regions if found else []


def add_text_project(ws, text: str) -> None:
    project = ws.add_project(Project(name="Tricky text", config_xml=NER_CONFIG))
    ws.add_tasks([Task(project_id=project.id, external_id="t1", data={"text": text})])


def test_mouse_selection_makes_a_span_with_code_point_offsets(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "News")
    screen = window.text_screen
    view = screen.views["doc"]
    text = view.text
    start = text.index("Bank of England")
    qtbot.keyClick(view, Qt.Key.Key_2)  # ORG
    select_with_mouse(qtbot, view, start, start + len("Bank of England"))
    (span,) = mine(demo_ws, window)
    assert isinstance(span, Span) and span.labels == ("ORG",)
    assert (span.start, span.end) == (start, start + len("Bank of England"))
    assert span.text == "Bank of England" == text[span.start : span.end]
    assert screen.selected == [span.id]
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert mine(demo_ws, window) == []
    qtbot.keyClick(
        view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert mine(demo_ws, window) == [span]


def test_snap_to_words_grows_a_sloppy_selection_and_can_be_turned_off(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "News")
    screen = window.text_screen
    view = screen.views["doc"]
    start = view.text.index("England")
    # From inside "Bank" to inside "England", with the space before it.
    select_with_mouse(qtbot, view, view.text.index("Bank") + 2, start + 3)
    (span,) = mine(demo_ws, window)
    assert span.text == "Bank of England"
    screen.snap_action.trigger()  # off
    select_with_mouse(qtbot, view, start + 1, start + 4)
    assert mine(demo_ws, window)[1].text == "ngl"


def test_emoji_and_crlf_text_keep_label_studio_offsets(qtbot, demo_ws):
    text = "Met 😀 Ana\r\nin Paris 🇫🇷 today"
    add_text_project(demo_ws, text)
    window = open_project(qtbot, demo_ws, "Tricky")
    view = window.text_screen.views["doc"]
    for word, key in (("Ana", Qt.Key.Key_1), ("Paris", Qt.Key.Key_2)):
        qtbot.keyClick(view, Qt.Key.Key_Escape)  # the new span stays selected: let go
        qtbot.keyClick(view, key)
        start = text.index(word)
        select_with_mouse(qtbot, view, start, start + len(word))
    ana, paris = mine(demo_ws, window)
    assert (ana.start, ana.end, ana.text, ana.labels) == (6, 9, "Ana", ("PER",))
    assert text[paris.start : paris.end] == "Paris" and paris.labels == ("LOC",)


def test_click_selects_a_span_hotkey_relabels_delete_removes(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "News")
    screen = window.text_screen
    view = screen.views["doc"]
    start = view.text.index("Leeds")
    select_with_mouse(qtbot, view, start, start + 5)
    screen.select([])
    qtbot.mouseClick(view.viewport(), LEFT, pos=point_at(view, start + 2))
    (span,) = mine(demo_ws, window)
    assert screen.selected == [span.id]
    qtbot.keyClick(view, Qt.Key.Key_3)  # LOC
    (relabelled,) = mine(demo_ws, window)
    assert relabelled.labels == ("LOC",) and relabelled.id == span.id
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert mine(demo_ws, window) == []


def test_choice_hotkeys_and_required_blocks_done(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "Movie reviews")
    screen = window.text_screen
    actions = window.task_actions
    view = screen.views["review"]
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)  # Done
    task_id = screen.session.task.id
    assert demo_ws.get_task(task_id).status == TaskStatus.TODO
    assert not actions.done_action.isChecked()
    qtbot.keyClick(view, Qt.Key.Key_3)  # Negative
    (choice,) = mine(demo_ws, window)
    assert isinstance(choice, Choices) and choice.labels == ("Negative",)
    qtbot.keyClick(view, Qt.Key.Key_1)  # single choice: Positive replaces it
    (choice,) = mine(demo_ws, window)
    assert choice.labels == ("Positive",)
    assert screen.choice_boxes["sentiment"].buttons["Positive"].isChecked()
    assert not screen.choice_boxes["sentiment"].buttons["Negative"].isChecked()
    click(qtbot, screen.choice_boxes["sentiment"].buttons["Neutral"])
    assert mine(demo_ws, window)[0].labels == ("Neutral",)
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert demo_ws.get_task(task_id).status == TaskStatus.DONE
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert mine(demo_ws, window)[0].labels == ("Positive",)
    assert screen.choice_boxes["sentiment"].buttons["Positive"].isChecked()


def test_typed_answer_is_saved_and_undoable(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "System prompts")
    screen = window.text_screen
    (editor,) = screen.editors.values()
    editor.setFocus()
    qtbot.keyClicks(editor, "You are a support agent.")
    editor.commit()
    (answer,) = mine(demo_ws, window)
    assert isinstance(answer, TextAnswer) and answer.text == ("You are a support agent.",)
    qtbot.keyClicks(editor, " Be brief.")
    qtbot.keyClick(window.task_actions.toolbar, Qt.Key.Key_Tab)  # focus leaves: saved
    editor.commit()
    assert mine(demo_ws, window)[0].text == ("You are a support agent. Be brief.",)
    window.task_actions.undo_action.trigger()
    assert mine(demo_ws, window)[0].text == ("You are a support agent.",)
    assert editor.toPlainText() == "You are a support agent."


def test_prompt_editor_lints_live_and_stores_test_cases(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "System prompts")
    screen = window.text_screen
    (name,) = screen.editors
    editor, findings = screen.editors[name], screen.findings[name]
    editor.setFocus()
    qtbot.keyClicks(editor, "Be helpful and answer questions.")
    qtbot.waitUntil(
        lambda: any(
            "[vague-instruction]" in findings.item(i).text() for i in range(findings.count())
        )
    )
    rules = {findings.item(i).text().rsplit("[", 1)[-1] for i in range(findings.count())}
    assert {"no-role]", "no-output-format]", "vague-instruction]"} <= rules
    assert any("Poor" in t or "Linter" in t for t in screen.hints_panel.texts())

    editor.selectAll()
    qtbot.keyClicks(editor, "You are the support assistant of a bike shop.")
    table = screen.test_tables[name]
    add = next(
        b for b in screen.controls_area.findChildren(QPushButton) if b.text() == "Add test case"
    )
    qtbot.mouseClick(add, LEFT)
    table.setItem(0, 0, QTableWidgetItem("Can you fix my brakes today?"))
    table.setItem(0, 1, QTableWidgetItem("Offers the booking link; promises no same-day repair"))
    (answer,) = mine(demo_ws, window)
    assert answer.text == ("You are the support assistant of a bike shop.",)
    assert answer.extra["test_cases"] == [
        {
            "input": "Can you fix my brakes today?",
            "expected": "Offers the booking link; promises no same-day repair",
        }
    ]
    # The test cases come back with the task.
    qtbot.keyClick(editor, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)  # required: answered
    assert demo_ws.get_task(screen.session.task.id).status == TaskStatus.DONE
    window.task_actions.next_action.trigger()
    window.task_actions.prev_action.trigger()
    assert screen.test_tables[name].item(0, 0).text() == "Can you fix my brakes today?"


def test_span_hints_and_check_against_gold(qtbot, demo_ws):
    window = open_project(qtbot, demo_ws, "News")
    screen = window.text_screen
    view = screen.views["doc"]
    gold = [r for r in screen.session.gold if isinstance(r, Span)]
    target = gold[0]
    screen.snap_action.trigger()  # off: take the sloppy selection as it is
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    screen.active = (target.control, target.labels[0])
    select_with_mouse(qtbot, view, target.start, target.end - 1)
    qtbot.waitUntil(lambda: screen.hints_panel.texts() != [])
    texts = screen.hints_panel.texts()
    assert any("ends 1 character early" in t for t in texts), texts
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    missed = [t for t in screen.hints_panel.texts() if t.startswith("missed gold span")]
    assert len(missed) == len(gold) - 1
    assert len(view.marks) == len(gold) - 1


MULTI_CONFIG = """<View>
  <Text name="doc" value="$text"/>
  <Choices name="topics" toName="doc" choice="multiple" showInline="false">
    <Choice value="Price"/><Choice value="Service"/><Choice value="Speed"/>
  </Choices>
  <Rating name="stars" toName="doc" maxRating="5" required="true"/>
</View>"""


def test_multiple_choices_and_rating_are_stored_and_required(qtbot, demo_ws):
    project = demo_ws.add_project(Project(name="Survey", config_xml=MULTI_CONFIG))
    demo_ws.add_tasks([Task(project_id=project.id, external_id="s1", data={"text": "Fast."})])
    window = open_project(qtbot, demo_ws, "Survey")
    screen = window.text_screen
    box = screen.choice_boxes["topics"]
    click(qtbot, box.buttons["Price"])
    click(qtbot, box.buttons["Speed"])
    (topics,) = mine(demo_ws, window)
    assert topics.labels == ("Price", "Speed")
    screen.toggle_done()  # the rating is required
    assert demo_ws.get_task(screen.session.task.id).status == TaskStatus.TODO
    stars = screen.rating_boxes["stars"]
    qtbot.mouseClick(stars.stars[3], LEFT)
    rating = next(r for r in mine(demo_ws, window) if r.control == "stars")
    assert rating.rating == 4 and stars.stars[3].text() == "★"
    screen.toggle_done()
    assert demo_ws.get_task(screen.session.task.id).status == TaskStatus.DONE
    click(qtbot, box.buttons["Price"])  # untick one
    assert next(r for r in mine(demo_ws, window) if r.control == "topics").labels == ("Speed",)
