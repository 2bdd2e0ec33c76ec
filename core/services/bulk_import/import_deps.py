"""The collaborators that importing posts needs, built once per worker process.

Scans, polls and webhook imports all turn Instagram posts into drafts, so they share
one set: sessions, settings, the extractor, the media store, the token vault, and the
Graph client's budget and retry policy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, SystemClock
from core.config import get_settings
from core.instagram import BudgetTracker, RetryPolicy
from core.media import MediaStore
from core.token_vault import TokenVault


@dataclass
class ImportDeps:
    """What importing posts needs, shared by scans, polls and webhook imports.

    Tests pass local ones (sandbox settings, a temp media folder)."""

    session_factory: sessionmaker[Session]
    settings: Any
    extractor: Any
    media_store: MediaStore
    vault: TokenVault
    clock: Clock = field(default_factory=SystemClock)
    sleep: Callable[[float], None] = time.sleep
    budget: BudgetTracker | None = None
    retry: RetryPolicy | None = None
    stopping: threading.Event | None = None  # the worker is shutting down: hand the work back

    @classmethod
    def from_settings(cls, settings: Any, session_factory: sessionmaker[Session], **overrides: Any) -> ImportDeps:
        from core.extraction.db_cache import DatabaseCache
        from core.extraction.engine import build_extractor

        values: dict[str, Any] = dict(
            session_factory=session_factory,
            settings=settings,
            extractor=build_extractor(settings, cache=DatabaseCache(session_factory)),
            media_store=MediaStore.from_settings(settings),
            vault=TokenVault(settings.token_encryption_keys),
        )
        values.update(overrides)
        return cls(**values)

    @property
    def scan_lease_seconds(self) -> float:
        return float(self.settings.scan_lease_seconds)


def import_deps_for_worker(worker: Any) -> ImportDeps:
    """ImportDeps from settings on the worker's engine, built once per worker process."""
    deps = worker.extras.get("import_deps")
    if deps is None:
        factory = sessionmaker(bind=worker.engine, expire_on_commit=False)
        deps = ImportDeps.from_settings(get_settings(), factory, clock=worker.clock, stopping=worker.stopping)
        worker.extras["import_deps"] = deps
    return deps
