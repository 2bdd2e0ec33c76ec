"""A worker killed with SIGKILL mid-scan; a second worker finishes it with exactly one draft per post."""

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

ROOT = Path(__file__).resolve().parents[3]
POSTS = 120


def start_worker(env: dict, log_path: Path, name: str) -> subprocess.Popen:
    log = open(log_path, "wb")
    return subprocess.Popen([sys.executable, "-m", "cli", "worker", "--worker-id", name], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_killed_worker_scan_is_finished_by_another_without_duplicates(
    session, engine, make_sandbox, tmp_path, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite runs exactly one)")
    sandbox = make_sandbox(accounts=1, posts_per_account=POSTS)
    world = build_world(session, engine, sandbox, tmp_path, database_url)
    host = sandbox.url.split("://", 1)[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("META_", "INSTAGRAM_", "OPENAI_", "GEMINI_"))},
        "DATABASE_URL": database_url, "MEDIA_DIR": str(tmp_path / "media"), "TOKEN_ENCRYPTION_KEYS": TEST_KEY,
        "META_GRAPH_URL": sandbox.url, "INSTAGRAM_GRAPH_URL": sandbox.url, "INSTAGRAM_API_URL": sandbox.url,
        "MEDIA_ALLOW_HTTP_HOSTS": json.dumps([host]), "SCAN_LEASE_SECONDS": "2", "SCAN_BATCH_SIZE": "5",
        "SCAN_IMAGE_THREADS": "2", "PYTHONUNBUFFERED": "1",
    }
    scan_id = request_scan(session, world.ops, world.store.id, {"include_videos": True})

    def scan_row() -> InstagramSyncHistory:
        return session.get(InstagramSyncHistory, scan_id, populate_existing=True)

    first = start_worker(env, tmp_path / "worker-a.log", "worker-a")
    try:
        wait_for(lambda: scan_row().posts_processed >= 15, 60, "the first worker to get going")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    halfway = scan_row()
    assert halfway.status == "running" and halfway.lease_owner == "worker-a"
    assert halfway.posts_processed < POSTS

    second = start_worker(env, tmp_path / "worker-b.log", "worker-b")
    try:
        done = wait_for(lambda: (row := scan_row()).status in ("success", "partial_success", "failed") and row,
                        90, "the second worker to finish the scan")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            second.kill()

    log_b = (tmp_path / "worker-b.log").read_text(errors="replace")
    assert done.status == "success", log_b[-3000:]
    assert done.attempts == 2 and done.lease_owner is None
    drafts = session.scalar(select(func.count()).select_from(ProductDraft).where(ProductDraft.store_id == world.store.id))
    distinct = session.scalar(select(func.count(func.distinct(ProductDraft.ig_media_id))))
    assert drafts == distinct == POSTS == done.posts_found == done.drafts_created
    assert done.posts_skipped == 0
