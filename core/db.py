"""Engine and session factory, and a unit of work that rolls back unless committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.config import get_settings


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        _ensure_sqlite_folder(database_url)
        engine = create_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _ensure_sqlite_folder(database_url: str) -> None:
    path = database_url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the UI read while the worker writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=4)
def get_engine(database_url: str | None = None) -> Engine:
    return make_engine(database_url or get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


def end_idle_transactions_after(session: Session, seconds: float) -> Session:
    """On PostgreSQL, have the server end this session's transactions once idle `seconds`.

    Workers pass their lease: a worker frozen mid-transaction (SIGSTOP, a paused VM)
    then cannot hold row locks past the moment another worker may take its work over,
    so the taker never waits on it. The work must therefore not keep a transaction open
    while it waits on Meta or the AI. SQLite runs one worker, so there is nothing to do.
    """
    milliseconds = max(1, int(seconds * 1000))

    def bound_the_transaction(_session, _transaction, connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL idle_in_transaction_session_timeout = {milliseconds}")

    event.listen(session, "after_begin", bound_the_transaction)
    return session


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose work is rolled back unless the block commits it."""
    session = session_factory(engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
