"""token_upkeep_claimed_until on instagram_connection: one worker refreshes and validates a token at a time

Every worker ran the token-upkeep job over the same due connections, so each token was
refreshed and validated once per worker (duplicate Graph calls, and two refreshes racing
to store their tokens). A worker now claims a connection (FOR UPDATE SKIP LOCKED) by
setting this column; a dead worker's claim simply runs out.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

import core.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instagram_connection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_upkeep_claimed_until", core.models.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instagram_connection", schema=None) as batch_op:
        batch_op.drop_column("token_upkeep_claimed_until")
