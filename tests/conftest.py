"""Shared fixtures: a real database on SQLite and on PostgreSQL, cleaned per test.

Each pytest run makes its own PostgreSQL database (so parallel runs never collide),
migrates it with Alembic, and drops it at the end. In CI (CI=true) PostgreSQL is
required: if it cannot be reached the run fails instead of silently skipping it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.db import make_engine
from core.migrate import upgrade_to_head
from core.models import Base

pytest_plugins = [
    "tests.fixtures.app_test",
    # Each area that needs a live local server registers its fixture module here.
    "tests.fixtures.webhook_server",
    "tests.fixtures.sandbox",
    "tests.fixtures.streamlit_server",
    "tests.fixtures.live_stack",
]

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _create_pg_database() -> str:
    name = f"cs_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def postgres_available() -> bool:
    try:
        probe = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with probe.connect():
            pass
        probe.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory) -> str:
    """The URL of a freshly migrated database of the backend named by the param."""
    backend = request.param
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        upgrade_to_head(url)
        yield url
        return
    if not postgres_available():
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}"
        if IN_CI:
            pytest.fail(message + " (required in CI)", pytrace=False)
        pytest.skip(message)
    url = _create_pg_database()
    upgrade_to_head(url)
    yield url
    _drop_pg_database(url)


def pytest_generate_tests(metafunc):
    # Any test that asks for the database runs once per backend.
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", ["sqlite", "postgresql"], indirect=True, scope="session")


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    _empty_all_tables(engine)
    engine.dispose()


def _empty_all_tables(engine) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
