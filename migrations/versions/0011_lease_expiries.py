"""lease_expiries on the work tables: a worker that dies mid-job is not a failed attempt

`attempts` stays the fencing token (it grows with every claim). Leases that simply ran
out are counted apart, so a scan killed three times while making progress is not
failed, and events claimed in a batch by a worker that died are not charged a retry.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("instagram_sync_history", "instagram_webhook_event")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("lease_expiries", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("lease_expiries")
