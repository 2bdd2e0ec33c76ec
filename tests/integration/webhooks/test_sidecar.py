"""The webhook sidecar through Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading

from sqlalchemy import func, select

from core.models import InstagramWebhookEvent
from core.webhooks.signatures import HEADER, sign
from tests.fixtures.webhook_server import (
    FB_SECRET, IG_SECRET, VERIFY_TOKEN, WEBHOOK_PATH, sidecar_config, signed,
)
from webhook_server import create_app


def comment(ig_user="1784", media="m1", comment_id="c1", time=1764200000):
    return {"object": "instagram", "entry": [{"id": ig_user, "time": time, "changes": [
        {"field": "comments", "value": {"id": comment_id, "text": "how much?", "media": {"id": media}}}]}]}


def events(session):
    session.expire_all()
    return session.scalars(select(InstagramWebhookEvent).order_by(InstagramWebhookEvent.received_at)).all()


def metric(client, line_start: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start)]
    assert values, f"no metric {line_start}"
    return values[0]


def test_handshake_echoes_the_challenge_only_for_the_right_token(webhook_client):
    ok = webhook_client.get(WEBHOOK_PATH, query_string={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.get_data(as_text=True)) == (200, "1158201444")
    for bad in ({"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
                {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
                {"hub.mode": "subscribe", "hub.challenge": "1"},
                {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}):
        assert webhook_client.get(WEBHOOK_PATH, query_string=bad).status_code == 403


def test_a_signed_change_is_stored_as_one_pending_event(webhook_client, session):
    response = webhook_client.post(WEBHOOK_PATH, **signed(comment()))
    assert response.status_code == 200 and response.json["stored"] == 1
    [event] = events(session)
    assert (event.status, event.field, event.ig_user_id, event.media_id, event.signed_with) == (
        "pending", "comments", "1784", "m1", "facebook")
    assert event.payload["value"]["id"] == "c1" and len(event.dedup_key) == 64


def test_instagram_login_deliveries_are_signed_with_the_instagram_secret(webhook_client, session):
    document = {"object": "instagram", "entry": [{"id": "9001", "time": 5, "field": "mentions",
                                                  "value": {"media_id": "m7", "comment_id": "c7"}}]}
    assert webhook_client.post(WEBHOOK_PATH, **signed(document, IG_SECRET)).status_code == 200
    [event] = events(session)
    assert (event.signed_with, event.field, event.media_id) == ("instagram", "mentions", "m7")


def test_bad_signatures_are_refused_counted_and_nothing_stored(webhook_client, session):
    raw = json.dumps(comment()).encode()
    cases = {
        "signature_missing": {},
        "signature_malformed": {HEADER: "sha1=deadbeef"},
        "signature_mismatch": {HEADER: sign(raw, "someone-else")},
    }
    for reason, headers in cases.items():
        before = metric(webhook_client, f'webhook_deliveries_rejected_total{{reason="{reason}"}}')
        response = webhook_client.post(WEBHOOK_PATH, data=raw, headers=headers)
        assert (response.status_code, response.json["reason"]) == (401, reason)
        assert metric(webhook_client, f'webhook_deliveries_rejected_total{{reason="{reason}"}}') == before + 1
    tampered = webhook_client.post(WEBHOOK_PATH, data=raw.replace(b"m1", b"m2"),
                                   headers={HEADER: sign(raw, FB_SECRET)})
    assert tampered.status_code == 401
    assert events(session) == []


def test_a_body_over_the_cap_is_refused_with_413(webhook_client, session):
    huge = json.dumps({"object": "instagram", "pad": "x" * 300_000}).encode()
    response = webhook_client.post(WEBHOOK_PATH, data=huge, headers={HEADER: sign(huge, FB_SECRET)})
    assert response.status_code == 413
    assert metric(webhook_client, 'webhook_deliveries_rejected_total{reason="body_too_large"}') == 1
    assert events(session) == []


def test_well_signed_but_unreadable_bodies_are_quarantined_and_answered_200(webhook_client, session):
    bodies = [b"", b"{not json", json.dumps({"object": "page", "entry": []}).encode(),
              json.dumps({"object": "instagram", "entry": [{"time": 1}]}).encode()]
    for raw in bodies:
        assert webhook_client.post(WEBHOOK_PATH, **signed(raw)).status_code == 200, raw
    stored = events(session)
    assert [e.status for e in stored] == ["quarantined"] * 4
    assert all(e.last_error.startswith("quarantined: ") for e in stored)
    assert "not JSON" in stored[0].last_error and "unknown object 'page'" in stored[2].last_error
    assert stored[1].payload["raw"] == "{not json"


def test_duplicate_deliveries_are_counted_not_stored_again(webhook_client, session):
    first = webhook_client.post(WEBHOOK_PATH, **signed(comment()))
    again = webhook_client.post(WEBHOOK_PATH, **signed(comment()))
    assert (first.json["stored"], again.json["stored"], again.json["duplicates"]) == (1, 0, 1)
    assert len(events(session)) == 1
    assert metric(webhook_client, "webhook_events_duplicate_total") == 1


def test_concurrent_duplicate_deliveries_store_once(webhook_app, session):
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def deliver():
        client = webhook_app.test_client()
        barrier.wait()
        statuses.append(client.post(WEBHOOK_PATH, **signed(comment(comment_id="race"))).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    [t.start() for t in threads]
    [t.join(timeout=30) for t in threads]
    assert statuses == [200] * 6
    assert len(events(session)) == 1


def test_a_batch_of_a_thousand_updates_becomes_a_thousand_rows(webhook_client, session):
    entries = [{"id": str(1000 + n % 10), "time": 1764200000 + n, "changes": [
        {"field": "comments", "value": {"id": f"c{n}", "media": {"id": f"m{n % 50}"}}}]} for n in range(1000)]
    response = webhook_client.post(WEBHOOK_PATH, **signed({"object": "instagram", "entry": entries}))
    assert response.status_code == 200 and response.json["stored"] == 1000
    count = session.scalar(select(func.count()).select_from(InstagramWebhookEvent))
    assert count == 1000


def test_unknown_ig_users_are_stored_for_the_worker_to_judge(webhook_client, session):
    assert webhook_client.post(WEBHOOK_PATH, **signed(comment(ig_user="nobody-we-know"))).status_code == 200
    assert events(session)[0].status == "pending"


def test_a_down_database_answers_503_and_health_says_so():
    config = sidecar_config("postgresql+psycopg://nobody@127.0.0.1:9/nowhere")
    config["DATABASE_CONNECT_TIMEOUT"] = 1
    client = create_app(config).test_client()
    response = client.post(WEBHOOK_PATH, **signed(comment()))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert client.get("/healthz").status_code == 503
    assert metric(client, 'webhook_deliveries_rejected_total{reason="database_unavailable"}') == 1


def test_health_and_metrics(webhook_client):
    health = webhook_client.get("/healthz")
    assert health.status_code == 200 and health.json["database"] == "ok"
    webhook_client.post(WEBHOOK_PATH, **signed(comment()))
    assert metric(webhook_client, "webhook_deliveries_received_total") == 1
    assert metric(webhook_client, 'webhook_events_stored_total{status="pending"}') == 1
    assert metric(webhook_client, "webhook_request_duration_seconds_count") == 1
