"""Test-wide settings: headless Qt and a private data folder.

Set before anything imports Qt or resolves the default workspace, so no test
touches the user's real settings or workspace.
"""

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LABELMATE_DATA_DIR", tempfile.mkdtemp(prefix="labelmate-test-data-"))

ROOT = Path(__file__).resolve().parents[1]


def load_benchmark(name: str):
    """A script of benchmarks/ as a module (its workspace builders serve tests too)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def benchmark_module():
    """`load_benchmark` for tests that build workspaces as a benchmark does."""
    return load_benchmark


@pytest.fixture(scope="session")
def scored_demo(tmp_path_factory) -> Path:
    """A demo workspace file with a finished self-score session on two projects (two
    tasks each). Copy it before changing it."""
    from labelmate.store import open_workspace
    from labelmate.usecases.demo import install_demo

    path = tmp_path_factory.mktemp("scored-demo") / "ws.labelmate"
    install_demo(path)
    with open_workspace(path) as ws:
        load_benchmark("portfolio.py").annotate_and_score(
            ws, {"PCB defects — boxes": 2, "Movie reviews — sentiment": 2}
        )
    return path
