"""The pure polling rules: adaptive interval, budget window and share, reconcile allowance."""

from datetime import datetime, timedelta, timezone

import pytest

from core.services.realtime.poll_schedule import (
    PollPolicy,
    budget_floor_interval,
    current_window,
    decide,
    estimate_hourly_budget,
    hinted_recently,
    next_interval,
    reconcile_allowance,
)

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
POLICY = PollPolicy(interval=60, min_interval=20, max_interval=900, budget_share=0.5, assumed_hourly_budget=10_000)


def window(calls=0, budget=10_000, started=T0):
    return current_window(started, calls, budget, POLICY, T0)


def test_new_posts_or_a_hint_poll_at_the_minimum():
    assert next_interval(300, found_new=True, hinted=False, last_post_age=None, policy=POLICY, window=window()) == 20
    assert next_interval(300, found_new=False, hinted=True, last_post_age=None, policy=POLICY, window=window()) == 20


def test_empty_polls_stretch_to_the_default_for_active_accounts_and_the_maximum_for_idle_ones():
    day_old, month_old = timedelta(hours=3), timedelta(days=30)
    assert next_interval(None, found_new=False, hinted=False, last_post_age=None, policy=POLICY, window=window()) == 60
    assert next_interval(20, found_new=False, hinted=False, last_post_age=day_old, policy=POLICY, window=window()) == 30
    assert next_interval(50, found_new=False, hinted=False, last_post_age=day_old, policy=POLICY, window=window()) == 60
    assert next_interval(800, found_new=False, hinted=False, last_post_age=month_old, policy=POLICY,
                         window=window()) == 900


def test_the_budget_share_sets_a_floor_under_the_interval():
    small = window(budget=100)  # 50 calls an hour for polling: one every 72 s
    assert budget_floor_interval(small) == 72
    assert next_interval(20, found_new=True, hinted=False, last_post_age=None, policy=POLICY, window=small) == 72


def test_a_spent_share_or_a_meta_block_defers_the_poll():
    spent = window(calls=5000)
    decision = decide(spent, now=T0, blocked_seconds=0, reconcile_due=False, policy=POLICY)
    assert not decision.poll and decision.wait_until == T0 + timedelta(hours=1)
    blocked = decide(window(), now=T0, blocked_seconds=120, reconcile_due=False, policy=POLICY)
    assert not blocked.poll and blocked.wait_until == T0 + timedelta(seconds=120)


def test_a_new_hour_starts_a_new_count():
    old = current_window(T0 - timedelta(minutes=61), 4999, 100, POLICY, T0)
    assert old.calls == 0 and old.started_at == T0


def test_the_reconcile_gets_what_the_hours_polls_leave():
    assert reconcile_allowance(window(), T0, POLICY) == (50, 50)  # the newest 50, and 50 older ones
    assert reconcile_allowance(window(budget=200), T0, POLICY) == (20, 19)  # 100 - this poll - 60 polls to come
    assert reconcile_allowance(window(budget=100), T0, POLICY) == (0, 0)


def test_a_short_share_is_split_between_the_newest_and_the_older_posts_by_their_sizes():
    policy = PollPolicy(interval=60, min_interval=20, max_interval=900, budget_share=0.5,
                        assumed_hourly_budget=10_000, reconcile_posts=30, reconcile_sweep_posts=10)
    assert reconcile_allowance(window(), T0, policy) == (30, 10)
    assert reconcile_allowance(window(budget=200), T0, policy) == (30, 9)  # 39 spare
    assert reconcile_allowance(window(budget=144), T0, policy) == (9, 2)  # 72 - this poll - 60: 11 spare
    no_sweep = PollPolicy(interval=60, min_interval=20, max_interval=900, assumed_hourly_budget=10_000,
                          reconcile_sweep_posts=0)
    assert reconcile_allowance(window(budget=200), T0, no_sweep) == (39, 0)


def test_a_due_reconcile_puts_both_shares_in_the_decision():
    decision = decide(window(budget=200), now=T0, blocked_seconds=0, reconcile_due=True, policy=POLICY)
    assert decision.poll and (decision.recheck_posts, decision.sweep_posts) == (20, 19)
    quiet = decide(window(budget=200), now=T0, blocked_seconds=0, reconcile_due=False, policy=POLICY)
    assert quiet.poll and (quiet.recheck_posts, quiet.sweep_posts) == (0, 0)


def test_the_hourly_budget_is_estimated_from_metas_percentage_once_enough_calls_were_counted():
    assert estimate_hourly_budget(None, 100) is None
    assert estimate_hourly_budget(1.0, 5) is None
    assert estimate_hourly_budget(10.0, 240) == 100  # 240 calls = 10% of 2400 a day


def test_hints_count_for_ten_minutes():
    assert hinted_recently(T0 - timedelta(minutes=5), T0)
    assert not hinted_recently(T0 - timedelta(minutes=11), T0)
    assert not hinted_recently(None, T0)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        PollPolicy(interval=10, min_interval=20)
    with pytest.raises(ValueError):
        PollPolicy(budget_share=1.5)
