"""The shipped data folders are found from the editable install and from a wheel."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from labelmate.paths import data_dir

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["resources", "rubrics", "portfolio_templates"])
def test_editable_install_finds_data_folders_in_the_source_tree(name):
    assert data_dir(name) == ROOT / name


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("labelmate-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_the_data_folders(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("resources", "rubrics", "portfolio_templates"):
        assert any(n.startswith(f"labelmate/_data/{folder}/") for n in names), folder
    assert "labelmate/_data/rubrics/pcb-defect-boxes.yaml" in names
    assert "labelmate/_data/resources/prompt_lint.yaml" in names
    assert "labelmate/_data/resources/query_templates.yaml" in names


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_finds_its_data_and_runs(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    # Dependencies come from this environment's site-packages (a .pth line adds the
    # folder without running its .pth files, so the editable labelmate stays out).
    site = Path(
        subprocess.check_output(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    where = subprocess.run(
        [str(py), "-c", "import labelmate.paths as p; print(p.data_dir('rubrics'))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    check = subprocess.run(
        [
            str(venv / "bin" / "labelmate"),
            "rubric",
            "check",
            "--strict",
            *sorted(str(p) for p in Path(where).glob("*.yaml")),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    demo = subprocess.run(
        [str(venv / "bin" / "labelmate"), "demo", "--workspace", str(tmp_path / "w.labelmate")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Added 'PCB defects" in demo.stdout
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("Be helpful.\n", encoding="utf-8")
    lint = subprocess.run(
        [str(venv / "bin" / "labelmate"), "prompt", "lint", str(prompt)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert lint.returncode == 1 and "[no-role]" in lint.stdout, lint.stdout + lint.stderr
