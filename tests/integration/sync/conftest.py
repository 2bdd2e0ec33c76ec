"""A store connected to a sandbox account over real OAuth and HTTP, with one helper per step
of edit sync: publish a post, import it, approve it, edit or delete it on Instagram, reconcile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import SystemClock
from core.instagram import BudgetTracker, GraphClient
from core.models import InstagramSyncHistory, Product, ProductDraft, SyncConflict
from core.services.review.approval import approve_draft
from core.services.connecting.connect_types import decrypt_token
from core.services.realtime.polling import poll_connection
from core.services.edit_sync.reconcile import mark_media_deleted, reconcile_media
from core.services.edit_sync.sync_settings import update_edit_sync_settings
from tests.integration.scan.conftest import QUICK_RETRY, ScanWorld, build_world

CAPTION = "Blue Denim Jacket, soft and warm. Ksh 2,500 #denim #jacket"


@dataclass
class SyncWorld:
    scan: ScanWorld
    client: GraphClient
    clock: Any

    @property
    def session(self):
        return self.scan.session

    @property
    def sandbox(self):
        return self.scan.sandbox

    @property
    def store(self):
        return self.scan.store

    @property
    def connection(self):
        return self.scan.connection

    @property
    def ops(self):
        return self.scan.ops

    def publish(self, caption: str = CAPTION) -> str:
        return self.sandbox.publish(self.connection.ig_user_id, caption=caption)["id"]

    def reconcile(self, media_id: str, history: InstagramSyncHistory | None = None):
        item = self.client.get_media(media_id)
        outcome = reconcile_media(self.session, self.connection, item, self.scan.deps.extractor, self.clock,
                                  history, media_store=self.scan.deps.media_store, refresh=self.client.get_media)
        self.session.commit()
        return outcome

    def deleted(self, media_id: str):
        outcome = mark_media_deleted(self.session, self.connection, media_id, self.clock)
        self.session.commit()
        return outcome

    def poll(self) -> InstagramSyncHistory:
        return poll_connection(self.session, self.connection, self.client, self.scan.deps.extractor, self.clock,
                               media_store=self.scan.deps.media_store)

    def imported(self, caption: str = CAPTION) -> ProductDraft:
        media_id = self.publish(caption)
        assert self.reconcile(media_id).status == "created"
        return self.draft(media_id)

    def approved(self, caption: str = CAPTION) -> tuple[ProductDraft, Product]:
        draft = self.imported(caption)
        product = approve_draft(self.session, self.ops, draft.id, self.clock)
        return self.draft(draft.ig_media_id), product

    def draft(self, media_id: str) -> ProductDraft:
        self.session.expire_all()
        return self.session.scalar(select(ProductDraft).where(ProductDraft.ig_media_id == media_id))

    def product(self, product_id: str) -> Product:
        self.session.expire_all()
        return self.session.get(Product, product_id)

    def conflicts(self) -> list[SyncConflict]:
        self.session.expire_all()
        return list(self.session.scalars(select(SyncConflict).where(SyncConflict.store_id == self.store.id)))

    def settings(self, auto_apply: bool = True, on_delete: str = "flag") -> None:
        update_edit_sync_settings(self.session, self.ops, self.store.id, auto_apply_untouched=auto_apply,
                                  on_delete=on_delete)


@pytest.fixture
def world(session, engine, sandbox, tmp_path, database_url) -> SyncWorld:
    scan = build_world(session, engine, sandbox, tmp_path, database_url)
    token = decrypt_token(scan.deps.vault, scan.connection)
    client = GraphClient.for_login_flow(scan.settings, scan.connection.login_flow, token.reveal(),
                                        account_id=scan.connection.ig_user_id, budget=BudgetTracker(),
                                        retry=QUICK_RETRY)
    return SyncWorld(scan, client, SystemClock())
