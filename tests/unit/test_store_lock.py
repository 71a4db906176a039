"""A second Labelmate on the same workspace is told who has it, and changes nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from labelmate.core.errors import WorkspaceLockedError
from labelmate.core.models import Project
from labelmate.store import Workspace
from labelmate.store.lock import lock_path_for

HOLD_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from labelmate.store import Workspace
    ws = Workspace.open(Path(sys.argv[1]))
    print("ready", flush=True)
    time.sleep(60)
    """
)
TRY_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from labelmate.core.errors import WorkspaceLockedError
    from labelmate.store import Workspace
    try:
        Workspace.open(Path(sys.argv[1])).close()
    except WorkspaceLockedError as exc:
        print(exc)
        sys.exit(3)
    print("opened")
    """
)


def run_try(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TRY_SCRIPT, str(path)], capture_output=True, text=True, timeout=60
    )


def test_second_open_in_same_process_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "w.labelmate"
    with Workspace.open(path) as ws:
        ws.add_project(Project(name="P", config_xml="<View/>"))
        with pytest.raises(WorkspaceLockedError) as err:
            Workspace.open(path)
        message = str(err.value)
        assert f"pid {os.getpid()} on host {socket.gethostname()}, since " in message
        assert "is open in another Labelmate" in message
        assert message.endswith("close it there first")
        assert str(path.resolve()) in message
        assert ws.list_projects()[0].name == "P"  # the holder keeps working


def test_lock_is_released_on_close(tmp_path: Path) -> None:
    path = tmp_path / "w.labelmate"
    ws = Workspace.open(path)
    assert lock_path_for(path).exists()
    ws.close()
    ws.close()  # closing twice is harmless
    assert not lock_path_for(path).exists()
    with Workspace.open(path) as again:
        assert again.schema_version >= 1


def test_lock_file_says_who_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "w.labelmate"
    with Workspace.open(path):
        note = lock_path_for(path).read_text()
    assert str(os.getpid()) in note
    assert socket.gethostname() in note


def test_other_process_is_refused_while_we_hold_it(tmp_path: Path) -> None:
    path = tmp_path / "w.labelmate"
    with Workspace.open(path):
        result = run_try(path)
    assert result.returncode == 3, result.stderr
    assert f"pid {os.getpid()} on host" in result.stdout
    assert "close it there first" in result.stdout
    assert run_try(path).stdout.strip() == "opened"


def test_lock_held_by_another_process_is_freed_when_it_dies(tmp_path: Path) -> None:
    path = tmp_path / "w.labelmate"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WorkspaceLockedError, match=f"pid {holder.pid} on host"):
            Workspace.open(path)
    finally:
        holder.kill()  # SIGKILL: no cleanup code runs in the holder
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    assert lock_path_for(path).exists()  # a stale note is left behind...
    with Workspace.open(path) as ws:  # ...but the lock itself died with the process
        assert ws.list_projects() == []


@pytest.mark.skipif(sys.platform == "win32", reason="uses flock directly")
def test_unreadable_note_still_gives_a_clear_message(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "w.labelmate"
    lock_file = lock_path_for(path)
    lock_file.write_bytes(b"\x00garbage")
    with lock_file.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(WorkspaceLockedError, match=r"holder unknown\) — close it there"):
            Workspace.open(path)
    with Workspace.open(path):  # a stale, garbled note does not block anyone
        pass
