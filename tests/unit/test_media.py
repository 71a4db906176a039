"""Media references resolve inside one root, and nothing outside it is ever read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from labelmate.io.media import MediaResolver


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "imgs").mkdir()
    Image.new("RGB", (40, 20)).save(tmp_path / "imgs" / "a.png")
    return tmp_path


def test_relative_path_resolves_under_the_root(root: Path):
    ref = MediaResolver(root).resolve("imgs/a.png")
    assert not ref.refused and ref.problem is None
    assert ref.relative == "imgs/a.png" and ref.exists


def test_label_studio_local_files_and_upload_forms(root: Path):
    resolver = MediaResolver(root)
    local = resolver.resolve("/data/local-files/?d=imgs/a.png")
    assert local.relative == "imgs/a.png" and local.exists
    Image.new("RGB", (4, 4)).save(root / "photo.png")
    upload = resolver.resolve("/data/upload/12/1a2b3c4d-photo.png")
    assert upload.exists and upload.relative == "photo.png"  # LS's random prefix dropped


@pytest.mark.parametrize(
    "reference",
    [
        "http://example.com/a.png",
        "https://example.com/a.png",
        "s3://bucket/a.png",
        "gs://bucket/a.png",
        "data:image/png;base64,AAAA",
    ],
)
def test_urls_are_refused_and_never_fetched(root: Path, reference: str):
    ref = MediaResolver(root).resolve(reference)
    assert ref.refused and ref.path is None
    assert "offline" in ref.problem and "never downloads" in ref.problem


@pytest.mark.parametrize("reference", ["../secret.png", "imgs/../../secret.png", "/etc/passwd"])
def test_paths_escaping_the_root_are_refused(root: Path, reference: str):
    ref = MediaResolver(root / "imgs").resolve(reference)
    assert ref.refused and "outside the media root" in ref.problem


def test_a_nul_byte_is_refused_not_a_crash(root: Path):
    ref = MediaResolver(root).resolve("imgs/a\x00.png")
    assert ref.refused and "cannot be resolved" in ref.problem


def test_absolute_path_inside_the_root_is_accepted(root: Path):
    ref = MediaResolver(root).resolve(str(root / "imgs" / "a.png"))
    assert not ref.refused and ref.relative == "imgs/a.png"


def test_missing_file_is_reported_but_not_refused(root: Path):
    ref = MediaResolver(root).resolve("imgs/missing.png")
    assert not ref.refused and not ref.exists
    assert ref.problem.startswith("file not found") and ref.relative == "imgs/missing.png"


def test_symlink_out_of_the_root_is_refused(root: Path, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "b.png"
    Image.new("RGB", (2, 2)).save(outside)
    (root / "imgs" / "link.png").symlink_to(outside)
    assert MediaResolver(root).resolve("imgs/link.png").refused


def test_image_size_applies_exif_orientation(root: Path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display: width and height swap
    Image.new("RGB", (40, 20)).save(root / "rot.jpg", exif=exif)
    resolver = MediaResolver(root)
    assert resolver.image_size(root / "rot.jpg") == (20, 40)
    assert resolver.image_size(root / "imgs" / "a.png") == (40, 20)


@pytest.mark.parametrize("orientation", [1, 3, 5, 6, 7, 8])
def test_tiff_orientation_is_applied_once(root: Path, orientation: int):
    """Pillow already turns a TIFF's reported size; swapping again gave the stored size."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", (40, 20)).save(root / "scan.tif", exif=exif)
    expected = (20, 40) if orientation in (5, 6, 7, 8) else (40, 20)
    assert MediaResolver(root).image_size(root / "scan.tif") == expected


def test_unreadable_image_raises_oserror_with_the_name(root: Path):
    (root / "bad.png").write_bytes(b"not an image")
    with pytest.raises(OSError, match=r"bad\.png"):
        MediaResolver(root).image_size(root / "bad.png")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_any_reference_is_refused_or_stays_inside(tmp_path_factory, reference: str):
    root = tmp_path_factory.mktemp("root")
    ref = MediaResolver(root).resolve(reference)
    if ref.refused:
        assert ref.path is None and ref.problem
    else:
        assert ref.path is not None and ref.path.is_relative_to(root.resolve())


def test_a_name_too_long_for_the_file_system_is_missing_not_a_crash(root: Path):
    ref = MediaResolver(root).resolve("x" * 5000 + ".png")
    assert not ref.exists and (ref.refused or ref.problem.startswith("file not found"))
