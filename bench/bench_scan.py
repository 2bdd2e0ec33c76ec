"""Bulk import benchmark: scan a sandbox account of N posts (a third carousels) with the local extractor.

Prints posts per second end to end (listing, image copies, extraction, drafts), Graph API
calls used (target: the page count only), and the peak RSS of this process (which also
hosts the sandbox, so the worker's own share is lower). Target: 1,000 posts in < 60 s.

    .venv/bin/python bench/bench_scan.py --posts 1000
    .venv/bin/python bench/bench_scan.py --posts 200 --ai   # AI path: share of a 120/min limit used
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from core.db import make_engine  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.models import ProductDraft  # noqa: E402
from core.services.bulk_import.scan import get_scan, request_scan  # noqa: E402
from core.services.bulk_import.scan_runner import run_queued_scans  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--ai", action="store_true",
                        help="extract through the OpenAI path against a fake server (500 ms, 120/min)")
    args = parser.parse_args()
    from tests.fixtures.sandbox import RunningSandbox  # the same helpers the tests use
    from tests.integration.scan.conftest import build_world

    workdir = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    sandbox = RunningSandbox(accounts=1, posts_per_account=args.posts, seed=7, carousel_share=1 / 3,
                             video_share=0.0)
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    world = build_world(session, engine, sandbox, workdir, database_url,
                        scan_batch_size=50, scan_image_threads=6, scan_lease_seconds=60.0)
    deps, fake_ai = (_with_fake_ai(world) if args.ai else (world.deps, None))
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
    print(f"peak RSS of the bench process (worker + in-process sandbox): {peak_mb:.0f} MB")
    if fake_ai is not None:
        _print_ai_rate(fake_ai, elapsed)
    sandbox.close()


AI_LIMIT_PER_MINUTE = 120


def _with_fake_ai(world):
    """The scan's dependencies with the OpenAI extractor pointed at a fake server that
    answers after 500 ms; our limiter is set to the server's 120 requests per minute."""
    from dataclasses import replace

    from core.extraction.engine import build_extractor
    from tests.fixtures.ai_fakes import start_fake_openai

    fake, _served = start_fake_openai(latency=0.5)
    settings = world.settings.model_copy(update={
        "openai_api_key": "sk-bench", "openai_base_url": fake.url,
        "ai_requests_per_minute": AI_LIMIT_PER_MINUTE,
    })
    return replace(world.deps, settings=settings, extractor=build_extractor(settings, mode="openai")), fake


def _print_ai_rate(fake, elapsed: float) -> None:
    starts = sorted(fake.started_at)
    peak = max(sum(1 for s in starts[i:] if s - t < 60.0) for i, t in enumerate(starts)) if starts else 0
    per_minute = len(starts) / (elapsed / 60)
    print(f"AI path: {len(starts)} caption requests in {elapsed:.1f} s = {per_minute:.1f}/min = "
          f"{per_minute / AI_LIMIT_PER_MINUTE:.0%} of the {AI_LIMIT_PER_MINUTE}/min limit (target >= 90%); "
          f"most in any 60 s window: {peak} ({'ok' if peak <= AI_LIMIT_PER_MINUTE else 'EXCEEDED'})")


if __name__ == "__main__":
    main()
