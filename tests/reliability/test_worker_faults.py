"""Faults during a scan: a fifth of Graph calls failing, and a worker frozen past its lease.

- 20% of Graph calls fail (HTTP 500, 503, throttling, one read timeout) → the scan
  still completes with exactly one draft per post.
- A worker is stopped with SIGSTOP mid-scan until its lease runs out, a second worker
  takes the scan over and finishes it, then the first is resumed (SIGCONT) → its late
  writes are fenced off: the drafts, the counters and the scan row are exactly what the
  second worker left.

Both run on PostgreSQL only: the second needs several workers; the first tests the
Graph client and the scan, not the database, and its one real read timeout costs 30 s.
The SIGKILL-mid-scan case lives in tests/integration/scan/test_worker_kill.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.models import InstagramSyncHistory, ProductDraft
from core.services.bulk_import.scan import request_scan
from tests.integration.scan.conftest import TEST_KEY, build_world
from tests.reliability.report import Table

ROOT = Path(__file__).resolve().parents[2]
ALL = {"include_videos": True}


def _draft_counts(session, store_id: str) -> tuple[int, int]:
    session.expire_all()
    where = ProductDraft.store_id == store_id
    total = session.scalar(select(func.count()).select_from(ProductDraft).where(where))
    distinct = session.scalar(select(func.count(func.distinct(ProductDraft.ig_media_id))).where(where))
    return total, distinct


@pytest.mark.slow
def test_scan_completes_with_a_fifth_of_graph_calls_failing(session, engine, make_sandbox, tmp_path, database_url,
                                                           artifacts_dir):
    if not database_url.startswith("postgresql"):
        pytest.skip("one backend is enough: the fault handling is in the Graph client and the scan, not the DB "
                    "(and the injected read timeout costs 30 s)")
    posts = 400
    sandbox = make_sandbox(accounts=1, posts_per_account=posts, seed=7)
    world = build_world(session, engine, sandbox, tmp_path, database_url)
    sandbox.reset_stats()
    faults = [
        sandbox.inject_fault("timeout", count=1, path="/media", delay_seconds=31),  # one real read timeout (30 s)
        sandbox.inject_fault("server_error", share=0.08, path="/media"),
        sandbox.inject_fault("unavailable", share=0.06, path="/media"),
        sandbox.inject_fault("throttle", share=0.07, path="/media", code=4, regain_minutes=0),
    ]
    scan_id = request_scan(session, world.ops, world.store.id, ALL)
    outcomes = []
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        outcomes += world.run()
        scan = world.scan(scan_id)
        if scan.status in ("success", "partial_success", "failed"):
            break
        _make_due(session, scan_id)
    fired = {f["kind"]: f["fired"] for f in sandbox._call("GET", "/faults")}
    fired["timeout"] = 1 if not any(f["id"] == faults[0]["id"] for f in sandbox._call("GET", "/faults")) else 0
    calls = sandbox.stats()["total"]
    total, distinct = _draft_counts(session, world.store.id)
    table = Table("graph-faults", "Faults: a fifth of Graph calls failing during a scan",
                  ["what", "value"], "the scan ends `success` with exactly one draft per post")
    for kind, count in sorted(fired.items()):
        table.add(f"Graph calls failed with {kind}", count)
    table.add("Graph calls made (all)", calls)
    table.add("share failed (configured: 1 timeout + 8% + 6% + 7%)", f"{sum(fired.values()) / max(calls, 1):.0%}")
    table.add("worker runs", f"{len(outcomes)}: {outcomes}")
    table.add("scan status", scan.status)
    table.add("posts / drafts / distinct media", f"{posts} / {total} / {distinct}")
    table.write(artifacts_dir, f"-{engine.dialect.name}")
    assert scan.status == "success", scan.errors
    assert total == distinct == posts == scan.drafts_created
    assert sum(fired.values()) >= 3, "the faults did not fire; the test proved nothing"


def _make_due(session, scan_id: str) -> None:
    """A scan put back with backoff is due now (the test does not wait out the backoff)."""
    row = session.get(InstagramSyncHistory, scan_id, populate_existing=True)
    if row.status == "queued" and row.next_attempt_at is not None:
        row.next_attempt_at = None
        session.commit()


def _worker_env(world, database_url: str, tmp_path: Path, lease: float) -> dict:
    host = world.sandbox.url.split("://", 1)[1]
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("META_", "INSTAGRAM_", "OPENAI_", "GEMINI_"))},
        "DATABASE_URL": database_url, "MEDIA_DIR": str(tmp_path / "media"), "TOKEN_ENCRYPTION_KEYS": TEST_KEY,
        "META_GRAPH_URL": world.sandbox.url, "INSTAGRAM_GRAPH_URL": world.sandbox.url,
        "INSTAGRAM_API_URL": world.sandbox.url, "MEDIA_ALLOW_HTTP_HOSTS": json.dumps([host]),
        "SCAN_LEASE_SECONDS": str(lease), "SCAN_BATCH_SIZE": "5", "SCAN_IMAGE_THREADS": "2", "PYTHONUNBUFFERED": "1",
    }


def _start_worker(env: dict, log_path: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "worker", "--worker-id", name], cwd=ROOT, env=env,
                            stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGCONT)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _scan_state(session, scan_id: str, store_id: str) -> tuple:
    row = session.get(InstagramSyncHistory, scan_id, populate_existing=True)
    return (row.status, row.attempts, row.lease_owner, row.posts_processed, row.drafts_created,
            _draft_counts(session, store_id))


@pytest.mark.slow
def test_worker_frozen_past_its_lease_changes_nothing_when_resumed(session, engine, make_sandbox, tmp_path,
                                                                  database_url, artifacts_dir):
    if not database_url.startswith("postgresql"):
        pytest.skip("two workers need PostgreSQL (SQLite runs exactly one)")
    posts, lease = 150, 2.0
    sandbox = make_sandbox(accounts=1, posts_per_account=posts)
    world = build_world(session, engine, sandbox, tmp_path, database_url)
    env = _worker_env(world, database_url, tmp_path, lease)
    scan_id = request_scan(session, world.ops, world.store.id, ALL)
    table = Table("sigstop", "Faults: a worker frozen (SIGSTOP) past its lease, then resumed",
                  ["step", "scan status / attempts / owner / processed / drafts / (drafts, distinct)"],
                  "after the frozen worker resumes, nothing changes: one draft per post, the scan row as "
                  "the second worker left it")
    frozen = _start_worker(env, tmp_path / "worker-frozen.log", "worker-frozen")
    second = None
    try:
        _wait_for(lambda: world.scan(scan_id).posts_processed >= 10, 60, "the first worker to get going")
        frozen.send_signal(signal.SIGSTOP)
        table.add("SIGSTOP worker-frozen", _scan_state(session, scan_id, world.store.id))
        time.sleep(lease + 1.0)
        second = _start_worker(env, tmp_path / "worker-second.log", "worker-second")
        done = _wait_for(lambda: (r := world.scan(scan_id)).status in ("success", "partial_success", "failed") and r,
                         120, "the second worker to finish the scan")
        finished = _scan_state(session, scan_id, world.store.id)
        table.add("worker-second finished", finished)
        frozen.send_signal(signal.SIGCONT)
        time.sleep(4.0)  # let the zombie try to write its batch, renew and complete
        after = _scan_state(session, scan_id, world.store.id)
        table.add("SIGCONT worker-frozen, 4 s later", after)
    finally:
        _stop(frozen)
        if second:
            _stop(second)
    final = _scan_state(session, scan_id, world.store.id)
    table.add("both stopped", final)
    table.write(artifacts_dir)
    log_second = (tmp_path / "worker-second.log").read_text(errors="replace")
    assert done.status == "success", log_second[-3000:]
    assert finished[1] >= 2 and finished[2] is None
    assert after == finished == final
    assert final[5] == (posts, posts)
