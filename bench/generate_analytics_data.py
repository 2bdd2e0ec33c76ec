"""Generate a year of analytics data on PostgreSQL with generate_series (about a minute).

200 stores, 1,000,000 drafts (with products for the approved ones), 5,000 sync runs,
plus AI calls, budget snapshots and webhook events, spread over the last 365 days.

    .venv/bin/python bench/generate_analytics_data.py --url postgresql+psycopg://postgres@127.0.0.1:5432/mydb

`bench/bench_analytics.py` creates its own database, calls `generate()`, times, and drops it.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import create_engine, text

STEPS = [
    ("seller_profile", """
        INSERT INTO seller_profile (id, business_name)
        SELECT 'sel_' || g, 'Seller ' || g FROM generate_series(1, :stores) g"""),
    ("store", """
        INSERT INTO store (id, seller_id, name, slug, social_source, settings)
        SELECT 'sto_' || g, 'sel_' || g, 'Store ' || g, 'store-' || g, '{}', '{}'
        FROM generate_series(1, :stores) g"""),
    ("instagram_connection", """
        INSERT INTO instagram_connection (id, store_id, seller_id, login_flow, ig_user_id, ig_username,
                                          scopes, status, connected_at)
        SELECT 'igc_' || g, 'sto_' || g, 'sel_' || g, 'instagram', '1784' || g, 'shop_' || g, '[]',
               'active', now() - interval '400 days'
        FROM generate_series(1, :stores) g"""),
    ("product_draft", """
        INSERT INTO product_draft (id, store_id, connection_id, ig_media_id, ig_media_type, ig_timestamp,
            ig_media_urls, images, extracted_data, seller_edits, confidence, status, rejection_reason,
            auto_approved, expires_at, reviewed_at, created_at, updated_at)
        SELECT 'draft_' || g, 'sto_' || s, 'igc_' || s, 'm' || g, 'IMAGE',
               created - (r3 * interval '6 hours'), '[]', '[]', '{}',
               CASE WHEN r2 < 0.72 THEN '{}'::jsonb
                    WHEN r2 < 0.85 THEN '{"price": 1500}'::jsonb
                    WHEN r2 < 0.95 THEN '{"name": "Dress", "category": "Other"}'::jsonb
                    ELSE '{"tags": ["x"], "variants": []}'::jsonb END,
               round((0.2 + r3 * 0.8)::numeric, 2),
               status,
               CASE WHEN status = 'rejected' THEN (ARRAY['not_a_product', 'duplicate', 'other'])[1 + (g % 3)] END,
               status = 'approved' AND r2 < 0.1,
               created + interval '7 days',
               CASE WHEN status IN ('approved', 'rejected') THEN created + (r2 * interval '2 days') END,
               created, created
        FROM (
            SELECT g, 1 + (g % :stores) AS s, random() AS r2, random() AS r3,
                   -- time-ordered, as real drafts are inserted: draft g is g/N of the way through the year
                   now() - ((1 - g::float / :drafts) * interval '365 days') - (random() * interval '1 hour') AS created,
                   CASE WHEN r < 0.55 THEN 'approved' WHEN r < 0.70 THEN 'rejected'
                        WHEN r < 0.85 THEN 'expired' WHEN r < 0.98 THEN 'pending' ELSE 'withdrawn' END AS status
            FROM (SELECT g, random() AS r FROM generate_series(1, :drafts) g) base
        ) d"""),
    ("product", """
        INSERT INTO product (id, store_id, name, slug, currency, tags, variants, images, status, source_type,
                             source_external_id, source_imported_at, created_at, updated_at)
        SELECT 'prd_' || substr(id, 7), store_id, 'Product', 'p-' || substr(id, 7), 'KES', '[]', '[]', '[]',
               'active', 'instagram', ig_media_id, reviewed_at, reviewed_at, reviewed_at
        FROM product_draft WHERE status = 'approved'"""),
    ("instagram_sync_history", """
        INSERT INTO instagram_sync_history (id, store_id, connection_id, sync_type, status, options, posts_found,
            posts_processed, drafts_created, products_updated, posts_skipped, posts_failed, api_calls_used,
            errors, created_at, started_at, completed_at, duration_ms)
        SELECT 'sync_' || g, 'sto_' || s, 'igc_' || s,
               CASE WHEN g % 10 = 0 THEN 'bulk_import' ELSE 'incremental_sync' END,
               CASE WHEN r < 0.9 THEN 'success' WHEN r < 0.96 THEN 'partial_success' ELSE 'failed' END,
               '{}', 50, 40 + (g % 20), 30, 0, 0, CASE WHEN r >= 0.9 THEN g % 5 ELSE 0 END, 1 + (g % 12), '[]',
               started, started, started + interval '40 seconds', 40000
        FROM (SELECT g, 1 + (g % :stores) AS s, random() AS r,
                     now() - (random() * interval '365 days') AS started
              FROM generate_series(1, :syncs) g) x"""),
    ("ai_call", """
        INSERT INTO ai_call (id, store_id, provider, model, input_tokens, output_tokens, cost_usd, ok,
                             latency_ms, created_at)
        SELECT 'aic_' || g, 'sto_' || (1 + g % :stores), 'openai', 'gpt-4o-mini', 600, 120, 0.000162,
               random() > 0.02, 700, now() - (random() * interval '365 days')
        FROM generate_series(1, :ai_calls) g"""),
    ("api_budget_snapshot", """
        INSERT INTO api_budget_snapshot (id, store_id, connection_id, ig_user_id, usage_percent,
                                         calls_in_window, remaining_calls, throttled, taken_at)
        SELECT 'abs_' || s || '_' || d, 'sto_' || s, 'igc_' || s, '1784' || s, 5 + (d % 90), 20 + (d % 90),
               100, (s * d) % 997 = 0, now() - (d * interval '1 day')
        FROM generate_series(1, :stores) s, generate_series(0, 364) d"""),
    ("instagram_webhook_event", """
        INSERT INTO instagram_webhook_event (id, dedup_key, store_id, field, payload, status, attempts, received_at)
        SELECT 'whe_' || g, 'k' || g, 'sto_' || (1 + g % :stores), 'comments', '{}',
               CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'processed' END, 1,
               now() - (random() * interval '365 days')
        FROM generate_series(1, :events) g"""),
]


def generate(url: str, stores: int = 200, drafts: int = 1_000_000, syncs: int = 5_000,
             ai_calls: int = 200_000, events: int = 100_000, echo=print) -> None:
    """Fill a migrated, empty database; prints each table's time."""
    params = {"stores": stores, "drafts": drafts, "syncs": syncs, "ai_calls": ai_calls, "events": events}
    engine = create_engine(url)
    with engine.begin() as conn:
        for table, sql in STEPS:
            started = time.perf_counter()
            conn.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
            echo(f"  {table:<24} {time.perf_counter() - started:6.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a migrated, empty PostgreSQL database")
    parser.add_argument("--drafts", type=int, default=1_000_000)
    args = parser.parse_args()
    generate(args.url, drafts=args.drafts)
