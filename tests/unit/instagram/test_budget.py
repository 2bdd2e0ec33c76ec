"""The budget tracker: header parsing, counting, planning, persistence. Pure, no HTTP."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from core.clock import FrozenClock
from core.instagram.budget import (
    PROBE_AFTER,
    UNREAD_BUDGET_CALLS,
    BudgetTracker,
    parse_app_usage,
    parse_business_usage,
)

START = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)


def buc(object_id="178", call_count=10, cputime=1, total_time=2, regain=0):
    return json.dumps(
        {
            object_id: [
                {
                    "type": "instagram",
                    "call_count": call_count,
                    "total_cputime": cputime,
                    "total_time": total_time,
                    "estimated_time_to_regain_access": regain,
                }
            ]
        }
    )


def test_business_usage_header_takes_the_highest_figure():
    reading = parse_business_usage(buc(call_count=12, cputime=40, total_time=3, regain=5), "178")
    assert reading.percent == 40 and reading.regain_minutes == 5


def test_business_usage_prefers_the_named_object_else_the_worst():
    header = json.dumps({"1": [{"call_count": 90}], "2": [{"call_count": 10}]})
    assert parse_business_usage(header, "2").percent == 10
    assert parse_business_usage(header, "unknown").percent == 90


def test_missing_or_broken_headers_are_not_read_as_zero():
    assert parse_business_usage(None) is None
    assert parse_business_usage("not json") is None
    assert parse_business_usage("[]") is None
    assert parse_app_usage('{"call_count": 7, "total_time": 9}').percent == 9


def test_counts_calls_per_account():
    tracker = BudgetTracker(FrozenClock(START))
    tracker.record_call("a")
    tracker.record_call("a", calls=50)
    tracker.record_call("b")
    assert tracker.calls_in_window("a") == 51 and tracker.calls_in_window("b") == 1
    assert tracker.total_calls("a") == 51


def test_calls_leave_the_rolling_window_after_24_hours():
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock)
    tracker.record_call("a", calls=5)
    clock.advance(hours=23)
    tracker.record_call("a", calls=2)
    assert tracker.calls_in_window("a") == 7
    clock.advance(hours=2)
    assert tracker.calls_in_window("a") == 2


def test_with_no_reading_only_a_small_first_batch_may_go():
    tracker = BudgetTracker(FrozenClock(START))
    assert tracker.may_spend("new", UNREAD_BUDGET_CALLS)
    assert not tracker.may_spend("new", UNREAD_BUDGET_CALLS + 1)
    tracker.record_call("new", headers=None, calls=UNREAD_BUDGET_CALLS - 1)  # answers without a usage header
    assert tracker.may_spend("new", 1) and not tracker.may_spend("new", 2)
    assert tracker.remaining_calls("new") is None


def test_projects_usage_per_call_from_the_headers():
    tracker = BudgetTracker(FrozenClock(START), headroom_pct=90)
    # 40 calls read 40%: a whole percent cut down, so each cost at most 41/40 %.
    # 47 more reach at most 41 * 87 / 40 = 89.2%; 48 could reach 90.2%.
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=40)}, calls=40)
    assert tracker.may_spend("a", 47)
    assert not tracker.may_spend("a", 48)
    assert tracker.remaining_calls("a") == 47
    assert tracker.seconds_until_allowed("a", 48) > 0


def test_a_zero_reading_still_bounds_spending():
    """A budget of 192,000 calls reads 0% for its first 1,919 calls: 0% is not 'free'."""
    tracker = BudgetTracker(FrozenClock(START), headroom_pct=90)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=0, cputime=0, total_time=0)},
                        calls=100)
    # At most 1/100 % a call: 9,000 calls in all stay under 90%.
    assert tracker.may_spend("a", 8_900) and not tracker.may_spend("a", 8_901)
    assert tracker.remaining_calls("a") == 8_900


def test_calls_made_since_the_reading_count_at_the_bound():
    tracker = BudgetTracker(FrozenClock(START), headroom_pct=90)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=40)}, calls=40)
    tracker.record_call("a", headers=None, calls=20)  # e.g. errors answered without the header
    # 41/40 % a call over 60 calls so far: 27 more reach 88.8%, 28 would reach 90.2%.
    assert tracker.may_spend("a", 27) and not tracker.may_spend("a", 28)
    assert tracker.remaining_calls("a") == 27


@given(budget=st.integers(min_value=1, max_value=500_000), share=st.floats(min_value=0.0, max_value=1.0),
       n=st.integers(min_value=1, max_value=100_000))
def test_what_may_spend_allows_never_crosses_the_headroom_whatever_the_true_budget(budget, share, n):
    """Meta reads floor(100 * used / budget); whatever budget lies behind the figure, the
    calls `may_spend` allows keep the true usage under the headroom line."""
    headroom = 90.0
    tracker = BudgetTracker(FrozenClock(START), headroom_pct=headroom)
    used = max(1, int(budget * share * headroom / 100))
    reading = math.floor(used * 100 / budget)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=reading, cputime=0, total_time=0)},
                        calls=used)
    if tracker.may_spend("a", n):
        assert (used + n) * 100 / budget <= headroom


def test_header_keys_are_case_insensitive():
    tracker = BudgetTracker(FrozenClock(START))
    tracker.record_call("a", {"x-business-use-case-usage": buc("a", call_count=95)})
    assert not tracker.may_spend("a", 1)


def test_app_usage_near_the_limit_stops_spending():
    tracker = BudgetTracker(FrozenClock(START))
    tracker.record_call("a", {"X-App-Usage": json.dumps({"call_count": 95})})
    assert not tracker.may_spend("a", 1)
    # The app's platform usage is a rolling hour: the wait is never the business budget's day.
    assert 0 < tracker.seconds_until_allowed("a", 1) <= 3600


def test_regain_estimate_blocks_until_it_passes():
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=100, regain=10)})
    assert tracker.blocked_for("a") == 600
    assert not tracker.may_spend("a")
    clock.advance(minutes=10, seconds=1)
    assert tracker.blocked_for("a") == 0


def test_throttle_blocks_for_the_time_meta_gave():
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock)
    tracker.record_throttle("a", 120)
    assert not tracker.may_spend("a") and tracker.seconds_until_allowed("a") == 120
    clock.advance(seconds=121)
    assert tracker.may_spend("a")


def test_snapshot_and_restore_share_state_between_processes():
    clock = FrozenClock(START)
    worker_a = BudgetTracker(clock)
    worker_a.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=80)}, calls=80)
    worker_a.record_throttle("a", 300)
    saved = json.loads(json.dumps(worker_a.snapshot("a")))  # as it would sit in a JSON column

    worker_b = BudgetTracker(clock)
    worker_b.restore(saved, account_id="a")
    assert worker_b.calls_in_window("a") == 80
    assert worker_b.blocked_for("a") == 300
    assert worker_b.snapshot("a") == worker_a.snapshot("a")

    everything = BudgetTracker(clock)
    everything.restore(json.loads(json.dumps(worker_a.snapshot())))
    assert everything.calls_in_window("a") == 80


def test_stale_readings_expire_with_the_window():
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=95)})
    assert not tracker.may_spend("a")
    clock.advance(hours=25)
    assert tracker.may_spend("a")


def test_a_worker_that_starts_late_learns_the_cost_from_how_the_figure_moves():
    """After a restart (or beside other workers) 60% after our one call says nothing about our
    calls; planning waits, one probe goes after a pause, and the second reading bounds the cost."""
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock, headroom_pct=90)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=60, cputime=0, total_time=0)})
    assert not tracker.may_spend("a", 1)
    assert 0 < tracker.seconds_until_allowed("a", 1) <= PROBE_AFTER.total_seconds()
    clock.advance(seconds=PROBE_AFTER.total_seconds())
    assert tracker.may_spend("a", 1) and not tracker.may_spend("a", 2)  # one probe, not a batch
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=60, cputime=0, total_time=0)})
    # The figure did not move over one call: at most 1% a call, and usage is below 61% now.
    assert tracker.may_spend("a", 29) and not tracker.may_spend("a", 30)
    assert tracker.remaining_calls("a") == 29


def test_the_slope_over_many_calls_allows_more_than_one_reading_would():
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock, headroom_pct=90)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=40, cputime=0, total_time=0)}, calls=40)
    clock.advance(minutes=10)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=41, cputime=0, total_time=0)}, calls=100)
    # One reading: 42/140 = 0.3% a call. The move: (1 + 1) / 100 = 0.02% a call, so (90 - 42) / 0.02 = 2,400.
    assert tracker.remaining_calls("a") == 2_400


def test_no_probe_at_the_headroom_line():
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock, headroom_pct=90)
    tracker.record_call("a", {"X-Business-Use-Case-Usage": buc("a", call_count=89, cputime=0, total_time=0)})
    clock.advance(minutes=30)
    assert not tracker.may_spend("a", 1)


def test_answers_without_any_usage_header_still_let_a_call_through_now_and_then():
    clock = FrozenClock(START)
    tracker = BudgetTracker(clock)
    tracker.record_call("a", headers=None, calls=UNREAD_BUDGET_CALLS)
    assert not tracker.may_spend("a", 1)
    clock.advance(seconds=PROBE_AFTER.total_seconds())
    assert tracker.may_spend("a", 1)
