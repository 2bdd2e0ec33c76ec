"""Migrations: up, down, up again on both backends; no drift between models and migrations;
the live schema holds every seed table with its columns, unique constraints and indexes."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from core.migrate import downgrade_to_base, upgrade_to_head
from core.models import Base

SEED_TABLES = {
    "instagram_connection", "product", "product_draft",
    "instagram_sync_history", "instagram_webhook_event", "seller_profile", "store", "app_user",
}


def test_upgrade_downgrade_upgrade(database_url):
    downgrade_to_base(database_url)
    engine = create_engine(database_url)
    assert not SEED_TABLES & set(inspect(engine).get_table_names())
    upgrade_to_head(database_url)
    assert SEED_TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_live_schema_has_every_column_constraint_and_index(engine):
    live = inspect(engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in live.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    uniques = {
        (u["name"]) for t in ("product_draft", "product", "instagram_webhook_event", "instagram_connection")
        for u in live.get_unique_constraints(t)
    }
    assert {
        "uq_product_draft_ig_media_id", "uq_product_store_id_slug",
        "uq_instagram_webhook_event_dedup_key", "uq_instagram_connection_store_id",
    } <= uniques
    draft_indexes = {i["name"] for i in live.get_indexes("product_draft")}
    assert {"ix_product_draft_store_id_status", "ix_product_draft_status_expires_at"} <= draft_indexes


def test_json_columns_are_jsonb_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        return
    column = {c["name"]: c for c in inspect(engine).get_columns("product_draft")}["extracted_data"]
    assert column["type"].__class__.__name__ == "JSONB"
