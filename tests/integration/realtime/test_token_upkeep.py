"""The token-upkeep job against the sandbox: refresh inside the margin, validate, mark and notify once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.models import InstagramConnection, Notification
from core.services.connecting.connect_types import ConnectDeps, decrypt_token
from core.services.connecting.token_upkeep import keep_tokens_fresh


def upkeep(world):
    deps = ConnectDeps.from_settings(world.scan.settings, clock=world.scan.deps.clock)
    return keep_tokens_fresh(world.session, deps, validate_every=timedelta(hours=24))


def notices(world):
    world.session.expire_all()
    return list(world.session.scalars(select(Notification).where(Notification.kind == "connection_expired")))


def test_a_token_near_expiry_is_refreshed_and_a_checked_one_left_alone(realtime):
    connection = realtime.connection
    connection.token_expires_at = realtime.scan.deps.clock.now() + timedelta(days=3)
    issued = realtime.scan.deps.clock.now() - timedelta(days=2)  # as old as the sandbox thinks it is
    connection.connected_at = connection.token_refreshed_at = issued
    connection.last_validated_at = None
    realtime.session.commit()
    realtime.sandbox.advance_clock(2 * 86400)  # Meta refreshes only tokens at least a day old
    report = upkeep(realtime)
    assert report.refreshed == [connection.id] and report.validated == [connection.id]
    assert realtime.connection.token_expires_at > realtime.scan.deps.clock.now() + timedelta(days=50)
    again = upkeep(realtime)
    assert again.refreshed == [] and again.validated == []  # validated within the day
    assert notices(realtime) == []


def test_a_revoked_token_marks_the_connection_and_notifies_the_store_once(realtime):
    token = decrypt_token(realtime.scan.deps.vault, realtime.connection)
    realtime.sandbox.invalidate_token(token.reveal())  # the seller removed the app on Instagram
    realtime.session.execute(update(InstagramConnection).values(last_validated_at=None))
    realtime.session.commit()
    report = upkeep(realtime)
    assert realtime.connection.status in ("revoked", "expired") and report.broken == [realtime.connection.id]
    upkeep(realtime)
    [notice] = notices(realtime)
    assert notice.store_id == realtime.scan.store.id and "Reconnect" in notice.title
