"""Edit sync's pure rules at polling scale: fingerprints, field diffs and three-way comparisons.

    .venv/bin/python bench/bench_edit_sync.py [posts]

Prints posts per second for each rule (a poll re-reads at most 50 known posts per account,
so these bound how many accounts one worker can compare per second, DB and HTTP aside).
"""

from __future__ import annotations

import sys
import time

from core.services.edit_sync.sync_rules import field_diff, instagram_side, post_fingerprint, three_way


def main(posts: int = 20000) -> None:
    base = {"name": "Blue Denim Jacket", "description": "Soft and warm", "price": "2500.00",
            "compare_at_price": None, "currency": "KES", "category": "Fashion & Apparel",
            "tags": ["denim", "jacket"], "variants": [{"option": "size", "value": "M"}], "images": ["a.jpg"]}
    old_ai = {**base, "price": 2500.0}
    new_ai = [{**old_ai, "price": 2000.0 + i % 7, "tags": ["denim", "jacket", f"t{i % 3}"]} for i in range(posts)]
    vendly = {**base, "name": "Denim Jacket (Unisex)"}

    started = time.perf_counter()
    for i in range(posts):
        post_fingerprint("CAROUSEL_ALBUM", f"Blue Denim Jacket Ksh {i} #denim", ("c1", "c2", "c3"))
    report("fingerprint", posts, started)

    started = time.perf_counter()
    diffs = [field_diff(old_ai, ai) for ai in new_ai]
    report("field diff", posts, started)

    started = time.perf_counter()
    for diff in diffs:
        instagram, _ = instagram_side(base, diff, "KES")
        three_way(base, instagram, vendly).conflict_fields()
    report("instagram side + three-way", posts, started)


def report(name: str, posts: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    print(f"{name:28s} {posts / elapsed:>10,.0f} posts/s  ({elapsed * 1e6 / posts:.1f} µs per post)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
