"""oauth state: the OAuth `state` we expect back (hashed, bound to user, store and flow,
single use, 10-minute life), and a pending Page choice for Facebook Login; a partial unique
index so one Instagram account has at most one live (not revoked) connection

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:28:28.460256
"""
from alembic import op
import sqlalchemy as sa
import core.models
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oauth_state',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=40), nullable=False),
    sa.Column('login_flow', sa.String(length=16), nullable=False),
    sa.Column('redirect_uri', sa.Text(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pending_token_encrypted', sa.Text(), nullable=True),
    sa.Column('pending', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('pending_expires_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_oauth_state_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_state')),
    sa.UniqueConstraint('state_hash', name=op.f('uq_oauth_state_state_hash'))
    )
    with op.batch_alter_table('oauth_state', schema=None) as batch_op:
        batch_op.create_index('ix_oauth_state_store_id_created_at', ['store_id', 'created_at'], unique=False)
    with op.batch_alter_table('instagram_connection', schema=None) as batch_op:
        batch_op.create_index(
            'uq_instagram_connection_live_ig_user_id', ['ig_user_id'], unique=True,
            postgresql_where=sa.text("status <> 'revoked'"), sqlite_where=sa.text("status <> 'revoked'"),
        )



def downgrade() -> None:
    with op.batch_alter_table('instagram_connection', schema=None) as batch_op:
        batch_op.drop_index('uq_instagram_connection_live_ig_user_id')
    with op.batch_alter_table('oauth_state', schema=None) as batch_op:
        batch_op.drop_index('ix_oauth_state_store_id_created_at')

    op.drop_table('oauth_state')
