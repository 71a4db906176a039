"""Image-folder import: one task per image, in the order a person numbers them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from labelmate.core.errors import InputError
from labelmate.core.labeling_interface import parse_labeling_config
from labelmate.io.image_folder import natural_key, read_image_folder
from labelmate.io.interchange import ReadContext
from labelmate.io.media import MediaResolver

CONFIG = """<View>
  <Image name="photo" value="$img"/>
  <RectangleLabels name="box" toName="photo"><Label value="a"/></RectangleLabels>
</View>"""


def _img(path: Path, size: tuple[int, int] = (4, 3)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size).save(path)


def test_tasks_are_recursive_naturally_sorted_and_skip_hidden(tmp_path: Path) -> None:
    for rel in ("img10.png", "img2.png", "IMG1.jpg", "sub/b.png", ".hidden/x.png", ".x.png"):
        _img(tmp_path / rel)
    (tmp_path / "notes.txt").write_text("not an image")
    calls: list[tuple[int, int | None]] = []
    ctx = ReadContext(media=MediaResolver(tmp_path), progress=lambda d, t: calls.append((d, t)))
    result = read_image_folder(tmp_path, ctx)
    ids = [t.external_id for t in result.tasks]
    assert ids == ["IMG1.jpg", "img2.png", "img10.png", "sub/b.png"]
    assert [t.index for t in result.tasks] == [0, 1, 2, 3]
    assert [t.data for t in result.tasks][3] == {"image": "sub/b.png"}
    assert all(t.media == t.external_id and t.image_size == (4, 3) for t in result.tasks)
    assert all(t.annotations == [] and t.problems == [] for t in result.tasks)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert result.config_xml is None


def test_data_key_comes_from_the_config_image(tmp_path: Path) -> None:
    _img(tmp_path / "a.png")
    ctx = ReadContext(media=MediaResolver(tmp_path), interface=parse_labeling_config(CONFIG))
    [task] = read_image_folder(tmp_path, ctx).tasks
    assert task.data == {"img": "a.png"}


def test_exif_orientation_swaps_width_and_height(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    Image.new("RGB", (40, 20)).save(tmp_path / "phone.jpg", exif=exif)
    [task] = read_image_folder(tmp_path, ReadContext(media=MediaResolver(tmp_path))).tasks
    assert task.image_size == (20, 40)


def test_unreadable_image_is_kept_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    _img(tmp_path / "ok.png")
    tasks = read_image_folder(tmp_path, ReadContext(media=MediaResolver(tmp_path))).tasks
    broken, ok = tasks
    assert not broken.refused and broken.image_size is None and broken.media == "broken.png"
    [problem] = broken.problems
    assert not problem.is_error and "cannot read the image" in problem.message
    assert problem.location.field == "task 1: image"
    assert ok.image_size == (4, 3)


def test_single_image_file_and_bad_paths(tmp_path: Path) -> None:
    _img(tmp_path / "one.png")
    ctx = ReadContext(media=MediaResolver(tmp_path))
    assert [t.external_id for t in read_image_folder(tmp_path / "one.png", ctx).tasks] == [
        "one.png"
    ]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no image files"):
        read_image_folder(tmp_path / "empty", ctx)
    with pytest.raises(InputError, match="does not exist"):
        read_image_folder(tmp_path / "missing", ctx)
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(InputError, match="not an image"):
        read_image_folder(tmp_path / "a.txt", ctx)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_escaping_the_media_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    _img(outside)
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.png").symlink_to(outside)
    [task] = read_image_folder(root, ReadContext(media=MediaResolver(root))).tasks
    assert task.refused and "outside the media root" in task.problems[0].message


def test_folder_outside_the_media_root_is_refused(tmp_path: Path) -> None:
    _img(tmp_path / "pics" / "a.png")
    (tmp_path / "root").mkdir()
    ctx = ReadContext(media=MediaResolver(tmp_path / "root"))
    [task] = read_image_folder(tmp_path / "pics", ctx).tasks
    assert task.refused and task.media is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=10))
def test_natural_key_orders_numbers_by_value(numbers: list[int]) -> None:
    names = [f"img{n}.png" for n in numbers]
    assert sorted(names, key=natural_key) == [f"img{n}.png" for n in sorted(numbers)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=8))
def test_natural_key_never_fails_on_mixed_names(names: list[str]) -> None:
    ordered = sorted(names, key=natural_key)
    assert sorted(ordered) == sorted(names)
    assert sorted(reversed(names), key=natural_key) == ordered  # a total, deterministic order


def test_natural_key_handles_superscripts_and_other_scripts() -> None:
    names = ["²", "x٣", "x12", "x2"]  # "²" is a digit to str.isdigit() but not a number
    assert sorted(names, key=natural_key) == ["x2", "x٣", "x12", "²"]
