"""A frozen worker must not hold row locks past its lease (PostgreSQL).

A worker stopped mid-transaction (SIGSTOP, a paused VM) keeps its locks until the
server ends its transaction. Worker sessions have the server end transactions idle
longer than the lease, and the scan keeps no transaction open while it waits on
Meta, the CDN or the AI, so the bound never ends a healthy scan's work.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from core.db import end_idle_transactions_after
from core.models import Store
from core.services.bulk_import.scan import request_scan
from tests.factories import make_store
from tests.integration.scan.conftest import build_world

BOUND_SECONDS = 1.0


@pytest.fixture
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one worker and has no idle-transaction timeout")


def test_an_idle_transaction_past_the_bound_is_ended_and_its_locks_freed(postgres_only, session, engine):
    store = make_store(session, "Locked Store")
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    frozen = end_idle_transactions_after(sessions(), BOUND_SECONDS)
    frozen.execute(update(Store).where(Store.id == store.id).values(name="written by a frozen worker"))
    # `frozen` now sits idle in its transaction holding the row lock, as a SIGSTOPped worker would.
    with sessions() as taker:
        taker.execute(text("SET lock_timeout = '10s'"))  # without the bound, this waits forever
        started = time.monotonic()
        taker.execute(update(Store).where(Store.id == store.id).values(name="written by the taker"))
        taker.commit()
        waited = time.monotonic() - started
    assert BOUND_SECONDS * 0.5 < waited < 8, waited
    with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
        frozen.execute(text("SELECT 1"))
    frozen.close()
    session.expire_all()
    assert session.get(Store, store.id).name == "written by the taker"


def test_an_unbounded_session_is_left_alone(postgres_only, engine):
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    with sessions() as plain:
        plain.execute(text("SELECT 1"))
        time.sleep(BOUND_SECONDS + 0.5)
        assert plain.execute(text("SELECT 2")).scalar() == 2


class SlowExtractor:
    """The real local extractor behind an AI-like wait longer than the lease, noting any
    transaction left idle in this database while it waits."""

    def __init__(self, inner, engine, wait_seconds: float):
        self.inner, self.engine, self.wait_seconds = inner, engine, wait_seconds
        self.idle_transactions_seen: list[int] = []
        self.calls = 0
        self._lock = threading.Lock()

    def _note_idle_transactions(self) -> None:
        with self.engine.connect() as probe:
            count = probe.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar()
        with self._lock:
            self.idle_transactions_seen.append(count)
            self.calls += 1

    def extract_many(self, requests):
        self._note_idle_transactions()
        time.sleep(self.wait_seconds)
        return self.inner.extract_many(requests)

    def extract(self, *args):
        self._note_idle_transactions()
        time.sleep(self.wait_seconds)
        return self.inner.extract(*args)


def test_a_scan_waiting_on_the_ai_longer_than_its_lease_keeps_no_transaction_open(
        postgres_only, session, engine, make_sandbox, tmp_path, database_url):
    sandbox = make_sandbox(accounts=1, posts_per_account=12)
    world = build_world(session, engine, sandbox, tmp_path, database_url,
                        scan_lease_seconds=BOUND_SECONDS, scan_batch_size=4)
    slow = SlowExtractor(world.deps.extractor, engine, wait_seconds=BOUND_SECONDS * 2)
    world.deps.extractor = slow
    scan_id = request_scan(session, world.ops, world.store.id, {"include_videos": True})
    session.commit()  # the test's own session must not count as an idle transaction

    assert world.run() == ["success"]
    scan = world.scan(scan_id)
    assert scan.errors == [] and scan.drafts_created == scan.posts_found == 12
    assert slow.calls == 3
    assert slow.idle_transactions_seen == [0, 0, 0]
