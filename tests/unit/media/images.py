"""Image bytes for the media tests, made with Pillow (and a forged bomb header)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def jpeg(width=800, height=600, color=(200, 40, 40), exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    image.save(buffer, format="JPEG", quality=85, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def png(width=300, height=200, mode="RGBA", color=(0, 120, 0, 0)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def webp(width=640, height=640) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 200)).save(buffer, format="WEBP")
    return buffer.getvalue()


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, format="GIF")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's shape."""
    raw = zlib.compress(b"\x00" * 64)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
