"""Extraction benchmarks: local extractor speed, dev-set accuracy, and the AI path's rate-limit use.

Run: .venv/bin/python bench/bench_extraction.py [--ai-seconds 75] [--skip-ai]
Targets (issue 5): local >= 2,000 captions/s in one process; AI path against a
fake server with 500 ms latency and a 120/min limit sustains >= 90% of the limit
and never exceeds it in any rolling minute.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.extraction.engine import ExtractionRequest, build_extractor  # noqa: E402
from core.extraction.evaluation import evaluate, format_report, load_labeled  # noqa: E402
from core.extraction.local import extract_local  # noqa: E402
from tests.fixtures.ai_fakes import start_fake_openai  # noqa: E402

DEV_SET = ROOT.parent / "shared" / "eval" / "captions_dev.jsonl"


def bench_local_speed(captions: list[str], rounds: int = 40) -> None:
    varied = [f"{c}\n#{n}" for n in range(rounds) for c in captions]  # distinct strings, no accidental caching
    started = time.perf_counter()
    for caption in varied:
        extract_local(caption)
    seconds = time.perf_counter() - started
    rate = len(varied) / seconds
    print(f"local extractor: {len(varied)} captions in {seconds:.2f} s = {rate:,.0f} captions/s "
          f"(target >= 2,000) {'ok' if rate >= 2000 else 'BELOW TARGET'}")


def bench_dev_accuracy(rows: list[dict]) -> None:
    report = evaluate(rows, lambda row: extract_local(row["caption"], row["media_type"]))
    print(format_report(report, worst=3))


def bench_ai_rate(seconds: float, rpm: int = 120, latency: float = 0.5, concurrency: int = 8) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    fake, served = start_fake_openai(latency=latency)
    settings = Settings(openai_api_key="sk-bench", openai_base_url=fake.url, ai_requests_per_minute=rpm,
                        ai_max_concurrency=concurrency, ai_timeout_seconds=10)
    extractor = build_extractor(settings, mode="openai")
    count = int(seconds * rpm / 60) + 1
    items = [ExtractionRequest(caption=f"Leather sandals style {n} Ksh 1,500") for n in range(count)]
    started = time.monotonic()
    results = extractor.extract_many(items)
    wall = time.monotonic() - started
    served.close()
    starts = sorted(fake.started_at)
    peak = max(sum(1 for s in starts[i:] if s - t < 60.0) for i, t in enumerate(starts))
    span = starts[-1] - starts[0]
    sustained = (len(starts) - 1) / span * 60 if span > 0 else 0.0
    failures = sum(1 for r in results if r.extractor != "openai")
    print(f"AI path: {len(starts)} requests, {latency * 1000:.0f} ms latency, limit {rpm}/min, concurrency {concurrency}")
    print(f"  sustained rate {sustained:.1f}/min = {sustained / rpm:.1%} of the limit (target >= 90%) "
          f"{'ok' if sustained >= 0.9 * rpm else 'BELOW TARGET'}")
    print(f"  wall time {wall:.1f} s ({len(starts) / wall * 60:.1f}/min including the last replies)")
    print(f"  most requests in any rolling 60 s window: {peak} (limit {rpm}) {'ok' if peak <= rpm else 'EXCEEDED'}")
    print(f"  fallbacks to local: {failures}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ai-seconds", type=float, default=75.0, help="how long to drive the AI path")
    parser.add_argument("--skip-ai", action="store_true")
    args = parser.parse_args()
    rows = load_labeled(DEV_SET)
    bench_local_speed([row["caption"] for row in rows])
    bench_dev_accuracy(rows)
    if not args.skip_ai:
        bench_ai_rate(args.ai_seconds)


if __name__ == "__main__":
    main()
