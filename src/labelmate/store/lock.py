"""One Labelmate per workspace: an exclusive advisory lock on ``<workspace>.lock``.

SQLite's own locking keeps a second writer from corrupting pages, but two apps on
one workspace would still silently overwrite each other's edits and undo stacks.
So the first app takes an OS-level lock and the second one gets a clear message
naming who holds it, instead of a "database is locked" error minutes later.

The OS releases the lock when the holder's process dies (even on SIGKILL or a
power cut), so a crash never leaves a workspace locked for good; the file's
contents (pid, host, time) are only the message, never the lock itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from datetime import datetime
from pathlib import Path

from labelmate.core.errors import Location, WorkspaceError, WorkspaceLockedError

# On Windows msvcrt.locking locks a byte range and blocks *reads* of that range,
# so we lock one byte far past the holder's note; other processes can still read it.
_WINDOWS_LOCK_OFFSET = 1 << 20


def lock_path_for(workspace: Path) -> Path:
    return workspace.with_name(workspace.name + ".lock")


class WorkspaceLock:
    """An exclusive lock held from :meth:`acquire` until :meth:`release`."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.path = lock_path_for(workspace)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise WorkspaceLockedError naming the holder."""
        if self._fd is not None:
            return
        # A holder deletes the file when it releases; if that happens between our
        # open() and our lock we hold a lock on an unlinked file, so retry.
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise WorkspaceError(
                    f"cannot create the lock file {self.path.name}: {exc.strerror}",
                    Location(file=str(self.workspace)),
                ) from exc
            if not _try_lock(fd):
                holder = _read_note(fd)
                os.close(fd)
                raise WorkspaceLockedError(
                    f"this workspace is open in another Labelmate ({holder})"
                    " — close it there first",
                    Location(file=str(self.workspace)),
                )
            if _same_file(fd, self.path):
                break
            os.close(fd)
        else:  # pragma: no cover - needs a pathological unlink storm
            raise WorkspaceError("could not lock the workspace", Location(file=str(self.workspace)))
        self._fd = fd
        _write_note(fd)

    def release(self) -> None:
        """Give the lock up; safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform != "win32":
            # Unlink while still holding the lock, so nobody can lock the old inode
            # after we let go; acquire() re-checks the inode for the same reason.
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        _unlock(fd)
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _write_note(fd: int) -> None:
    note = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(note).encode("utf-8"))
    with contextlib.suppress(OSError):
        os.fsync(fd)


def _read_note(fd: int) -> str:
    """The holder as "pid 123 on host h, since 15:02"; tolerant of a half-written note."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        note = json.loads(os.read(fd, 4096).decode("utf-8"))
        since = datetime.fromisoformat(note["since"])
        now = datetime.now(since.tzinfo)
        when = since.strftime("%H:%M" if since.date() == now.date() else "%Y-%m-%d %H:%M")
        return f"pid {int(note['pid'])} on host {note['host']}, since {when}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows CI only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock (not fcntl/lockf) locks belong to the open file description, so a
        # second open in the *same* process conflicts too, as it must.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
