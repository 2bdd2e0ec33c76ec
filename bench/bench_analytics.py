"""Time the analytics page's queries on PostgreSQL with a year of data.

Creates its own database on 127.0.0.1:5432 (like tests/conftest.py), migrates it, fills it
with bench/generate_analytics_data.py (200 stores, 1,000,000 drafts, 5,000 syncs), then
times `analytics_report` (every query the page runs) for one store and for all stores.
Target: < 1 s each. Prints the figures; drops the database unless --keep.

    .venv/bin/python bench/bench_analytics.py [--drafts N] [--runs 5] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session  # noqa: E402

from bench.generate_analytics_data import generate  # noqa: E402
from core.db import make_engine  # noqa: E402
from tests.scratch_db import create_database, drop_database  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.security import SYSTEM  # noqa: E402
from core.services.analytics import Period, analytics_report  # noqa: E402





def _time_report(engine, store_id: str | None, days: int, runs: int) -> tuple[float, float]:
    """Median and worst seconds of `runs` full reports, after one warm-up run."""
    period = Period.last_days(days, datetime.now(timezone.utc))
    timings = []
    for _ in range(runs + 1):
        with Session(engine) as session:
            started = time.perf_counter()
            analytics_report(session, SYSTEM, store_id, period)
            timings.append(time.perf_counter() - started)
    timings = timings[1:]
    return statistics.median(timings), max(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description="Analytics page query time on PostgreSQL")
    parser.add_argument("--drafts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    args = parser.parse_args()
    url = create_database("cs_bench_analytics")
    try:
        upgrade_to_head(url)
        print(f"generating: 200 stores, {args.drafts:,} drafts, 5,000 sync runs")
        started = time.perf_counter()
        generate(url, drafts=args.drafts)
        print(f"  generated in {time.perf_counter() - started:.1f} s")
        engine = make_engine(url)
        print("analytics page queries (median / worst of runs; target < 1 s):")
        for days in (30, 365):
            for label, store_id in (("one store ", "sto_7"), ("all stores", None)):
                median, worst = _time_report(engine, store_id, days, args.runs)
                flag = "ok" if median < 1.0 else "OVER TARGET"
                print(f"  {label}, last {days:>3} days: {median * 1000:7.1f} ms / {worst * 1000:7.1f} ms  {flag}")
        engine.dispose()
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            drop_database(url)


if __name__ == "__main__":
    main()
