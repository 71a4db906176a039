"""Helpers every Label Studio reader and writer shares.

Kept apart from the readers so the rules (how a file is decoded, which data value
is the image, how an LS user becomes an author string) are written once and the
JSON, JSON_MIN, CSV and TXT paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from labelmate.core.labeling_interface import LabelingInterface
from labelmate.io.interchange import ReadContext
from labelmate.io.media import IMAGE_SUFFIXES
from labelmate.io.per_image import MAX_IMAGE_SIDE, number

PROGRESS_EVERY = 1000
_LS_MEDIA_PREFIXES = ("/data/local-files/", "/data/upload/")
_MAX_REFERENCE = 4096  # longer strings are text, not a path or URL
_AUTHOR_PREFIX = "ls:"


def looks_like_image(value: Any) -> bool:
    """A data value that is a path or URL of an image (by suffix or LS media prefix)."""
    if not isinstance(value, str) or len(value) > _MAX_REFERENCE or "\n" in value:
        return False
    if value.startswith(_LS_MEDIA_PREFIXES):
        return True
    tail = value.split("?", 1)[0] if "://" in value else value
    dot = tail.rfind(".")
    return dot >= 0 and tail[dot:].lower() in IMAGE_SUFFIXES


def image_data_key(interface: LabelingInterface | None) -> str | None:
    """The data key of the config's first `<Image>`, when there is a config."""
    if interface is None:
        return None
    for obj in interface.objects:
        if obj.tag == "Image" and obj.data_key:
            return obj.data_key
    return None


def media_of(data: Mapping[str, Any], interface: LabelingInterface | None) -> str | None:
    """The task's media reference as written: the first Image's value, else a guess.

    With a config we trust it (a text project has no media, even if some data value
    ends in `.png`); without one the first value that looks like an image is used.
    """
    if interface is not None:
        key = image_data_key(interface)
        if key is None:
            return None
        value = data.get(key)
        return value if isinstance(value, str) and value else None
    for value in data.values():
        if looks_like_image(value):
            return value
    return None


def media_getter(
    interface: LabelingInterface | None,
) -> Callable[[Mapping[str, Any]], str | None]:
    """`media_of` with the config looked at once, for readers that call it per task."""
    if interface is None:
        return lambda data: media_of(data, None)
    key = image_data_key(interface)
    if key is None:
        return lambda data: None

    def media(data: Mapping[str, Any]) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    return media


def first_data_key(interface: LabelingInterface | None) -> str:
    """The key one-value imports (TXT lines) fill: the config's first data key, else `text`."""
    if interface is not None:
        for obj in interface.objects:
            if obj.data_key:
                return obj.data_key
    return "text"


def text_of(
    data: Mapping[str, Any], interface: LabelingInterface | None, to_name: str
) -> str | None:
    """The text a span result on object `to_name` indexes into, if the task has it."""
    if interface is not None:
        obj = interface.object(to_name)
        if obj is not None and obj.data_key:
            value = data.get(obj.data_key)
            return value if isinstance(value, str) else None
    value = data.get(to_name)
    if isinstance(value, str):
        return value
    value = data.get("text")
    return value if isinstance(value, str) else None


def author_from_ls(value: Any) -> tuple[str | None, str | None]:
    """(author, problem) for LS `completed_by` / JSON_MIN `annotator`.

    An int user id becomes "ls:<id>" (ids mean nothing outside that LS instance,
    so the prefix keeps them apart from local names); a dict gives its email, or
    its id when it has no email.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"annotator {value!r} is not a user id or email; ignored"
    if isinstance(value, int):
        return f"{_AUTHOR_PREFIX}{value}", None
    if isinstance(value, str):
        return (value, None) if value.strip() else (None, None)
    if isinstance(value, dict):
        email = value.get("email")
        if isinstance(email, str) and email.strip():
            return email, None
        uid = value.get("id")
        if isinstance(uid, int) and not isinstance(uid, bool):
            return f"{_AUTHOR_PREFIX}{uid}", None
        if isinstance(uid, str) and uid.strip():
            return f"{_AUTHOR_PREFIX}{uid}", None
    return None, f"annotator {str(value)[:60]!r} has neither an email nor an id; ignored"


def author_to_ls(author: str) -> int | str:
    """Inverse of `author_from_ls` for JSON_MIN/CSV: "ls:7" → 7, anything else unchanged."""
    if author.startswith(_AUTHOR_PREFIX):
        rest = author[len(_AUTHOR_PREFIX) :]
        if rest.isdigit() and rest.isascii():
            return int(rest)
    return author


def completed_by_to_ls(author: str) -> int | dict[str, str]:
    """`completed_by` for the full export: an LS user id when we have one, else the email form."""
    value = author_to_ls(author)
    return value if isinstance(value, int) else {"email": author}


def parse_time(value: Any) -> tuple[datetime | None, str | None]:
    """(datetime, problem): ISO 8601 as LS writes it; naive times are taken as UTC."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, f"timestamp {str(value)[:40]!r} is not an ISO 8601 string; ignored"
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, f"timestamp {value[:40]!r} is not ISO 8601; ignored"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed, None


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def positive_size(value: Any) -> int | None:
    """An image dimension: a plausible positive whole number (2048 or 2048.0), else None."""
    n = number(value)
    if n is None or n <= 0 or not n.is_integer() or n > MAX_IMAGE_SIDE:
        return None
    return int(n)


def external_id_of(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str):
        text = str(value).strip()
        return text or None
    return None


def image_size_from_media(
    media: str | None, ctx: ReadContext
) -> tuple[tuple[int, int] | None, str]:
    """(size, reason): the image's displayed size when results did not declare one."""
    if media is None:
        return None, "the task has no image reference"
    ref = ctx.media.resolve(media)
    if ref.refused or ref.path is None:
        return None, ref.problem or "the image reference was refused"
    try:
        return ctx.media.image_size(ref.path), ""
    except OSError as exc:
        return None, str(exc)
