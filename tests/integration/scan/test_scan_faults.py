"""Injected faults: throttling, 5xx, an expired token, bad images, SSRF, expired CDN addresses."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from core.clock import SystemClock
from core.ids import new_id
from core.instagram import GraphClient, TokenInvalid
from core.media import MediaStore
from core.models import InstagramConnection, InstagramSyncHistory, Notification
from core.services.bulk_import.importing import ImportTarget, import_media
from core.services.bulk_import.scan import request_scan
from core.services.edit_sync.reconcile import reconcile_media
from core.token_vault import TokenVault
from tests.integration.scan.conftest import QUICK_RETRY, build_world
from tests.unit.media.images import jpeg, png_claiming

ALL = {"include_videos": True}
PAST_THE_TOKEN = 61 * 24 * 3600  # a 60-day token is dead, and every signed CDN address with it


def reasons(scan) -> set[str]:
    return {e["reason"] for e in scan.errors}


def test_throttle_mid_scan_waits_and_continues(world):
    world.sandbox.inject_fault("throttle", count=2, path="/media", code=4)
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    assert world.run() == ["success"]
    scan = world.scan(scan_id)
    assert scan.drafts_created == 30 and "throttled" in reasons(scan)


def test_server_errors_are_retried(world):
    world.sandbox.inject_fault("server_error", count=2, path="/media")
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    assert world.run() == ["success"]
    assert world.scan(scan_id).drafts_created == 30


def test_meta_down_puts_the_scan_back_in_the_queue(world):
    world.sandbox.inject_fault("unavailable", share=1.0, path="/media")
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    assert world.run() == ["queued"]
    scan = world.scan(scan_id)
    assert scan.status == "queued" and scan.next_attempt_at is not None
    assert "not answering" in scan.last_error and world.drafts() == []


def test_expired_token_fails_the_scan_and_marks_the_connection(world):
    world.sandbox.inject_fault("expired_token", count=1)
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    assert world.run() == ["failed"]
    scan = world.scan(scan_id)
    connection = world.session.get(InstagramConnection, world.connection.id, populate_existing=True)
    assert scan.status == "failed" and "Reconnect" in scan.last_error
    assert "reconnect_needed" in reasons(scan)
    assert connection.status == "expired" and "Reconnect" in connection.status_reason
    assert world.scan(scan_id).drafts_created == 0


class AgingExtractor:
    """The local extractor, with the sandbox's days passing during its first batch: a long scan
    outlives the CDN addresses it listed and the token that listed them."""

    def __init__(self, inner, sandbox, seconds: float):
        self.inner, self.sandbox, self.seconds, self.aged = inner, sandbox, seconds, False

    def extract_many(self, requests):
        if not self.aged:
            self.sandbox.advance_clock(self.seconds)
            self.aged = True
        return self.inner.extract_many(requests)

    def extract(self, *args):
        return self.inner.extract(*args)


def test_a_token_that_dies_mid_scan_fails_it_marks_the_connection_and_asks_to_reconnect(world):
    world.deps.extractor = AgingExtractor(world.deps.extractor, world.sandbox, PAST_THE_TOKEN)
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    world.sandbox.reset_stats()
    assert world.run() == ["failed"]  # the listing went fine; the second batch's CDN re-read got 190
    scan = world.scan(scan_id)
    connection = world.session.get(InstagramConnection, world.connection.id, populate_existing=True)
    assert "Reconnect" in scan.last_error and "reconnect_needed" in reasons(scan)
    assert scan.drafts_created == world.settings.scan_batch_size  # the batch done before the token died
    assert connection.status == "expired" and "Reconnect" in connection.status_reason
    kinds = set(world.session.scalars(select(Notification.kind).where(Notification.store_id == world.store.id)))
    assert {"connection_expired", "scan_finished"} <= kinds
    re_reads = world.sandbox.stats()["by_endpoint"].get("GET /{media-id}", 0)
    assert 1 <= re_reads <= world.settings.scan_image_threads  # threads already calling; no one after the 190


def test_a_dead_token_at_the_cdn_re_read_is_raised_not_kept_as_an_image_problem(world):
    """Polls and webhook imports share this path: the dead token must reach them to stop and mark."""
    client = _client(world)
    item = next(iter(client.list_media(world.account["ig_user_id"], limit=1)))
    world.sandbox.advance_clock(PAST_THE_TOKEN)
    with pytest.raises(TokenInvalid):
        import_media(world.session, item, target=_target(world), extractor=world.deps.extractor,
                     media_store=world.deps.media_store, refresh=client.get_media)
    run = _poll_run(world)
    with pytest.raises(TokenInvalid):  # a poll's run keeps one post's failure, never the connection's
        reconcile_media(world.session, world.connection, item, world.deps.extractor, SystemClock(), run,
                        media_store=world.deps.media_store, refresh=client.get_media)
    assert run.posts_failed == 0 and world.drafts() == []


def _poll_run(world) -> InstagramSyncHistory:
    now = SystemClock().now()
    run = InstagramSyncHistory(id=new_id("sync"), store_id=world.store.id, connection_id=world.connection.id,
                               sync_type="incremental_sync", status="running", options={}, errors=[],
                               posts_failed=0, created_at=now, started_at=now)
    world.session.add(run)
    world.session.flush()
    return run


def test_images_failing_checks_leave_drafts_without_them(session, engine, sandbox, tmp_path, database_url):
    world = build_world(session, engine, sandbox, tmp_path, database_url, media_max_pixels=200 * 200)
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    assert world.run() == ["partial_success"]
    scan = world.scan(scan_id)
    assert scan.drafts_created == 30 and reasons(scan) == {"image_too_many_pixels"}
    assert all(d.images == [] for d in world.drafts())


def test_media_urls_outside_the_allowed_hosts_are_never_fetched(session, engine, sandbox, tmp_path, database_url):
    """SSRF: with the sandbox not listed, its 127.0.0.1 addresses are refused before any request."""
    world = build_world(session, engine, sandbox, tmp_path, database_url, media_allow_http_hosts=[])
    world.sandbox.reset_stats()
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    assert world.run() == ["partial_success"]
    scan = world.scan(scan_id)
    assert reasons(scan) == {"image_bad_scheme"} and scan.drafts_created == 30
    assert not any((tmp_path / "media").rglob("*.jpg"))
    assert not any("cdn" in endpoint for endpoint in world.sandbox.stats()["by_endpoint"])


def test_expired_cdn_address_is_refreshed_once(world):
    client = _client(world)
    item = next(iter(client.list_media(world.account["ig_user_id"], limit=1)))
    world.sandbox.advance_clock(8 * 24 * 3600)  # every signed address is past its `oe=`
    world.sandbox.reset_stats()
    outcome = import_media(world.session, item, target=_target(world), extractor=world.deps.extractor,
                           media_store=world.deps.media_store, refresh=client.get_media)
    world.session.commit()
    assert outcome.status == "created" and outcome.image_errors == ()
    draft = world.drafts()[0]
    assert draft.images and all(i["source_url"] not in item.media_urls for i in draft.images)
    assert import_media(world.session, item, target=_target(world), extractor=world.deps.extractor,
                        media_store=world.deps.media_store).status == "skipped"
    graph_calls = world.sandbox.stats()
    assert graph_calls["by_endpoint"] == {"GET /{media-id}": 1} and graph_calls["total"] == 1  # one re-read per post


def test_import_keeps_good_images_and_records_each_bad_one(world, image_server, tmp_path):
    from core.instagram import MediaItem
    from core.media import DownloadPolicy, LocalMediaBackend

    good = image_server.route("/good.jpg", body=jpeg())
    bomb = image_server.route("/bomb.png", body=png_claiming(60_000, 60_000))
    html = image_server.route("/login.html", body=b"<html>sign in</html>")
    item = MediaItem(id="media-ssrf-1", media_type="CAROUSEL_ALBUM", caption="Vitenge Ksh 900",
                     timestamp=datetime.now(timezone.utc), permalink="https://www.instagram.com/p/x/",
                     media_urls=(good, bomb, html, "http://169.254.169.254/latest/meta-data/",
                                 "https://evil.example/cdninstagram.com/a.jpg"))
    store = MediaStore(LocalMediaBackend(tmp_path / "m"), DownloadPolicy(sandbox_hosts=(image_server.host,)))
    outcome = import_media(world.session, item, target=_target(world), extractor=world.deps.extractor,
                           media_store=store)
    world.session.commit()
    assert outcome.status == "created"
    assert [e["reason"] for e in outcome.image_errors] == ["too_many_pixels", "bad_magic", "bad_scheme",
                                                          "host_not_allowed"]
    draft = world.drafts()[0]
    assert [i["source_url"] for i in draft.images] == [good]
    assert "/latest/meta-data/" not in " ".join(image_server.hits)


def _client(world) -> GraphClient:
    vault = TokenVault(world.settings.token_encryption_keys)
    token = vault.decrypt(world.connection.id, world.connection.access_token_encrypted)
    return GraphClient.for_login_flow(world.settings, world.connection.login_flow, token.reveal(),
                                      account_id=world.connection.ig_user_id, retry=QUICK_RETRY)


def _target(world) -> ImportTarget:
    return ImportTarget.for_connection(world.session, world.connection)
