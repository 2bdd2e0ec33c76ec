"""polling state on instagram_connection: next/last poll, adaptive interval, claim, hint, hourly budget

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

import core.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TIMES = ("poll_next_at", "poll_last_at", "poll_claimed_until", "poll_hinted_at", "poll_hour_started_at",
         "reconcile_next_at")


def upgrade() -> None:
    with op.batch_alter_table("instagram_connection", schema=None) as batch_op:
        for name in TIMES:
            batch_op.add_column(sa.Column(name, core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("poll_last_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("poll_interval_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("poll_calls_this_hour", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("poll_hourly_budget", sa.Integer(), nullable=True))
        batch_op.create_index("ix_instagram_connection_status_poll_next_at", ["status", "poll_next_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("instagram_connection", schema=None) as batch_op:
        batch_op.drop_index("ix_instagram_connection_status_poll_next_at")
        for name in ("poll_hourly_budget", "poll_calls_this_hour", "poll_interval_seconds", "poll_last_status",
                     *reversed(TIMES)):
            batch_op.drop_column(name)
