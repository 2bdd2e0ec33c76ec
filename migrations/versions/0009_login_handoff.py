"""login_handoff: one-time tickets that log a person back in after the OAuth round trip

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

import core.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_handoff",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("expires_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_login_handoff_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_handoff")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_handoff_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("login_handoff")
