"""Business Use Case rate limits as Meta applies them to Instagram.

Each app has a budget per Instagram account of 4800 x the account's daily
impressions per rolling 24 hours (or `budget_override`). Every Graph call that
touches the account counts, including the ones answered with an error, and a
multi-id read counts once per id. Usage is reported in `X-Business-Use-Case-Usage`
(`{"<ig-user-id>": [{"type": "instagram", "call_count": %, "total_cputime": %,
"total_time": %, "estimated_time_to_regain_access": minutes}]}`) and the app's
platform usage in `X-App-Usage` (`{"call_count": %, "total_cputime": %, "total_time": %}`,
200 calls per user per rolling hour).
"""

from __future__ import annotations

import json
import math
import threading
from collections import defaultdict, deque

DAY = 24 * 3600
HOUR = 3600


class BudgetLedger:
    def __init__(self, override: int | None = None):
        self.override = override
        self.per_account: dict[str, int] = {}  # runtime overrides from /_sandbox/budget
        self._calls: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._app_calls: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def limit(self, ig_user_id: str, impressions: int) -> int:
        if ig_user_id in self.per_account:
            return self.per_account[ig_user_id]
        if self.override is not None:
            return self.override
        return 4800 * impressions

    def used(self, app_id: str, ig_user_id: str, now: float) -> int:
        with self._lock:
            calls = self._calls[(app_id, ig_user_id)]
            _drop_older_than(calls, now - DAY)
            return len(calls)

    def record(self, app_id: str, ig_user_id: str | None, now: float, n: int = 1) -> None:
        with self._lock:
            self._app_calls[app_id].extend([now] * n)
            if ig_user_id:
                self._calls[(app_id, ig_user_id)].extend([now] * n)

    def regain_minutes(self, app_id: str, ig_user_id: str, limit: int, now: float) -> int:
        """Minutes until enough calls leave the rolling window to fall below the limit."""
        with self._lock:
            calls = self._calls[(app_id, ig_user_id)]
            _drop_older_than(calls, now - DAY)
            excess = len(calls) - limit
            if excess < 0:
                return 0
            freeing = calls[excess]
        return max(1, math.ceil((freeing + DAY - now) / 60))

    def business_usage_header(self, app_id: str, ig_user_id: str, limit: int, now: float) -> str:
        used = self.used(app_id, ig_user_id, now)
        percent = min(100, math.floor(used * 100 / max(limit, 1)))
        regain = self.regain_minutes(app_id, ig_user_id, limit, now) if used >= limit else 0
        return json.dumps({ig_user_id: [{
            "type": "instagram", "call_count": percent, "total_cputime": percent // 3,
            "total_time": percent // 2, "estimated_time_to_regain_access": regain}]})

    def app_usage_header(self, app_id: str, users: int, now: float) -> str:
        with self._lock:
            calls = self._app_calls[app_id]
            _drop_older_than(calls, now - HOUR)
            count = len(calls)
        # A budget override (tests that need room) lifts the app's hourly platform limit too.
        limit = max(200 * max(users, 1), self.override or 0)
        percent = min(100, math.floor(count * 100 / limit))
        return json.dumps({"call_count": percent, "total_cputime": percent // 3, "total_time": percent // 2})


def _drop_older_than(calls: deque[float], cutoff: float) -> None:
    while calls and calls[0] <= cutoff:
        calls.popleft()
