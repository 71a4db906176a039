"""Reads a task's image for the labeling canvas: header first, then a screen-sized
decode, then full-resolution pixels only where the user zooms in.

Coordinates
    The canvas scene is the image's *display* pixels at full resolution: EXIF
    orientation applied (width and height swapped for 90°/270°), the size a browser
    and so Label Studio show and the importer stores as the task's image_width/height.
    Region geometry is in these pixels. `read_info` gives that size from the header
    alone. `load_scaled` decodes fewer pixels and returns `(image, scale)` with
    `scale = image.width() / info.size.width()`; the canvas draws it scaled by
    `1 / scale` so it covers the scene rect `(0, 0, W, H)` (each side is rounded to
    whole decoded pixels, so for an exact fit scale x by `W / image.width()` and y by
    `H / image.height()`; the two differ by less than half a decoded pixel).
    `load_region` decodes a rectangle given in scene pixels, already oriented.

Orientation
    Qt applies orientation only where its decoder reads it: JPEG (EXIF) and TIFF
    (the Orientation tag). `QImageReader.scaledSize` and `clipRect` are in the
    *stored* orientation, before the rotation is applied; this module converts, so
    callers only ever see display coordinates. Qt ignores EXIF orientation in PNG
    and WebP (browsers ignore it in WebP; Safari and recent Chrome apply it in PNG).
    The importer reads sizes with Pillow, which applies it in those too, so for such
    a (rare) file the task's stored size is the transposed one: compare `info.size`
    with the task's image_width/height before drawing regions.

Memory
    A full decode needs width × height × 4 bytes (RGB32): 244 MB (MiB, as Qt counts)
    for 8000×8000, and a rotated image briefly twice that while Qt turns it. Qt
    refuses images above its allocation limit (256 MB by default: 8192×8192 RGB32
    passes, 64 megapixels just fit, 70 do not). Labelmate raises it deliberately to
    `ALLOCATION_LIMIT_MB` and checks the bytes a decode needs from the header before
    decoding, so a bigger image fails with a message naming its size instead of a
    null image. A JPEG decodes at reduced size inside libjpeg and clip rectangles
    decode only the rows up to the rectangle's bottom, so a JPEG above the limit can
    still be shown scaled and region by region; other formats decode the whole
    image on every call (`ImageInfo.partial_decode` is False): load them once.

Damage
    A missing, empty, unreadable, unsupported or damaged file raises
    `ImageLoadError`, whose message names the file and the reason and is meant for
    the user. libjpeg decodes a truncated JPEG without an error (the missing part
    grey, or blurred if progressive, with only a logged warning), so a JPEG is
    checked for its end-of-image marker before decoding and refused when it has none.
    Truncated PNG, WebP and TIFF files fail in Qt and are refused; truncated GIF and
    BMP files decode without an error and are shown as they are.

Everything here builds `QImage`s only (no `QPixmap`), so it may run in a worker
thread.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

ALLOCATION_LIMIT_MB = 1024
"""Largest decoded image (MiB, as Qt counts) Labelmate accepts: 268 megapixels RGB32."""

_MB = 1024 * 1024
_Transformation = QImageIOHandler.Transformation
_Option = QImageIOHandler.ImageOption
_READABLE = "JPEG, PNG, WebP, TIFF, BMP, GIF"


class ImageLoadError(Exception):
    """An image that cannot be shown; `str()` is the message for the user."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"Cannot show {self.path.name}: {reason}")


@dataclass(frozen=True)
class ImageInfo:
    """What the header says; reading it decodes no pixels."""

    path: Path
    size: QSize  # display size: orientation applied, the scene's extent
    format: str  # Qt's format name, e.g. "jpeg", "png"
    stored_size: QSize  # as stored in the file, before orientation
    transformation: QImageIOHandler.Transformation  # what orientation does to it
    bits_per_pixel: int  # of the decoded QImage (32 for RGB32)
    partial_decode: bool  # decoder scales and clips itself (JPEG); else full decodes

    @property
    def transposed(self) -> bool:
        """True if orientation swaps width and height (a 90° or 270° rotation)."""
        return bool(self.transformation & _Transformation.TransformationRotate90)

    def bytes_for(self, size: QSize) -> int:
        """Bytes a decoded image of `size` needs."""
        return (size.width() * self.bits_per_pixel + 7) // 8 * size.height()

    @property
    def full_bytes(self) -> int:
        """Bytes a full-resolution decode needs."""
        return self.bytes_for(self.stored_size)


def read_info(path: Path | str) -> ImageInfo:
    """The image's display size and format from its header.

    Raises ImageLoadError for a missing, empty or unreadable file, a file that is not
    a supported image, or a damaged header.
    """
    path = Path(path)
    _check_file(path)
    reader = _reader(path)
    if not reader.canRead():
        raise _unreadable(path, reader)
    stored = reader.size()
    if not stored.isValid() or stored.isEmpty():
        detail = _qt_reason(reader)
        raise ImageLoadError(
            path,
            "its header is damaged, so its size cannot be read"
            + (f" ({detail})" if detail else ""),
        )
    transformation = reader.transformation()
    transposed = bool(transformation & _Transformation.TransformationRotate90)
    return ImageInfo(
        path=path,
        size=stored.transposed() if transposed else QSize(stored),
        format=bytes(reader.format()).decode("ascii", "replace"),
        stored_size=QSize(stored),
        transformation=transformation,
        bits_per_pixel=_bits_per_pixel(reader),
        partial_decode=reader.supportsOption(_Option.ScaledSize)
        and reader.supportsOption(_Option.ClipRect),
    )


def load_scaled(path: Path | str, max_side: int) -> tuple[QImage, float]:
    """Decode at most `max_side` pixels on the longer display side, never upscaled.

    Returns `(image, scale)`, orientation applied, `scale` = decoded width / full
    display width (1.0 when the image is no bigger than `max_side`). A JPEG is
    decoded at reduced size by libjpeg (a 64-megapixel photo in about 0.4 s, a
    progressive one in about 1.2 s); other formats are decoded in full, then scaled.
    Raises ImageLoadError.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be positive, not {max_side}")
    info = read_info(path)
    target = _fit(info.size, max_side)
    needed = info.bytes_for(target) if info.partial_decode else info.full_bytes
    _check_limit(info, needed)
    _check_complete(info)
    reader = _reader(info.path)
    if target != info.size:
        reader.setScaledSize(target.transposed() if info.transposed else target)
    image = _read(info, reader)
    return image, image.width() / info.size.width()


def load_region(path: Path | str, rect: QRect, max_side: int | None = None) -> QImage:
    """Decode `rect`, in display (scene) pixels, at full resolution, oriented.

    `rect` must lie inside the image (intersect it with `QRect(QPoint(), info.size)`
    first). With `max_side`, a rectangle longer than that is decoded scaled to fit
    it, never upscaled. A JPEG decodes only the rows down to the rectangle's bottom;
    other formats decode the whole image each call (see `ImageInfo.partial_decode`).
    Raises ImageLoadError; ValueError for a rectangle outside the image.
    """
    info = read_info(path)
    bounds = QRect(0, 0, info.size.width(), info.size.height())
    if rect.isEmpty() or not bounds.contains(rect):
        raise ValueError(f"region {rect} is not inside the image {bounds}")
    target = rect.size() if max_side is None else _fit(rect.size(), max_side)
    needed = info.bytes_for(target) if info.partial_decode else info.full_bytes
    _check_limit(info, needed)
    _check_complete(info)
    reader = _reader(info.path)
    reader.setClipRect(_to_stored(rect, info))
    if target != rect.size():
        reader.setScaledSize(target.transposed() if info.transposed else target)
    return _read(info, reader)


def load_full(path: Path | str) -> QImage:
    """Decode the whole image at full resolution, oriented. Raises ImageLoadError,
    also when it would need more than `ALLOCATION_LIMIT_MB`."""
    info = read_info(path)
    _check_limit(info, info.full_bytes)
    _check_complete(info)
    return _read(info, _reader(info.path))


# --- helpers -------------------------------------------------------------------------


def _reader(path: Path) -> QImageReader:
    # Process-wide; set on every use so it is the deliberate value, not Qt's default.
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # EXIF/TIFF orientation, as a browser shows it
    return reader


def _read(info: ImageInfo, reader: QImageReader) -> QImage:
    image = reader.read()
    if image.isNull():
        detail = _qt_reason(reader)
        raise ImageLoadError(
            info.path,
            "its image data is damaged or incomplete" + (f" ({detail})" if detail else ""),
        )
    return image


def _check_file(path: Path) -> None:
    try:
        if path.is_dir():
            raise ImageLoadError(path, f"{path} is a folder, not an image file")
        with path.open("rb") as handle:
            first = handle.read(1)
    except FileNotFoundError:
        raise ImageLoadError(path, f"the file is missing (looked for {path})") from None
    except PermissionError:
        raise ImageLoadError(path, f"Labelmate may not read {path} (permission denied)") from None
    except OSError as exc:
        raise ImageLoadError(path, f"the file cannot be read ({exc.strerror or exc})") from None
    if not first:
        raise ImageLoadError(path, "the file is empty (0 bytes)")


def _unreadable(path: Path, reader: QImageReader) -> ImageLoadError:
    if reader.error() == QImageReader.ImageReaderError.UnsupportedFormatError:
        suffix = path.suffix.lower().lstrip(".")
        named = f"; its name ends in .{suffix} but" if suffix else "; it"
        return ImageLoadError(
            path,
            f"it is not an image Labelmate can read{named} its contents are not "
            f"{_READABLE} or another supported format",
        )
    detail = _qt_reason(reader)
    return ImageLoadError(
        path, "its header is damaged or unreadable" + (f" ({detail})" if detail else "")
    )


def _qt_reason(reader: QImageReader) -> str:
    if reader.error() == QImageReader.ImageReaderError.UnknownError:
        return ""
    return reader.errorString()


def _bits_per_pixel(reader: QImageReader) -> int:
    # From the header where the handler says (JPEG, PNG, TIFF, BMP); RGB32 otherwise.
    fmt = reader.imageFormat()
    valid = QImage.Format.Format_Invalid.value < fmt.value < QImage.Format.NImageFormats.value
    bits = QImage.toPixelFormat(fmt).bitsPerPixel() if valid else 0
    return bits if 0 < bits <= 64 else 32


def _fit(size: QSize, max_side: int) -> QSize:
    """`size` shrunk to at most `max_side` on its longer side, aspect kept, never grown."""
    longer = max(size.width(), size.height())
    if longer <= max_side:
        return QSize(size)
    factor = max_side / longer
    return QSize(
        max(1, min(max_side, round(size.width() * factor))),
        max(1, min(max_side, round(size.height() * factor))),
    )


def _check_limit(info: ImageInfo, needed: int) -> None:
    limit = ALLOCATION_LIMIT_MB * _MB
    if needed <= limit:
        return
    w, h = info.size.width(), info.size.height()
    raise ImageLoadError(
        info.path,
        f"it is {w}×{h} ({_mb(info.full_bytes)} decoded), above Labelmate's limit of "
        f"{ALLOCATION_LIMIT_MB} MB for one image; open a smaller copy (for example "
        "resized, with its regions scaled to match)",
    )


def _mb(nbytes: int) -> str:
    mb = nbytes / _MB
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


def _to_stored(rect: QRect, info: ImageInfo) -> QRect:
    """A display rectangle in the file's stored orientation, where Qt clips.

    Qt orients by mirroring (x), flipping (y), then rotating 90° clockwise, each
    flag as set; this undoes those steps in reverse order, on pixel edges.
    """
    t = info.transformation
    width, height = info.stored_size.width(), info.stored_size.height()
    x0, y0 = rect.x(), rect.y()
    x1, y1 = x0 + rect.width(), y0 + rect.height()
    if t & _Transformation.TransformationRotate90:
        # display (X, Y) came from (x, y) = (Y, height - X)
        x0, y0, x1, y1 = y0, height - x1, y1, height - x0
    if t & _Transformation.TransformationFlip:
        y0, y1 = height - y1, height - y0
    if t & _Transformation.TransformationMirror:
        x0, x1 = width - x1, width - x0
    return QRect(x0, y0, x1 - x0, y1 - y0)


def _check_complete(info: ImageInfo) -> None:
    """Refuse a JPEG with no end-of-image marker after its image data.

    libjpeg decodes such a file without an error (the missing part grey), so Qt
    returns a plausible image. The marker cannot occur inside entropy-coded data
    (0xFF is stuffed there), and walking the segments before the first scan skips
    the marker of an embedded EXIF thumbnail; data appended after the image (motion
    photos) does not matter.
    """
    if info.format not in ("jpeg", "jpg"):
        return
    try:
        with (
            info.path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            scan = _first_scan(data)
            # From the end: an intact file ends with the marker, so this is quick.
            complete = scan is None or data.rfind(b"\xff\xd9", scan) != -1
    except (OSError, ValueError) as exc:
        raise ImageLoadError(info.path, f"the file cannot be read ({exc})") from None
    if not complete:
        raise ImageLoadError(
            info.path,
            "the file is truncated: it ends before the image does (an interrupted "
            "download or copy?); copy the complete file again",
        )


def _first_scan(data: mmap.mmap) -> int | None:
    """Offset just past the first start-of-scan header, or None if none is found
    (then Qt's decoder reports the damage)."""
    size = len(data)
    pos = 2  # after the start-of-image marker
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length field
            pos += 2
            continue
        length = (data[pos + 2] << 8) | data[pos + 3]
        if marker == 0xDA:
            return pos + 2 + length
        pos += 2 + length
    return None
