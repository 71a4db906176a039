"""The `labelmate` command as a user runs it: real processes, real files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import labelmate
from labelmate import __version__
from labelmate.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def test_version():
    result = labelmate("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"labelmate {__version__}"


@pytest.mark.parametrize(
    "command",
    [[], ["open"], ["demo"], ["rubric"], ["rubric", "check"], ["prompt"], ["prompt", "lint"]],
)
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


# --- labelmate prompt lint -----------------------------------------------------------

CLEAN_PROMPT = (
    "You are a museum guide for visitors aged 10 to 14. Use a warm, friendly tone. "
    "Answer in at most 3 sentences. If a question is off-topic, say so.\n\n"
    "Examples\nUser: Who painted the ceiling?\nAssistant: Michelangelo, from 1508 to 1512.\n"
)


def write_prompt(tmp_path: Path, text: str, name: str = "prompt.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_prompt_lint_prints_findings_in_compiler_format_and_exits_1_on_errors(tmp_path):
    path = write_prompt(tmp_path, "Be helpful.\nBe brief.\nExplain in detail.\n")
    result = labelmate("prompt", "lint", str(path))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"{path}:1:1: error: no role: nothing says who the assistant is" in result.stdout
    assert lines[-1].startswith(f'{path}:3:1: error: "Explain in detail" conflicts with')
    assert lines[-1].endswith("[conflicting-instructions]")
    assert all(line.startswith(f"{path}:") and line.endswith("]") for line in lines)
    assert result.stderr == ""


def test_prompt_lint_json_has_exactly_the_documented_shape(tmp_path):
    import json

    path = write_prompt(tmp_path, "Be helpful.\nCheck the SLA.\n")
    result = labelmate("prompt", "lint", str(path), "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["findings"]
    assert data["findings"], data
    for finding in data["findings"]:
        assert list(finding) == ["rule", "severity", "message", "line"]
        assert finding["severity"] in ("error", "warning", "info")
        assert isinstance(finding["line"], int) and finding["line"] >= 1
    assert {
        "rule": "undefined-acronym",
        "severity": "info",
        "message": '"SLA" is not defined — write it out once, e.g. "Full Name (SLA)", or add '
        "it to the allowed list if every reader knows it",
        "line": 2,
    } in data["findings"]


def test_prompt_lint_exits_0_when_clean_or_with_warnings_only(tmp_path):
    import json

    clean = write_prompt(tmp_path, CLEAN_PROMPT, "clean.txt")
    result = labelmate("prompt", "lint", str(clean))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    as_json = labelmate("prompt", "lint", "--json", str(clean))
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == {"findings": []}
    warned = write_prompt(tmp_path, CLEAN_PROMPT + "\nBe helpful.\n", "warned.txt")
    result = labelmate("prompt", "lint", str(warned))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f'{warned}:7:1: warning: "Be helpful" says nothing concrete — say who the user is, '
        "what a good answer contains and how long it is [vague-instruction]"
    ]


def test_prompt_lint_exits_2_when_the_prompt_cannot_be_read(tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9".encode("latin-1"))
    cases = {
        tmp_path / "missing.txt": "cannot read prompt: no such file",
        tmp_path: "cannot read prompt: is a directory",
        latin1: "cannot read prompt: not UTF-8 text (byte 3)",
    }
    for path, words in cases.items():
        result = labelmate("prompt", "lint", str(path), "--json")
        assert result.returncode == 2, (path, result.stderr)
        assert result.stdout == ""
        assert f"labelmate: {path}: error: {words}" in result.stderr
        assert "Traceback" not in result.stderr


def test_prompt_lint_uses_a_rules_file_and_reports_a_broken_one(tmp_path):
    from labelmate.usecases.prompt_lint import shipped_rules_path

    path = write_prompt(tmp_path, CLEAN_PROMPT.replace("You are", "Be"))
    assert labelmate("prompt", "lint", str(path)).returncode == 1  # no-role is an error
    shipped = shipped_rules_path().read_text(encoding="utf-8")
    relaxed = tmp_path / "relaxed.yaml"
    relaxed.write_text(
        shipped.replace("  no-role:\n    severity: error", "  no-role:\n    severity: warning"),
        encoding="utf-8",
    )
    result = labelmate("prompt", "lint", str(path), "--rules", str(relaxed))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning: no role" in result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(shipped.replace("max_chars: 8000", "max_chars: lots"), encoding="utf-8")
    line = next(i for i, text in enumerate(shipped.splitlines(), 1) if "max_chars: 8000" in text)
    result = labelmate("prompt", "lint", str(path), "--rules", str(broken))
    assert result.returncode == 2 and result.stdout == ""
    assert (
        f"labelmate: {broken}:{line}:16: error: rule 'overlong': 'max_chars' should be a whole "
        "number, got 'lots' [rules.overlong.max_chars]"
    ) in result.stderr


def test_a_closed_pipe_stops_quietly(tmp_path):
    """`labelmate ... | head` closes the pipe early: no traceback, exit 0."""
    prompt = tmp_path / "bad.txt"
    prompt.write_text("Be helpful. Explain in detail. Keep it short. Use SLA.\n" * 3000)
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from labelmate.cli import main; sys.exit(main())",
         "prompt", "lint", str(prompt)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.read(100)  # findings start to arrive…
    proc.stdout.close()  # …and the reader leaves, like `head -c 100`
    _out, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert proc.returncode == 0
