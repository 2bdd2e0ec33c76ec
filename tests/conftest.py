"""Shared fixtures: a real database on SQLite and on PostgreSQL, cleaned per test.

Each pytest run makes its own PostgreSQL database (so parallel runs never collide),
migrates it with Alembic, and drops it at the end. In CI (CI=true) PostgreSQL is
required: if it cannot be reached the run fails instead of silently skipping it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import make_engine
from core.migrate import upgrade_to_head
from core.models import Base
from tests.ci import IN_CI
from tests.scratch_db import ADMIN_URL, create_database, drop_database, postgres_available

pytest_plugins = [
    "tests.fixtures.app_test",
    # Each area that needs a live local server registers its fixture module here.
    "tests.fixtures.webhook_server",
    "tests.fixtures.sandbox",
    "tests.fixtures.streamlit_server",
    "tests.fixtures.live_stack",
]



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
        message = f"PostgreSQL is not reachable at {ADMIN_URL}"
        if IN_CI:
            pytest.fail(message + " (required in CI)", pytrace=False)
        pytest.skip(message)
    url = create_database()
    upgrade_to_head(url)
    yield url
    drop_database(url)


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
