"""Pure analytics rules: alert thresholds, the period, cost estimates, formatting and CSV."""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from core.services.usage.ai_usage import estimate_cost
from core.services.analytics import Period, evaluate_alerts
from core.services.analytics.text import format_duration, format_kpi, rows_to_csv


@pytest.mark.parametrize(
    "sync, accuracy, errors, rate_limit, expected",
    [
        (0.90, 0.80, 50.0, False, set()),  # exactly on each line: no alert
        (0.899, 0.80, 50.0, False, {"sync_success"}),
        (0.95, 0.799, 10.0, False, {"ai_accuracy"}),
        (0.95, 0.9, 50.1, False, {"error_rate"}),
        (0.95, 0.9, 0.0, True, {"rate_limit"}),
        (None, None, None, False, set()),  # no data is not a failure
        (0.5, 0.25, 200.0, True, {"sync_success", "ai_accuracy", "error_rate", "rate_limit"}),
    ],
)
def test_alert_thresholds(sync, accuracy, errors, rate_limit, expected):
    assert {a.key for a in evaluate_alerts(sync, accuracy, errors, rate_limit)} == expected


def test_period_for_days_is_whole_utc_days():
    period = Period.for_days(date(2026, 3, 1), date(2026, 3, 3))
    assert period.start == datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert period.end == datetime(2026, 3, 4, tzinfo=timezone.utc)
    assert period.days() == ["2026-03-01", "2026-03-02", "2026-03-03"]


def test_last_days_includes_today():
    period = Period.last_days(7, datetime(2026, 3, 8, 15, 30, tzinfo=timezone.utc))
    assert period.days()[0] == "2026-03-02" and period.days()[-1] == "2026-03-08"


@pytest.mark.parametrize("make", [
    lambda: Period.last_days(0, datetime.now(timezone.utc)),
    lambda: Period(datetime(2026, 3, 1), datetime(2026, 3, 2)),
    lambda: Period.for_days(date(2020, 1, 1), date(2026, 1, 1)),
])
def test_bad_periods_are_refused_with_a_message(make):
    with pytest.raises(ValidationFailed):
        make()


def test_cost_estimate_uses_the_price_list_and_model_families():
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == Decimal("0.750000")
    assert estimate_cost("gpt-4o-mini-2024-07-18", 1000, 0) == estimate_cost("gpt-4o-mini", 1000, 0)
    assert estimate_cost("some-local-model", 5000, 5000) == 0


def test_formatting():
    assert [format_duration(s) for s in (None, 42, 600, 5400, 2 * 86400)] == ["n/a", "42s", "10m", "1.5h", "2.0d"]
    assert format_kpi("ai_accuracy", 0.8125) == "81.2%"
    assert format_kpi("rate_limit_hit", True) == "yes"


def test_csv_quotes_and_blanks():
    rows = [{"reason": "other, see note", "n": 2, "share": None}]
    assert rows_to_csv(rows) == 'reason,n,share\n"other, see note",2,\n'
    assert rows_to_csv([]) == ""
