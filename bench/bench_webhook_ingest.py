"""Webhook ingest under gunicorn + PostgreSQL at a fixed arrival rate (open loop).

    .venv/bin/python bench/bench_webhook_ingest.py --rate 500 --seconds 60

Starts `catalog-sync webhook-server` on a free 127.0.0.1 port against a fresh
PostgreSQL database (made from TEST_POSTGRES_URL and dropped afterwards, unless
--database-url names one), then sends signed single-change deliveries on a fixed
schedule: request i is due at t0 + i/rate whatever happened to earlier ones, so a
slow server shows up as latency instead of a lower send rate (latency is measured
from the due time, which counts queueing in the generator too). A share of the
deliveries (--duplicates) repeats an earlier body, as Meta's retries do.

Prints throughput, p50/p95/p99 latency, and sent vs stored counts: every 200 must be
one stored row per distinct body, and no body stored twice.
Targets: >= 500 req/s sustained for 60 s, p99 < 50 ms, nothing lost, nothing twice.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from core.webhooks.signatures import HEADER, sign  # noqa: E402
from tests.scratch_db import create_database, drop_database  # noqa: E402
from tests.fixtures.webhook_server import FB_SECRET, WEBHOOK_PATH, start_sidecar, stop_sidecar  # noqa: E402





def build_bodies(total: int, duplicate_share: float, seed: int = 1) -> list[bytes]:
    """One signed-ready body per request; some repeat an earlier one (Meta's retries)."""
    rng = random.Random(seed)
    run = secrets.token_hex(4)
    bodies: list[bytes] = []
    for n in range(total):
        if bodies and rng.random() < duplicate_share:
            bodies.append(bodies[rng.randrange(len(bodies))])
            continue
        document = {"object": "instagram", "entry": [{"id": f"17841{n % 50:05d}", "time": 1764200000 + n,
                    "changes": [{"field": "comments", "value": {
                        "id": f"{run}-c{n}", "text": "How much is this?", "from": {"id": "u1", "username": "buyer"},
                        "media": {"id": f"m{n % 500}", "media_product_type": "FEED"}}}]}]}
        bodies.append(json.dumps(document).encode())
    return bodies


class LoadGenerator:
    """`threads` senders share one schedule; each keeps its own connection."""

    def __init__(self, port: int, bodies: list[bytes], rate: float, threads: int):
        self.port, self.bodies, self.rate, self.threads = port, bodies, rate, threads
        self.latencies: list[float] = [0.0] * len(bodies)
        self.service: list[float] = [0.0] * len(bodies)
        self.statuses: list[int] = [0] * len(bodies)
        self.signatures = [sign(b, FB_SECRET) for b in bodies]

    def run(self) -> float:
        self.t0 = time.perf_counter() + 0.2
        workers = [threading.Thread(target=self._sender, args=(k,), daemon=True) for k in range(self.threads)]
        [w.start() for w in workers]
        [w.join() for w in workers]
        return time.perf_counter() - self.t0

    def _sender(self, k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for i in range(k, len(self.bodies), self.threads):
            due = self.t0 + i / self.rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sent = time.perf_counter()
            self.statuses[i] = self._post(conn, i)
            done = time.perf_counter()
            self.latencies[i], self.service[i] = done - due, done - sent
        conn.close()

    def _post(self, conn: http.client.HTTPConnection, i: int) -> int:
        headers = {HEADER: self.signatures[i], "Content-Type": "application/json"}
        for _ in range(2):  # a sync gunicorn worker closes after each response: reconnect once
            try:
                conn.request("POST", WEBHOOK_PATH, body=self.bodies[i], headers=headers)
                response = conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                return response.status
            except (ConnectionError, http.client.HTTPException, OSError):
                conn.close()
        return -1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def stored_counts(database_url: str) -> tuple[int, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows, distinct = conn.execute(text(
            "SELECT count(*), count(DISTINCT dedup_key) FROM instagram_webhook_event")).one()
    engine.dispose()
    return rows, distinct


def report(args, generator: LoadGenerator, elapsed: float, stored: tuple[int, int]) -> None:
    statuses = Counter(generator.statuses)
    ok = statuses.get(200, 0)
    ms = [x * 1000 for x in generator.latencies]
    service_ms = [x * 1000 for x in generator.service]
    distinct_sent = len(set(generator.bodies))
    distinct_ok = len({b for b, s in zip(generator.bodies, generator.statuses) if s == 200})
    print(f"webhook ingest: gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL, "
          f"{args.senders} sender threads, {os.cpu_count()} CPUs")
    print(f"  offered rate      {args.rate:.0f} req/s for {args.seconds:.0f} s ({len(generator.bodies)} requests, "
          f"{len(generator.bodies) - distinct_sent} duplicates)")
    print(f"  throughput        {ok / elapsed:.1f} req/s answered 200 ({elapsed:.1f} s)")
    print(f"  statuses          {dict(statuses)}")
    print(f"  latency from due  p50 {percentile(ms, .5):.1f} ms  p95 {percentile(ms, .95):.1f} ms  "
          f"p99 {percentile(ms, .99):.1f} ms  max {max(ms):.1f} ms")
    print(f"  service time      p50 {percentile(service_ms, .5):.1f} ms  p95 {percentile(service_ms, .95):.1f} ms  "
          f"p99 {percentile(service_ms, .99):.1f} ms")
    print(f"  stored vs sent    {stored[0]} rows stored, {distinct_ok} distinct bodies answered 200 "
          f"({distinct_sent} distinct sent); distinct keys {stored[1]}")
    lost = distinct_ok - stored[0]
    print(f"  lost {max(lost, 0)}, stored twice {stored[0] - stored[1]}, "
          f"stored beyond what was acknowledged {max(-lost, 0)}")
    verdict = ok / elapsed >= 500 and percentile(ms, .99) < 50 and lost == 0 and stored[0] == stored[1]
    print(f"  targets (>= 500 req/s, p99 < 50 ms, none lost, none twice): {'MET' if verdict else 'NOT MET'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--senders", type=int, default=8, help="load generator threads")
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of repeated bodies")
    parser.add_argument("--database-url", default=None, help="an existing migrated PostgreSQL database")
    args = parser.parse_args()

    database_url = args.database_url or create_database("cs_bench", migrate=True)
    process = None
    try:
        process, base = start_sidecar(database_url, Path(tempfile.mkdtemp(prefix="bench-metrics-")),
                                      workers=args.workers, threads=args.threads)
        generator = LoadGenerator(int(base.rsplit(":", 1)[1]), build_bodies(int(args.rate * args.seconds),
                                  args.duplicates), args.rate, args.senders)
        elapsed = generator.run()
        stop_sidecar(process)
        process = None
        report(args, generator, elapsed, stored_counts(database_url))
    finally:
        if process:
            stop_sidecar(process)
        if not args.database_url:
            drop_database(database_url)


if __name__ == "__main__":
    main()
