"""notifications and review: the in-app notification table; product.source_snapshot (the
values a product was approved from, the base of edit sync); product_draft.expiry_reminded_at
(the expiry reminder is sent once); an index for paging the review grid

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:28:04.482739
"""
from alembic import op
import sqlalchemy as sa
import core.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('draft_id', sa.String(length=40), nullable=True),
    sa.Column('dedup_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('read_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_notification_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_notification_dedup_key'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_store_id_created_at', ['store_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notification_store_id_read_at', ['store_id', 'read_at'], unique=False)

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_snapshot', core.models.JSONType, nullable=True))

    with op.batch_alter_table('product_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_reminded_at', core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_product_draft_store_id_status_created_at', ['store_id', 'status', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('product_draft', schema=None) as batch_op:
        batch_op.drop_index('ix_product_draft_store_id_status_created_at')
        batch_op.drop_column('expiry_reminded_at')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('source_snapshot')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_store_id_read_at')
        batch_op.drop_index('ix_notification_store_id_created_at')

    op.drop_table('notification')
