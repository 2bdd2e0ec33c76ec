"""Bulk import benchmark: scan a sandbox account of N posts (a third carousels) with the local extractor.

Prints posts per second end to end (listing, image copies, extraction, drafts), Graph API
calls used (target: the page count only), and the peak RSS of this process (which also
hosts the sandbox, so the worker's own share is lower). Target: 1,000 posts in < 60 s.

    .venv/bin/python bench/bench_scan.py --posts 1000
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from core.db import make_engine  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.models import ProductDraft  # noqa: E402
from core.services.scan import get_scan, request_scan  # noqa: E402
from core.services.scan_runner import run_queued_scans  # noqa: E402
from sandbox.app import SandboxConfig, create_app  # noqa: E402


def serve_sandbox(posts: int):
    class Dispatch:
        app = None

        def __call__(self, environ, start_response):
            return self.app(environ, start_response)

    dispatch = Dispatch()
    server = make_server("127.0.0.1", 0, dispatch, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    dispatch.app = create_app(SandboxConfig(accounts=1, posts_per_account=posts, seed=7, public_url=url,
                                            carousel_share=1 / 3, video_share=0.0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
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
    scan_id = request_scan(session, world.ops, world.store.id, {"include_videos": True})
    started = time.perf_counter()
    statuses = run_queued_scans(world.deps, "bench-worker")
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
    sandbox.close()


if __name__ == "__main__":
    main()
