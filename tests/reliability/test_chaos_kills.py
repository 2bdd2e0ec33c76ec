"""Chaos: workers SIGKILLed at random moments while they process 2,000 webhook events and a
1,000-post scan (issue 11, "Faults").

The world: a sandbox with two accounts of 1,000 posts each, each connected to its own
store over the real OAuth flow. Store A is scanned (1,000 posts). 2,000 comments are made
on the sandbox, 1,600 on random posts of A (so event look-ups race the scan for the same
posts) and 400 on 100 posts of B; the sandbox delivers them as signed webhooks to the
real sidecar (`catalog-sync webhook-server`, gunicorn), which stores one event per comment.
Three `catalog-sync worker` processes run with short leases (events 5 s, scans 3 s, the
reaper every 1 s, fast polls, all through environment settings); a killer SIGKILLs a
random one every 1-3 s and starts a replacement, at least 50 times. Then the
survivors finish.

Pass: every event ends processed or ignored (none pending, processing or failed); one
draft per post (none twice, none missing: every post of A and every post an event
named); the scan ends `success` having found every post; no claimed row is seen more
than one reaper interval (plus 1 s for the reap itself) past its lease once a worker was
up to reap it, and none at all after the run.

To stay within about 3 minutes on 2 cores, the sandbox draws 160 px images and makes a
tenth of the posts carousels (instead of 1080 px and a third): the image work per post
shrinks, the post and event counts do not.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.clock import SystemClock
from core.models import InstagramSyncHistory, InstagramWebhookEvent, ProductDraft
from core.services.connecting.connect import ConnectDeps
from core.services.connecting.meta_login import MetaLogin
from core.services.bulk_import.scan import request_scan
from core.token_vault import TokenVault
from tests.factories import connect_store, make_store
from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET, WEBHOOK_PATH
from tests.integration.scan.conftest import TEST_KEY, build_world
from tests.reliability.processes import Sidecar, start_worker, stop, worker_env
from tests.reliability.report import Table

POSTS = 1000
EVENTS_ON_A, EVENTS_ON_B, B_POSTS_NAMED = 1600, 400, 100
WORKERS, MIN_KILLS = 3, 50
EVENT_LEASE, SCAN_LEASE, REAP_EVERY = 5.0, 3.0, 1.0
# A claimed row still claimed more than one reaper interval after its lease ran out is stuck, once
# some worker was up to reap it: every running worker reaps each REAP_EVERY seconds, whatever else it
# does. Counted from the later of the expiry and the moment the oldest live worker was up (the killer
# may leave only workers that are still starting), plus 1 s for the reap itself on a loaded machine.
MAX_LATENESS = REAP_EVERY + 1.0
RUNNING = (("events", "instagram_webhook_event", "processing"), ("scan", "instagram_sync_history", "running"))
KILL_GAP = (1.0, 3.0)
DONE = ("success", "partial_success", "failed")


@pytest.mark.slow
def test_workers_killed_at_random_lose_nothing_and_draft_once(session, engine, make_sandbox, tmp_path,
                                                             database_url, artifacts_dir):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite runs exactly one)")
    logs = tmp_path / "logs"
    logs.mkdir()
    sidecar = Sidecar(database_url, logs)
    try:
        _run_chaos(session, engine, make_sandbox, tmp_path, database_url, artifacts_dir, sidecar, logs)
    finally:
        sidecar.close()


def _run_chaos(session, engine, make_sandbox, tmp_path, database_url, artifacts_dir, sidecar, logs):
    sandbox = make_sandbox(accounts=2, posts_per_account=POSTS, seed=11, image_px=160, carousel_share=0.1,
                           budget_override=10_000_000, fb_app_secret=FB_SECRET, ig_app_secret=IG_SECRET,
                           webhook_url=sidecar.url + WEBHOOK_PATH, auto_subscribe=True,
                           webhook_retry_seconds=(0.2, 0.5, 1.0, 2.0, 5.0))
    world = build_world(session, engine, sandbox, tmp_path, database_url, meta_app_secret=FB_SECRET,
                        instagram_app_secret=IG_SECRET)
    other = next(a for a in sandbox.accounts() if a["ig_user_id"] != world.account["ig_user_id"])
    deps = ConnectDeps(MetaLogin(world.settings), TokenVault(TEST_KEY), SystemClock())
    connect_store(session, make_store(session, "Duka la Pili"), sandbox, other, actor=world.ops, deps=deps)
    posts_a = _media_ids(sandbox, world.account["ig_user_id"])
    posts_b = _media_ids(sandbox, other["ig_user_id"])[:B_POSTS_NAMED]
    assert len(posts_a) == POSTS

    rng = random.Random(11)
    named = [rng.choice(posts_a) for _ in range(EVENTS_ON_A)] + [posts_b[i % B_POSTS_NAMED] for i in range(EVENTS_ON_B)]
    rng.shuffle(named)
    scan_id = request_scan(session, world.ops, world.store.id, {"include_videos": True})
    env = worker_env(database_url, sandbox.url, tmp_path / "media", TEST_KEY,
                     worker_event_lease_seconds=EVENT_LEASE, worker_reap_interval_seconds=REAP_EVERY,
                     scan_lease_seconds=SCAN_LEASE, scan_batch_size=10, scan_image_threads=2,
                     poll_interval_seconds=2, poll_min_interval_seconds=1, poll_max_interval_seconds=5,
                     poll_lease_seconds=5, poll_assumed_hourly_budget=100_000)
    chaos = Chaos(env, logs, engine, scan_id)
    started = time.monotonic()
    chaos.start_workers(WORKERS)
    commenter = threading.Thread(target=_comment_all, args=(sandbox, named), daemon=True)
    commenter.start()
    try:
        chaos.kill_until(lambda: chaos.kills >= MIN_KILLS and not commenter.is_alive(), limit=150)
        chaos_seconds = time.monotonic() - started
        finished = chaos.wait_for_the_rest(len(named), timeout=120)
        chaos.nap(REAP_EVERY)  # one more reaper interval with the workers still up
        stuck_after = chaos.stuck_rows()
    finally:
        chaos.stop_all()
    total_seconds = time.monotonic() - started
    _check_and_report(session, world, scan_id, posts_a, posts_b, named, chaos, sidecar,
                      (chaos_seconds, total_seconds, finished), artifacts_dir, stuck_after)


def _media_ids(sandbox, ig_user_id: str) -> list[str]:
    """The account's posts, from the sandbox's own state (the test's view of Meta's side)."""
    return [post.id for post in sandbox.app.config["SANDBOX"].world.accounts[ig_user_id].media]


def _comment_all(sandbox, named: list[str], per_call: int = 2) -> None:
    """Comment on each named post (several comments on a post in one call, one webhook POST)."""
    by_post = Counter(named)
    for n, (media_id, count) in enumerate(by_post.items()):
        for first in range(0, count, per_call):
            texts = [f"Bei gani? #{n}-{first + i}" for i in range(min(per_call, count - first))]
            sandbox.comment(media_id, texts)
        if n % 40 == 39:
            time.sleep(0.1)  # arrivals spread over the first part of the run, not one burst


class Chaos:
    """Runs the workers, kills one at random now and then, and watches the leases."""

    def __init__(self, env: dict, logs: Path, engine, scan_id: str):
        self.env, self.logs, self.engine, self.scan_id = env, logs, engine, scan_id
        self.rng = random.Random(5)
        self.live: dict[str, object] = {}
        self.started = 0
        self.kills = 0
        self.kills_of_scan_holder = 0
        self.max_overrun = {"events": 0.0, "scan": 0.0}  # past the lease, whoever was up
        self.max_lateness = {"events": 0.0, "scan": 0.0}  # past the lease and a worker's start
        self.overrun_samples = self.samples_with_no_worker_up = 0
        self.up_since: dict[str, float] = {}  # worker -> when its log said it was starting its jobs

    def start_workers(self, n: int) -> None:
        for _ in range(n):
            self._start_one()

    def _start_one(self) -> None:
        self.started += 1
        name = f"chaos-w{self.started:03d}"
        self.live[name] = start_worker(self.env, self.logs, name)

    def kill_until(self, enough, limit: int) -> None:
        """SIGKILL a random live worker at random moments and start a replacement each time."""
        while not enough() and self.kills < limit:
            self.nap(self.rng.uniform(*KILL_GAP))
            name = self.rng.choice(sorted(self.live))
            holder = self._scan_holder()
            process = self.live.pop(name)
            self.up_since.pop(name, None)
            process.kill()
            process.wait()
            self.kills += 1
            self.kills_of_scan_holder += holder == name
            self._start_one()

    def wait_for_the_rest(self, events: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._all_done(events):
                return True
            self.nap(0.5)
        return False

    def nap(self, seconds: float) -> None:
        """Sleep, sampling how far past its lease any claimed row is."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._sample_overrun()
            time.sleep(min(left, 0.25))

    def _sample_overrun(self) -> None:
        up = self._oldest_worker_up()
        self.samples_with_no_worker_up += up is None
        with self.engine.connect() as conn:
            for queue, table, running in RUNNING:
                overrun, lateness = conn.execute(text(
                    f"SELECT EXTRACT(EPOCH FROM max(now() - lease_expires_at)), "
                    f"EXTRACT(EPOCH FROM max(now() - greatest(lease_expires_at, :up))) FROM {table} "
                    f"WHERE status = '{running}'"), {"up": up}).one()
                self.max_overrun[queue] = max(self.max_overrun[queue], float(overrun or 0.0))
                if up is not None:
                    self.max_lateness[queue] = max(self.max_lateness[queue], float(lateness or 0.0))
        self.overrun_samples += 1

    def _oldest_worker_up(self) -> datetime | None:
        """Since when some live worker has been running its jobs (the reaper among them), if any."""
        for name in self.live:
            if name not in self.up_since and b" starting: " in (self.logs / f"{name}.log").read_bytes():
                self.up_since[name] = time.time()
        return datetime.fromtimestamp(min(self.up_since.values()), timezone.utc) if self.up_since else None

    def stuck_rows(self) -> dict[str, int]:
        """Rows still claimed whose lease ran out more than one reaper interval ago."""
        with self.engine.connect() as conn:
            return {queue: conn.execute(text(
                f"SELECT count(*) FROM {table} WHERE status = '{running}' "
                f"AND lease_expires_at < now() - make_interval(secs => {REAP_EVERY})")).scalar()
                for queue, table, running in RUNNING}

    def _scan_holder(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(InstagramSyncHistory.lease_owner).where(
                InstagramSyncHistory.id == self.scan_id)).scalar()

    def _all_done(self, events: int) -> bool:
        with self.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(InstagramWebhookEvent)).scalar()
            open_events = conn.execute(select(func.count()).select_from(InstagramWebhookEvent).where(
                InstagramWebhookEvent.status.in_(("pending", "processing")))).scalar()
            scan = conn.execute(select(InstagramSyncHistory.status).where(
                InstagramSyncHistory.id == self.scan_id)).scalar()
        return stored >= events and open_events == 0 and scan in DONE

    def stop_all(self) -> None:
        for process in self.live.values():
            stop(process)

    def log_tail(self, chars: int = 3000) -> str:
        newest = sorted(self.logs.glob("chaos-w*.log"))[-WORKERS:]
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-chars:]}" for p in newest)


def _check_and_report(session, world, scan_id, posts_a, posts_b, named, chaos, sidecar, seconds, artifacts_dir,
                      stuck_after):
    chaos_seconds, total_seconds, finished = seconds
    session.expire_all()
    events = list(session.scalars(select(InstagramWebhookEvent)))
    by_status = Counter(e.status for e in events)
    failed_reasons = Counter((e.last_error or "no reason")[:80] for e in events if e.status == "failed")
    per_media = Counter(session.scalars(select(ProductDraft.ig_media_id)))
    duplicates = {m: n for m, n in per_media.items() if n > 1}
    should_have = set(posts_a) | set(named)
    missing = should_have - set(per_media)
    scan = session.get(InstagramSyncHistory, scan_id, populate_existing=True)
    attempts = Counter(e.attempts for e in events)

    table = Table("chaos-kills", "Faults: workers SIGKILLed at random during 2,000 webhook events and a "
                  "1,000-post scan", ["what", "value"],
                  "every event processed or ignored (none failed), one draft per post, the scan `success` with "
                  "every post, no claimed row more than one reaper interval (+1 s) past its lease once a worker "
                  "was up to reap it, and none after the run")
    table.add("workers at once / started in all", f"{WORKERS} / {chaos.started}")
    table.add("SIGKILLs (of the scan's holder)", f"{chaos.kills} ({chaos.kills_of_scan_holder})")
    table.add("seconds: with kills / to the end", f"{chaos_seconds:.0f} / {total_seconds:.0f}")
    table.add("comments made / events stored", f"{len(named)} / {len(events)}")
    for status in ("processed", "ignored", "failed", "pending", "processing", "quarantined"):
        table.add(f"events {status}", by_status.get(status, 0))
    table.add("event attempts (attempts: events)", dict(sorted(attempts.items())))
    table.add("failed events' reasons", dict(failed_reasons) or "-")
    table.add("drafts / distinct media / posts that need one", f"{sum(per_media.values())} / {len(per_media)} / "
              f"{len(should_have)}")
    table.add("media drafted twice / posts with no draft", f"{len(duplicates)} / {len(missing)}")
    table.add("scan status / attempts / found / processed / drafts made by it",
              f"{scan.status} / {scan.attempts} / {scan.posts_found} / {scan.posts_processed} / {scan.drafts_created}")
    table.add("scan's last error", (scan.last_error or "-")[:200])
    table.add("max lease overrun seen (s): events / scan / samples (with no worker up yet)",
              f"{chaos.max_overrun['events']:.1f} / {chaos.max_overrun['scan']:.1f} / {chaos.overrun_samples} "
              f"({chaos.samples_with_no_worker_up})")
    table.add("max overrun once a worker was up to reap (s): events / scan",
              f"{chaos.max_lateness['events']:.1f} / {chaos.max_lateness['scan']:.1f}")
    table.add(f"rows still claimed > {REAP_EVERY:.0f} s past their lease, after the run", stuck_after)
    table.add("sidecar exit / stderr lines", f"{sidecar.process.poll()} / "
              f"{len(sidecar.stderr_path.read_text(errors='replace').splitlines())}")
    table.write(artifacts_dir)

    assert finished, f"not done within the wait: {dict(by_status)}, scan {scan.status}\n{chaos.log_tail()}"
    assert chaos.kills >= MIN_KILLS
    assert len(events) == len(named), "a comment's webhook was not stored"
    assert by_status["pending"] == by_status["processing"] == 0
    assert set(by_status) <= {"processed", "ignored"}, (dict(by_status), dict(failed_reasons))
    assert not duplicates, duplicates
    assert max(chaos.max_lateness.values()) <= MAX_LATENESS, chaos.max_lateness
    assert not any(stuck_after.values()), stuck_after
    assert scan.posts_found == POSTS
    assert scan.status == "success", scan.errors
    assert not (set(named) - set(per_media)), "a post named by an event has no draft"
    assert not missing, sorted(missing)[:5]

