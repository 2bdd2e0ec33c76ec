"""Image checks and copies: magic bytes, formats, bombs, corruption, re-encoding, keys."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.media import (
    ImagePolicy,
    ImageRejected,
    LocalMediaBackend,
    MediaStore,
    content_keys,
    render_copies,
    sniff_format,
)

from .images import gif, jpeg, png, png_claiming, webp


def open_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


@pytest.mark.parametrize("make, fmt", [(jpeg, "JPEG"), (png, "PNG"), (webp, "WEBP")])
def test_accepted_formats_are_re_encoded_as_jpeg(make, fmt):
    data = make()
    assert sniff_format(data) == fmt
    full, thumb, width, height = render_copies(data, ImagePolicy())
    assert open_jpeg(full).size == (width, height)
    assert max(open_jpeg(thumb).size) == min(400, max(width, height))


def test_full_copy_is_capped_and_thumb_keeps_the_aspect_ratio():
    full, thumb, width, height = render_copies(jpeg(3000, 1500), ImagePolicy(full_max_px=2048))
    assert (width, height) == (2048, 1024)
    assert open_jpeg(thumb).size == (400, 200)


def test_transparent_png_is_flattened_onto_white():
    full, _thumb, _w, _h = render_copies(png(color=(0, 0, 0, 0)), ImagePolicy())
    assert open_jpeg(full).convert("RGB").getpixel((5, 5)) == (255, 255, 255)


def test_exif_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SellerPhone"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90
    full, _t, width, height = render_copies(jpeg(800, 600, exif=exif.tobytes()), ImagePolicy())
    assert (width, height) == (600, 800)  # orientation applied before the tag was dropped
    assert not open_jpeg(full).getexif()


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"<html><body>login</body></html>", "bad_magic"),
        (b"", "bad_magic"),
        (gif(), "bad_magic"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "bad_magic"),
        (jpeg()[:200], "corrupt_image"),
        (b"\xff\xd8\xff" + b"\x00" * 500, "corrupt_image"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "corrupt_image"),
    ],
)
def test_bad_bytes_are_rejected(data, reason):
    with pytest.raises(ImageRejected) as caught:
        render_copies(data, ImagePolicy())
    assert caught.value.reason == reason


def test_png_body_behind_jpeg_magic_is_rejected():
    with pytest.raises(ImageRejected):
        render_copies(b"\xff\xd8\xff" + png()[3:], ImagePolicy())


def test_decompression_bomb_is_refused_before_decoding():
    bomb = png_claiming(60_000, 60_000)
    assert len(bomb) < 200
    with pytest.raises(ImageRejected) as caught:
        render_copies(bomb, ImagePolicy())
    assert caught.value.reason == "too_many_pixels"


def test_pillows_own_bomb_error_is_a_rejection_too():
    """Even with our budget set absurdly high, Pillow's guard ends as an error, not a warning."""
    with pytest.raises(ImageRejected) as caught:
        render_copies(png_claiming(60_000, 60_000), ImagePolicy(max_pixels=10**12))
    assert caught.value.reason == "too_many_pixels"


def test_pixel_budget_applies_to_ordinary_images():
    with pytest.raises(ImageRejected):
        render_copies(jpeg(200, 200), ImagePolicy(max_pixels=100 * 100))


def test_keys_are_content_addressed_and_namespaced(tmp_path):
    store = MediaStore(LocalMediaBackend(tmp_path))
    data = jpeg()
    first = store.store_bytes(data, "https://x.cdninstagram.com/1.jpg", namespace="st_a")
    again = store.store_bytes(data, "https://x.cdninstagram.com/other.jpg", namespace="st_a")
    assert first.key == again.key and first.thumb == again.thumb
    assert first.key.startswith("st_a/full/") and first.thumb.startswith("st_a/thumb/")
    assert (first.width, first.height) == (again.width, again.height) == (800, 600)
    assert store.read(first.key).startswith(b"\xff\xd8")
    other = store.store_bytes(data, "u", namespace="st_b")
    assert other.key != first.key
    assert sorted(p.name for p in tmp_path.rglob(".tmp-*")) == []


@pytest.mark.parametrize("namespace", ["", "../etc", "a/b", ".hidden"])
def test_bad_namespaces_are_refused(namespace):
    with pytest.raises(ValueError):
        content_keys(b"x", namespace)


def test_keys_cannot_escape_the_media_folder(tmp_path):
    with pytest.raises(ValueError):
        LocalMediaBackend(tmp_path / "media").path("../outside.jpg")
