"""Draft figures: approval, AI accuracy (zero-edit approvals), edits per field, timing, backlog.

The drafts counted are the cohort **created** in the period (by `product_draft.created_at`),
so a figure for March means "what became of March's drafts", and it does not move when
an old draft is finally reviewed. Accuracy is measured on approvals a person made
(auto-approved drafts are zero-edit by construction and would flatter it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from core.models import Product, ProductDraft
from core.services.analytics.scope import Period, Scope
from core.services.analytics.sql import (
    count_where,
    day_of,
    json_has_key,
    json_is_empty,
    percentiles,
    plan_for_few_groups,
    ratio,
    seconds_between,
)

# The fields a person can change on a draft (core.extraction.schema.ExtractedProduct).
EDITABLE_FIELDS = (
    "name", "price", "currency", "category", "description", "compare_at_price", "tags", "variants",
)
# The review screen's filters: high >= 0.8, low < 0.5 (core.extraction.schema).
HIGH_CONFIDENCE = 0.8
LOW_CONFIDENCE = 0.5
BANDS = ("high", "medium", "low", "unknown")
EXPIRING_WITHIN = timedelta(hours=48)
DECIDED = ("approved", "rejected", "expired")


@dataclass
class DraftOutcomes:
    created: int = 0
    pending: int = 0
    approved: int = 0
    rejected: int = 0
    expired: int = 0
    withdrawn: int = 0
    auto_approved: int = 0
    reviewed_approvals: int = 0  # approved by a person
    zero_edit_approvals: int = 0  # of those, approved with no edit

    @property
    def approval_rate(self) -> float | None:
        """approved / (approved + rejected + expired)."""
        return ratio(self.approved, self.approved + self.rejected + self.expired)

    @property
    def ai_accuracy(self) -> float | None:
        """Share of a person's approvals made with no edit."""
        return ratio(self.zero_edit_approvals, self.reviewed_approvals)


@dataclass
class Timing:
    post_to_draft_median_s: float | None = None
    post_to_draft_p90_s: float | None = None
    draft_to_approval_median_s: float | None = None
    draft_to_approval_p90_s: float | None = None


@dataclass
class Backlog:
    pending: int = 0
    expiring_soon: int = 0  # pending and expiring within 48 hours (or already past due)


@dataclass
class DraftFigures:
    outcomes: DraftOutcomes
    field_edits: list[dict] = field(default_factory=list)
    bands: list[dict] = field(default_factory=list)
    rejection_reasons: list[dict] = field(default_factory=list)
    timing: Timing = field(default_factory=Timing)
    backlog: Backlog = field(default_factory=Backlog)
    per_day: list[dict] = field(default_factory=list)


def _cohort(scope: Scope, period: Period, *columns):
    stmt = select(*columns).where(
        ProductDraft.created_at >= period.start, ProductDraft.created_at < period.end
    )
    return scope.apply(stmt, ProductDraft.store_id)


def _is(status: str):
    return ProductDraft.status == status


def _reviewed_approval():
    return and_(_is("approved"), ProductDraft.auto_approved.is_(False))


_OUTCOME_STATUSES = ("pending", "approved", "rejected", "expired", "withdrawn")
_COUNT_NAMES = ("created", *_OUTCOME_STATUSES, "auto_approved", "reviewed_approvals", "zero_edit_approvals",
                *(f"edited:{f}" for f in EDITABLE_FIELDS))


def cohort_groups(session: Session, scope: Scope, period: Period) -> list[tuple[str, str, str | None, dict[str, int]]]:
    """One pass over the cohort: every count the page needs, as (band, day, rejection reason, counts).

    Outcomes, accuracy, field edits, bands, rejection reasons and the per-day series are all
    sums over these groups, so a year of drafts is read once, not once per figure. The
    database only counts rows per combination of a few plain values (status, who approved,
    which fields a person changed as bits); one `COUNT(*)` per group is far cheaper than a
    filtered count per figure, and the groups are added up here.
    """
    band = _band().label("band")
    day = day_of(ProductDraft.created_at).label("day")
    reason = case(
        (_is("rejected"), func.coalesce(ProductDraft.rejection_reason, literal("unspecified"))), else_=None
    ).label("reason")
    edits = _edit_bits().label("edits")
    columns = (band, day, reason, ProductDraft.status, ProductDraft.auto_approved, edits)
    stmt = _cohort(scope, period, *columns, func.count()).group_by(*columns)
    plan_for_few_groups(session)
    return [(b, d, r, _counts(status, auto, bits, int(n))) for b, d, r, status, auto, bits, n in session.execute(stmt)]


def _edit_bits():
    """For a person's approval: bit 0 set when anything was edited, bit i+1 when EDITABLE_FIELDS[i]
    was; NULL for every other draft."""
    edits = ProductDraft.seller_edits
    bits = case((json_is_empty(edits), literal(0)), else_=literal(1))
    for i, name in enumerate(EDITABLE_FIELDS):
        bits = bits + case((json_has_key(edits, literal(name)), literal(2 << i)), else_=literal(0))
    return case((_reviewed_approval(), bits), else_=None)


def _counts(status: str, auto_approved: bool, edit_bits: int | None, n: int) -> dict[str, int]:
    counts = dict.fromkeys(_COUNT_NAMES, 0)
    counts["created"] = n
    if status in _OUTCOME_STATUSES:
        counts[status] = n
    if status == "approved" and auto_approved:
        counts["auto_approved"] = n
    if edit_bits is not None:  # a person's approval
        counts["reviewed_approvals"] = n
        counts["zero_edit_approvals"] = 0 if edit_bits & 1 else n
        for i, name in enumerate(EDITABLE_FIELDS):
            counts[f"edited:{name}"] = n if edit_bits & (2 << i) else 0
    return counts


def by_band_from(groups) -> dict[str, dict[str, int]]:
    by_band = {b: dict.fromkeys(_COUNT_NAMES, 0) for b in BANDS}
    for band, _day, _reason, counts in groups:
        for name, n in counts.items():
            by_band[band][name] += n
    return by_band


def _total(by_band: dict[str, dict[str, int]], name: str) -> int:
    return sum(counts[name] for counts in by_band.values())


def outcomes_from(by_band: dict[str, dict[str, int]]) -> DraftOutcomes:
    return DraftOutcomes(*(_total(by_band, n) for n in (
        "created", *_OUTCOME_STATUSES, "auto_approved", "reviewed_approvals", "zero_edit_approvals")))


def field_edits_from(by_band: dict[str, dict[str, int]]) -> list[dict]:
    """Per field: how many of a person's approvals changed it, and the share (most fixed first)."""
    total = _total(by_band, "reviewed_approvals")
    rows = [
        {"field": f, "edited": _total(by_band, f"edited:{f}"), "approvals": total,
         "edit_rate": ratio(_total(by_band, f"edited:{f}"), total)}
        for f in EDITABLE_FIELDS
    ]
    return sorted(rows, key=lambda r: (-r["edited"], EDITABLE_FIELDS.index(r["field"])))


def bands_from(by_band: dict[str, dict[str, int]]) -> list[dict]:
    """Per confidence band: outcomes and accuracy, to see whether high confidence means right."""
    rows = []
    for name, c in by_band.items():
        decided = c["approved"] + c["rejected"] + c["expired"]
        rows.append({
            "band": name, "drafts": c["created"], "approved": c["approved"], "rejected": c["rejected"],
            "expired": c["expired"], "approval_rate": ratio(c["approved"], decided),
            "reviewed_approvals": c["reviewed_approvals"], "zero_edit": c["zero_edit_approvals"],
            "accuracy": ratio(c["zero_edit_approvals"], c["reviewed_approvals"]),
        })
    return rows


def _band():
    confidence = ProductDraft.confidence
    return case(
        (confidence.is_(None), literal("unknown")),
        (confidence >= HIGH_CONFIDENCE, literal("high")),
        (confidence >= LOW_CONFIDENCE, literal("medium")),
        else_=literal("low"),
    )


def rejection_reasons_from(groups) -> list[dict]:
    counts: dict[str, int] = {}
    for _band, _day, reason, group in groups:
        if reason is not None:
            counts[reason] = counts.get(reason, 0) + group["rejected"]
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"reason": r, "rejected": n, "share": ratio(n, total)} for r, n in ordered]


def timing(session: Session, scope: Scope, period: Period) -> Timing:
    """Median and p90 of post -> draft and of draft -> a person's approval (seconds), in one pass."""
    series = {
        "post_to_draft": (seconds_between(ProductDraft.created_at, ProductDraft.ig_timestamp),
                          ProductDraft.ig_timestamp.is_not(None)),
        "to_approval": (seconds_between(ProductDraft.reviewed_at, ProductDraft.created_at),
                        and_(_reviewed_approval(), ProductDraft.reviewed_at.is_not(None))),
    }
    found = percentiles(session, lambda *columns: _cohort(scope, period, *columns), series, (0.5, 0.9))
    first, second = found["post_to_draft"], found["to_approval"]
    return Timing(first[0.5], first[0.9], second[0.5], second[0.9])


def backlog(session: Session, scope: Scope, now: datetime) -> Backlog:
    """Pending drafts now, whatever the period: the work waiting for people."""
    pending = ProductDraft.status == "pending"
    stmt = scope.apply(
        select(func.count(), count_where(ProductDraft.expires_at < now + EXPIRING_WITHIN)).where(pending),
        ProductDraft.store_id,
    )
    total, expiring = session.execute(stmt).one()
    return Backlog(int(total or 0), int(expiring or 0))


def drafts_per_day_from(groups) -> dict[str, tuple[int, int, int]]:
    """Drafts created per day, with how many of them were approved and rejected."""
    per_day: dict[str, tuple[int, int, int]] = {}
    for _band, day, _reason, c in groups:
        n, a, r = per_day.get(day, (0, 0, 0))
        per_day[day] = (n + c["created"], a + c["approved"], r + c["rejected"])
    return per_day


def per_day_rows(period: Period, drafts: dict[str, tuple[int, int, int]], products: dict[str, int]) -> list[dict]:
    """One row per day of the period (zeros on quiet days), drafts beside products imported."""
    return [
        {
            "day": d,
            "drafts_created": drafts.get(d, (0, 0, 0))[0],
            "approved": drafts.get(d, (0, 0, 0))[1],
            "rejected": drafts.get(d, (0, 0, 0))[2],
            "products_imported": products.get(d, 0),
        }
        for d in period.days()
    ]


def products_per_day(session: Session, scope: Scope, period: Period) -> dict[str, int]:
    day = day_of(Product.source_imported_at).label("day")
    stmt = scope.apply(
        select(day, func.count()).where(
            Product.source_type == "instagram",
            Product.source_imported_at >= period.start,
            Product.source_imported_at < period.end,
        ),
        Product.store_id,
    ).group_by(day)
    return {d: int(n) for d, n in session.execute(stmt)}


def draft_queries(scope: Scope, period: Period, now: datetime) -> dict[str, Callable[[Session], Any]]:
    """The independent queries behind the draft figures, slowest first (they run side by side)."""
    return {
        "groups": lambda s: cohort_groups(s, scope, period),
        "timing": lambda s: timing(s, scope, period),
        "products_per_day": lambda s: products_per_day(s, scope, period),
        "backlog": lambda s: backlog(s, scope, now),
    }


def draft_figures_from(parts: dict[str, Any], period: Period) -> DraftFigures:
    groups = parts["groups"]
    by_band = by_band_from(groups)
    return DraftFigures(
        outcomes=outcomes_from(by_band),
        field_edits=field_edits_from(by_band),
        bands=bands_from(by_band),
        rejection_reasons=rejection_reasons_from(groups),
        timing=parts["timing"],
        backlog=parts["backlog"],
        per_day=per_day_rows(period, drafts_per_day_from(groups), parts["products_per_day"]),
    )
