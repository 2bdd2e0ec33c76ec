"""The rate limiter never exceeds its limit in any rolling minute; the cache key covers what matters."""

import random
import threading

import pytest

from core.extraction.cache import MemoryCache, cache_key
from core.extraction.limiter import RateLimiter
from core.extraction.schema import ExtractedProduct


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.now += seconds


def test_starts_are_spaced_and_never_exceed_the_window():
    time = FakeTime()
    limiter = RateLimiter(120, 4, clock=time.clock, sleep=time.sleep)
    starts = []
    for _ in range(400):
        with limiter.slot():
            starts.append(time.now)
    assert all(b - a >= 0.5 - 1e-9 for a, b in zip(starts, starts[1:]))
    # Arrivals at the provider jitter by up to 0.2 s either way; their minute still holds <= 120.
    rng = random.Random(7)
    arrivals = sorted(s + rng.uniform(-0.2, 0.2) for s in starts)
    for i, start in enumerate(arrivals):
        in_window = [s for s in arrivals[i:] if s - start < 60]
        assert len(in_window) <= 120
    assert starts[-1] <= 400 * 0.5 * 1.01 + 1  # and it does not waste the budget either (< 1% slack)


def test_concurrency_is_bounded():
    limiter = RateLimiter(100_000, 3)
    active, peak, lock = [0], [0], threading.Lock()

    def work():
        with limiter.slot():
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            threading.Event().wait(0.02)
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 3


def test_rejects_nonsense_limits():
    with pytest.raises(ValueError):
        RateLimiter(0, 1)


def test_cache_key_covers_caption_image_version_and_currency():
    base = cache_key("Sandals 1,500", b"img", "v1", "KES")
    assert base == cache_key("Sandals 1,500", b"img", "v1", "KES")
    assert len({base, cache_key("Sandals 1,600", b"img", "v1", "KES"), cache_key("Sandals 1,500", b"img2", "v1", "KES"),
                cache_key("Sandals 1,500", b"img", "v2", "KES"), cache_key("Sandals 1,500", b"img", "v1", "UGX")}) == 5


def test_memory_cache_round_trips_and_evicts():
    cache = MemoryCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.put(key, ExtractedProduct(is_product=True, name=key))
    assert cache.get("a") is None and cache.get("c").name == "c"
