"""Pure rules for when to poll an account next and how much of its Graph budget polling may use.

Meta sends no webhook when a post is published, so new posts are found by polling, and
every poll spends the account's budget, which scans and webhook look-ups share. The rules:

- The interval adapts: right after a poll that found new posts, or a webhook hint for
  the account, poll at the minimum interval; each empty poll stretches it by
  `IDLE_GROWTH`, up to the default interval for an account that posted in the last
  day, and up to the maximum for an idle one.
- Polling (new-post polls and the periodic reconcile) never spends more than
  `budget_share` of the account's hourly budget. The hourly budget is estimated from
  Meta's `X-Business-Use-Case-Usage` percentage once enough calls were counted (Meta
  does not tell the budget itself), or assumed until then.
- The reconcile re-reads known posts by id (one call per post), so it only gets what the
  share has left after the rest of the hour's polls. It reads the newest known posts
  (edits mostly come in a post's first days) and a rotating slice of the older ones, so
  every followed post is checked again in turn; a short share is split between the two
  in proportion to their sizes, so neither starves the other.

No database and no clock: the worker (`core.services.realtime.poll_jobs`) feeds in the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

HOUR = timedelta(hours=1)
IDLE_GROWTH = 1.5
ACTIVE_ACCOUNT_WINDOW = timedelta(days=1)  # posted within this: keep at most the default interval
HINT_WINDOW = timedelta(minutes=10)  # a webhook this recent keeps the account at the minimum
CALLS_PER_POLL = 1  # one page of /media; more only when many posts are new
MIN_CALLS_FOR_ESTIMATE = 10  # fewer calls make a percentage reading too coarse to scale up


@dataclass(frozen=True)
class PollPolicy:
    """The knobs, in seconds and calls (from `core.config.Settings`)."""

    interval: float = 60.0
    min_interval: float = 20.0
    max_interval: float = 900.0
    budget_share: float = 0.5
    assumed_hourly_budget: int = 200
    reconcile_interval: float = 1800.0
    reconcile_posts: int = 50
    reconcile_sweep_posts: int = 50

    def __post_init__(self) -> None:
        if not 0 < self.min_interval <= self.interval <= self.max_interval:
            raise ValueError("poll intervals must satisfy 0 < min <= default <= max, got "
                             f"{self.min_interval}, {self.interval}, {self.max_interval}")
        if not 0 < self.budget_share <= 1:
            raise ValueError(f"poll_budget_share must be in (0, 1], got {self.budget_share}")
        if self.assumed_hourly_budget < 1:
            raise ValueError("poll_assumed_hourly_budget must be at least 1")
        if self.reconcile_posts < 0 or self.reconcile_sweep_posts < 0:
            raise ValueError("reconcile_recent_posts and reconcile_sweep_posts cannot be negative")

    @classmethod
    def from_settings(cls, settings: Any) -> PollPolicy:
        return cls(
            interval=float(settings.poll_interval_seconds),
            min_interval=float(settings.poll_min_interval_seconds),
            max_interval=float(settings.poll_max_interval_seconds),
            budget_share=float(settings.poll_budget_share),
            assumed_hourly_budget=int(settings.poll_assumed_hourly_budget),
            reconcile_interval=float(settings.reconcile_interval_seconds),
            reconcile_posts=int(settings.reconcile_recent_posts),
            reconcile_sweep_posts=int(settings.reconcile_sweep_posts),
        )


@dataclass(frozen=True)
class BudgetWindow:
    """Polling's spend in the current hour against its share of the account's budget."""

    started_at: datetime
    calls: int
    hourly_budget: int
    share: float

    @property
    def allowance(self) -> int:
        """Calls polling may make this hour (at least one, so an account is never frozen out)."""
        return max(1, int(self.hourly_budget * self.share))

    @property
    def left(self) -> int:
        return max(0, self.allowance - self.calls)

    @property
    def resets_at(self) -> datetime:
        return self.started_at + HOUR


def current_window(started_at: datetime | None, calls: int | None, hourly_budget: int | None,
                   policy: PollPolicy, now: datetime) -> BudgetWindow:
    """The hour polling is counting in; a new one once the last has run out."""
    budget = hourly_budget or policy.assumed_hourly_budget
    if started_at is None or now - started_at >= HOUR or now < started_at:
        return BudgetWindow(now, 0, budget, policy.budget_share)
    return BudgetWindow(started_at, calls or 0, budget, policy.budget_share)


def estimate_hourly_budget(usage_percent: float | None, calls_counted: int) -> int | None:
    """Calls per hour the account may make, from Meta's 24-hour usage percentage.

    `calls_counted` is the calls this process counted in the same 24 hours. Other processes'
    calls also raise the percentage, so the estimate errs low (polling slows), never high.
    """
    if not usage_percent or usage_percent <= 0 or calls_counted < MIN_CALLS_FOR_ESTIMATE:
        return None
    per_day = calls_counted * 100.0 / usage_percent
    return max(1, int(per_day / 24))


def budget_floor_interval(window: BudgetWindow, calls_per_poll: int = CALLS_PER_POLL) -> float:
    """The shortest interval at which polls alone stay within the hourly allowance."""
    return 3600.0 * calls_per_poll / window.allowance


def next_interval(previous: float | None, *, found_new: bool, hinted: bool, last_post_age: timedelta | None,
                  policy: PollPolicy, window: BudgetWindow) -> float:
    """Seconds until the next poll of an account after one poll (see the module docstring)."""
    if found_new or hinted:
        wanted = policy.min_interval
    else:
        active = last_post_age is not None and last_post_age <= ACTIVE_ACCOUNT_WINDOW
        ceiling = policy.interval if active else policy.max_interval
        wanted = min(ceiling, max(policy.min_interval, (previous or policy.interval) * IDLE_GROWTH))
        if previous is None:
            wanted = policy.interval
    return max(wanted, budget_floor_interval(window))


def hinted_recently(hinted_at: datetime | None, now: datetime) -> bool:
    return hinted_at is not None and timedelta(0) <= now - hinted_at <= HINT_WINDOW


@dataclass(frozen=True)
class PollDecision:
    """Poll now (re-reading how many of the newest and of the older known posts), or wait
    until `wait_until` and say why."""

    poll: bool
    recheck_posts: int = 0
    sweep_posts: int = 0
    wait_until: datetime | None = None
    reason: str | None = None


def decide(window: BudgetWindow, *, now: datetime, blocked_seconds: float, reconcile_due: bool,
           policy: PollPolicy) -> PollDecision:
    """Whether a due account may be polled now, within Meta's block and polling's share."""
    if blocked_seconds > 0:
        return PollDecision(False, wait_until=now + timedelta(seconds=blocked_seconds),
                            reason="Meta asked us to slow down")
    if window.left < CALLS_PER_POLL:
        return PollDecision(False, wait_until=window.resets_at, reason="polling's share of the hourly budget is spent")
    if not reconcile_due:
        return PollDecision(True)
    newest, older = reconcile_allowance(window, now, policy)
    return PollDecision(True, recheck_posts=newest, sweep_posts=older)


def reconcile_allowance(window: BudgetWindow, now: datetime, policy: PollPolicy) -> tuple[int, int]:
    """Known posts the reconcile may re-read now, as (newest, older slice): what the share has
    left after the rest of the hour's polls at the default interval."""
    seconds_left = max(0.0, (window.resets_at - now).total_seconds())
    polls_to_come = math.ceil(seconds_left / max(policy.interval, budget_floor_interval(window)))
    spare = window.left - CALLS_PER_POLL - polls_to_come * CALLS_PER_POLL
    wanted = policy.reconcile_posts + policy.reconcile_sweep_posts
    total = max(0, min(wanted, spare))
    if not wanted:
        return 0, 0
    newest = min(policy.reconcile_posts, math.ceil(total * policy.reconcile_posts / wanted))
    return newest, total - newest
