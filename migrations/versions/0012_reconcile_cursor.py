"""reconcile_cursor on instagram_connection: where the reconcile's sweep of older posts stopped

The periodic reconcile re-reads the newest known posts and, after them, the next slice
of the older ones. The cursor is the id of the last draft that slice read, so the next
reconcile carries on from there and every followed post is re-read in turn.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instagram_connection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reconcile_cursor", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instagram_connection", schema=None) as batch_op:
        batch_op.drop_column("reconcile_cursor")
