"""edit sync: sync_conflict and product_change tables

sync_conflict holds an Instagram edit that met a product a person had changed in
Vendly: per field the base, Instagram's value and Vendly's, until a person chooses.
A partial unique index keeps one open conflict per product, so a repeated edit
updates the open conflict instead of adding another. product_change is the per-post
change log (what changed, when, from which side) the Sync page shows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import core.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
OPEN = "status = 'open'"


def _timestamp(name: str, nullable: bool = False, server_default: bool = False) -> sa.Column:
    default = sa.text("(CURRENT_TIMESTAMP)") if server_default else None
    return sa.Column(name, core.models.UTCDateTime(timezone=True), nullable=nullable, server_default=default)


def upgrade() -> None:
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("draft_id", sa.String(length=40), nullable=True),
        sa.Column("ig_media_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("instagram_values", JSON, nullable=False),
        sa.Column("instagram_caption", sa.Text(), nullable=True),
        sa.Column("detections", sa.Integer(), server_default="1", nullable=False),
        sa.Column("resolution", JSON, nullable=True),
        _timestamp("resolved_at", nullable=True),
        sa.Column("resolved_by", sa.String(length=40), nullable=True),
        sa.Column("dismissed_reason", sa.Text(), nullable=True),
        _timestamp("created_at", server_default=True),
        _timestamp("updated_at", server_default=True),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_sync_conflict_product_id_product")),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_sync_conflict_store_id_store")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_conflict_store_id_status_updated_at", ["store_id", "status", "updated_at"], unique=False
        )
        batch_op.create_index(
            "uq_sync_conflict_open_product_id", ["product_id"], unique=True,
            sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN),
        )

    op.create_table(
        "product_change",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=True),
        sa.Column("draft_id", sa.String(length=40), nullable=True),
        sa.Column("ig_media_id", sa.String(length=64), nullable=True),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=40), nullable=True),
        sa.Column("conflict_id", sa.String(length=40), nullable=True),
        sa.Column("sync_history_id", sa.String(length=40), nullable=True),
        _timestamp("created_at", server_default=True),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_product_change_store_id_store")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_change")),
    )
    with op.batch_alter_table("product_change", schema=None) as batch_op:
        batch_op.create_index("ix_product_change_store_id_created_at", ["store_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_product_change_ig_media_id_created_at", ["ig_media_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_product_change_product_id_created_at", ["product_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("product_change", schema=None) as batch_op:
        batch_op.drop_index("ix_product_change_product_id_created_at")
        batch_op.drop_index("ix_product_change_ig_media_id_created_at")
        batch_op.drop_index("ix_product_change_store_id_created_at")
    op.drop_table("product_change")
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index("uq_sync_conflict_open_product_id", sqlite_where=sa.text(OPEN),
                            postgresql_where=sa.text(OPEN))
        batch_op.drop_index("ix_sync_conflict_store_id_status_updated_at")
    op.drop_table("sync_conflict")
