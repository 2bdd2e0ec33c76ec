"""Results keyed by caption + image bytes + extractor version, so a re-scan never pays twice.

Only results whose AI calls all succeeded are stored: a fallback result must be
retried later, not frozen. `MemoryCache` is an in-process LRU (the offline CLI);
workers use `core.extraction.db_cache.DatabaseCache`, which every process shares.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Protocol

from core.extraction.schema import ExtractedProduct


def cache_key(caption: str, image_bytes: bytes | None, version: str, default_currency: str) -> str:
    digest = hashlib.sha256()
    for part in (version.encode(), default_currency.encode(), caption.encode("utf-8")):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    digest.update(hashlib.sha256(image_bytes or b"").digest())
    return digest.hexdigest()


class ExtractionCache(Protocol):
    def get(self, key: str) -> ExtractedProduct | None: ...

    def put(self, key: str, product: ExtractedProduct) -> None: ...


class MemoryCache:
    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> ExtractedProduct | None:
        with self._lock:
            stored = self._entries.get(key)
            if stored is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        return ExtractedProduct.model_validate_json(stored)

    def put(self, key: str, product: ExtractedProduct) -> None:
        serialized = product.model_dump_json()
        with self._lock:
            self._entries[key] = serialized
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
