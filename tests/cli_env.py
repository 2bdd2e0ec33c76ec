"""Point `catalog-sync` commands run in this process (CliRunner) at a test database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from core.config import get_settings
from core.db import get_engine


@contextmanager
def commands_on_database(monkeypatch, database_url: str) -> Iterator[None]:
    """DATABASE_URL names `database_url` while the block runs; the cached settings and
    engine are dropped on the way in and out, so the commands read it and nothing leaks."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        yield
    finally:
        get_engine(database_url).dispose()  # the commands' pooled connections
        get_settings.cache_clear()
        get_engine.cache_clear()


@pytest.fixture
def cli_db(database_url, engine, monkeypatch):
    """The commands use the test database (import this fixture into a test module)."""
    with commands_on_database(monkeypatch, database_url):
        yield
