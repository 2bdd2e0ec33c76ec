"""Atheris fuzz targets: the webhook payload parser and the caption extractor.

Run by tests/reliability/test_fuzz.py as a subprocess for a fixed number of runs:

    .venv/bin/python -m tests.reliability.fuzz_targets payload -runs=20000

Atheris exits non-zero and prints the crashing input when a target raises. A target
"crashes" when the code raises anything at all: both functions promise never to.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from core.extraction.local import extract_local
    from core.webhooks.payloads import split_delivery


def fuzz_payload(data: bytes) -> None:
    delivery = split_delivery(data)
    if not (delivery.updates or delivery.quarantined):
        raise AssertionError("a delivery vanished: neither updates nor quarantined")


def fuzz_caption(data: bytes) -> None:
    caption = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    product = extract_local(caption)
    if product.price is not None and not product.price >= 0:
        raise AssertionError(f"negative or NaN price {product.price!r}")


TARGETS = {"payload": fuzz_payload, "caption": fuzz_caption}

if __name__ == "__main__":
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()
