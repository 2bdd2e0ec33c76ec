"""What every request of the sidecar shares: the engine, the secrets, the metrics."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from flask import current_app
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, SystemClock
from core.db import make_engine
from webhook_server.metrics import SidecarMetrics


@dataclass
class SidecarContext:
    engine: Engine
    secrets: dict[str, str]
    verify_token: str
    max_body_bytes: int
    clock: Clock = field(default_factory=SystemClock)
    metrics: SidecarMetrics = field(default_factory=SidecarMetrics)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @classmethod
    def from_config(cls, config: Any) -> "SidecarContext":
        return cls(
            engine=_sidecar_engine(config["DATABASE_URL"], int(config["DATABASE_CONNECT_TIMEOUT"])),
            secrets={"facebook": config["META_APP_SECRET"], "instagram": config["INSTAGRAM_APP_SECRET"]},
            verify_token=config["META_WEBHOOK_VERIFY_TOKEN"],
            max_body_bytes=int(config["WEBHOOK_MAX_BODY_BYTES"]),
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


def _sidecar_engine(database_url: str, connect_timeout: int) -> Engine:
    """PostgreSQL without a pre-ping: it costs a round trip per request, and a dead
    pooled connection already ends in a 503 (Meta retries) and is dropped from the pool."""
    if make_url(database_url).get_backend_name() != "postgresql":
        return make_engine(database_url)
    return create_engine(_with_connect_timeout(database_url, connect_timeout), pool_size=4, max_overflow=8,
                         pool_pre_ping=False)


def _with_connect_timeout(database_url: str, seconds: int) -> str:
    """A down PostgreSQL should cost a request seconds (then 503), not the OS's minutes."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql" or "connect_timeout" in url.query:
        return database_url
    return url.update_query_dict({"connect_timeout": str(seconds)}).render_as_string(hide_password=False)


def sidecar() -> SidecarContext:
    return current_app.extensions["catalog_sync"]
