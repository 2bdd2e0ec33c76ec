"""Throwaway PostgreSQL databases: every test run and benchmark makes its own and drops it,
so parallel runs on one server never collide. The server is `TEST_POSTGRES_URL`
(default: the machine's trust-auth PostgreSQL at 127.0.0.1:5432, database `test`)."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.migrate import upgrade_to_head

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def create_database(prefix: str = "cs_test", *, migrate: bool = False) -> str:
    """A new, empty database on the server (migrated to head if asked); its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    if migrate:
        upgrade_to_head(url)
    return url


def drop_database(url: str) -> None:
    _admin_execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def postgres_available() -> bool:
    try:
        probe = create_engine(ADMIN_URL, connect_args={"connect_timeout": 3})
        with probe.connect():
            pass
        probe.dispose()
        return True
    except Exception:
        return False


def _admin_execute(statement: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()
