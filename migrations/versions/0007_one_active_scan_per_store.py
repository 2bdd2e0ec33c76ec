"""one active bulk import per store: a partial unique index on instagram_sync_history

`request_scan` returns the scan already queued or running for a store instead of
starting a second one. Checking first is not enough when two requests race (two
browser tabs, a double click, the CLI and the UI), so the database enforces it:
a unique index on store_id over the rows with sync_type 'bulk_import' and status
'queued' or 'running' (partial indexes work on both PostgreSQL and SQLite).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ACTIVE_BULK_IMPORT = "sync_type = 'bulk_import' AND status IN ('queued', 'running')"


def upgrade() -> None:
    op.create_index(
        "uq_instagram_sync_history_active_bulk_import",
        "instagram_sync_history",
        ["store_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_BULK_IMPORT),
        postgresql_where=sa.text(ACTIVE_BULK_IMPORT),
    )


def downgrade() -> None:
    op.drop_index("uq_instagram_sync_history_active_bulk_import", table_name="instagram_sync_history")
