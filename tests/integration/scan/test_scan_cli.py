"""`catalog-sync scan` in the foreground: retries wait out their backoff; the command prints a JSON summary."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from cli import main
from cli.scan import run_to_the_end
from core.models import InstagramSyncHistory
from core.services.bulk_import.scan import request_scan
from core.services.bulk_import.scan_runner import claim_scan
from tests.integration.scan.conftest import QUICK_RETRY

ALL = {"include_videos": True}


class SkippedTime:
    """A clock whose sleep moves it forward at once: the waits are recorded, not spent.
    `after_backoff` runs after a wait longer than the Graph client's own short retries."""

    def __init__(self, after_backoff=lambda: None):
        self.offset = timedelta(0)
        self.waits: list[float] = []
        self.after_backoff = after_backoff

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.offset += timedelta(seconds=seconds)
        if seconds > QUICK_RETRY.max_wait:
            self.after_backoff()


def _meta_down(world) -> None:
    """Every listing call fails until the faults are cleared: the scan's attempt is retryable."""
    world.sandbox.inject_fault("unavailable", share=1.0, path="/media")


def test_a_scan_waiting_out_its_backoff_cannot_be_claimed_until_then(world):
    time = SkippedTime()
    world.deps.clock, world.deps.sleep = time, time.sleep
    _meta_down(world)
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    assert world.run() == ["queued"]
    retry_at = world.scan(scan_id).next_attempt_at
    assert retry_at > time.now()
    assert claim_scan(world.deps, scan_id, "cli-1") is None
    time.sleep((retry_at - time.now()).total_seconds() + 1)
    lease = claim_scan(world.deps, scan_id, "cli-1")
    assert lease is not None and lease.attempt == 2


def test_the_foreground_scan_sleeps_until_the_retry_is_due_and_says_so(world):
    time = SkippedTime(after_backoff=world.sandbox.clear_faults)  # Meta is back by the retry
    world.deps.clock, world.deps.sleep = time, time.sleep
    _meta_down(world)
    scan_id = request_scan(world.session, world.ops, world.store.id, ALL)
    said: list[str] = []
    summary = run_to_the_end(world.deps, world.deps.session_factory, scan_id, say=said.append)
    assert summary["status"] == "success" and summary["drafts_created"] == 30
    assert world.scan(scan_id).attempts == 2
    [line] = said
    assert "waiting" in line and "not answering" in line
    backoff = [w for w in time.waits if w > QUICK_RETRY.max_wait]
    assert len(backoff) == 1 and backoff[0] >= 5.0  # half the first backoff step (10 s) at least


def test_the_scan_command_imports_the_newest_n_and_prints_its_json_summary(cli_world):
    world = cli_world
    result = CliRunner().invoke(main, ["scan", "--store", world.store.id, "--limit", "5", "--include-videos",
                                       "--extractor", "local"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["store_id"] == world.store.id and summary["status"] == "success"
    assert summary["posts_found"] == summary["drafts_created"] == 5 and summary["errors"] == 0
    assert len(world.drafts()) == 5
    assert world.scan(summary["scan_id"]).options["limit"] == 5


def test_the_scan_command_names_what_is_wrong_with_its_options(cli_world):
    result = CliRunner().invoke(main, ["scan", "--store", cli_world.store.id, "--limit", "0"])
    assert result.exit_code != 0 and "limit" in result.output and world_has_no_scan(cli_world)


def world_has_no_scan(world) -> bool:
    return world.session.query(InstagramSyncHistory).filter_by(store_id=world.store.id,
                                                               sync_type="bulk_import").count() == 0
