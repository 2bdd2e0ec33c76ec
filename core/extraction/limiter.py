"""A requests-per-minute limiter with bounded concurrency for AI calls.

Two rules together: starts are spaced at least 60/rpm seconds apart (so a burst
never front-loads the minute) and no rolling 60-second window ever holds more
than rpm starts. Retries go through it too, so the provider never sees more than
the limit. Thread-safe; one limiter is shared by every extraction in a process.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

WINDOW_SECONDS = 60.0
# A request reaches the provider a little after we start it, and not always equally late.
# Counting our window half a second longer keeps their rolling minute at the limit too.
JITTER_SLACK_SECONDS = 0.5


class RateLimiter:
    def __init__(
        self,
        requests_per_minute: int,
        max_concurrency: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_minute < 1 or max_concurrency < 1:
            raise ValueError("requests_per_minute and max_concurrency must be at least 1")
        self.requests_per_minute = requests_per_minute
        self.max_concurrency = max_concurrency
        self._window = WINDOW_SECONDS + JITTER_SLACK_SECONDS
        self._interval = self._window / requests_per_minute
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._starts: deque[float] = deque()
        self._next_start = 0.0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one concurrent slot and one start within the rate; release the slot on exit."""
        self._slots.acquire()
        try:
            self._wait_for_start()
            yield
        finally:
            self._slots.release()

    def _wait_for_start(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self._window:
                    self._starts.popleft()
                wait = max(self._next_start - now, 0.0)
                if len(self._starts) >= self.requests_per_minute:
                    wait = max(wait, self._starts[0] + self._window - now)
                if wait <= 0:
                    self._starts.append(now)
                    self._next_start = now + self._interval
                    return
            self._sleep(min(wait, 1.0))
