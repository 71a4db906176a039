"""Running the `labelmate` command as a user does: a real process."""

from __future__ import annotations

import subprocess
import sys


def labelmate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labelmate", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
