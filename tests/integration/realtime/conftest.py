"""A store connected to a sandbox account, a worker's collaborators pointed at both, and, when a
test wants webhooks, the real sidecar app served over HTTP for the sandbox to deliver to.

    def test_x(realtime):                      # polling only
    def test_y(realtime_hooks):                # sandbox -> sidecar -> instagram_webhook_event
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from core.clock import SystemClock
from core.models import InstagramConnection, InstagramSyncHistory, InstagramWebhookEvent, ProductDraft
from core.services.realtime.event_importer import SyncImporter
from core.services.realtime.poll_jobs import poll_due_connections
from core.worker import WorkerDeps, process_webhook_events
from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET, WEBHOOK_PATH, sidecar_config
from tests.integration.scan.conftest import ScanWorld, build_world
from webhook_server import create_app

FAST_POLLS = dict(poll_interval_seconds=1.0, poll_min_interval_seconds=0.5, poll_max_interval_seconds=4.0,
                  poll_lease_seconds=5.0, poll_assumed_hourly_budget=100_000, meta_app_secret=FB_SECRET,
                  instagram_app_secret=IG_SECRET)
CAPTION = "Blue Denim Jacket, soft and warm. Ksh 2,500 #denim #jacket"


@dataclass
class Realtime:
    scan: ScanWorld
    worker: WorkerDeps
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def session(self):
        return self.scan.session

    @property
    def sandbox(self):
        return self.scan.sandbox

    @property
    def connection(self) -> InstagramConnection:
        self.session.expire_all()
        return self.session.get(InstagramConnection, self.scan.connection.id)

    def publish(self, caption: str = CAPTION) -> str:
        return self.sandbox.publish(self.scan.connection.ig_user_id, caption=caption)["id"]

    def make_due(self) -> None:
        self.session.execute(InstagramConnection.__table__.update().values(poll_next_at=None))
        self.session.commit()

    def poll(self):
        return poll_due_connections(self.scan.deps)

    def process_events(self) -> int:
        return process_webhook_events(self.worker)

    def drafts(self) -> list[ProductDraft]:
        return self.scan.drafts()

    def draft(self, media_id: str) -> ProductDraft | None:
        self.session.expire_all()
        return self.session.scalar(select(ProductDraft).where(ProductDraft.ig_media_id == media_id))

    def runs(self, sync_type: str = "incremental_sync") -> list[InstagramSyncHistory]:
        self.session.expire_all()
        return list(self.session.scalars(select(InstagramSyncHistory).where(
            InstagramSyncHistory.sync_type == sync_type).order_by(InstagramSyncHistory.created_at)))

    def events(self) -> list[InstagramWebhookEvent]:
        self.session.expire_all()
        return list(self.session.scalars(select(InstagramWebhookEvent).order_by(InstagramWebhookEvent.received_at)))


def worker_for(scan: ScanWorld, engine, worker_id: str = "w1") -> WorkerDeps:
    worker = WorkerDeps(engine=engine, importer=SyncImporter(scan.deps), clock=SystemClock(), worker_id=worker_id)
    worker.extras["scan_deps"] = scan.deps
    return worker


def realtime_world(session, engine, sandbox, tmp_path, database_url, **overrides) -> Realtime:
    scan = build_world(session, engine, sandbox, tmp_path, database_url, **{**FAST_POLLS, **overrides})
    return Realtime(scan, worker_for(scan, engine))


@pytest.fixture
def realtime(session, engine, make_sandbox, tmp_path, database_url) -> Realtime:
    sandbox = make_sandbox(fb_app_secret=FB_SECRET, ig_app_secret=IG_SECRET)
    return realtime_world(session, engine, sandbox, tmp_path, database_url)


class ServedSidecar:
    """The sidecar's Flask app on a free port in this process (real HTTP, the test database)."""

    def __init__(self, database_url: str):
        self.app = create_app(sidecar_config(database_url))
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}{WEBHOOK_PATH}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.app.extensions["catalog_sync"].engine.dispose()


@pytest.fixture
def realtime_hooks(session, engine, make_sandbox, tmp_path, database_url) -> Realtime:
    sidecar = ServedSidecar(database_url)
    sandbox = make_sandbox(fb_app_secret=FB_SECRET, ig_app_secret=IG_SECRET, webhook_url=sidecar.url,
                           emit_media_webhooks=True, auto_subscribe=True, webhook_retry_seconds=(0.2, 0.5, 1.0))
    world = realtime_world(session, engine, sandbox, tmp_path, database_url)
    world.extra["sidecar"] = sidecar
    yield world
    sidecar.close()
