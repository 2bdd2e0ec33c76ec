"""Time the review grid and batch approval on PostgreSQL with 10,000 pending drafts in one store.

Creates its own database on 127.0.0.1:5432 (like tests/conftest.py), migrates it, inserts the
drafts, then times:
  - one grid page (24 cards) with every filter chip's count, as `list_drafts` serves the page,
    for the default view, the "high confidence" chip, and a text search (target < 100 ms);
  - `batch_approve` of 100 drafts (target < 2 s).
Prints the figures and drops the database unless --keep.

    .venv/bin/python bench/bench_review.py [--drafts 10000] [--runs 20] [--keep]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core.db import make_engine  # noqa: E402
from tests.scratch_db import create_database, drop_database  # noqa: E402
from core.extraction.schema import CATEGORIES  # noqa: E402
from core.ids import new_id  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.models import Product, ProductDraft  # noqa: E402
from core.security import SYSTEM  # noqa: E402
from core.services.review.approval import batch_approve  # noqa: E402
from core.services.review.drafts import DraftFilter, list_drafts, matching_draft_ids  # noqa: E402
from core.services.people.stores import create_seller_store  # noqa: E402
from core.services.people.users import actor_for, create_user  # noqa: E402

NOUNS = ["Denim Jacket", "Kitenge Dress", "Leather Sandals", "Bead Necklace", "Phone Case", "Shea Butter",
         "Kikoi Towel", "Maasai Blanket", "Coffee Beans", "Sisal Basket"]
PAGE_TARGET_MS = 100
BATCH_TARGET_S = 2.0




def _draft_row(store_id: str, i: int, now: datetime, rng: random.Random) -> dict:
    name = f"{rng.choice(['Blue', 'Red', 'Green', 'Black', 'Gold'])} {rng.choice(NOUNS)} {i}"
    confidence = round(rng.random(), 2)
    created = now - timedelta(minutes=i)
    extracted = {"is_product": True, "name": name, "description": "", "price": float(rng.randint(2, 500) * 50),
                 "compare_at_price": None, "currency": "KES", "category": rng.choice(CATEGORIES),
                 "tags": [], "variants": [], "confidence": confidence, "extractor": "local", "notes": []}
    return {
        "id": new_id("draft") + f"{i:05d}", "store_id": store_id, "ig_media_id": f"ig{i:08d}", "ig_media_type": "IMAGE",
        "ig_permalink": f"https://www.instagram.com/p/bench{i}/", "ig_caption": f"{name} now in stock #shoplocal",
        "ig_media_urls": [], "images": [{"key": f"full/{i}.jpg", "thumb": f"thumb/{i}.jpg", "width": 1080,
                                          "height": 1080}],
        "extracted_data": extracted, "seller_edits": {}, "confidence": confidence, "extractor": "local",
        "status": "pending", "auto_approved": False, "expires_at": created + timedelta(days=7),
        "created_at": created, "updated_at": created,
    }


def _seed(engine, drafts: int):
    with Session(engine, expire_on_commit=False) as session:
        store = create_seller_store(session, SYSTEM, "Bench Boutique")
        seller = actor_for(create_user(session, "seller@bench.test", "seller-pass-1", "seller", store.id))
        session.commit()
        now, rng = datetime.now(timezone.utc), random.Random(7)
        rows = [_draft_row(store.id, i, now, rng) for i in range(drafts)]
        for start in range(0, len(rows), 2000):
            session.execute(insert(ProductDraft), rows[start:start + 2000])
        session.commit()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return store.id, seller


def _time_page(engine, seller, store_id: str, draft_filter: DraftFilter, runs: int) -> tuple[float, float, int]:
    """Median and worst milliseconds of `runs` page fetches (each in a fresh session), after a warm-up."""
    timings, total = [], 0
    for i in range(runs + 1):
        with Session(engine) as session:
            started = time.perf_counter()
            page = list_drafts(session, seller, store_id, draft_filter, page=1 + i % 5, page_size=24)
            elapsed = (time.perf_counter() - started) * 1000
        total = page.total
        if i:
            timings.append(elapsed)
    return statistics.median(timings), max(timings), total


def _time_batch(engine, seller, store_id: str, size: int) -> tuple[float, int, int]:
    with Session(engine, expire_on_commit=False) as session:
        ids = matching_draft_ids(session, seller, store_id, DraftFilter(band="high"))[:size]
    with Session(engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        result = batch_approve(session, seller, ids)
        elapsed = time.perf_counter() - started
    with Session(engine) as session:
        products = session.scalar(select(func.count()).select_from(Product))
    return elapsed, len(result.approved), products


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = create_database("cs_bench_review")
    try:
        upgrade_to_head(url)
        engine = make_engine(url)
        started = time.perf_counter()
        store_id, seller = _seed(engine, args.drafts)
        print(f"seeded {args.drafts:,} pending drafts in one store in {time.perf_counter() - started:.1f} s")
        for label, draft_filter in (
            ("grid page + counts, default (pending, all)", DraftFilter()),
            ("grid page + counts, high confidence chip", DraftFilter(band="high")),
            ("grid page + counts, search 'kitenge'", DraftFilter(search="kitenge")),
            ("grid page + counts, category + expiring", DraftFilter(band="expiring", category=CATEGORIES[0])),
        ):
            median, worst, total = _time_page(engine, seller, store_id, draft_filter, args.runs)
            verdict = "OK" if median < PAGE_TARGET_MS else "SLOW"
            print(f"{label:<46} median {median:6.1f} ms  worst {worst:6.1f} ms  "
                  f"({total:,} matching; target < {PAGE_TARGET_MS} ms: {verdict})")
        elapsed, approved, products = _time_batch(engine, seller, store_id, args.batch)
        verdict = "OK" if elapsed < BATCH_TARGET_S else "SLOW"
        print(f"{'batch approve ' + str(args.batch) + ' drafts':<46} {elapsed:6.2f} s  "
              f"({approved} approved, {products} products; target < {BATCH_TARGET_S:.0f} s: {verdict})")
        engine.dispose()
    finally:
        if args.keep:
            print(f"kept database {url}")
        else:
            drop_database(url)


if __name__ == "__main__":
    main()
