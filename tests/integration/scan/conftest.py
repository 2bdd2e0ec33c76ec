"""A store connected to a sandbox account over the real OAuth flow, and scan deps pointed at both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from core.clock import SystemClock
from core.config import Settings
from core.extraction.engine import build_extractor
from core.instagram import BudgetTracker, RetryPolicy
from core.media import MediaStore
from core.models import InstagramSyncHistory, ProductDraft
from core.services.connecting.connect import ConnectDeps
from core.services.connecting.meta_login import MetaLogin
from core.services.bulk_import.import_deps import ImportDeps
from core.services.bulk_import.scan_runner import run_queued_scans
from core.token_vault import TokenVault
from tests.factories import connect_store, make_ops, make_store

TEST_KEY = Fernet.generate_key().decode()
CALLBACK = "http://127.0.0.1:9/oauth/callback"
QUICK_RETRY = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05, jitter=0.01,
                          max_throttle_wait=0.5, default_throttle_wait=0.5)


def scan_settings(sandbox_url: str, database_url: str, media_dir: Path, **overrides: Any) -> Settings:
    host = sandbox_url.split("://", 1)[1]
    values: dict[str, Any] = dict(
        database_url=database_url, media_dir=media_dir,
        meta_graph_url=sandbox_url, meta_dialog_url=sandbox_url, instagram_graph_url=sandbox_url,
        instagram_api_url=sandbox_url, instagram_dialog_url=sandbox_url,
        meta_redirect_uri=CALLBACK, instagram_redirect_uri=CALLBACK, token_encryption_keys=TEST_KEY,
        media_allow_http_hosts=[host], scan_lease_seconds=5.0, scan_batch_size=10, scan_image_threads=4,
        scan_max_throttle_wait_seconds=5.0, openai_api_key=None, gemini_api_key=None,
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class ScanWorld:
    sandbox: Any
    settings: Settings
    deps: ImportDeps
    store: Any
    ops: Any
    connection: Any
    account: dict
    session: Any

    def run(self, owner: str = "worker-1") -> list[str]:
        return run_queued_scans(self.deps, owner)

    def scan(self, scan_id: str) -> InstagramSyncHistory:
        return self.session.get(InstagramSyncHistory, scan_id, populate_existing=True)

    def drafts(self) -> list[ProductDraft]:
        self.session.expire_all()
        return list(self.session.scalars(select(ProductDraft).where(ProductDraft.store_id == self.store.id)))

    def posts(self) -> list[dict]:
        return [a for a in self.sandbox.accounts() if a["ig_user_id"] == self.account["ig_user_id"]]


def build_world(session, engine, sandbox, tmp_path, database_url, **setting_overrides) -> ScanWorld:
    settings = scan_settings(sandbox.url, database_url, tmp_path / "media", **setting_overrides)
    connect_deps = ConnectDeps(MetaLogin(settings), TokenVault(settings.token_encryption_keys), SystemClock())
    store = make_store(session, "Duka la Scan")
    ops = make_ops(session)
    accounts = sandbox.accounts()
    account = next((a for a in accounts if a["login"] == "instagram"), accounts[0])
    connection = connect_store(session, store, sandbox, account, actor=ops, deps=connect_deps)
    deps = ImportDeps(
        session_factory=sessionmaker(bind=engine, expire_on_commit=False),
        settings=settings,
        extractor=build_extractor(settings, mode="local"),
        media_store=MediaStore.from_settings(settings),
        vault=TokenVault(settings.token_encryption_keys),
        budget=BudgetTracker(),
        retry=QUICK_RETRY,
    )
    return ScanWorld(sandbox, settings, deps, store, ops, connection, account, session)


@pytest.fixture
def world(session, engine, sandbox, tmp_path, database_url) -> ScanWorld:
    return build_world(session, engine, sandbox, tmp_path, database_url)


# The settings a `catalog-sync` command reads from the environment to reach the world's
# database, sandbox, media folder and token key.
CLI_SETTINGS = ("database_url", "media_dir", "meta_graph_url", "meta_dialog_url", "instagram_graph_url",
                "instagram_api_url", "instagram_dialog_url", "meta_redirect_uri", "instagram_redirect_uri",
                "token_encryption_keys", "media_allow_http_hosts", "scan_batch_size", "scan_lease_seconds")


@contextmanager
def commands_pointed_at(world: ScanWorld, monkeypatch) -> Iterator[ScanWorld]:
    """`catalog-sync` commands run in this process (CliRunner) read the world's settings."""
    from core.config import get_settings
    from core.db import get_engine

    for name in CLI_SETTINGS:
        value = getattr(world.settings, name)
        monkeypatch.setenv(name.upper(), json.dumps(value) if isinstance(value, list) else str(value))
    for unset in ("OPENAI_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(unset, raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        yield world
    finally:
        get_engine(world.settings.database_url).dispose()  # the commands' pooled connections
        get_settings.cache_clear()
        get_engine.cache_clear()


@pytest.fixture
def cli_world(world, monkeypatch) -> Iterator[ScanWorld]:
    with commands_pointed_at(world, monkeypatch):
        yield world


@pytest.fixture
def image_server():
    from tests.unit.media.image_server import ImageServer

    server = ImageServer()
    yield server
    server.close()
