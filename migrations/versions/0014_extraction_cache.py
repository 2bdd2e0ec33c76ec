"""extraction_cache: AI readings shared by every worker

The extractor kept its cache in each process's memory, so a restarted worker, a second
worker or a retried scan paid the AI again for readings already made. The readings now
live in the database, keyed by a hash of caption, image, extractor version and currency.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

import core.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "extraction_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_extraction_cache")),
    )


def downgrade() -> None:
    op.drop_table("extraction_cache")
