"""The `labelmate` command as a user runs it: real processes, real files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from labelmate import __version__
from labelmate.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def labelmate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labelmate", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_version():
    result = labelmate("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"labelmate {__version__}"


@pytest.mark.parametrize("command", [[], ["open"], ["demo"], ["rubric"], ["rubric", "check"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: labelmate")
    assert "--workspace" in out


def test_gui_without_display_says_how_to_run_headless(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = labelmate("--workspace", str(tmp_path / "ws.labelmate"), env=env)
    assert result.returncode == 2
    assert "no display found" in result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_adds_the_pack_once(tmp_path):
    ws = tmp_path / "ws.labelmate"
    first = labelmate("demo", "--workspace", str(ws))
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("Added '") >= 5
    with sqlite3.connect(ws) as db:
        projects = db.execute("select count(*) from projects").fetchone()[0]
        tasks = db.execute("select count(*) from tasks").fetchone()[0]
        gold = db.execute("select count(*) from annotations where kind = 'gold'").fetchone()[0]
    assert projects >= 5 and tasks >= 60 and gold >= 60
    again = labelmate("--workspace", str(ws), "demo")
    assert again.returncode == 0, again.stderr
    assert "Added '" not in again.stdout and "Already in the workspace" in again.stdout
    with sqlite3.connect(ws) as db:
        assert db.execute("select count(*) from tasks").fetchone()[0] == tasks


def test_demo_media_is_written_beside_the_workspace(tmp_path):
    ws = tmp_path / "ws.labelmate"
    assert labelmate("demo", "--workspace", str(ws)).returncode == 0
    pngs = sorted((tmp_path / "ws-media" / "demo").rglob("*.png"))
    assert len(pngs) >= 12
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_a_locked_workspace_is_refused_and_left_alone(tmp_path):
    from labelmate.usecases.workspace import open_workspace

    ws_path = tmp_path / "ws.labelmate"
    with open_workspace(ws_path):
        before = ws_path.read_bytes()
        result = labelmate("demo", "--workspace", str(ws_path))
        assert result.returncode == 1
        assert "open in another Labelmate" in result.stderr
        assert "Traceback" not in result.stderr
        assert ws_path.read_bytes() == before


FIXTURES = ROOT / "tests" / "fixtures"


def test_import_then_export_from_the_command_line(tmp_path):
    ws = str(tmp_path / "ws.labelmate")
    imported = labelmate(
        "import",
        str(FIXTURES / "label_studio" / "tasks.json"),
        "--project",
        "Street",
        "--config",
        str(FIXTURES / "configs" / "config_image_boxes.xml"),
        "--workspace",
        ws,
    )
    assert imported.returncode == 0, imported.stderr
    assert "3 imported, 0 updated, 0 skipped (already there), 0 refused" in imported.stdout
    assert "file not found" in imported.stdout  # the sample's images are not shipped
    exported = labelmate(
        "export",
        "--project",
        "Street",
        "--format",
        "coco",
        "--out",
        str(tmp_path / "coco"),
        "--workspace",
        ws,
    )
    assert exported.returncode == 0, exported.stderr
    assert "result.json" in exported.stdout


def test_a_broken_file_is_reported_with_its_line_and_changes_nothing(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"data": {"image": "a.png"}},\n  {"data": \n')
    ws = tmp_path / "ws.labelmate"
    result = labelmate(
        "import",
        str(broken),
        "--project",
        "P",
        "--config",
        str(FIXTURES / "configs" / "config_image_boxes.xml"),
        "--workspace",
        str(ws),
    )
    assert result.returncode == 1
    assert f"{broken}:4:" in result.stdout and "Traceback" not in result.stderr
    with sqlite3.connect(ws) as db:
        assert db.execute("select count(*) from projects").fetchone()[0] == 0


def test_cli_format_names_match_the_registries():
    from labelmate.cli import READER_NAMES, WRITER_NAMES
    from labelmate.io.formats import READERS, WRITERS

    assert sorted(READER_NAMES) == sorted(READERS)
    assert list(WRITER_NAMES) == list(WRITERS)
