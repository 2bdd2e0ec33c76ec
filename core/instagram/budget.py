"""A per-account Graph API budget that scans, polling and webhook look-ups share.

Meta limits Instagram calls per app and account over a rolling 24 hours (Business
Use Case limits: 4800 x the account's daily impressions) and reports how much is
used in two headers after every call:

    X-Business-Use-Case-Usage: {"<object-id>": [{"type": "instagram", "call_count": 28,
                                 "total_cputime": 2, "total_time": 3,
                                 "estimated_time_to_regain_access": 0}]}
    X-App-Usage: {"call_count": 5, "total_cputime": 1, "total_time": 1}

The figures are whole percentages of the budget. We cannot compute the budget
ourselves (impressions are not returned), so the headers are the truth and our own
call counts only turn a percentage into a cost per call for planning. That cost is
bounded from above, never guessed: Meta cuts the figure down to a whole percent, so
p% read after c counted calls means each call cost at most (p + 1) / c %. A large
budget reads 0% for its first thousands of calls, and that still bounds the next ones.
That bound assumes we made every call in Meta's window; after a restart or beside other
workers we did not, so the cost is also bounded by how the figure moved between two
readings over our calls, and the smaller bound wins. Before any reading only a small
first batch is allowed; its answers bring one. When planning forbids every call, one
probe may go after five quiet minutes, since only a call brings a new reading.

`BudgetTracker` lives in one process; `snapshot()` / `restore()` give callers a
JSON-able state to persist (e.g. on the connection row) so worker processes
share what each has learned.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from core.clock import Clock, SystemClock

WINDOW = timedelta(hours=24)
APP_USAGE_WINDOW_SECONDS = 3600.0  # X-App-Usage counts a rolling hour
BUCKET_SECONDS = 300  # call counts are kept in 5-minute buckets: at most 288 per account
DEFAULT_HEADROOM_PCT = 90.0  # leave the last 10% for webhook look-ups and retries
READING_STEP_PCT = 1.0  # Meta's usage figures are whole percents, cut down: the truth is below p + 1
# Calls allowed with no usage reading at all: even a tiny account's budget (4800 x a handful of
# impressions) has room for them, and the first answer brings a reading.
UNREAD_BUDGET_CALLS = 10
# Our counts start with the process: after a restart, or beside other workers, one reading of p%
# may cover calls we never saw, and the bound above then forbids every call. So the cost is also
# bounded by how the figure moved between two readings, and the older one is kept up to an hour.
BASE_READING_MAX_AGE = timedelta(hours=1)
# When planning forbids every call and none has gone for this long, one may: without a call no
# new reading comes, and an account would otherwise stay stuck until its reading aged out (24 h).
PROBE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class UsageReading:
    """One usage header, as percentages of the budget (0-100, may exceed 100)."""

    call_count: float = 0.0
    total_cputime: float = 0.0
    total_time: float = 0.0
    regain_minutes: float = 0.0

    @property
    def percent(self) -> float:
        """Meta throttles on whichever of the three figures reaches 100 first."""
        return max(self.call_count, self.total_cputime, self.total_time)


def parse_business_usage(header: str | None, object_id: str | None = None) -> UsageReading | None:
    """Read `X-Business-Use-Case-Usage`.

    Prefers the entry for `object_id`; otherwise takes the highest usage among
    all entries, since any of them throttling stops our calls. None when the
    header is absent or unreadable (absence is not zero usage).
    """
    data = _json_object(header)
    if data is None:
        return None
    chosen = data.get(object_id) if object_id else None
    entries = chosen if isinstance(chosen, list) else [e for v in data.values() if isinstance(v, list) for e in v]
    readings = [_reading(entry) for entry in entries if isinstance(entry, dict)]
    if not readings:
        return None
    return max(readings, key=lambda r: (r.percent, r.regain_minutes))


def parse_app_usage(header: str | None) -> UsageReading | None:
    """Read `X-App-Usage` (the app-wide Platform rate limit)."""
    data = _json_object(header)
    return _reading(data) if data is not None else None


def _json_object(header: str | None) -> dict[str, Any] | None:
    if not header:
        return None
    try:
        data = json.loads(header)
    except (TypeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _reading(entry: Mapping[str, Any]) -> UsageReading:
    return UsageReading(
        call_count=_number(entry.get("call_count")),
        total_cputime=_number(entry.get("total_cputime")),
        total_time=_number(entry.get("total_time")),
        regain_minutes=_number(entry.get("estimated_time_to_regain_access")),
    )


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


@dataclass
class AccountUsage:
    """What we know about one account's budget. Plain data so it can be persisted."""

    buckets: dict[int, int] = field(default_factory=dict)  # bucket start (epoch s) -> calls
    usage_percent: float | None = None  # last X-Business-Use-Case-Usage figure
    usage_at: datetime | None = None
    calls_at_reading: int = 0  # our 24h call count when that figure was read
    base_percent: float | None = None  # an earlier reading (at most an hour older), for the slope
    base_at: datetime | None = None
    calls_at_base: int = 0
    app_percent: float | None = None
    blocked_until: datetime | None = None
    total_calls: int = 0  # since this tracker (or its restored state) started
    last_call_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "buckets": {str(k): v for k, v in self.buckets.items()},
            "usage_percent": self.usage_percent,
            "usage_at": self.usage_at.isoformat() if self.usage_at else None,
            "calls_at_reading": self.calls_at_reading,
            "base_percent": self.base_percent,
            "base_at": self.base_at.isoformat() if self.base_at else None,
            "calls_at_base": self.calls_at_base,
            "app_percent": self.app_percent,
            "blocked_until": self.blocked_until.isoformat() if self.blocked_until else None,
            "total_calls": self.total_calls,
            "last_call_at": self.last_call_at.isoformat() if self.last_call_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccountUsage:
        return cls(
            buckets={int(k): int(v) for k, v in (data.get("buckets") or {}).items()},
            usage_percent=data.get("usage_percent"),
            usage_at=_parse_dt(data.get("usage_at")),
            calls_at_reading=int(data.get("calls_at_reading") or 0),
            base_percent=data.get("base_percent"),
            base_at=_parse_dt(data.get("base_at")),
            calls_at_base=int(data.get("calls_at_base") or 0),
            app_percent=data.get("app_percent"),
            blocked_until=_parse_dt(data.get("blocked_until")),
            total_calls=int(data.get("total_calls") or 0),
            last_call_at=_parse_dt(data.get("last_call_at")),
        )


def _parse_dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


class BudgetTracker:
    """Counts calls and reads usage headers per account; answers "may I spend n calls now?".

    Thread-safe. `headroom_pct` is where we stop planning new work, below Meta's
    100% wall, so webhook look-ups and retries still fit.
    """

    def __init__(self, clock: Clock | None = None, headroom_pct: float = DEFAULT_HEADROOM_PCT):
        self._clock = clock or SystemClock()
        self._headroom = headroom_pct
        self._accounts: dict[str, AccountUsage] = {}
        self._lock = threading.Lock()

    # --- recording --------------------------------------------------------

    def record_call(self, account_id: str, headers: Mapping[str, str] | None = None, calls: int = 1) -> None:
        """Count `calls` Graph calls for the account and read the usage headers of the answer."""
        now = self._clock.now()
        with self._lock:
            usage = self._usage(account_id)
            bucket = int(now.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS
            usage.buckets[bucket] = usage.buckets.get(bucket, 0) + calls
            usage.total_calls += calls
            usage.last_call_at = now
            self._prune(usage, now)
            if headers is not None:
                self._read_headers(usage, account_id, headers, now)

    def record_throttle(self, account_id: str, retry_after: float) -> None:
        """Meta said stop: block the account until the time it gave us has passed."""
        until = self._clock.now() + timedelta(seconds=max(0.0, retry_after))
        with self._lock:
            usage = self._usage(account_id)
            if usage.blocked_until is None or until > usage.blocked_until:
                usage.blocked_until = until

    def _read_headers(self, usage: AccountUsage, account_id: str, headers: Mapping[str, str], now: datetime) -> None:
        business = parse_business_usage(_header(headers, "X-Business-Use-Case-Usage"), account_id)
        if business is not None:
            self._keep_base(usage, now)
            usage.usage_percent = business.percent
            usage.usage_at = now
            usage.calls_at_reading = self._calls_in_window(usage, now)
            if business.regain_minutes > 0:
                usage.blocked_until = max(
                    usage.blocked_until or now, now + timedelta(minutes=business.regain_minutes)
                )
        app = parse_app_usage(_header(headers, "X-App-Usage"))
        if app is not None:
            usage.app_percent = app.percent

    @staticmethod
    def _keep_base(usage: AccountUsage, now: datetime) -> None:
        """Before a new reading replaces the last one: the first reading becomes the base, and a
        base older than an hour gives way to the last reading."""
        if usage.usage_percent is None:
            return
        if usage.base_percent is None or now - usage.base_at > BASE_READING_MAX_AGE:
            usage.base_percent, usage.base_at, usage.calls_at_base = (
                usage.usage_percent, usage.usage_at, usage.calls_at_reading)

    # --- questions ----------------------------------------------------------

    def may_spend(self, account_id: str, n: int = 1) -> bool:
        """Whether n more calls now stay under the headroom line (and no block is in force)."""
        return self.seconds_until_allowed(account_id, n) == 0.0

    def seconds_until_allowed(self, account_id: str, n: int = 1) -> float:
        """0 when n calls may go now; else a hint of how long to wait before asking again.

        n calls may go when, at the most each call can have cost, they stay under the
        headroom line; with no reading yet, when they fit in the first batch."""
        now = self._clock.now()
        with self._lock:
            usage = self._accounts.get(account_id) or AccountUsage()
            self._prune(usage, now)
            if usage.blocked_until and usage.blocked_until > now:
                return (usage.blocked_until - now).total_seconds()
            if (usage.app_percent or 0.0) >= self._headroom:
                # X-App-Usage is a rolling hour, so its pressure eases within the hour.
                return min(self._oldest_bucket_expiry(usage, now), APP_USAGE_WINDOW_SECONDS)
            most = self._most_percent_after(usage, now, n)
            if most is None:
                fits = self._calls_since_reading(usage, now) + n <= UNREAD_BUDGET_CALLS
            else:
                fits = most <= self._headroom
            probe = self._probe_wait(usage, now) if n == 1 else None
            if fits or probe == 0.0:
                return 0.0
            wait = self._oldest_bucket_expiry(usage, now)
            return wait if probe is None else min(wait, probe)

    def blocked_for(self, account_id: str) -> float:
        """Seconds left of a block Meta imposed (throttle error or regain estimate); 0 if none."""
        now = self._clock.now()
        with self._lock:
            usage = self._accounts.get(account_id)
            if usage is None or usage.blocked_until is None or usage.blocked_until <= now:
                return 0.0
            return (usage.blocked_until - now).total_seconds()

    def remaining_calls(self, account_id: str) -> int | None:
        """Calls we may still plan before the headroom line (the n `may_spend` allows at most);
        None while we have no reading to bound the cost of a call."""
        now = self._clock.now()
        with self._lock:
            usage = self._accounts.get(account_id)
            per_call = self._per_call_cost(usage) if usage is not None else None
            if per_call is None:
                return None
            room = self._headroom - usage.usage_percent - READING_STEP_PCT
            affordable = room / per_call  # per_call > 0: every bound carries the reading's 1% step
            return max(0, int(affordable + 1e-9) - self._calls_since_reading(usage, now))  # epsilon: float error

    def usage(self, account_id: str) -> AccountUsage:
        """A copy of what we know about the account (for dashboards and persistence)."""
        with self._lock:
            return AccountUsage.from_json(self._usage(account_id).to_json())

    def calls_in_window(self, account_id: str) -> int:
        now = self._clock.now()
        with self._lock:
            usage = self._accounts.get(account_id)
            return self._calls_in_window(usage, now) if usage else 0

    def total_calls(self, account_id: str) -> int:
        with self._lock:
            usage = self._accounts.get(account_id)
            return usage.total_calls if usage else 0

    # --- persistence --------------------------------------------------------

    def snapshot(self, account_id: str | None = None) -> dict[str, Any]:
        """JSON-able state: of one account (`{...}`) or of all (`{account_id: {...}}`)."""
        with self._lock:
            if account_id is not None:
                return self._usage(account_id).to_json()
            return {key: value.to_json() for key, value in self._accounts.items()}

    def restore(self, state: Mapping[str, Any], account_id: str | None = None) -> None:
        """Load a state saved by `snapshot()` (same form: one account when `account_id` is given)."""
        items = {account_id: state} if account_id is not None else dict(state)
        with self._lock:
            for key, value in items.items():
                self._accounts[key] = AccountUsage.from_json(value)

    # --- internals ------------------------------------------------------------

    def _usage(self, account_id: str) -> AccountUsage:
        return self._accounts.setdefault(account_id, AccountUsage())

    def _prune(self, usage: AccountUsage, now: datetime) -> None:
        horizon = (now - WINDOW).timestamp()
        for bucket in [b for b in usage.buckets if b + BUCKET_SECONDS <= horizon]:
            del usage.buckets[bucket]
        if usage.usage_at and now - usage.usage_at > WINDOW:
            usage.usage_percent, usage.usage_at, usage.calls_at_reading = None, None, 0

    @staticmethod
    def _calls_in_window(usage: AccountUsage, now: datetime) -> int:
        horizon = (now - WINDOW).timestamp()
        return sum(count for bucket, count in usage.buckets.items() if bucket + BUCKET_SECONDS > horizon)

    def _calls_since_reading(self, usage: AccountUsage, now: datetime) -> int:
        """Our calls the last reading does not cover yet (all of them before any reading)."""
        return max(0, self._calls_in_window(usage, now) - usage.calls_at_reading)

    def _most_percent_after(self, usage: AccountUsage, now: datetime, n: int) -> float | None:
        """The highest usage the account can be at after n more calls; None with no reading to go on.

        The reading of p% is a whole percent cut down, so usage is below p + 1 now; the calls
        since it and the n to come cost at most `_per_call_cost` each."""
        per_call = self._per_call_cost(usage)
        if per_call is None:
            return None
        return usage.usage_percent + READING_STEP_PCT + per_call * (self._calls_since_reading(usage, now) + n)

    @staticmethod
    def _per_call_cost(usage: AccountUsage) -> float | None:
        """The most one call can cost (percent), from what we counted; None with no reading.

        Two bounds, the smaller wins: p% read after our c calls in the window means at most
        (p + 1) / c % a call (if we made them all); and the figure moving by d between the base
        reading and the last, over our k calls, means at most (d + 1) / k % a call (the calls
        of other workers only make it larger, so it errs on the safe side)."""
        if usage.usage_percent is None:
            return None
        bounds = []
        if usage.calls_at_reading > 0:
            bounds.append((usage.usage_percent + READING_STEP_PCT) / usage.calls_at_reading)
        calls_between = usage.calls_at_reading - usage.calls_at_base
        if usage.base_percent is not None and calls_between > 0:
            moved = max(0.0, usage.usage_percent - usage.base_percent)
            bounds.append((moved + READING_STEP_PCT) / calls_between)
        return min(bounds) if bounds else None

    def _probe_wait(self, usage: AccountUsage, now: datetime) -> float | None:
        """Seconds until one call may go although planning forbids it (0: now); None when the
        last reading is at the headroom. A probe goes when none went for `PROBE_AFTER`: its
        answer brings the reading planning needs."""
        if usage.usage_percent is not None and usage.usage_percent + READING_STEP_PCT >= self._headroom:
            return None
        if usage.last_call_at is None:
            return 0.0
        return max(0.0, (usage.last_call_at + PROBE_AFTER - now).total_seconds())

    def _oldest_bucket_expiry(self, usage: AccountUsage, now: datetime) -> float:
        """When the oldest counted calls leave the rolling window (at least a minute)."""
        if not usage.buckets:
            return 60.0
        oldest = min(usage.buckets) + BUCKET_SECONDS + WINDOW.total_seconds()
        return max(60.0, oldest - now.timestamp())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lower = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lower), None)
    return value


_shared: BudgetTracker | None = None
_shared_lock = threading.Lock()


def shared_budget() -> BudgetTracker:
    """The process-wide tracker every `GraphClient` uses unless given its own."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = BudgetTracker()
        return _shared
