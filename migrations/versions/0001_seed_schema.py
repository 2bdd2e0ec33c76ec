"""seed schema: the seed plan's five tables plus minimal seller_profile and store

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 03:20:18.991297
"""
from alembic import op
import sqlalchemy as sa
import core.models
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seller_profile',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=True),
    sa.Column('business_name', sa.String(length=200), nullable=False),
    sa.Column('instagram_connected', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('ig_business_account_id', sa.String(length=64), nullable=True),
    sa.Column('fb_page_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_profile'))
    )
    with op.batch_alter_table('seller_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_profile_user_id'), ['user_id'], unique=False)

    op.create_table('store',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('seller_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('default_currency', sa.String(length=3), server_default='KES', nullable=False),
    sa.Column('social_source', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['seller_profile.id'], name=op.f('fk_store_seller_id_seller_profile')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store')),
    sa.UniqueConstraint('slug', name=op.f('uq_store_slug'))
    )
    with op.batch_alter_table('store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_store_seller_id'), ['seller_id'], unique=False)

    op.create_table('instagram_connection',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=40), nullable=False),
    sa.Column('seller_id', sa.String(length=40), nullable=False),
    sa.Column('login_flow', sa.String(length=16), nullable=False),
    sa.Column('ig_user_id', sa.String(length=64), nullable=False),
    sa.Column('ig_username', sa.String(length=100), nullable=True),
    sa.Column('ig_profile_picture_url', sa.Text(), nullable=True),
    sa.Column('fb_page_id', sa.String(length=64), nullable=True),
    sa.Column('access_token_encrypted', sa.Text(), nullable=True),
    sa.Column('token_expires_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('token_refreshed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('data_access_expires_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('webhook_subscribed', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('webhook_subscribed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('connected_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_synced_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_validated_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['seller_profile.id'], name=op.f('fk_instagram_connection_seller_id_seller_profile')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_instagram_connection_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instagram_connection')),
    sa.UniqueConstraint('store_id', name=op.f('uq_instagram_connection_store_id'))
    )
    with op.batch_alter_table('instagram_connection', schema=None) as batch_op:
        batch_op.create_index('ix_instagram_connection_ig_user_id', ['ig_user_id'], unique=False)
        batch_op.create_index('ix_instagram_connection_status', ['status'], unique=False)

    op.create_table('instagram_webhook_event',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('ig_user_id', sa.String(length=64), nullable=True),
    sa.Column('media_id', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('store_id', sa.String(length=40), nullable=True),
    sa.Column('received_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('processed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_instagram_webhook_event_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instagram_webhook_event')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_instagram_webhook_event_dedup_key'))
    )
    with op.batch_alter_table('instagram_webhook_event', schema=None) as batch_op:
        batch_op.create_index('ix_instagram_webhook_event_ig_user_id', ['ig_user_id'], unique=False)
        batch_op.create_index('ix_instagram_webhook_event_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('product',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=220), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('compare_at_price', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('variants', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('images', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source_type', sa.String(length=16), nullable=False),
    sa.Column('source_external_id', sa.String(length=64), nullable=True),
    sa.Column('source_permalink', sa.Text(), nullable=True),
    sa.Column('source_caption', sa.Text(), nullable=True),
    sa.Column('source_imported_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source_deleted_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('vendly_edited_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_product_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('store_id', 'slug', name=op.f('uq_product_store_id_slug'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index('ix_product_source_external_id', ['source_type', 'source_external_id'], unique=False)
        batch_op.create_index('ix_product_store_id_status', ['store_id', 'status'], unique=False)

    op.create_table('instagram_sync_history',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=40), nullable=False),
    sa.Column('connection_id', sa.String(length=40), nullable=True),
    sa.Column('sync_type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('posts_found', sa.Integer(), nullable=False),
    sa.Column('posts_processed', sa.Integer(), nullable=False),
    sa.Column('drafts_created', sa.Integer(), nullable=False),
    sa.Column('products_updated', sa.Integer(), nullable=False),
    sa.Column('posts_skipped', sa.Integer(), nullable=False),
    sa.Column('posts_failed', sa.Integer(), nullable=False),
    sa.Column('api_calls_used', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('requested_by', sa.String(length=40), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('started_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['instagram_connection.id'], name=op.f('fk_instagram_sync_history_connection_id_instagram_connection')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_instagram_sync_history_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instagram_sync_history'))
    )
    with op.batch_alter_table('instagram_sync_history', schema=None) as batch_op:
        batch_op.create_index('ix_instagram_sync_history_status', ['status'], unique=False)
        batch_op.create_index('ix_instagram_sync_history_store_id_started_at', ['store_id', 'started_at'], unique=False)

    op.create_table('product_draft',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.String(length=40), nullable=False),
    sa.Column('connection_id', sa.String(length=40), nullable=True),
    sa.Column('ig_media_id', sa.String(length=64), nullable=False),
    sa.Column('ig_media_type', sa.String(length=32), nullable=False),
    sa.Column('ig_permalink', sa.Text(), nullable=True),
    sa.Column('ig_caption', sa.Text(), nullable=True),
    sa.Column('ig_timestamp', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ig_media_urls', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('images', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('extracted_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('seller_edits', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('extractor', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rejection_reason', sa.String(length=32), nullable=True),
    sa.Column('rejection_note', sa.Text(), nullable=True),
    sa.Column('product_id', sa.String(length=40), nullable=True),
    sa.Column('auto_approved', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('expires_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=40), nullable=True),
    sa.Column('source_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('sync_history_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', core.models.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['instagram_connection.id'], name=op.f('fk_product_draft_connection_id_instagram_connection')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_draft_product_id_product')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_product_draft_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_draft')),
    sa.UniqueConstraint('ig_media_id', name=op.f('uq_product_draft_ig_media_id'))
    )
    with op.batch_alter_table('product_draft', schema=None) as batch_op:
        batch_op.create_index('ix_product_draft_status_expires_at', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_product_draft_store_id_confidence', ['store_id', 'confidence'], unique=False)
        batch_op.create_index('ix_product_draft_store_id_status', ['store_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('product_draft', schema=None) as batch_op:
        batch_op.drop_index('ix_product_draft_store_id_status')
        batch_op.drop_index('ix_product_draft_store_id_confidence')
        batch_op.drop_index('ix_product_draft_status_expires_at')

    op.drop_table('product_draft')
    with op.batch_alter_table('instagram_sync_history', schema=None) as batch_op:
        batch_op.drop_index('ix_instagram_sync_history_store_id_started_at')
        batch_op.drop_index('ix_instagram_sync_history_status')

    op.drop_table('instagram_sync_history')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_store_id_status')
        batch_op.drop_index('ix_product_source_external_id')

    op.drop_table('product')
    with op.batch_alter_table('instagram_webhook_event', schema=None) as batch_op:
        batch_op.drop_index('ix_instagram_webhook_event_status_next_attempt_at')
        batch_op.drop_index('ix_instagram_webhook_event_ig_user_id')

    op.drop_table('instagram_webhook_event')
    with op.batch_alter_table('instagram_connection', schema=None) as batch_op:
        batch_op.drop_index('ix_instagram_connection_status')
        batch_op.drop_index('ix_instagram_connection_ig_user_id')

    op.drop_table('instagram_connection')
    with op.batch_alter_table('store', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_store_seller_id'))

    op.drop_table('store')
    with op.batch_alter_table('seller_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seller_profile_user_id'))

    op.drop_table('seller_profile')
