"""Reading outside files as text, with errors that say where the bad byte is.

Clients' exports are sometimes re-saved as Latin-1 or cp1252 by spreadsheet tools;
the line, column and byte tell the user where to look instead of a mangled import.
One copy for every reader.
"""

from __future__ import annotations

from pathlib import Path

from labelmate.core.errors import InputError, Location


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read the file: {exc.strerror or exc}", Location(file=str(path))
        ) from None


def decode_utf8(raw: bytes, source: str | Path) -> str:
    """UTF-8 text (a BOM is allowed); anything else is an InputError at the bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        raise InputError(
            f"the file is not UTF-8 text: byte 0x{raw[start]:02x} (line {line}, byte offset "
            f"{start}) cannot be decoded; save it as UTF-8 and import again",
            Location(file=str(source), line=line, column=column),
        ) from None


def read_utf8(path: Path) -> str:
    return decode_utf8(read_bytes(path), path)
