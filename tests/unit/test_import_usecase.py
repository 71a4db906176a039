"""`labelmate import` end to end on real files: counts, identity, safety, problems."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from labelmate.core.models import AnnotationKind
from labelmate.core.regions import Box
from labelmate.usecases.import_tasks import ImportAs, ImportRequest, import_files
from labelmate.usecases.workspace import open_workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LS = FIXTURES / "label_studio"
CONFIGS = FIXTURES / "configs"


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "ws.labelmate"


def _boxes_request(path: Path, **kw) -> ImportRequest:
    return ImportRequest(
        paths=[path], project="Street", config=CONFIGS / "config_image_boxes.xml", **kw
    )


def _street_images(root: Path) -> Path:
    """The sample's images, under the media root the sample's local-files paths use."""
    (root / "street").mkdir(parents=True)
    for name in ("frame_0001.jpg", "frame_0002.jpg", "frame_0003.jpg"):
        Image.new("RGB", (800, 600), "gray").save(root / "street" / name)
    return root


def test_sample_tasks_import_with_pixel_boxes_and_predictions(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    report = import_files(_boxes_request(LS / "tasks.json", media_root=media), ws_path)
    (file_report,) = report.files
    assert report.ok and file_report.format == "ls-json"
    assert (file_report.imported, file_report.refused) == (3, 0)
    assert not [p for p in file_report.problems if p.is_error]
    with open_workspace(ws_path) as ws:
        project = ws.project_by_name("Street")
        tasks = ws.list_tasks(project.id)
        assert [t.media for t in tasks] == [f"street/frame_000{i}.jpg" for i in (1, 2, 3)]
        assert (tasks[0].image_width, tasks[0].image_height) == (800, 600)
        (mine,) = ws.annotations_for_task(tasks[0].id)
        assert mine.kind is AnnotationKind.MINE and mine.lead_time == pytest.approx(12.4)
        (box,) = mine.regions
        assert isinstance(box, Box) and box.labels == ("Car",)
        assert (box.x, box.y, box.width, box.height) == pytest.approx((100, 150, 240, 180))
        (prediction,) = ws.annotations_for_task(tasks[1].id)
        assert prediction.kind is AnnotationKind.PREDICTION
        assert ws.annotations_for_task(tasks[2].id) == []


def test_reimporting_adds_nothing_twice(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    import_files(_boxes_request(LS / "tasks.json", media_root=media), ws_path)
    again = import_files(_boxes_request(LS / "tasks.json", media_root=media), ws_path)
    (report,) = again.files
    assert (report.imported, report.skipped, report.annotations_added) == (0, 3, 0)
    assert report.annotations_skipped == 2
    with open_workspace(ws_path) as ws:
        project = ws.project_by_name("Street")
        assert ws.count_tasks(project.id) == 3


def test_new_annotations_on_known_tasks_are_added(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    import_files(_boxes_request(LS / "tasks.json", media_root=media), ws_path)
    tasks = json.loads((LS / "tasks.json").read_text())
    peer = tmp_path / "peer.json"
    peer.write_text(json.dumps(tasks))
    report = import_files(
        _boxes_request(peer, media_root=media, as_=ImportAs.parse("peer:alice")), ws_path
    ).files[0]
    assert (report.imported, report.annotations_added) == (0, 1)  # alice's copy of task 1
    with open_workspace(ws_path) as ws:
        first = ws.list_tasks(ws.project_by_name("Street").id)[0]
        kinds = sorted((a.kind.value, a.author) for a in ws.annotations_for_task(first.id))
        assert kinds == [("mine", "ls:1"), ("peer", "alice")]


def test_missing_images_are_imported_and_marked(ws_path, tmp_path):
    report = import_files(_boxes_request(LS / "tasks.json", media_root=tmp_path), ws_path)
    (file_report,) = report.files
    assert file_report.imported == 3
    messages = [p.format() for p in file_report.problems]
    assert sum("file not found" in m for m in messages) == 3
    assert all("task " in m for m in messages if "file not found" in m)
    with open_workspace(ws_path) as ws:
        tasks = ws.list_tasks(ws.project_by_name("Street").id)
        assert all(any("file not found" in p for p in t.problems) for t in tasks)


def test_urls_and_escaping_paths_are_refused_per_task(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    tasks = [
        {"data": {"image": "street/frame_0001.jpg"}},
        {"data": {"image": "https://example.com/cat.jpg"}},
        {"data": {"image": "../../etc/passwd"}},
    ]
    path = media / "mixed.json"
    path.write_text(json.dumps(tasks))
    (report,) = import_files(_boxes_request(path), ws_path).files
    assert (report.imported, report.refused) == (1, 2)
    text = "\n".join(p.format() for p in report.problems)
    assert "task 2" in text and "never downloads" in text
    assert "task 3" in text and "outside the media root" in text


def test_an_unreadable_file_leaves_the_workspace_unchanged(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    import_files(_boxes_request(LS / "tasks.json", media_root=media), ws_path)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"data": {"image": "a.jpg"}}, {"data": ')
    report = import_files(_boxes_request(broken, media_root=media), ws_path)
    assert not report.ok
    (file_report,) = report.files
    assert file_report.failed
    (problem,) = [p for p in file_report.problems if p.is_error]
    assert problem.location.file.endswith("broken.json") and problem.location.line == 1
    with open_workspace(ws_path) as ws:
        assert ws.count_tasks(ws.project_by_name("Street").id) == 3


def test_a_failed_first_import_creates_no_project(ws_path, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    report = import_files(_boxes_request(broken), ws_path)
    assert not report.ok
    with open_workspace(ws_path) as ws:
        assert ws.project_by_name("Street") is None


def test_csv_values_stay_strings(ws_path):
    request = ImportRequest(
        paths=[LS / "tasks.csv"], project="Reviews", config=CONFIGS / "config_text_sentiment.xml"
    )
    (report,) = import_files(request, ws_path).files
    assert report.imported == 3
    with open_workspace(ws_path) as ws:
        tasks = ws.list_tasks(ws.project_by_name("Reviews").id)
        assert tasks[0].data["ref_id"] == "rev-001"
        assert tasks[2].data["text"].startswith("It's fine.")


def test_a_new_project_needs_a_config_when_the_format_has_none(ws_path):
    report = import_files(ImportRequest(paths=[LS / "tasks.csv"], project="X"), ws_path)
    assert not report.ok
    assert "--config" in report.files[0].problems[-1].message


def test_gold_import_marks_every_annotation_gold(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    copy = tmp_path / "gold.json"
    shutil.copy(LS / "tasks.json", copy)
    import_files(_boxes_request(copy, media_root=media, as_=ImportAs.parse("gold")), ws_path)
    with open_workspace(ws_path) as ws:
        first = ws.list_tasks(ws.project_by_name("Street").id)[0]
        (gold,) = ws.annotations_for_task(first.id)
        assert gold.kind is AnnotationKind.GOLD


def test_as_option_rejects_nonsense():
    with pytest.raises(Exception, match="mine, gold or peer:NAME"):
        ImportAs.parse("boss")


def test_a_bad_later_path_keeps_the_earlier_files_and_their_summary(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    report = import_files(
        ImportRequest(
            paths=[LS / "tasks.json", tmp_path / "missing.json"],
            project="Street",
            config=CONFIGS / "config_image_boxes.xml",
            media_root=media,
        ),
        ws_path,
    )
    first, second = report.files
    assert first.imported == 3 and not first.failed
    assert second.failed and "no such file" in second.problems[0].message
    assert not report.ok


def test_an_annotation_whose_results_are_all_unreadable_is_not_stored_as_empty(ws_path, tmp_path):
    media = _street_images(tmp_path / "media")
    bad_result = {
        "from_name": "box",
        "to_name": "image",
        "type": "rectanglelabels",
        "original_width": 800,
        "original_height": 600,
        "value": {"x": 1, "y": 1, "width": "abc", "height": 5, "rectanglelabels": ["Car"]},
    }
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            [
                {
                    "data": {"image": "street/frame_0001.jpg"},
                    "annotations": [{"result": [bad_result]}],
                }
            ]
        )
    )
    (report,) = import_files(_boxes_request(path, media_root=media), ws_path).files
    assert report.imported == 1 and report.annotations_added == 0
    assert any("annotation is not imported" in p.message for p in report.problems)


def test_the_displayed_image_size_is_stored_and_a_declared_one_that_differs_reported(
    ws_path, tmp_path
):
    media = tmp_path / "media"
    (media / "street").mkdir(parents=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated: 800×600 pixels display as 600×800
    Image.new("RGB", (800, 600)).save(media / "street" / "frame_0001.jpg", exif=exif)
    tasks = json.loads((LS / "tasks.json").read_text())[:1]  # declares 800×600
    path = tmp_path / "one.json"
    path.write_text(json.dumps(tasks))
    (report,) = import_files(_boxes_request(path, media_root=media), ws_path).files
    (warning,) = [p for p in report.problems if "as displayed" in p.message]
    assert "800×600" in warning.message and "600×800" in warning.message
    with open_workspace(ws_path) as ws:
        (task,) = ws.list_tasks(ws.project_by_name("Street").id)
        assert (task.image_width, task.image_height) == (600, 800)


def _sentiment(path: Path, tasks: list) -> ImportRequest:
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return ImportRequest(
        paths=[path], project="Reviews", config=CONFIGS / "config_text_sentiment.xml"
    )


def _choice(value: str) -> dict:
    return {
        "from_name": "sentiment",
        "to_name": "review",
        "type": "choices",
        "value": {"choices": [value]},
    }


def test_changed_data_under_earlier_annotations_is_replaced_with_a_warning(ws_path, tmp_path):
    first = [
        {"id": 7, "data": {"text": "good"}, "annotations": [{"result": [_choice("Positive")]}]}
    ]
    import_files(_sentiment(tmp_path / "a.json", first), ws_path)
    changed = [{"id": 7, "data": {"text": "good, mostly"}}]  # no annotations this time
    (report,) = import_files(_sentiment(tmp_path / "b.json", changed), ws_path).files
    assert (report.imported, report.updated, report.annotations_added) == (0, 1, 0)
    (warning,) = [p for p in report.problems if "old data" in p.message]
    assert "task '7'" in warning.message and "1 earlier annotation(s)" in warning.message
    with open_workspace(ws_path) as ws:
        (task,) = ws.list_tasks(ws.project_by_name("Reviews").id)
        assert task.data == {"text": "good, mostly"}
        assert len(ws.annotations_for_task(task.id)) == 1


def test_a_task_repeated_in_one_file_is_stored_once_with_both_annotations(ws_path, tmp_path):
    tasks = [
        {"id": "r1", "data": {"text": "fine"}, "annotations": [{"result": [_choice("Neutral")]}]},
        {"data": {"text": "other"}},
        {"id": "r1", "data": {"text": "fine"}, "annotations": [{"result": [_choice("Positive")]}]},
    ]
    (report,) = import_files(_sentiment(tmp_path / "dup.json", tasks), ws_path).files
    assert (report.imported, report.annotations_added) == (2, 2)
    (warning,) = [p for p in report.problems if "repeats task" in p.message]
    assert "'r1'" in warning.message and "task 3" in warning.format()
    with open_workspace(ws_path) as ws:
        first, _ = ws.list_tasks(ws.project_by_name("Reviews").id)
        labels = sorted(a.regions[0].labels[0] for a in ws.annotations_for_task(first.id))
        assert labels == ["Neutral", "Positive"]


@pytest.mark.parametrize("enabled", [True, False])
def test_an_import_leaves_the_garbage_collector_as_it_found_it(ws_path, tmp_path, enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        good = _sentiment(tmp_path / "ok.json", [{"data": {"text": "fine"}}])
        import_files(good, ws_path)
        assert gc.isenabled() is enabled
        (tmp_path / "broken.json").write_text("[{", encoding="utf-8")
        bad = ImportRequest(paths=[tmp_path / "broken.json"], project="Reviews")
        assert not import_files(bad, ws_path).ok
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
