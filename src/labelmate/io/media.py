"""Media references: where a task's image lives, refused if it is not ours to read.

Nothing is downloaded, ever. A reference resolves inside one media root (the
imported file's folder, or `--media-root`): relative paths, Label Studio's
`/data/local-files/?d=…` and `/data/upload/…` forms, and absolute paths inside
the root. URLs and paths that escape the root are refused with a reason; a file
that should be there but is not is reported, and its task still imported.

Image sizes are read from the file header with EXIF orientation applied — the
size a browser, and so Label Studio, shows (formats.md §8 pitfall 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
_LOCAL_FILES = "/data/local-files/"
_UPLOAD = "/data/upload/"
_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-", re.IGNORECASE)  # LS's random upload prefix
_EXIF_ORIENTATION = 0x0112
_TRANSPOSED = frozenset({5, 6, 7, 8})  # orientations that swap width and height


@dataclass(frozen=True, slots=True)
class MediaRef:
    reference: str
    path: Path | None = None  # the file, when the reference is acceptable
    relative: str | None = None  # path relative to the media root, POSIX style
    problem: str | None = None  # why it was refused, or that the file is missing
    refused: bool = False

    @property
    def exists(self) -> bool:
        return self.path is not None and _is_file(self.path)


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


class MediaResolver:
    """Resolves references inside one root; caches image sizes per file."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._sizes: dict[Path, tuple[int, int] | str] = {}

    def resolve(self, reference: object) -> MediaRef:
        if not isinstance(reference, str) or not reference.strip():
            return MediaRef(str(reference), problem="media reference is empty", refused=True)
        ref = reference.strip()
        parts = urlsplit(ref)
        if ref.startswith(_LOCAL_FILES):
            values = parse_qs(parts.query).get("d")
            if not values:
                return self._refuse(ref, "Label Studio local-files reference has no '?d=' path")
            return self._inside(ref, [PurePosixPath(unquote(values[0]))])
        if ref.startswith(_UPLOAD):
            tail = PurePosixPath(unquote(parts.path[len(_UPLOAD) :]))
            name = tail.name
            candidates = [tail, PurePosixPath(name)]
            stripped = _UPLOAD_PREFIX.sub("", name)
            if stripped != name:
                candidates.append(PurePosixPath(stripped))
            return self._inside(ref, candidates)
        if len(parts.scheme) > 1:  # one letter is a Windows drive, not a scheme
            return self._refuse(
                ref,
                f"'{parts.scheme}:' references are not read: Labelmate works offline and "
                "never downloads; copy the file under the media root and point to it there",
            )
        return self._inside(ref, [PurePosixPath(ref.replace("\\", "/"))])

    def image_size(self, path: Path) -> tuple[int, int]:
        """(width, height) as displayed, EXIF orientation applied; raises OSError."""
        key = path.resolve()
        cached = self._sizes.get(key)
        if cached is None:
            cached = _read_size(key)
            self._sizes[key] = cached
        if isinstance(cached, str):
            raise OSError(cached)
        return cached

    def relative_to_root(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def _inside(self, ref: str, candidates: list[PurePosixPath]) -> MediaRef:
        first: Path | None = None
        for candidate in candidates:
            target = (self.root / Path(*candidate.parts)) if candidate.parts else self.root
            try:
                resolved = target.resolve()
            except (OSError, RuntimeError, ValueError) as exc:  # loops, NUL bytes
                return self._refuse(ref, f"path cannot be resolved: {exc}")
            if not resolved.is_relative_to(self.root):
                return self._refuse(
                    ref,
                    f"path points outside the media root {self.root}; only files under it are read",
                )
            if first is None:
                first = resolved
            if _is_file(resolved):
                return MediaRef(ref, resolved, self.relative_to_root(resolved))
        assert first is not None
        return MediaRef(
            ref,
            first,
            self.relative_to_root(first),
            problem=f"file not found: {first}",
        )

    @staticmethod
    def _refuse(ref: str, reason: str) -> MediaRef:
        return MediaRef(ref, problem=reason, refused=True)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a name longer than the file system allows
        return False


def _read_size(path: Path) -> tuple[int, int] | str:
    try:
        with Image.open(path) as image:
            width, height = image.size
            if image.format == "TIFF":
                # Pillow reports a TIFF's size already turned by its orientation tag;
                # start from the stored size like every other format.
                tags = getattr(image, "tag_v2", {})
                width, height = tags.get(256, width), tags.get(257, height)
            try:
                orientation = image.getexif().get(_EXIF_ORIENTATION)
            except Exception:  # a broken EXIF block must not hide the image size
                orientation = None
    except FileNotFoundError:
        return f"file not found: {path}"
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return f"cannot read image {path.name}: {exc}"
    if orientation in _TRANSPOSED:
        width, height = height, width
    return width, height
