"""Exports are all or nothing: a failure leaves the output folder as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelmate.io.atomic import DirectoryNotEmptyError, staging_dir, write_text_atomic


def test_staged_files_land_together(tmp_path: Path):
    out = tmp_path / "out"
    with staging_dir(out) as stage:
        (stage / "labels").mkdir()
        (stage / "labels" / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
        (stage / "classes.txt").write_text("Car\n")
        assert not (out / "classes.txt").exists()  # nothing visible until done
    assert (out / "labels" / "a.txt").read_text() == "0 0.5 0.5 0.1 0.1\n"
    assert (out / "classes.txt").read_text() == "Car\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_a_failed_export_leaves_the_old_files_untouched(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "result.json").write_text("old")
    with pytest.raises(RuntimeError), staging_dir(out, replace=True) as stage:
        (stage / "result.json").write_text("half")
        raise RuntimeError("writer crashed")
    assert (out / "result.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_text_write_replaces_whole_file(tmp_path: Path):
    target = tmp_path / "a" / "b.json"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second ✓")
    assert target.read_text(encoding="utf-8") == "second ✓"
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]


def test_a_non_empty_folder_is_refused_unless_replaced(tmp_path: Path):
    out = tmp_path / "out"
    (out / "labels").mkdir(parents=True)
    (out / "labels" / "deleted-task.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    with pytest.raises(DirectoryNotEmptyError), staging_dir(out):
        pass
    assert (out / "labels" / "deleted-task.txt").exists()
    with staging_dir(out, replace=True) as stage:
        (stage / "classes.txt").write_text("Car\n")
    assert sorted(p.name for p in out.rglob("*")) == ["classes.txt"]  # no stale label left
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
