"""job retry columns: attempts/next_attempt_at/last_error on instagram_sync_history,
signed_with on instagram_webhook_event

core/jobs.py claims, fences and retries both tables the same way; the sync history
needed the retry bookkeeping the webhook events already had. `signed_with` records
which app secret (Facebook Login or Instagram Login) a delivery's signature matched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import core.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instagram_sync_history") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_attempt_at", core.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    with op.batch_alter_table("instagram_webhook_event") as batch:
        batch.add_column(sa.Column("signed_with", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instagram_webhook_event") as batch:
        batch.drop_column("signed_with")
    with op.batch_alter_table("instagram_sync_history") as batch:
        batch.drop_column("last_error")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
