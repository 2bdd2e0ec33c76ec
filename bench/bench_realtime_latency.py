"""Latency from a sandbox post's publication to its draft: with a webhook, and by polling alone.

    .venv/bin/python bench/bench_realtime_latency.py --mode webhook --posts 30
    .venv/bin/python bench/bench_realtime_latency.py --mode poll --posts 12 --spacing 15

Real processes on PostgreSQL: the Meta sandbox (in this process, over HTTP), the webhook
sidecar under gunicorn (webhook mode), and one `catalog-sync worker` subprocess with the
default job list. A store is connected over the real OAuth flow; then posts are published
at random moments (`--spacing` seconds apart on average) and each post's latency is the
time from `publish` to its draft row's `created_at`. Webhook mode: the sandbox emits the
seed's `media` webhook to the sidecar (target p95 < 2 s). Poll mode: no webhooks at all,
polling at the default interval (`POLL_INTERVAL_SECONDS`, 60 s unless set; target p95
below the interval plus processing). Prints p50/p95/max and how many drafts appeared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core.clock import SystemClock  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.models import InstagramConnection, ProductDraft  # noqa: E402
from core.services.connecting.connect import ConnectDeps  # noqa: E402
from core.services.connecting.meta_login import MetaLogin  # noqa: E402
from core.token_vault import TokenVault  # noqa: E402
from tests.scratch_db import create_database, drop_database  # noqa: E402
from tests.factories import connect_store, make_store  # noqa: E402
from tests.fixtures.sandbox import RunningSandbox  # noqa: E402
from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET, WEBHOOK_PATH, start_sidecar, stop_sidecar  # noqa: E402
from tests.integration.scan.conftest import CALLBACK, TEST_KEY  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def worker_env(database_url: str, sandbox_url: str, media_dir: str, extra: dict[str, str]) -> dict[str, str]:
    host = sandbox_url.split("://", 1)[1]
    env = {**os.environ, "DATABASE_URL": database_url, "META_APP_SECRET": FB_SECRET, "INSTAGRAM_APP_SECRET": IG_SECRET,
           "TOKEN_ENCRYPTION_KEYS": TEST_KEY, "MEDIA_DIR": media_dir, "MEDIA_ALLOW_HTTP_HOSTS": json.dumps([host]),
           "PYTHONUNBUFFERED": "1", **extra}
    for name in ("META_GRAPH_URL", "META_DIALOG_URL", "INSTAGRAM_GRAPH_URL", "INSTAGRAM_API_URL",
                 "INSTAGRAM_DIALOG_URL"):
        env[name] = sandbox_url
    env.pop("OPENAI_API_KEY", None)
    env.pop("GEMINI_API_KEY", None)
    return env


def connect(database_url: str, sandbox: RunningSandbox, media_dir: str) -> InstagramConnection:
    settings = Settings(database_url=database_url, meta_graph_url=sandbox.url, meta_dialog_url=sandbox.url,
                        instagram_graph_url=sandbox.url, instagram_api_url=sandbox.url,
                        instagram_dialog_url=sandbox.url, meta_redirect_uri=CALLBACK, instagram_redirect_uri=CALLBACK,
                        token_encryption_keys=TEST_KEY, meta_app_secret=FB_SECRET, instagram_app_secret=IG_SECRET,
                        media_dir=Path(media_dir))
    deps = ConnectDeps(MetaLogin(settings), TokenVault(settings.token_encryption_keys), SystemClock())
    with Session(make_engine(database_url), expire_on_commit=False) as session:
        store = make_store(session, "Bench Duka")
        account = next(a for a in sandbox.accounts() if a["login"] == "instagram")
        return connect_store(session, store, sandbox, account, deps=deps)


def wait_first_poll(session: Session, connection_id: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.expire_all()
        if session.get(InstagramConnection, connection_id).poll_last_at is not None:
            return
        time.sleep(0.1)
    raise SystemExit("the worker did not poll within a minute")


def measure(session: Session, sandbox: RunningSandbox, ig_user_id: str, posts: int, spacing: float,
            timeout: float) -> tuple[list[float], int]:
    published: dict[str, float] = {}
    for n in range(posts):
        time.sleep(random.uniform(0, 2 * spacing))
        media = sandbox.publish(ig_user_id, caption=f"Bench kitenge no. {n}, Ksh {1000 + n} #kitenge")
        published[media["id"]] = time.time()
    deadline = time.monotonic() + timeout
    found: dict[str, float] = {}
    while time.monotonic() < deadline and len(found) < posts:
        session.expire_all()
        rows = session.execute(select(ProductDraft.ig_media_id, ProductDraft.created_at)
                               .where(ProductDraft.ig_media_id.in_(list(published)))).all()
        found = {media_id: created.timestamp() for media_id, created in rows}
        time.sleep(0.1)
    latencies = [found[m] - published[m] for m in found]
    return latencies, len(found)


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["webhook", "poll"], default="webhook")
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--spacing", type=float, default=1.0, help="mean seconds between publications")
    parser.add_argument("--poll-interval", type=float, default=None, help="POLL_INTERVAL_SECONDS (default: settings)")
    args = parser.parse_args()

    database_url = create_database("cs_bench")
    upgrade_to_head(database_url)
    media_dir = tempfile.mkdtemp(prefix="bench-media-")
    sidecar = None
    extra: dict[str, str] = {}
    if args.poll_interval:
        extra["POLL_INTERVAL_SECONDS"] = str(args.poll_interval)
        extra["POLL_MIN_INTERVAL_SECONDS"] = str(min(args.poll_interval, 20.0))
    try:
        if args.mode == "webhook":
            sidecar, base = start_sidecar(database_url, Path(tempfile.mkdtemp(prefix="bench-metrics-")))
            sandbox = RunningSandbox(accounts=3, posts_per_account=5, fb_app_secret=FB_SECRET,
                                     ig_app_secret=IG_SECRET, webhook_url=base + WEBHOOK_PATH,
                                     emit_media_webhooks=True, auto_subscribe=True)
        else:
            sandbox = RunningSandbox(accounts=3, posts_per_account=5, fb_app_secret=FB_SECRET, ig_app_secret=IG_SECRET)
        connection = connect(database_url, sandbox, media_dir)
        worker = subprocess.Popen([sys.executable, "-m", "cli", "worker"], cwd=PROJECT_ROOT,
                                  env=worker_env(database_url, sandbox.url, media_dir, extra),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with Session(make_engine(database_url)) as session:
                wait_first_poll(session, connection.id)
                interval = args.poll_interval or Settings().poll_interval_seconds
                timeout = 30 if args.mode == "webhook" else 3 * interval + 30
                latencies, found = measure(session, sandbox, connection.ig_user_id, args.posts, args.spacing, timeout)
        finally:
            worker.terminate()
            worker.wait(timeout=20)
        sandbox.close()
    finally:
        if sidecar is not None:
            stop_sidecar(sidecar)
        drop_database(database_url)
    print(f"mode: {args.mode}  posts: {args.posts}  drafts appeared: {found}/{args.posts}")
    if args.mode == "poll":
        print(f"poll interval: {interval:.0f} s (default interval; minimum after new posts "
              f"{extra.get('POLL_MIN_INTERVAL_SECONDS', Settings().poll_min_interval_seconds)} s)")
    if latencies:
        print(f"latency publish -> draft: p50 {statistics.median(latencies):.2f} s  "
              f"p95 {percentile(latencies, 95):.2f} s  max {max(latencies):.2f} s")


if __name__ == "__main__":
    main()
