"""The worker's jobs log each operation as one JSON line (seed 8.3): operation, store, duration, figures."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.logging import configure_logging
from core.models import InstagramSyncHistory
from core.services.bulk_import.scan import request_scan
from core.services.bulk_import.scan_runner import run_scans_job
from core.services.realtime.poll_jobs import poll_connections_job
from core.services.review.approval import approve_draft

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def logged():
    """The JSON lines logged with a given `operation` while the test runs."""
    stream = io.StringIO()
    handler = configure_logging("worker", stream=stream)

    def lines(operation: str) -> list[dict]:
        return [line for line in map(json.loads, stream.getvalue().splitlines()) if line["operation"] == operation]

    yield lines
    logging.getLogger().removeHandler(handler)


def timed(job, *args):
    started = time.perf_counter()
    result = job(*args)
    return result, (time.perf_counter() - started) * 1000


def test_a_scan_and_a_poll_each_log_store_duration_and_figures(realtime, logged):
    worker, store_id = realtime.worker, realtime.scan.store.id
    worker.extras["import_deps"] = realtime.scan.deps  # the jobs' collaborators: the sandbox, the test database
    scan_id = request_scan(realtime.session, realtime.scan.ops, store_id, {"include_videos": True})
    ran, wall_ms = timed(run_scans_job, worker)
    assert ran == 1
    scan = realtime.session.get(InstagramSyncHistory, scan_id, populate_existing=True)
    (line,) = logged("scan")
    assert (line["level"], line["service"], line["store_id"]) == ("INFO", "worker", store_id)
    assert 0 < line["duration_ms"] <= wall_ms + 1
    figures = line["metrics"]
    assert figures["scan_id"] == scan_id and figures["status"] == "success"
    assert (figures["posts_processed"], figures["drafts_created"], figures["api_calls_used"]) == (
        scan.posts_processed, scan.drafts_created, scan.api_calls_used)
    assert figures["drafts_created"] > 0 and figures["api_calls_used"] >= 1

    media_id = realtime.publish()
    realtime.make_due()
    polled, wall_ms = timed(poll_connections_job, worker)
    assert polled == 1
    (line,) = logged("poll")
    assert line["store_id"] == store_id and 0 < line["duration_ms"] <= wall_ms + 1
    figures = line["metrics"]
    assert figures["outcome"] == "polled" and figures["connection_id"] == realtime.scan.connection.id
    assert figures["drafts_created"] == 1 and figures["posts_found"] >= 1 and figures["api_calls_used"] >= 1

    approve_draft(realtime.session, realtime.scan.ops, realtime.draft(media_id).id)
    (line,) = logged("approve")
    assert line["store_id"] == store_id and line["duration_ms"] >= 0


def test_the_worker_process_writes_json_lines_to_stderr(database_url, engine):
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "cli", "worker", "--once"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stderr.splitlines()]  # every line is JSON
    (expiry,) = [line for line in lines if line["operation"] == "expire_drafts"]
    assert expiry["service"] == "worker" and expiry["metrics"] == {"expired": 0}
    assert isinstance(expiry["duration_ms"], int) and expiry["timestamp"].endswith("Z")
