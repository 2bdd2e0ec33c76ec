"""Bulk import benchmark: scan a sandbox account of N posts (a third carousels) with the local extractor.

Prints posts per second end to end (listing, image copies, extraction, drafts), Graph API
calls used (target: the page count only), and the peak RSS of the worker (this process; the
sandbox runs in a process of its own). Target: 1,000 posts in < 60 s.

With --ai the extractor is the OpenAI path against a fake server that answers after 500 ms,
our limiter set to 120 requests per minute. Every post gets a caption of its own (the
sandbox's corpus repeats, and the cache would answer repeats for free), so the scan is
AI-bound, and the figure is the fewest requests in any full 60 s window while it was:
the share of the limit the scan keeps using (target >= 90%), never above it.

    .venv/bin/python bench/bench_scan.py --posts 1000
    .venv/bin/python bench/bench_scan.py --posts 300 --ai
"""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from core.db import make_engine  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.models import ProductDraft  # noqa: E402
from core.services.bulk_import.scan import get_scan, request_scan  # noqa: E402
from core.services.bulk_import.scan_runner import run_queued_scans  # noqa: E402
from tests.fixtures.sandbox import RunningSandbox  # noqa: E402  (the same helpers the tests use)

AI_LIMIT_PER_MINUTE = 120
WINDOW_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--ai", action="store_true",
                        help="extract through the OpenAI path against a fake server (500 ms, 120/min)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake AI server's line per request
    from tests.integration.scan.conftest import build_world

    workdir = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    seeded = 0 if args.ai else args.posts
    sandbox, sandbox_process = serve_sandbox_elsewhere(accounts=1, posts_per_account=seeded, seed=7,
                                                       carousel_share=1 / 3, video_share=0.0)
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    world = build_world(session, engine, sandbox, workdir, database_url,
                        scan_batch_size=50, scan_image_threads=6, scan_lease_seconds=60.0)
    deps, fake_ai = world.deps, None
    if args.ai:
        publish_unique_posts(sandbox, world.account["ig_user_id"], args.posts)
        deps, fake_ai = _with_fake_ai(world)
    scan_id = request_scan(session, world.ops, world.store.id, {"include_videos": True})
    started = time.perf_counter()
    statuses = run_queued_scans(deps, "bench-worker")
    elapsed = time.perf_counter() - started
    view = get_scan(session, world.ops, scan_id)
    drafts = session.scalar(select(func.count()).select_from(ProductDraft))
    images = sum(len(d.images) for d in session.scalars(select(ProductDraft)))
    pages = math.ceil(args.posts / 100)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"status: {statuses} drafts: {drafts} images copied: {images}")
    print(f"posts: {view.total}  seconds: {elapsed:.1f}  posts/s: {view.total / elapsed:.1f}  (target: {args.posts} in < 60 s)")
    print(f"Graph API calls used: {view.api_calls_used}  (pages of 100: {pages}; seed plan: ~373 per 1,000)")
    print(f"peak RSS of the worker (the sandbox runs in another process): {peak_mb:.0f} MB")
    if fake_ai is not None:
        _print_ai_rate(fake_ai)
    sandbox.close()
    sandbox_process.terminate()


class SandboxClient(RunningSandbox):
    """RunningSandbox's control helpers, for a sandbox served by another process."""

    def __init__(self, url: str, config):
        self.url, self.config, self.http = url, config, requests.Session()

    def close(self) -> None:
        self.http.close()


def serve_sandbox_elsewhere(**config) -> tuple[SandboxClient, multiprocessing.Process]:
    """Start the sandbox in a child process, so this process's memory is the worker's alone."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(child, config), daemon=True)
    process.start()
    url, sandbox_config = parent.recv()
    return SandboxClient(url, sandbox_config), process


def _serve(pipe, config: dict) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request would bury the figures
    sandbox = RunningSandbox(**config)
    pipe.send((sandbox.url, sandbox.config))
    while True:
        time.sleep(3600)


def publish_unique_posts(sandbox: SandboxClient, ig_user_id: str, count: int) -> None:
    """`count` posts (a third carousels), each caption its own, as a seller's year would be."""
    from sandbox.seed import caption_corpus

    corpus = [c for c in caption_corpus() if c]
    for n in range(count):
        carousel = n % 3 == 0
        sandbox.publish(ig_user_id, caption=f"{corpus[n % len(corpus)]}\nItem no. {n + 1}",
                        media_type="CAROUSEL_ALBUM" if carousel else "IMAGE", children=3 if carousel else None)


def _with_fake_ai(world):
    """The scan's dependencies with the OpenAI extractor pointed at a fake server that
    answers after 500 ms; our limiter is set to the server's 120 requests per minute."""
    from core.extraction.engine import build_extractor
    from tests.fixtures.ai_fakes import start_fake_openai

    fake, _served = start_fake_openai(latency=0.5)
    settings = world.settings.model_copy(update={
        "openai_api_key": "sk-bench", "openai_base_url": fake.url,
        "ai_requests_per_minute": AI_LIMIT_PER_MINUTE,
    })
    return replace(world.deps, settings=settings, extractor=build_extractor(settings, mode="openai")), fake


def requests_per_window(starts: list[float], window: float = WINDOW_SECONDS) -> tuple[int, int]:
    """(fewest, most) requests in any full `window` seconds between the first and last request.

    The fewest is what the limiter was kept busy with; the most must stay within the limit."""
    starts = sorted(starts)
    if not starts or starts[-1] - starts[0] < window:
        return 0, len(starts)
    counts = []
    for i, t in enumerate(starts):
        if t + window > starts[-1]:
            break
        counts.append(sum(1 for s in starts[i:] if s < t + window))
    ends = [sum(1 for s in starts[: i + 1] if s > t - window) for i, t in enumerate(starts)]
    return min(counts), max(counts + ends)


def _print_ai_rate(fake) -> None:
    fewest, most = requests_per_window(fake.started_at)
    span = (max(fake.started_at) - min(fake.started_at)) if fake.started_at else 0.0
    print(f"AI path: {len(fake.started_at)} caption requests over {span:.1f} s; fewest in any full 60 s window "
          f"{fewest} = {fewest / AI_LIMIT_PER_MINUTE * 100:.1f}% of the {AI_LIMIT_PER_MINUTE}/min limit "
          f"(target >= 90%); most in any 60 s window: {most} "
          f"({'ok' if most <= AI_LIMIT_PER_MINUTE else 'EXCEEDED'})")


if __name__ == "__main__":
    main()
