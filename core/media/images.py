"""Checking untrusted image bytes and re-encoding them into our own copies."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError


from core.media.errors import ImageRejected






@dataclass(frozen=True)
class ImagePolicy:
    max_pixels: int = 40_000_000
    thumb_px: int = 400
    full_max_px: int = 2048
    jpeg_quality: int = 86

    @classmethod
    def from_settings(cls, settings: Any) -> ImagePolicy:
        return cls(
            max_pixels=settings.media_max_pixels,
            thumb_px=settings.media_thumb_px,
            full_max_px=settings.media_full_max_px,
        )


def sniff_format(data: bytes) -> str:
    """The format named by the magic bytes; `ImageRejected` unless JPEG, PNG or WEBP."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise ImageRejected("not a JPEG, PNG or WEBP image", reason="bad_magic")


def decode_image(data: bytes, policy: ImagePolicy) -> Image.Image:
    """A fully decoded RGB image, after every check; `ImageRejected` otherwise."""
    declared = sniff_format(data)
    _verify(data, declared, policy)
    try:
        image = Image.open(io.BytesIO(data), formats=[declared])
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
    except Image.DecompressionBombError as error:
        raise ImageRejected(f"decompression bomb refused: {error}", reason="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(f"corrupt {declared} image: {error}", reason="corrupt_image") from None
    return _to_rgb(image)


def _verify(data: bytes, declared: str, policy: ImagePolicy) -> None:
    """Header and structure checks before any pixel is decoded.

    The pixel budget is checked from the header, so a bomb is refused before it is
    inflated. It sits below Pillow's own `MAX_IMAGE_PIXELS`, whose
    `DecompressionBombError` is also turned into a rejection. (No
    `warnings.catch_warnings` here: it is not thread-safe and images are checked
    in worker threads.)
    """
    try:
        with Image.open(io.BytesIO(data), formats=[declared]) as probe:
            width, height = probe.size
            if width <= 0 or height <= 0 or width * height > policy.max_pixels:
                raise ImageRejected(f"image of {width}x{height} pixels exceeds the limit", reason="too_many_pixels")
            probe.verify()
    except ImageRejected:
        raise
    except Image.DecompressionBombError as error:
        raise ImageRejected(f"decompression bomb refused: {error}", reason="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(f"corrupt {declared} image: {error}", reason="corrupt_image") from None


def _to_rgb(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: flatten transparent images onto white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB") if image.mode != "RGB" else image


def render_copies(data: bytes, policy: ImagePolicy) -> tuple[bytes, bytes, int, int]:
    """(full JPEG, thumbnail JPEG, width, height) from checked image bytes."""
    image = decode_image(data, policy)
    if max(image.size) > policy.full_max_px:
        image.thumbnail((policy.full_max_px, policy.full_max_px), Image.Resampling.LANCZOS)
    full = _jpeg(image, policy.jpeg_quality)
    thumb = _jpeg(_thumbnail(image, policy.thumb_px), policy.jpeg_quality)
    return full, thumb, image.width, image.height


def _thumbnail(image: Image.Image, box: int) -> Image.Image:
    """A new image fitting in `box` x `box` (no copy of the full one: scans make thousands)."""
    scale = min(1.0, box / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0) if scale < 1 else image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()



def stored_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        return image.size
