"""The sandbox's own time: the wall clock plus an offset that tests move forward.

Every expiry in the sandbox (codes, tokens, CDN addresses, the rolling rate window)
reads this clock, so `POST /_sandbox/clock {"advance_seconds": N}` ages them all.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class SandboxClock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        """Seconds since the epoch, in sandbox time."""
        with self._lock:
            return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    @property
    def offset(self) -> float:
        return self._offset
