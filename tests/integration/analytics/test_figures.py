"""Every analytics figure against the hand-counted dataset (tests/integration/analytics/dataset.py),
on SQLite and on PostgreSQL, and the scoping rules: a seller sees only their store; all stores is ops only."""

from datetime import date

import pytest

from core.clock import FrozenClock
from core.errors import PermissionDenied, ValidationFailed
from core.services.analytics import Period, analytics_report, report_as_text
from core.services.analytics.text import rows_to_csv
from tests.factories import make_ops, make_seller
from tests.integration.analytics import dataset

WEEK = Period.for_days(date(2026, 3, 1), date(2026, 3, 7))


@pytest.fixture
def data(session):
    return dataset.build(session)


@pytest.fixture
def ops(session):
    return make_ops(session)


def _report(session, actor, store_id, period=WEEK):
    return analytics_report(session, actor, store_id, period, FrozenClock(dataset.NOW))


def test_draft_outcomes_approval_rate_and_accuracy(session, data, ops):
    o = _report(session, ops, data.store_a.id).drafts.outcomes
    assert (o.created, o.pending, o.approved, o.rejected, o.expired, o.withdrawn) == (11, 2, 5, 2, 1, 1)
    assert (o.auto_approved, o.reviewed_approvals, o.zero_edit_approvals) == (1, 4, 1)
    assert o.approval_rate == pytest.approx(5 / 8)
    assert o.ai_accuracy == pytest.approx(1 / 4)


def test_field_edit_rates_most_fixed_first(session, data, ops):
    rows = _report(session, ops, data.store_a.id).drafts.field_edits
    assert [(r["field"], r["edited"]) for r in rows] == [
        ("price", 2), ("name", 1), ("category", 1), ("compare_at_price", 1),
        ("currency", 0), ("description", 0), ("tags", 0), ("variants", 0),
    ]
    assert rows[0]["edit_rate"] == pytest.approx(0.5) and rows[0]["approvals"] == 4


def test_accuracy_by_confidence_band(session, data, ops):
    bands = {r["band"]: r for r in _report(session, ops, data.store_a.id).drafts.bands}
    high, medium, low, unknown = bands["high"], bands["medium"], bands["low"], bands["unknown"]
    assert (high["drafts"], high["approved"], high["reviewed_approvals"], high["zero_edit"]) == (5, 4, 3, 1)
    assert high["approval_rate"] == 1.0 and high["accuracy"] == pytest.approx(1 / 3)
    assert (medium["drafts"], medium["approved"], medium["rejected"], medium["accuracy"]) == (3, 1, 1, 0.0)
    assert (low["drafts"], low["rejected"], low["expired"], low["approval_rate"], low["accuracy"]) == (2, 1, 1, 0.0, None)
    assert (unknown["drafts"], unknown["approval_rate"]) == (1, None)


def test_rejection_reasons(session, data, ops):
    rows = _report(session, ops, data.store_a.id).drafts.rejection_reasons
    assert rows == [
        {"reason": "duplicate", "rejected": 1, "share": 0.5},
        {"reason": "not_a_product", "rejected": 1, "share": 0.5},
    ]


def test_time_to_import_median_and_p90(session, data, ops):
    t = _report(session, ops, data.store_a.id).drafts.timing
    # post -> draft: 30 60 120 300 600 900 1200 1800 2400 3600 (nearest rank: 5th, 9th)
    assert t.post_to_draft_median_s == pytest.approx(600, abs=0.01)
    assert t.post_to_draft_p90_s == pytest.approx(2400, abs=0.01)
    # draft -> a person's approval: 600 1800 3600 7200 (auto-approval excluded)
    assert t.draft_to_approval_median_s == pytest.approx(1800, abs=0.01)
    assert t.draft_to_approval_p90_s == pytest.approx(7200, abs=0.01)


def test_backlog_and_activity_per_day(session, data, ops):
    drafts = _report(session, ops, data.store_a.id).drafts
    assert (drafts.backlog.pending, drafts.backlog.expiring_soon) == (3, 2)
    per_day = {r["day"]: r for r in drafts.per_day}
    assert list(per_day) == [f"2026-03-0{d}" for d in range(1, 8)]
    assert [per_day[d]["drafts_created"] for d in per_day] == [1, 2, 2, 2, 2, 1, 1]
    assert [per_day[d]["approved"] for d in per_day] == [1, 2, 1, 0, 0, 0, 1]
    assert [per_day[d]["products_imported"] for d in per_day] == [1, 2, 1, 0, 0, 0, 1]


def test_sync_success_partial_and_by_type(session, data, ops):
    sync = _report(session, ops, data.store_a.id).sync
    assert (sync.runs, sync.success, sync.partial, sync.failed) == (4, 2, 1, 1)
    assert sync.success_rate == 0.5 and sync.partial_rate == 0.25
    by_type = {r["sync_type"]: r for r in sync.by_type}
    assert by_type["bulk_import"] | {} == {
        "sync_type": "bulk_import", "runs": 1, "success": 1, "partial_success": 0, "failed": 0,
        "success_rate": 1.0, "posts_processed": 100, "drafts_created": 80, "api_calls": 12,
    }
    assert (by_type["incremental_sync"]["runs"], by_type["incremental_sync"]["api_calls"]) == (3, 6)
    assert [r["runs"] for r in sync.per_day] == [1, 1, 2, 0, 0, 0, 0]


def test_api_calls_per_day_and_account_against_the_budget(session, data, ops):
    api = _report(session, ops, data.store_a.id).api
    assert api.total_calls == 22  # 12 + 3 + 2 + 1 + 4 (the running sync has spent its calls too)
    rows = {r["day"]: r for r in api.per_day}
    assert [r["api_calls"] for r in api.per_day] == [12, 3, 3, 4, 0, 0, 0]
    assert rows["2026-03-01"]["peak_usage_percent"] == 10.0 and rows["2026-03-01"]["accounts_throttled"] == 0
    assert rows["2026-03-03"]["peak_usage_percent"] == 100.0 and rows["2026-03-03"]["accounts_throttled"] == 1
    (account,) = api.per_account
    # budget: 12 calls at 10% -> 120 a day; 20 at 40% and 50 at 100% -> 50; the largest reading wins
    assert account == {
        "account": "@shop_a", "connection_id": "igc_shop_a", "api_calls": 22, "calls_per_day": round(22 / 7, 2),
        "estimated_daily_budget": 120, "share_of_budget_per_day": pytest.approx(22 / 7 / 120),
        "peak_usage_percent": 100.0, "days_throttled": 1,
    }
    assert api.rate_limit_hit and api.throttled_days == 1
    (now,) = api.budget_now
    assert (now["account"], now["usage_percent"], now["remaining_calls"], now["throttled"]) == ("@shop_a", 100.0, 0, True)


def test_ai_calls_tokens_and_cost_per_day(session, data, ops):
    ai = _report(session, ops, data.store_a.id).ai
    assert (ai.calls, ai.failed, ai.input_tokens, ai.output_tokens) == (3, 1, 1800, 250)
    # gpt-4o-mini: 1000 x 0.15 + 200 x 0.60 and 500 x 0.15; gemini-2.5-flash: 300 x 0.30 + 50 x 2.50 (per 1M)
    assert ai.cost_usd == pytest.approx(0.00027 + 0.000075 + 0.000215)
    day1 = ai.per_day[0]
    assert (day1["day"], day1["calls"], day1["failed"], day1["input_tokens"]) == ("2026-03-01", 2, 1, 1500)


def test_errors_per_thousand_operations_by_kind(session, data, ops):
    report = _report(session, ops, data.store_a.id)
    errors = report.errors
    # operations: 4 syncs + 115 posts + 4 webhook events + 3 AI calls; errors: 1 + 2 + 1 + 1 + 1
    assert (errors.operations, errors.errors) == (126, 6)
    assert errors.per_thousand == pytest.approx(6000 / 126)
    assert {r["kind"]: r["errors"] for r in errors.by_kind} == {
        "sync_failed": 1, "post_failed": 2, "webhook_failed": 1, "webhook_quarantined": 1, "ai_failed": 1,
    }
    # 47.6 per 1,000 is under the 5% line; the other three alerts fire.
    assert report.alert_keys() == {"sync_success", "ai_accuracy", "rate_limit"}


def test_all_stores_for_ops_adds_up_both_stores(session, data, ops):
    report = _report(session, ops, None)
    assert report.store_id is None
    o = report.drafts.outcomes
    assert (o.created, o.approved, o.rejected, o.reviewed_approvals, o.zero_edit_approvals) == (14, 6, 3, 5, 2)
    assert report.api.total_calls == 27 and report.ai.calls == 4
    assert report.drafts.backlog.pending == 4
    assert report.errors.operations == 4 + 1 + 115 + 7 + 5 + 4
    assert len(report.api.budget_now) == 2
    assert [r["account"] for r in report.api.per_account] == ["@shop_a", "@shop_b"]
    assert report.api.per_day[1]["api_calls"] == 3 + 5  # both stores on 2 March


def test_seller_sees_only_their_store(session, data):
    seller_b = make_seller(session, data.store_b)
    report = _report(session, seller_b, data.store_b.id)
    o = report.drafts.outcomes
    assert (o.created, o.approved, o.rejected, o.pending) == (3, 1, 1, 1)
    assert report.api.total_calls == 5 and report.ai.calls == 1 and report.errors.operations == 1 + 7 + 1
    assert [r["account"] for r in report.api.budget_now] == ["@shop_b"]
    assert report.drafts.backlog.pending == 1


def test_seller_cannot_ask_for_another_store_or_all_stores(session, data):
    seller_b = make_seller(session, data.store_b)
    with pytest.raises(PermissionDenied):
        _report(session, seller_b, data.store_a.id)
    with pytest.raises(PermissionDenied):
        _report(session, seller_b, None)


def test_period_outside_the_data_is_empty_not_failing(session, data, ops):
    report = _report(session, ops, data.store_a.id, Period.for_days(date(2025, 1, 1), date(2025, 1, 3)))
    assert report.drafts.outcomes.created == 0 and report.drafts.outcomes.ai_accuracy is None
    assert report.alerts == [] and len(report.drafts.per_day) == 3


def test_csv_of_each_table_and_the_text_report(session, data, ops):
    report = _report(session, ops, data.store_a.id)
    csv_text = rows_to_csv(report.tables()["rejection_reasons"])
    assert csv_text == "reason,rejected,share\nduplicate,1,0.5\nnot_a_product,1,0.5\n"
    assert all(isinstance(rows, list) for rows in report.tables().values())
    text = report_as_text(report)
    assert "sync_success_rate           50.0%" in text and "AI accuracy 25% is below 80%" in text


def test_bad_period_is_refused():
    with pytest.raises(ValidationFailed):
        Period.for_days(date(2026, 3, 7), date(2026, 3, 1))
