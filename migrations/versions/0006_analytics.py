"""analytics: ai_call and api_budget_snapshot tables, and indexes for date-range figures

ai_call records every AI provider call (tokens, cost, latency, ok/failed) for the
analytics page; api_budget_snapshot persists what each worker's Graph budget tracker
knew, so usage can be charted against the budget. The indexes let the analytics
queries read a date range of drafts and products instead of whole tables.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import core.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_call",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=True),
        sa.Column("draft_id", sa.String(length=40), nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", core.models.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False,
        ),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_ai_call_store_id_store")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_call")),
    )
    with op.batch_alter_table("ai_call", schema=None) as batch_op:
        batch_op.create_index("ix_ai_call_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_ai_call_store_id_created_at", ["store_id", "created_at"], unique=False)

    op.create_table(
        "api_budget_snapshot",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=True),
        sa.Column("connection_id", sa.String(length=40), nullable=True),
        sa.Column("ig_user_id", sa.String(length=64), nullable=False),
        sa.Column("usage_percent", sa.Float(), nullable=True),
        sa.Column("calls_in_window", sa.Integer(), nullable=False),
        sa.Column("remaining_calls", sa.Integer(), nullable=True),
        sa.Column("throttled", sa.Boolean(), nullable=False),
        sa.Column("blocked_until", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("taken_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["instagram_connection.id"],
            name=op.f("fk_api_budget_snapshot_connection_id_instagram_connection"),
        ),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_api_budget_snapshot_store_id_store")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_budget_snapshot")),
    )
    with op.batch_alter_table("api_budget_snapshot", schema=None) as batch_op:
        batch_op.create_index("ix_api_budget_snapshot_taken_at", ["taken_at"], unique=False)
        batch_op.create_index(
            "ix_api_budget_snapshot_store_id_taken_at", ["store_id", "taken_at"], unique=False
        )

    with op.batch_alter_table("product_draft", schema=None) as batch_op:
        batch_op.create_index("ix_product_draft_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_product_draft_store_id_created_at", ["store_id", "created_at"], unique=False
        )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index("ix_product_source_imported_at", ["source_imported_at"], unique=False)
        batch_op.create_index(
            "ix_product_store_id_source_imported_at", ["store_id", "source_imported_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_store_id_source_imported_at")
        batch_op.drop_index("ix_product_source_imported_at")
    with op.batch_alter_table("product_draft", schema=None) as batch_op:
        batch_op.drop_index("ix_product_draft_store_id_created_at")
        batch_op.drop_index("ix_product_draft_created_at")
    with op.batch_alter_table("api_budget_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_api_budget_snapshot_store_id_taken_at")
        batch_op.drop_index("ix_api_budget_snapshot_taken_at")
    op.drop_table("api_budget_snapshot")
    with op.batch_alter_table("ai_call", schema=None) as batch_op:
        batch_op.drop_index("ix_ai_call_store_id_created_at")
        batch_op.drop_index("ix_ai_call_created_at")
    op.drop_table("ai_call")
