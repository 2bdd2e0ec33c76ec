"""Who and what period a figure covers: one store, or every store (ops only), over [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.security import Actor, require_ops, require_store

MAX_RANGE_DAYS = 366 * 2


@dataclass(frozen=True)
class Period:
    """A half-open UTC range [start, end); days are UTC calendar days."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationFailed("Use timezone-aware UTC times for the date range.")
        if self.end <= self.start:
            raise ValidationFailed("The date range ends before it starts.", {"end": "before start"})
        if self.end - self.start > timedelta(days=MAX_RANGE_DAYS):
            raise ValidationFailed(f"Choose a range of at most {MAX_RANGE_DAYS} days.")

    @classmethod
    def for_days(cls, first: date, last: date) -> Period:
        """The whole UTC days from `first` to `last`, both included."""
        start = datetime.combine(first, time.min, tzinfo=timezone.utc)
        end = datetime.combine(last, time.min, tzinfo=timezone.utc) + timedelta(days=1)
        return cls(start, end)

    @classmethod
    def last_days(cls, days: int, now: datetime) -> Period:
        """The last `days` UTC days, today included."""
        if days < 1:
            raise ValidationFailed("The number of days must be at least 1.", {"days": "at least 1"})
        today = now.astimezone(timezone.utc).date()
        return cls.for_days(today - timedelta(days=days - 1), today)

    def days(self) -> list[str]:
        """Every UTC day the range touches, as 'YYYY-MM-DD' (the series' x axis)."""
        first = self.start.astimezone(timezone.utc).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(timezone.utc).date()
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class Scope:
    """The store the figures cover; None means every store."""

    store_id: str | None

    def apply(self, stmt: Select, store_column) -> Select:
        return stmt if self.store_id is None else stmt.where(store_column == self.store_id)


def resolve_scope(session: Session, actor: Actor, store_id: str | None) -> Scope:
    """One store the actor may see, or all stores for ops; PermissionDenied otherwise.

    A seller asking for all stores, or for another store, is refused rather than
    silently narrowed, so a page bug cannot show the wrong figures as if they were right.
    """
    if store_id is None:
        require_ops(actor)
        return Scope(None)
    require_store(session, actor, store_id)
    return Scope(store_id)
