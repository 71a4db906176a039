"""Exports are all or nothing: a failure leaves the output folder as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelmate.io.atomic import staging_dir, write_text_atomic


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
    with pytest.raises(RuntimeError), staging_dir(out) as stage:
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
