"""The token-upkeep job against the sandbox: refresh inside the margin, validate, mark and notify once,
and two workers sharing the job without doing any connection twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import InstagramConnection, Notification
from core.services.connecting.connect_types import ConnectDeps, decrypt_token
from core.services.connecting.token_upkeep import UpkeepReport, keep_tokens_fresh
from tests.factories import connect_store, make_store
from tests.integration.connect.conftest import deps_for


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


def test_a_connection_another_worker_holds_waits_until_its_claim_runs_out(realtime):
    connection = realtime.connection
    now = realtime.scan.deps.clock.now()
    connection.last_validated_at = None
    connection.token_upkeep_claimed_until = now + timedelta(minutes=5)  # a worker is on it
    realtime.session.commit()
    assert upkeep(realtime).validated == []
    connection.token_upkeep_claimed_until = now - timedelta(seconds=1)  # that worker died
    realtime.session.commit()
    assert upkeep(realtime).validated == [connection.id]
    assert realtime.connection.token_upkeep_claimed_until is None


def _due_connections(session, sandbox, deps, count: int) -> list[str]:
    """`count` stores connected to sandbox accounts, each token inside the refresh margin and unvalidated."""
    now = deps.clock.now()
    ids = []
    for number, account in enumerate(sandbox.accounts()[:count]):
        connection = connect_store(session, make_store(session, f"Duka {number}"), sandbox, account, deps=deps)
        connection.token_expires_at = now + timedelta(days=3)
        connection.connected_at = connection.token_refreshed_at = now - timedelta(days=2)
        connection.last_validated_at = None
        ids.append(connection.id)
    session.commit()
    sandbox.advance_clock(2 * 86400)  # the tokens are as old at Meta as we say (refresh needs a day)
    return ids


def _refresh_calls(sandbox) -> int:
    calls = sandbox.stats()["oauth"]
    # Instagram Login refreshes with ig_refresh_token, Facebook Login with a new fb_exchange_token.
    return calls.get("GET /refresh_access_token", 0) + calls.get("GET /oauth/access_token", 0)


def test_two_workers_at_once_refresh_and_validate_each_due_connection_exactly_once(
        session, engine, make_sandbox, database_url):
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers share the upkeep only on PostgreSQL (SKIP LOCKED); SQLite runs one")
    sandbox = make_sandbox(accounts=6, posts_per_account=1)
    deps = deps_for(sandbox.url)
    due = _due_connections(session, sandbox, deps, 6)
    sandbox.reset_stats()
    start = threading.Barrier(2)
    reports: list[UpkeepReport] = []

    def worker() -> None:
        with Session(engine, expire_on_commit=False) as own:
            start.wait()
            reports.append(keep_tokens_fresh(own, deps, validate_every=timedelta(hours=24)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(reports) == 2 and not any(report.failed for report in reports)
    refreshed = [cid for report in reports for cid in report.refreshed]
    validated = [cid for report in reports for cid in report.validated]
    assert sorted(refreshed) == sorted(due) and sorted(validated) == sorted(due)  # each once, by one worker
    assert _refresh_calls(sandbox) == len(due)
    session.expire_all()
    rows = session.scalars(select(InstagramConnection).where(InstagramConnection.id.in_(due))).all()
    assert all(row.token_upkeep_claimed_until is None for row in rows)  # every claim given back
    assert all(deps.vault.decrypt(row.id, row.access_token_encrypted) for row in rows)
