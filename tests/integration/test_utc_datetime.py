"""UTCDateTime stores the instant on both backends, whatever zone a value was given in."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from core.ids import new_id
from core.models import Notification
from tests.factories import make_store

NAIROBI = timezone(timedelta(hours=3))


def _notice(session, store, created_at) -> Notification:
    notice = Notification(id=new_id("ntf"), store_id=store.id, kind="scan_finished", title="t", created_at=created_at)
    session.add(notice)
    session.commit()
    return notice


def test_an_aware_value_in_another_zone_is_stored_as_the_same_instant_in_utc(session):
    store = make_store(session)
    _notice(session, store, datetime(2026, 3, 1, 12, 0, tzinfo=NAIROBI))
    session.expire_all()
    stored = session.scalar(select(Notification.created_at))
    assert stored == datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    # SQL compares what is stored: 09:00Z is before 10:00Z (SQLite used to keep 12:00 and say UTC).
    before_ten = select(Notification.id).where(Notification.created_at < datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc))
    assert session.scalars(before_ten).all() != []


def test_a_naive_value_is_still_refused(session):
    store = make_store(session)
    with pytest.raises(StatementError, match="naive datetime"):
        _notice(session, store, datetime(2026, 3, 1, 12, 0))
    session.rollback()
