"""The sidecar over real HTTP under gunicorn (2 workers), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from core.models import InstagramWebhookEvent
from core.webhooks.signatures import HEADER, sign
from tests.fixtures.webhook_server import (
    FB_SECRET, VERIFY_TOKEN, WEBHOOK_PATH, signed, start_sidecar, stop_sidecar,
)


def delivery(n: int) -> dict:
    return {"object": "instagram", "entry": [{"id": "1784", "time": 1764200000 + n, "changes": [
        {"field": "comments", "value": {"id": f"c{n}", "media": {"id": f"m{n}"}}}]}]}


def stored_count(session) -> int:
    return session.scalar(select(func.count()).select_from(InstagramWebhookEvent))


def test_handshake_and_health_over_http(gunicorn_sidecar, engine):
    answer = requests.get(gunicorn_sidecar + WEBHOOK_PATH, params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}, timeout=5)
    assert (answer.status_code, answer.text) == (200, "42")
    assert requests.get(gunicorn_sidecar + "/healthz", timeout=5).json()["database"] == "ok"


def test_parallel_deliveries_with_duplicates_store_each_update_once(gunicorn_sidecar, session):
    sends = [n % 40 for n in range(160)]  # every update four times, interleaved

    def post(n: int) -> int:
        return requests.post(gunicorn_sidecar + WEBHOOK_PATH, timeout=10, **signed(delivery(n))).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, sends))
    assert statuses == [200] * len(sends)
    assert stored_count(session) == 40


def test_refusals_over_http(gunicorn_sidecar, session):
    raw = json.dumps(delivery(1)).encode()
    assert requests.post(gunicorn_sidecar + WEBHOOK_PATH, data=raw, timeout=5).status_code == 401
    wrong = requests.post(gunicorn_sidecar + WEBHOOK_PATH, data=raw, timeout=5,
                          headers={HEADER: sign(raw, "not-the-secret")})
    assert wrong.status_code == 401
    huge = b"{" + b" " * 300_000 + b"}"
    assert requests.post(gunicorn_sidecar + WEBHOOK_PATH, data=huge, timeout=5,
                         headers={HEADER: sign(huge, FB_SECRET)}).status_code == 413
    chunked = requests.post(gunicorn_sidecar + WEBHOOK_PATH, data=iter([huge[:150_000], huge[150_000:]]),
                            timeout=5, headers={HEADER: sign(huge, FB_SECRET)})
    assert chunked.status_code == 413
    assert stored_count(session) == 0


def scrape(base: str, name: str) -> float:
    text = requests.get(base + "/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def test_metrics_add_up_every_worker(gunicorn_sidecar, session):
    before = scrape(gunicorn_sidecar, "webhook_deliveries_received_total")
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: requests.post(gunicorn_sidecar + WEBHOOK_PATH, timeout=10,
                                              **signed(delivery(1000 + n))), range(20)))
    assert scrape(gunicorn_sidecar, "webhook_deliveries_received_total") == before + 20
    assert scrape(gunicorn_sidecar, "webhook_request_duration_seconds_count") >= 20


def test_metrics_count_without_a_preset_multiprocess_dir(database_url, session, tmp_path):
    """Started as an operator would, with no PROMETHEUS_MULTIPROC_DIR: /metrics still counts.
    (prometheus_client picks its storage when first imported; set later, /metrics was empty.)"""
    process, base = start_sidecar(database_url, tmp_path / "logs", preset_metrics_dir=False)
    try:
        assert requests.post(base + WEBHOOK_PATH, timeout=10, **signed(delivery(7000))).status_code == 200
        assert scrape(base, "webhook_deliveries_received_total") == 1
        assert scrape(base, 'webhook_events_stored_total{status="pending"}') == 1
    finally:
        stop_sidecar(process)


def test_database_connections_killed_under_load_lose_nothing_acknowledged(gunicorn_sidecar, engine, session):
    """PostgreSQL dropping every connection mid-load (as in a restart): each request gets
    200 (stored) or 503 (Meta retries), never a 200 for something not stored; then it heals."""
    if engine.dialect.name != "postgresql":
        return
    import threading
    import time

    from sqlalchemy import text

    stop = threading.Event()
    killed: list[int] = []

    def kill_connections() -> None:
        with engine.connect() as conn:
            while not stop.is_set():
                killed.extend(conn.execute(text(
                    "SELECT 1 FROM pg_stat_activity, pg_terminate_backend(pid) AS done "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND done")).scalars())
                conn.commit()
                time.sleep(0.05)

    def post(n: int) -> tuple[int, int]:
        return n, requests.post(gunicorn_sidecar + WEBHOOK_PATH, timeout=15, **signed(delivery(5000 + n))).status_code

    killer = threading.Thread(target=kill_connections)
    killer.start()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(post, range(300)))
    finally:
        stop.set()
        killer.join()
    statuses = {status for _, status in results}
    assert statuses <= {200, 503}, statuses
    assert len(killed) > 5  # the kills did land (a dead pooled connection is retried once, else 503)
    acknowledged = {f"c{5000 + n}" for n, status in results if status == 200}
    session.expire_all()
    stored = {e.payload["value"]["id"] for e in session.scalars(select(InstagramWebhookEvent))}
    assert acknowledged <= stored
    retried = [status for _, status in map(post, [n for n, s in results if s == 503])]
    assert set(retried) <= {200}  # once the database is back, Meta's retries go through
    assert stored_count(session) == 300


def test_each_ingest_is_a_json_line_on_the_sidecars_stderr(database_url, session, tmp_path):
    process, base = start_sidecar(database_url, tmp_path / "logs", workers=1)
    try:
        for _ in range(2):  # Meta's retry of the same bytes is a duplicate
            assert requests.post(base + WEBHOOK_PATH, timeout=10, **signed(delivery(8000))).status_code == 200
    finally:
        stop_sidecar(process)
    lines = [json.loads(line) for line in process.log_path.read_text().splitlines()]  # gunicorn's too
    ingests = [line["metrics"] for line in lines if line["operation"] == "webhook_ingest"]
    assert [(m["stored"], m["duplicates"]) for m in ingests] == [(1, 0), (0, 1)]
    assert {line["service"] for line in lines} == {"webhook_server"}
    assert any("Listening at" in line["message"] for line in lines)
