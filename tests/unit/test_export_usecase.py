"""`labelmate export` on the demo pack: every format, `--which`, atomicity, round trips."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from labelmate.core.errors import InputError, NotFoundError
from labelmate.core.models import Annotation, AnnotationKind
from labelmate.io import formats
from labelmate.usecases.demo import install_demo
from labelmate.usecases.export import Which, export_project
from labelmate.usecases.import_tasks import ImportAs, ImportRequest, import_files
from labelmate.usecases.workspace import open_workspace

PCB = "PCB defects — boxes"
NER = "News snippets — named entities"
REVIEWS = "Movie reviews — sentiment"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "ws.labelmate"
    install_demo(path)
    return path


@pytest.mark.parametrize(
    ("project", "fmt", "expected"),
    [
        (PCB, "coco", ["result.json"]),
        (PCB, "yolo", ["classes.txt", "data.yaml"]),
        (PCB, "voc", ["Annotations/pcb-001.xml"]),
        (PCB, "labelme", ["pcb-001.json"]),
        (PCB, "ls-json", ["tasks.json"]),
        (PCB, "ls-min", ["tasks_min.json"]),
        (PCB, "ls-csv", ["tasks.csv"]),
        (NER, "conll", ["result.conll"]),
        (NER, "jsonl", ["result.jsonl"]),
        (REVIEWS, "jsonl", ["result.jsonl"]),
    ],
)
def test_every_format_exports_the_gold_pack(demo, tmp_path, project, fmt, expected):
    report = export_project(project, fmt, tmp_path / "out", which=Which("gold"), workspace=demo)
    written = {p.relative_to(tmp_path / "out").as_posix() for p in report.files}
    assert set(expected) <= written, written
    assert report.tasks > 0 and report.regions > 0
    assert not [p for p in report.problems if p.is_error]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_coco_boxes_are_the_gold_pixels(demo, tmp_path):
    export_project(PCB, "coco", tmp_path, which=Which("gold"), workspace=demo)
    doc = json.loads((tmp_path / "result.json").read_text())
    with open_workspace(demo) as ws:
        project = ws.project_by_name(PCB)
        first = ws.list_tasks(project.id)[0]
        (gold,) = ws.annotations_for_task(first.id, AnnotationKind.GOLD)
    image = next(i for i in doc["images"] if i["file_name"] == first.media)
    boxes = sorted(a["bbox"] for a in doc["annotations"] if a["image_id"] == image["id"])
    assert boxes == sorted([r.x, r.y, r.width, r.height] for r in gold.regions)
    assert [c["name"] for c in doc["categories"]] == [
        "Solder Bridge",
        "Missing Component",
        "Scratch",
    ]


def test_one_annotation_formats_ask_which_when_there_are_several(demo, tmp_path):
    with open_workspace(demo) as ws:
        project = ws.project_by_name(PCB)
        task = ws.list_tasks(project.id)[0]
        (gold,) = ws.annotations_for_task(task.id, AnnotationKind.GOLD)
        mine = ws.add_annotation(Annotation(task_id=task.id, author="me", regions=gold.regions[:1]))
    try:
        with pytest.raises(InputError, match="--which"):
            export_project(PCB, "yolo", tmp_path / "yolo", workspace=demo)
        assert not (tmp_path / "yolo" / "classes.txt").exists()
        report = export_project(PCB, "coco", tmp_path / "c", which=Which("mine"), workspace=demo)
        assert report.regions == 1
    finally:
        with open_workspace(demo) as ws:
            ws.delete_annotation(mine.id)


def test_a_failing_writer_leaves_no_half_written_export(demo, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "result.json").write_text("previous export")

    def broken(items, ctx):
        (ctx.out_dir / "result.json").write_text("{half")
        raise OSError("disk full")

    monkeypatch.setitem(formats.WRITERS, "coco", broken)
    with pytest.raises(OSError, match="disk full"):
        export_project(
            PCB, "coco", out, which=Which("gold"), workspace=demo, options={"replace": True}
        )
    assert (out / "result.json").read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_unknown_project_names_the_ones_that_exist(demo, tmp_path):
    with pytest.raises(NotFoundError, match="PCB defects"):
        export_project("Nope", "coco", tmp_path, workspace=demo)


def test_which_parses_every_rule():
    assert str(Which.parse("author:alice")) == "author:alice"
    assert Which.parse("latest").rule == "latest"
    with pytest.raises(InputError):
        Which.parse("oldest")


@pytest.mark.parametrize("fmt", ["ls-json", "ls-min", "ls-csv", "labelme", "coco"])
def test_pack_survives_export_and_reimport(demo, tmp_path, fmt):
    """Boxes come back to the same pixels through Label Studio, labelme and COCO."""
    out = tmp_path / fmt
    export_project(PCB, fmt, out, which=Which("gold"), workspace=demo)
    with open_workspace(demo) as ws:
        project = ws.project_by_name(PCB)
        config = tmp_path / "config.xml"
        config.write_text(project.config_xml)
        media_root = Path(project.media_root)
        before = {
            Path(t.media).name: sorted(
                (r.labels, round(r.x, 6), round(r.y, 6), round(r.width, 6), round(r.height, 6))
                for a in ws.annotations_for_task(t.id, AnnotationKind.GOLD)
                for r in a.regions
            )
            for t in ws.list_tasks(project.id)
        }
    target = tmp_path / "again.labelmate"
    source = (
        out
        / {
            "ls-json": "tasks.json",
            "ls-min": "tasks_min.json",
            "ls-csv": "tasks.csv",
            "coco": "result.json",
            "labelme": "",
        }[fmt]
    )
    report = import_files(
        ImportRequest(
            paths=[source],
            project="Again",
            config=config,
            as_=ImportAs.parse("gold"),
            # labelme's imagePath is relative to its JSON: the root must hold both.
            media_root=Path(os.path.commonpath([media_root, out]))
            if fmt == "labelme"
            else media_root,
        ),
        target,
    )
    assert report.ok, report.lines()
    with open_workspace(target) as ws:
        project = ws.project_by_name("Again")
        after = {
            Path(t.media).name: sorted(
                (r.labels, round(r.x, 6), round(r.y, 6), round(r.width, 6), round(r.height, 6))
                for a in ws.annotations_for_task(t.id)
                for r in a.regions
            )
            for t in ws.list_tasks(project.id)
        }
    assert after == before


_EXPORT_ONLY = {"id", "extra", "score", "origin"}  # not in a CSV cell (JSON_MIN values)


@pytest.mark.parametrize("project", [REVIEWS, NER])
def test_text_projects_survive_a_csv_round_trip(demo, tmp_path, project):
    """Choices, spans and the annotators come back from a Label Studio CSV export."""

    def work(ws, name: str) -> dict[str, list]:
        stored = ws.project_by_name(name)
        return {
            t.data["text"]: sorted(
                (
                    a.author,
                    json.dumps(r.model_dump(mode="json", exclude=_EXPORT_ONLY), sort_keys=True),
                )
                for a in ws.annotations_for_task(t.id)
                if a.kind is not AnnotationKind.PREDICTION and not a.was_cancelled
                for r in a.regions
            )
            for t in ws.list_tasks(stored.id)
        }

    with open_workspace(demo) as ws:
        before = work(ws, project)
        config = tmp_path / "config.xml"
        config.write_text(ws.project_by_name(project).config_xml, encoding="utf-8")
    assert any(before.values())
    report = export_project(project, "ls-csv", tmp_path / "out", workspace=demo)
    assert report.problems == []
    target = tmp_path / "again.labelmate"
    request = ImportRequest(paths=[tmp_path / "out" / "tasks.csv"], project="Again", config=config)
    (imported,) = import_files(request, target).files
    assert not imported.failed and imported.refused == 0, imported.problems
    with open_workspace(target) as ws:
        after = work(ws, "Again")
    # every author's work is there (the CSV has no gold flag: --as decides whose it is)
    assert after == before


def test_paged_items_read_every_task_once_in_order(demo, monkeypatch):
    from labelmate.usecases.export import PagedExportItems

    monkeypatch.setattr(PagedExportItems, "PAGE", 5)
    with open_workspace(demo) as ws:
        project = ws.project_by_name(REVIEWS)
        tasks = ws.list_tasks(project.id)
        items = PagedExportItems(ws, project, tasks, Which("gold"), single=True)
        assert len(items) == len(tasks) > 5
        listed = [item.task.external_id for item in items]
        assert listed == [t.external_id for t in tasks]
        assert items[7].task.external_id == tasks[7].external_id
        assert items[-1].task.external_id == tasks[-1].external_id
        assert [i.task.external_id for i in items[3:8]] == [t.external_id for t in tasks[3:8]]
        assert all(len(item.annotations) == 1 for item in items)
        with pytest.raises(IndexError):
            items[len(tasks)]


def test_several_matching_annotations_are_reported_not_silently_resolved(demo, tmp_path):
    with open_workspace(demo) as ws:
        project = ws.project_by_name(PCB)
        task = ws.list_tasks(project.id)[0]
        extra = ws.add_annotation(
            Annotation(task_id=task.id, author="x", kind=AnnotationKind.GOLD, regions=[])
        )
    try:
        report = export_project(PCB, "coco", tmp_path, which=Which("gold"), workspace=demo)
        (warning,) = [p for p in report.problems if "several annotations" in p.message]
        assert task.external_id in warning.message and "most recently updated" in warning.message
    finally:
        with open_workspace(demo) as ws:
            ws.delete_annotation(extra.id)


def test_an_export_into_a_file_is_a_clear_error(demo, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    with pytest.raises(InputError, match="cannot write the export there"):
        export_project(PCB, "coco", target, which=Which("gold"), workspace=demo)
    assert target.read_text() == "not a folder"


def test_exporting_into_a_non_empty_folder_asks_for_replace(demo, tmp_path):
    out = tmp_path / "yolo"
    export_project(PCB, "yolo", out, which=Which("gold"), workspace=demo)
    (out / "labels" / "stale.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    with pytest.raises(InputError, match="not empty"):
        export_project(PCB, "yolo", out, which=Which("gold"), workspace=demo)
    export_project(PCB, "yolo", out, which=Which("gold"), workspace=demo, options={"replace": True})
    assert not (out / "labels" / "stale.txt").exists()
    assert (out / "classes.txt").exists()


def test_yolo_reads_each_tasks_annotations_once(demo, tmp_path, monkeypatch):
    """The writer's file-name passes use the tasks alone; annotations are decoded once."""
    from labelmate.store import Workspace

    calls: list[int] = []
    original = Workspace.annotations_for_tasks

    def counting(self, task_ids):
        ids = list(task_ids)
        calls.append(len(ids))
        return original(self, ids)

    monkeypatch.setattr(Workspace, "annotations_for_tasks", counting)
    report = export_project(PCB, "yolo", tmp_path / "y", which=Which("gold"), workspace=demo)
    assert report.tasks == 12
    assert sum(calls) == 12
