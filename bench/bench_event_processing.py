"""Webhook-event processing throughput with 1, 2 and 4 worker processes on PostgreSQL.

    .venv/bin/python bench/bench_event_processing.py --events 3000 --workers 1 2 4

Each run loads `--events` pending events for one active connection into a fresh
database, then starts N worker processes that run the real webhook-event job
(`core.worker.process_webhook_events`: claim with SKIP LOCKED, decide, import,
fenced complete) until the queue is empty. The importer here writes a minimal draft
row per media and sleeps `--import-ms` to stand in for the Graph call and extraction
(the real importer plugs in through `MediaImporter`). Prints events per second and
checks that no event was processed twice.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from core.clock import utcnow  # noqa: E402
from core.ids import new_id  # noqa: E402
from core.models import InstagramConnection, InstagramWebhookEvent, ProductDraft  # noqa: E402


class SleepyDraftImporter:
    def __init__(self, import_ms: float):
        self.import_seconds = import_ms / 1000

    def import_event_media(self, session, connection, media_id):
        from core.services.realtime.webhook_events import EventOutcome

        time.sleep(self.import_seconds)
        draft = ProductDraft(id=new_id("draft"), store_id=connection.store_id, connection_id=connection.id,
                             ig_media_id=media_id, ig_media_type="IMAGE", expires_at=utcnow() + timedelta(days=7))
        session.add(draft)
        session.flush()
        return EventOutcome("processed", draft_id=draft.id)


def worker_process(database_url: str, name: str, import_ms: float, start, results) -> None:
    from core.db import make_engine
    from core.worker import WorkerDeps, process_webhook_events

    deps = WorkerDeps(engine=make_engine(database_url), importer=SleepyDraftImporter(import_ms), worker_id=name)
    start.wait()
    handled = 0
    while True:
        done = process_webhook_events(deps, batch=10)
        handled += done
        if done == 0:
            break
    results.put((name, handled))


def load_events(database_url: str, count: int) -> None:
    from core.security import SYSTEM
    from core.services.people.stores import create_seller_store
    from sqlalchemy.orm import Session

    engine = create_engine(database_url)
    with Session(engine) as session:
        session.execute(text("TRUNCATE instagram_webhook_event, product_draft CASCADE"))
        connection = session.scalar(select(InstagramConnection).limit(1))
        if connection is None:
            store = create_seller_store(session, SYSTEM, f"Bench {new_id('s')}")
            session.flush()
            connection = InstagramConnection(id=new_id("igc"), store_id=store.id, seller_id=store.seller_id,
                                             login_flow="facebook", ig_user_id="17841bench", status="active")
            session.add(connection)
        now = utcnow()
        rows = [{"id": new_id("whe"), "dedup_key": new_id("bench"), "object_type": "instagram",
                 "field": "comments", "ig_user_id": "17841bench", "media_id": f"m{n}", "payload": {},
                 "status": "pending", "attempts": 0, "received_at": now + timedelta(microseconds=n)}
                for n in range(count)]
        session.execute(insert(InstagramWebhookEvent), rows)
        session.commit()
    engine.dispose()


def run(database_url: str, workers: int, events: int, import_ms: float) -> None:
    load_events(database_url, events)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=worker_process, args=(database_url, f"bench-w{n}", import_ms, start, results))
                 for n in range(workers)]
    [p.start() for p in processes]
    start.wait()
    began = time.perf_counter()
    handled = dict(results.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - began
    [p.join() for p in processes]
    engine = create_engine(database_url)
    with engine.connect() as conn:
        processed = conn.scalar(select(func.count()).where(InstagramWebhookEvent.status == "processed"))
        drafts = conn.scalar(select(func.count()).select_from(ProductDraft))
        twice = conn.scalar(select(func.count()).where(InstagramWebhookEvent.attempts > 1))
    engine.dispose()
    spread = " ".join(f"{n}={handled[n]}" for n in sorted(handled))
    print(f"  {workers} worker(s): {events / elapsed:7.1f} events/s  ({elapsed:.1f} s; processed {processed}, "
          f"drafts {drafts}, claimed more than once {twice}; per worker {spread})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--import-ms", type=float, default=5.0, help="simulated Graph call + extraction per event")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    from tests.scratch_db import create_database, drop_database

    database_url = args.database_url or create_database("cs_bench", migrate=True)
    try:
        print(f"webhook-event processing on PostgreSQL, {args.events} events, {args.import_ms:.0f} ms simulated "
              f"import each, {os.cpu_count()} CPUs")
        for workers in args.workers:
            run(database_url, workers, args.events, args.import_ms)
    finally:
        if not args.database_url:
            drop_database(database_url)


if __name__ == "__main__":
    main()
