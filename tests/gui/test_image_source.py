"""Image loading for the canvas: display (EXIF-oriented) coordinates, scaled and
region decodes, the allocation limit, and a clear message for every broken file."""

from __future__ import annotations

import struct
import zlib

import pytest
from PIL import Image
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QImageReader

from labelmate.gui.canvas import image_source
from labelmate.gui.canvas.image_source import (
    ALLOCATION_LIMIT_MB,
    ImageLoadError,
    load_full,
    load_region,
    load_scaled,
    read_info,
)

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


@pytest.fixture(autouse=True)
def restore_qt_allocation_limit():
    """The limit is process-wide in Qt; leave it as it was."""
    before = QImageReader.allocationLimit()
    yield
    QImageReader.setAllocationLimit(before)


def quadrants(width: int = 40, height: int = 20) -> Image.Image:
    """Stored pixels: red top-left quadrant, green top-right, blue bottom half."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height // 2))
    image.paste(GREEN, (width // 2, 0, width, height // 2))
    return image


def save(image: Image.Image, path, orientation: int | None = None, **options):
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    if path.suffix == ".jpg":
        options.setdefault("quality", 95)
    image.save(path, **options)
    return path


def colour_at(image: QImage, x: int, y: int) -> str:
    c = image.pixelColor(x, y)
    channels = {"red": c.red(), "green": c.green(), "blue": c.blue()}
    name = max(channels, key=channels.__getitem__)
    assert channels[name] > 150, (x, y, channels)
    return name


def corners(image: QImage) -> dict[str, str]:
    w, h = image.width() - 1, image.height() - 1
    return {
        "TL": colour_at(image, 0, 0),
        "TR": colour_at(image, w, 0),
        "BL": colour_at(image, 0, h),
        "BR": colour_at(image, w, h),
    }


# Where the stored top-left (red) and top-right (green) corners are displayed, per EXIF
# orientation: 2 mirrors, 3 turns 180°, 4 flips, 5 transposes, 6 turns 90° clockwise,
# 7 transverses, 8 turns 90° counter-clockwise.
ORIENTED = {
    1: ("TL", "TR"),
    2: ("TR", "TL"),
    3: ("BR", "BL"),
    4: ("BL", "BR"),
    5: ("TL", "BL"),
    6: ("TR", "BR"),
    7: ("BR", "TR"),
    8: ("BL", "TL"),
}


# -- header ----------------------------------------------------------------------------


@pytest.mark.parametrize(("orientation", "size"), [(1, (40, 20)), (6, (20, 40)), (8, (20, 40))])
def test_read_info_gives_the_display_size(tmp_path, orientation, size):
    path = save(quadrants(), tmp_path / "photo.jpg", orientation)
    info = read_info(path)
    assert info.path == path
    assert info.size.toTuple() == size
    assert info.stored_size.toTuple() == (40, 20)
    assert info.transposed == (size != (40, 20))
    assert info.format == "jpeg"
    assert info.partial_decode
    assert info.full_bytes == 40 * 20 * 4


def test_read_info_of_a_png_and_of_a_png_named_jpg(tmp_path):
    info = read_info(save(quadrants(), tmp_path / "plain.png"))
    assert (info.size.toTuple(), info.format, info.partial_decode) == ((40, 20), "png", False)
    misnamed = tmp_path / "really_a_png.jpg"
    misnamed.write_bytes((tmp_path / "plain.png").read_bytes())
    assert read_info(misnamed).format == "png"
    image, scale = load_scaled(misnamed, 100)
    assert image.size().toTuple() == (40, 20) and scale == 1.0


def test_bits_per_pixel_come_from_the_header(tmp_path):
    gray = save(Image.new("L", (30, 20), 128), tmp_path / "gray.jpg")
    assert read_info(gray).bits_per_pixel == 8
    assert read_info(gray).full_bytes == 30 * 20


# -- orientation and scaled decode -----------------------------------------------------


def test_scaled_decode_of_a_rotated_jpeg_has_the_display_shape(tmp_path):
    path = save(quadrants(), tmp_path / "turned.jpg", 6)
    assert read_info(path).size == QSize(20, 40)
    image, scale = load_scaled(path, 10)
    assert image.size().toTuple() == (5, 10)
    assert scale == pytest.approx(0.25)
    # The stored top-left (red) is at the display's top right after a 90° turn.
    assert corners(image) == {"TL": "blue", "TR": "red", "BL": "blue", "BR": "green"}


@pytest.mark.parametrize("orientation", sorted(ORIENTED))
def test_every_exif_orientation_lands_where_a_browser_puts_it(tmp_path, orientation):
    path = save(quadrants(80, 40), tmp_path / f"o{orientation}.jpg", orientation)
    red, green = ORIENTED[orientation]
    transposed = orientation >= 5
    for image in (load_full(path), load_scaled(path, 20)[0]):
        expected_shape = (40, 80) if transposed else (80, 40)
        scale = image.width() / expected_shape[0]
        assert image.size().toTuple() == (
            round(expected_shape[0] * scale),
            round(expected_shape[1] * scale),
        )
        found = corners(image)
        assert found[red] == "red", found
        assert found[green] == "green", found
        assert sorted(found.values()).count("blue") == 2, found


def test_scaled_decode_never_upscales(tmp_path):
    path = save(quadrants(), tmp_path / "small.jpg")
    image, scale = load_scaled(path, 4000)
    assert image.size().toTuple() == (40, 20) and scale == 1.0


def test_scaled_decode_keeps_the_aspect_ratio(tmp_path):
    path = save(quadrants(300, 200), tmp_path / "wide.png")
    image, scale = load_scaled(path, 100)
    assert image.size().toTuple() == (100, 67)
    assert scale == pytest.approx(1 / 3)


def test_max_side_must_be_positive(tmp_path):
    path = save(quadrants(), tmp_path / "x.jpg")
    with pytest.raises(ValueError):
        load_scaled(path, 0)


# -- regions at full resolution ---------------------------------------------------------


def _noise(width: int, height: int) -> Image.Image:
    return Image.merge("RGB", [Image.effect_noise((width, height), 90) for _ in range(3)])


def _mean_difference(a: QImage, b: QImage) -> float:
    assert a.size() == b.size()
    a = a.convertToFormat(QImage.Format.Format_RGB888)
    b = b.convertToFormat(QImage.Format.Format_RGB888)
    total = 0
    for y in range(a.height()):
        for x in range(a.width()):
            ca, cb = a.pixelColor(x, y), b.pixelColor(x, y)
            total += abs(ca.red() - cb.red()) + abs(ca.green() - cb.green())
            total += abs(ca.blue() - cb.blue())
    return total / (3 * a.width() * a.height())


@pytest.mark.parametrize("orientation", sorted(ORIENTED))
def test_a_region_is_the_same_pixels_as_that_part_of_the_full_image(tmp_path, orientation):
    path = save(_noise(96, 64), tmp_path / f"noise{orientation}.jpg", orientation)
    full = load_full(path)
    assert full.size() == read_info(path).size
    rect = QRect(8, 16, 24, 32)  # off-centre and not square: a wrong mapping shows
    region = load_region(path, rect)
    assert region.size() == rect.size()
    assert _mean_difference(region, full.copy(rect)) < 2.0
    # Sanity: the test can tell a wrong rectangle from the right one.
    assert _mean_difference(region, full.copy(rect.translated(8, 8))) > 20.0


def test_a_region_can_be_decoded_scaled(tmp_path):
    path = save(_noise(96, 64), tmp_path / "noise.jpg", 6)
    region = load_region(path, QRect(0, 0, 64, 32), max_side=16)
    assert region.size().toTuple() == (16, 8)


def test_a_region_of_a_png_is_clipped_by_qt(tmp_path):
    path = save(_noise(60, 40), tmp_path / "noise.png")
    rect = QRect(10, 5, 20, 30)
    assert load_region(path, rect) == load_full(path).copy(rect)


def test_a_region_outside_the_image_is_refused(tmp_path):
    path = save(quadrants(), tmp_path / "x.jpg", 6)  # displayed 20×40
    with pytest.raises(ValueError):
        load_region(path, QRect(0, 0, 40, 20))
    with pytest.raises(ValueError):
        load_region(path, QRect(5, 5, 0, 0))


# -- the allocation limit ---------------------------------------------------------------


def test_the_qt_allocation_limit_is_raised_deliberately(tmp_path):
    assert ALLOCATION_LIMIT_MB > 256  # Qt's default refuses more than 256 MB
    load_scaled(save(quadrants(), tmp_path / "x.png"), 10)
    assert QImageReader.allocationLimit() == ALLOCATION_LIMIT_MB


def png_header_only(path, width: int, height: int):
    """A PNG that declares its size and has no pixel data: a huge image, cheaply."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    return path


def test_a_64_megapixel_photo_is_within_the_limit(tmp_path):
    info = read_info(png_header_only(tmp_path / "phone.png", 9248, 6936))
    assert info.size.toTuple() == (9248, 6936)
    assert info.full_bytes == 9248 * 6936 * 4  # 245 MB: just under Qt's default 256
    assert info.full_bytes <= ALLOCATION_LIMIT_MB * 1024 * 1024
    # No pixel data: refused as damaged, not as too big.
    assert "damaged or incomplete" in _message(info.path, load_full)


def test_an_image_above_the_real_limit_is_refused_before_decoding(tmp_path):
    path = png_header_only(tmp_path / "scan.png", 20000, 20000)
    assert read_info(path).size == QSize(20000, 20000)  # the header alone is fine
    for load in (lambda p: load_scaled(p, 1000), load_full):
        message = _message(path, load)
        assert message.startswith("Cannot show scan.png: it is 20000×20000 (1,526 MB decoded)")
        assert f"above Labelmate's limit of {ALLOCATION_LIMIT_MB} MB" in message
        assert "open a smaller copy" in message


def test_an_image_above_the_limit_gets_a_message_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(image_source, "ALLOCATION_LIMIT_MB", 1)
    path = save(Image.new("RGB", (1000, 600), BLUE), tmp_path / "huge.png")
    for load in (lambda: load_scaled(path, 100), lambda: load_full(path)):
        with pytest.raises(ImageLoadError) as caught:
            load()
        message = str(caught.value)
        assert "huge.png" in message
        assert "1000×600 (2.3 MB decoded)" in message
        assert "limit of 1 MB" in message
        assert "smaller copy" in message


def test_a_jpeg_above_the_limit_still_opens_scaled_and_by_region(tmp_path, monkeypatch):
    monkeypatch.setattr(image_source, "ALLOCATION_LIMIT_MB", 1)
    path = save(_noise(1000, 600), tmp_path / "big.jpg")
    image, scale = load_scaled(path, 200)  # libjpeg decodes at 1/4: no full-size buffer
    assert image.size().toTuple() == (200, 120) and scale == pytest.approx(0.2)
    assert load_region(path, QRect(100, 100, 200, 200)).size() == QSize(200, 200)
    with pytest.raises(ImageLoadError, match=r"big\.jpg.*1000×600"):
        load_full(path)


# -- missing and damaged files ----------------------------------------------------------


def _message(path, load=read_info) -> str:
    with pytest.raises(ImageLoadError) as caught:
        load(path)
    assert caught.value.path.name == path.name
    return str(caught.value)


@pytest.mark.parametrize("load", [read_info, lambda p: load_scaled(p, 100), load_full])
def test_a_missing_file(tmp_path, load):
    message = _message(tmp_path / "gone.jpg", load)
    assert message.startswith("Cannot show gone.jpg:")
    assert "missing" in message and str(tmp_path) in message


def test_a_folder(tmp_path):
    folder = tmp_path / "not_a_file.jpg"
    folder.mkdir()
    assert "folder" in _message(folder)


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    assert _message(path) == "Cannot show empty.jpg: the file is empty (0 bytes)"


def test_a_text_file_named_jpg(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("these are my notes, not a photo\n" * 20)
    message = _message(path)
    assert "notes.jpg" in message
    assert "not an image Labelmate can read" in message
    assert ".jpg" in message


def test_a_jpeg_with_a_damaged_header(tmp_path):
    data = save(_noise(64, 64), tmp_path / "ok.jpg").read_bytes()
    path = tmp_path / "header.jpg"
    path.write_bytes(data[:200])  # ends inside the tables, before the image data
    message = _message(path)
    assert "header.jpg" in message and "header is damaged" in message


@pytest.mark.parametrize("progressive", [False, True])
def test_a_truncated_jpeg_is_refused_not_shown_half_grey(tmp_path, progressive):
    data = save(_noise(256, 256), tmp_path / "ok.jpg", progressive=progressive).read_bytes()
    path = tmp_path / "half.jpg"
    path.write_bytes(data[: len(data) // 2])
    # Qt alone decodes it without an error: the lower part grey (or blurred, if progressive).
    assert not QImageReader(str(path)).read().isNull()
    assert read_info(path).size == QSize(256, 256)  # the header is intact
    for load in (
        lambda p: load_scaled(p, 100),
        load_full,
        lambda p: load_region(p, QRect(0, 0, 8, 8)),
    ):
        message = _message(path, load)
        assert "half.jpg" in message and "truncated" in message


def test_a_truncated_jpeg_is_found_past_a_marker_in_its_header(tmp_path):
    # An end-of-image marker inside a header segment (as in an EXIF thumbnail) must not
    # hide the truncation.
    data = save(_noise(128, 128), tmp_path / "ok.jpg", comment=b"x\xff\xd9y").read_bytes()
    assert data.find(b"\xff\xd9") < len(data) // 2
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in _message(path, load_full)


def test_a_jpeg_with_data_after_its_end_still_opens(tmp_path):
    # Motion photos and some cameras append data after the end-of-image marker.
    path = save(quadrants(), tmp_path / "motion.jpg")
    path.write_bytes(path.read_bytes() + b"\x00\x00\x00\x18ftypmp42" + bytes(1000))
    image, _ = load_scaled(path, 100)
    assert image.size().toTuple() == (40, 20)


def test_a_truncated_png(tmp_path):
    data = save(_noise(128, 128), tmp_path / "ok.png").read_bytes()
    path = tmp_path / "half.png"
    path.write_bytes(data[: len(data) // 2])
    message = _message(path, load_full)
    assert "half.png" in message and "damaged or incomplete" in message


def test_a_png_loads(tmp_path):
    path = save(quadrants(), tmp_path / "fine.png")
    image, scale = load_scaled(path, 20)
    assert image.size().toTuple() == (20, 10) and scale == 0.5
    assert corners(load_full(path)) == {"TL": "red", "TR": "green", "BL": "blue", "BR": "blue"}
