"""Product pictures drawn on request: deterministic per media id, about 1080 px, cached.

Each picture is a coloured backdrop with a simple product silhouette (bag, shoe,
bottle, shirt, phone, pot), so image models and our thumbnails get real pixels
without thousands of files in the repository.
"""

from __future__ import annotations

import hashlib
import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw

PALETTE = [(232, 93, 74), (244, 180, 0), (15, 157, 88), (66, 133, 244), (171, 71, 188), (0, 172, 193),
           (121, 85, 72), (38, 50, 56), (255, 112, 67), (124, 179, 66), (236, 64, 122), (250, 250, 245)]
SHAPES = ["bag", "shoe", "bottle", "shirt", "phone", "pot"]

# A 4-byte-aligned stand-in for an MP4 ("ftyp" box); the sandbox does not encode video.
TINY_MP4 = bytes.fromhex("0000001c667479706973366d0000020069736f6d69736f32617663316d703431") + b"\x00" * 64


def _rng(key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


@lru_cache(maxsize=256)
def product_image(media_id: str, size: int = 1080, fmt: str = "JPEG") -> bytes:
    rng = _rng(media_id)
    height = size if rng.random() < 0.6 else int(size * 1.25)  # square or 4:5 portrait
    image = _backdrop(rng, size, height)
    draw = ImageDraw.Draw(image)
    colour = rng.choice(PALETTE)
    shape = rng.choice(SHAPES)
    _DRAWERS[shape](draw, size, height, colour, rng)
    _speckle(draw, size, height, rng)
    return _encode(image, fmt)


@lru_cache(maxsize=64)
def avatar_image(key: str, size: int = 320) -> bytes:
    rng = _rng("avatar:" + key)
    image = Image.new("RGB", (size, size), rng.choice(PALETTE))
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.25, size * 0.15, size * 0.75, size * 0.6), fill=rng.choice(PALETTE))
    draw.ellipse((size * 0.1, size * 0.6, size * 0.9, size * 1.3), fill=rng.choice(PALETTE))
    return _encode(image, "JPEG")


@lru_cache(maxsize=8)
def _gradient_mask(width: int, height: int) -> Image.Image:
    return Image.linear_gradient("L").resize((width, height))


def _backdrop(rng: random.Random, width: int, height: int) -> Image.Image:
    top, bottom = rng.choice(PALETTE), rng.choice(PALETTE)
    mask = _gradient_mask(width, height)
    return Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask)


def _speckle(draw: ImageDraw.ImageDraw, width: int, height: int, rng: random.Random) -> None:
    for _ in range(rng.randint(20, 60)):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randint(2, 9)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(PALETTE))


def _bag(draw, w, h, colour, rng):
    draw.rounded_rectangle((w * 0.25, h * 0.4, w * 0.75, h * 0.8), radius=int(w * 0.05), fill=colour)
    draw.arc((w * 0.35, h * 0.22, w * 0.65, h * 0.55), 180, 360, fill=(30, 30, 30), width=int(w * 0.02))


def _shoe(draw, w, h, colour, rng):
    draw.polygon([(w * 0.2, h * 0.65), (w * 0.45, h * 0.45), (w * 0.55, h * 0.55), (w * 0.82, h * 0.6),
                  (w * 0.82, h * 0.7), (w * 0.2, h * 0.7)], fill=colour)
    draw.rectangle((w * 0.2, h * 0.7, w * 0.82, h * 0.74), fill=(245, 245, 245))


def _bottle(draw, w, h, colour, rng):
    draw.rounded_rectangle((w * 0.38, h * 0.35, w * 0.62, h * 0.82), radius=int(w * 0.04), fill=colour)
    draw.rectangle((w * 0.46, h * 0.22, w * 0.54, h * 0.36), fill=(40, 40, 40))
    draw.rectangle((w * 0.4, h * 0.5, w * 0.6, h * 0.62), fill=(250, 250, 240))


def _shirt(draw, w, h, colour, rng):
    draw.polygon([(w * 0.3, h * 0.3), (w * 0.42, h * 0.25), (w * 0.58, h * 0.25), (w * 0.7, h * 0.3),
                  (w * 0.82, h * 0.42), (w * 0.72, h * 0.48), (w * 0.68, h * 0.43), (w * 0.68, h * 0.8),
                  (w * 0.32, h * 0.8), (w * 0.32, h * 0.43), (w * 0.28, h * 0.48), (w * 0.18, h * 0.42)],
                 fill=colour)


def _phone(draw, w, h, colour, rng):
    draw.rounded_rectangle((w * 0.36, h * 0.2, w * 0.64, h * 0.8), radius=int(w * 0.04), fill=(25, 25, 25))
    draw.rectangle((w * 0.38, h * 0.24, w * 0.62, h * 0.74), fill=colour)


def _pot(draw, w, h, colour, rng):
    draw.ellipse((w * 0.25, h * 0.4, w * 0.75, h * 0.8), fill=colour)
    draw.rectangle((w * 0.22, h * 0.38, w * 0.78, h * 0.45), fill=(60, 60, 60))
    draw.rectangle((w * 0.1, h * 0.42, w * 0.25, h * 0.45), fill=(60, 60, 60))


_DRAWERS = {"bag": _bag, "shoe": _shoe, "bottle": _bottle, "shirt": _shirt, "phone": _phone, "pot": _pot}


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "PNG":
        image.save(buffer, "PNG", optimize=False)
    else:
        image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
