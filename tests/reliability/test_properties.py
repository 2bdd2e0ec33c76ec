"""Bad input, property-based: the webhook splitter, the signature check, the price parser, the image pipeline.

Each property runs a fixed number of generated examples (no deadline, derandomized so
CI is repeatable); the table at the end lists each property and how many examples it
survived. Any counterexample fails the test with hypothesis's shrunk input.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.extraction.prices import extract_prices
from core.media import ImagePolicy, ImageRejected, render_copies
from core.webhooks.payloads import split_delivery
from core.webhooks.signatures import check_signature, sign
from tests.reliability.report import Table

EXAMPLES = 300
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TRIED: Counter = Counter()
CRITERIA = {
    "splitter: any bytes never raise; something is kept": "split_delivery returns updates or a quarantined item",
    "splitter: every change is one update or one quarantined item": "count of changes == updates + quarantined",
    "splitter: dedup key ignores key order and whitespace": "same keys for a re-serialised body",
    "signature: Meta's own signature always verifies": "check_signature(body, sign(body, s)).ok",
    "signature: any changed byte or header is refused": "flipped body byte / random header -> not ok",
    "prices: any caption parses without raising": "price None or a finite positive number",
    "prices: 'Ksh N' with thousands separators reads N": "price == N, currency KES",
    "images: any bytes are an image or ImageRejected": "no other exception",
    "images: any real image renders a JPEG copy and a <=400px thumb": "JPEG magic, thumb fits the box",
    "images: truncated real images are refused, not crashed on": "ImageRejected or a valid render",
}

json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | \
    st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)


@PROPERTY
@given(st.binary(max_size=400))
def test_splitter_never_raises_and_keeps_something(raw):
    TRIED["splitter: any bytes never raise; something is kept"] += 1
    delivery = split_delivery(raw)
    assert delivery.updates or delivery.quarantined


change = st.fixed_dictionaries({"field": st.text(min_size=1, max_size=10), "value": json_values}) | json_values
entry = st.fixed_dictionaries({"id": st.text(min_size=1, max_size=20).filter(str.strip) | st.integers(1, 10**15),
                               "time": st.integers(0, 2**31), "changes": st.lists(change, max_size=6)})


@PROPERTY
@given(st.lists(entry, min_size=1, max_size=8))
def test_every_change_is_accounted_for(entries):
    TRIED["splitter: every change is one update or one quarantined item"] += 1
    body = json.dumps({"object": "instagram", "entry": entries}).encode()
    delivery = split_delivery(body)
    changes = sum(len(e["changes"]) for e in entries)
    readable_entries = [e for e in entries if len(str(e["id"])) <= 64]
    expected = sum(len(e["changes"]) for e in readable_entries) + (len(entries) - len(readable_entries))
    assert len(delivery.updates) + len(delivery.quarantined) == expected
    assert len(delivery.updates) <= changes


@PROPERTY
@given(st.lists(entry, min_size=1, max_size=5))
def test_dedup_keys_survive_reserialisation(entries):
    TRIED["splitter: dedup key ignores key order and whitespace"] += 1
    document = {"object": "instagram", "entry": entries}
    compact = json.dumps(document, separators=(",", ":")).encode()
    pretty = json.dumps(document, indent=3, sort_keys=True).encode()
    assert sorted(u.dedup_key for u in split_delivery(compact).updates) == \
        sorted(u.dedup_key for u in split_delivery(pretty).updates)


@PROPERTY
@given(st.binary(max_size=2000), st.text(min_size=1, max_size=40))
def test_meta_signature_always_verifies(body, secret):
    TRIED["signature: Meta's own signature always verifies"] += 1
    check = check_signature(body, sign(body, secret), {"facebook": "other-secret", "instagram": secret})
    assert check.ok and check.signed_with in ("instagram", "facebook")


@PROPERTY
@given(st.binary(min_size=1, max_size=2000), st.data(), st.text(max_size=80))
def test_changed_bytes_or_headers_are_refused(body, data, header):
    TRIED["signature: any changed byte or header is refused"] += 1
    secrets = {"facebook": "s3cret"}
    index = data.draw(st.integers(0, len(body) - 1))
    flipped = body[:index] + bytes([body[index] ^ (1 << data.draw(st.integers(0, 7)))]) + body[index + 1:]
    assert not check_signature(flipped, sign(body, "s3cret"), secrets).ok
    if header != sign(body, "s3cret"):
        assert not check_signature(body, header, secrets).ok


@PROPERTY
@given(st.text(max_size=300))
def test_any_caption_parses(caption):
    TRIED["prices: any caption parses without raising"] += 1
    result = extract_prices(caption, None, "KES")
    for value in (result.price, result.compare_at_price):
        assert value is None or (math.isfinite(value) and value > 0)


@PROPERTY
@given(st.integers(1, 9_999_999), st.sampled_from(["Ksh {n}", "Price: Ksh {n}", "KES {n} only", "Bei ni ksh {n}"]),
       st.sampled_from(["Kitenge dress", "Leather sandals size 40", "Sufuria set"]))
def test_ksh_prices_read_back(amount, template, product):
    TRIED["prices: 'Ksh N' with thousands separators reads N"] += 1
    caption = f"{product}. " + template.format(n=f"{amount:,}")
    result = extract_prices(caption, None, "KES")
    assert result.price == amount and result.currency == "KES", (caption, result)


SMALL_POLICY = ImagePolicy(max_pixels=4_000_000, thumb_px=400, full_max_px=2048)


@PROPERTY
@given(st.binary(max_size=600) | st.sampled_from([b"\xff\xd8\xff"]).flatmap(
    lambda magic: st.binary(max_size=600).map(lambda rest: magic + rest)))
def test_any_bytes_are_an_image_or_rejected(raw):
    TRIED["images: any bytes are an image or ImageRejected"] += 1
    try:
        render_copies(raw, SMALL_POLICY)
    except ImageRejected:
        pass


def _encoded(width: int, height: int, mode: str, fmt: str, seed: int) -> bytes:
    image = Image.new(mode, (width, height), color=seed % 256 if mode in ("L", "P") else None)
    if mode not in ("L", "P"):
        image = Image.frombytes(mode, (width, height), bytes((seed + i) % 256 for i in range(width * height * len(mode))))
    if fmt == "JPEG" and mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


real_images = st.builds(_encoded, st.integers(1, 900), st.integers(1, 900), st.sampled_from(["RGB", "RGBA", "L", "P"]),
                        st.sampled_from(["JPEG", "PNG", "WEBP"]), st.integers(0, 255))


@settings(PROPERTY, max_examples=60)
@given(real_images)
def test_real_images_render(raw):
    TRIED["images: any real image renders a JPEG copy and a <=400px thumb"] += 1
    full, thumb, width, height = render_copies(raw, SMALL_POLICY)
    assert full.startswith(b"\xff\xd8\xff") and thumb.startswith(b"\xff\xd8\xff")
    assert max(Image.open(io.BytesIO(thumb)).size) <= 400 and width >= 1 and height >= 1


@settings(PROPERTY, max_examples=60)
@given(real_images, st.floats(0.0, 0.95))
def test_truncated_images_are_refused(raw, keep):
    TRIED["images: truncated real images are refused, not crashed on"] += 1
    try:
        render_copies(raw[: max(1, int(len(raw) * keep))], SMALL_POLICY)
    except ImageRejected:
        pass


@pytest.fixture(scope="module", autouse=True)
def property_table(artifacts_dir):
    yield
    table = Table("properties", "Bad input: property-based tests", ["property", "criterion", "examples survived"],
                  "every generated example satisfies the property (hypothesis, derandomized, fixed counts)")
    for name, criterion in CRITERIA.items():
        table.add(name, criterion, TRIED[name])
    table.write(artifacts_dir)
