"""browser_key_hash on oauth_state: a state started for a browser is finished only by that browser

Anyone holding a live state (it travels in the dialog URL, so it leaks through history,
logs and referrers) could finish the flow with their own Instagram account and be handed
the starter's login ticket. A state started from the Connect page now carries the SHA-256
of a random browser key, which the sidecar's /oauth/start puts in an HttpOnly cookie and
the callback must present. NULL: a state started and finished server-side.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("browser_key_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_state", schema=None) as batch_op:
        batch_op.drop_column("browser_key_hash")
