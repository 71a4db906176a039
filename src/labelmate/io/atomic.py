"""Atomic writes: a reader of the target sees the old file or the new one, never half.

Files are written to a temporary name in the same folder, flushed to disk, and
renamed over the target (`os.replace` is atomic on one file system).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_bytes_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(target: Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


@contextlib.contextmanager
def staging_dir(out_dir: Path, *, replace: bool = False) -> Iterator[Path]:
    """A temporary folder beside `out_dir` whose contents become the export on success.

    Without `replace`, `out_dir` must be empty or new: files from an earlier export
    left beside a new one (a YOLO label for a task since deleted) would silently
    corrupt a dataset. With `replace`, the whole folder is swapped for the new
    export. Either way a failure part-way through writing leaves `out_dir` exactly
    as it was.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} is a file, not a folder")
    if not replace and out_dir.is_dir() and any(out_dir.iterdir()):
        raise DirectoryNotEmptyError(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        yield stage
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, old / "previous")
            try:
                os.replace(stage, out_dir)
            except BaseException:
                os.replace(old / "previous", out_dir)  # put the old export back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class DirectoryNotEmptyError(FileExistsError):
    def __init__(self, folder: Path) -> None:
        super().__init__(f"{folder} is not empty")
        self.folder = folder
