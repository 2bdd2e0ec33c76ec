"""The schema contract: the seed plan's five tables, plus our minimal `seller_profile` and
`store` and the `app_user` logins, as they stand after the migrations today.

Written down literally (not read from `core.models`), so a column, unique constraint or
index dropped from both the models and the migrations still fails the test. A new
migration may add to these tables; removing or loosening anything here needs a migration
that says why, and an edit to this file in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexSpec:
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class TableContract:
    not_null: tuple[str, ...]
    nullable: tuple[str, ...] = ()
    # name -> the columns it covers, in order
    unique_constraints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # name -> columns and uniqueness; the partial unique indexes are listed here too
    indexes: dict[str, IndexSpec] = field(default_factory=dict)

    def nullability(self) -> dict[str, bool]:
        return {**{c: False for c in self.not_null}, **{c: True for c in self.nullable}}


SEED_CONTRACT: dict[str, TableContract] = {
    "instagram_connection": TableContract(
        not_null=(
            "id", "store_id", "seller_id", "login_flow", "ig_user_id", "scopes", "status",
            "webhook_subscribed", "connected_at", "created_at", "updated_at", "poll_calls_this_hour",
        ),
        nullable=(
            "ig_username", "ig_profile_picture_url", "fb_page_id", "access_token_encrypted",
            "token_expires_at", "token_refreshed_at", "data_access_expires_at", "status_reason",
            "status_changed_at", "webhook_subscribed_at", "last_synced_at", "last_validated_at",
            "poll_next_at", "poll_last_at", "poll_claimed_until", "poll_hinted_at",
            "poll_hour_started_at", "reconcile_next_at", "poll_last_status",
            "poll_interval_seconds", "poll_hourly_budget", "reconcile_cursor",
            "token_upkeep_claimed_until",
        ),
        unique_constraints={
            "uq_instagram_connection_store_id": ("store_id",),
        },
        indexes={
            "ix_instagram_connection_ig_user_id": IndexSpec(("ig_user_id",)),
            "ix_instagram_connection_status": IndexSpec(("status",)),
            "ix_instagram_connection_status_poll_next_at": IndexSpec(("status", "poll_next_at")),
            "uq_instagram_connection_live_ig_user_id": IndexSpec(("ig_user_id",), unique=True),
        },
    ),
    "product": TableContract(
        not_null=(
            "id", "store_id", "name", "slug", "currency", "tags", "variants", "images", "status",
            "source_type", "created_at", "updated_at",
        ),
        nullable=(
            "description", "price", "compare_at_price", "category", "source_external_id",
            "source_permalink", "source_caption", "source_imported_at", "source_deleted_at",
            "vendly_edited_at", "source_snapshot",
        ),
        unique_constraints={
            "uq_product_store_id_slug": ("store_id", "slug"),
        },
        indexes={
            "ix_product_source_external_id": IndexSpec(("source_type", "source_external_id")),
            "ix_product_source_imported_at": IndexSpec(("source_imported_at",)),
            "ix_product_store_id_source_imported_at": IndexSpec(("store_id", "source_imported_at")),
            "ix_product_store_id_status": IndexSpec(("store_id", "status")),
        },
    ),
    "product_draft": TableContract(
        not_null=(
            "id", "store_id", "ig_media_id", "ig_media_type", "ig_media_urls", "images",
            "extracted_data", "seller_edits", "status", "auto_approved", "expires_at", "created_at",
            "updated_at",
        ),
        nullable=(
            "connection_id", "ig_permalink", "ig_caption", "ig_timestamp", "confidence",
            "extractor", "rejection_reason", "rejection_note", "product_id", "reviewed_at",
            "reviewed_by", "source_fingerprint", "sync_history_id", "expiry_reminded_at",
        ),
        unique_constraints={
            "uq_product_draft_ig_media_id": ("ig_media_id",),
        },
        indexes={
            "ix_product_draft_created_at": IndexSpec(("created_at",)),
            "ix_product_draft_status_expires_at": IndexSpec(("status", "expires_at")),
            "ix_product_draft_store_id_confidence": IndexSpec(("store_id", "confidence")),
            "ix_product_draft_store_id_created_at": IndexSpec(("store_id", "created_at")),
            "ix_product_draft_store_id_status": IndexSpec(("store_id", "status")),
            "ix_product_draft_store_id_status_created_at": IndexSpec(("store_id", "status", "created_at")),
        },
    ),
    "instagram_sync_history": TableContract(
        not_null=(
            "id", "store_id", "sync_type", "status", "options", "posts_found", "posts_processed",
            "drafts_created", "products_updated", "posts_skipped", "posts_failed", "api_calls_used",
            "errors", "created_at", "attempts", "lease_expiries",
        ),
        nullable=(
            "connection_id", "requested_by", "lease_owner", "lease_expires_at", "started_at",
            "completed_at", "duration_ms", "next_attempt_at", "last_error",
        ),
        indexes={
            "ix_instagram_sync_history_status": IndexSpec(("status",)),
            "ix_instagram_sync_history_store_id_started_at": IndexSpec(("store_id", "started_at")),
            "uq_instagram_sync_history_active_bulk_import": IndexSpec(("store_id",), unique=True),
        },
    ),
    "instagram_webhook_event": TableContract(
        not_null=(
            "id", "dedup_key", "payload", "status", "attempts", "received_at", "lease_expiries",
        ),
        nullable=(
            "object_type", "field", "ig_user_id", "media_id", "last_error", "next_attempt_at",
            "lease_owner", "lease_expires_at", "store_id", "processed_at", "signed_with",
        ),
        unique_constraints={
            "uq_instagram_webhook_event_dedup_key": ("dedup_key",),
        },
        indexes={
            "ix_instagram_webhook_event_ig_user_id": IndexSpec(("ig_user_id",)),
            "ix_instagram_webhook_event_status_next_attempt_at": IndexSpec(("status", "next_attempt_at")),
        },
    ),
    "seller_profile": TableContract(
        not_null=(
            "id", "business_name", "instagram_connected",
        ),
        nullable=(
            "user_id", "ig_business_account_id", "fb_page_id",
        ),
        indexes={
            "ix_seller_profile_user_id": IndexSpec(("user_id",)),
        },
    ),
    "store": TableContract(
        not_null=(
            "id", "seller_id", "name", "slug", "default_currency", "social_source", "settings",
        ),
        unique_constraints={
            "uq_store_slug": ("slug",),
        },
        indexes={
            "ix_store_seller_id": IndexSpec(("seller_id",)),
        },
    ),
    "app_user": TableContract(
        not_null=(
            "id", "email", "password_hash", "role", "is_active", "created_at", "updated_at",
        ),
        nullable=(
            "store_id", "last_login_at",
        ),
        unique_constraints={
            "uq_app_user_email": ("email",),
        },
    ),
}
