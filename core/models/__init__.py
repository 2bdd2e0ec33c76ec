"""The data model: SQLAlchemy 2.0 typed ORM.

The seed plan's five tables (`instagram_connection`, `product`, `product_draft`,
`instagram_sync_history`, `instagram_webhook_event`) are the contract; `seller_profile`
and `store` are minimal versions of Vendly's own; `app_user` adds login and roles.
JSON columns are JSONB on PostgreSQL, timestamps are timezone-aware UTC, ids are
prefixed text. Every schema change here needs a migration in `migrations/versions`.

One module per area; import the tables from here.
"""

from core.models.base import (
    NAMING_CONVENTION,
    Base,
    JSONType,
    Money,
    TimestampMixin,
    UTCDateTime,
)
from core.models.catalog import Product, ProductDraft
from core.models.edit_sync import ProductChange, SyncConflict
from core.models.instagram import (
    InstagramConnection,
    InstagramSyncHistory,
    InstagramWebhookEvent,
    OAuthState,
)
from core.models.people import AppUser, LoginHandoff, Notification, SellerProfile, Store
from core.models.usage import AICall, ApiBudgetSnapshot, ExtractionCacheEntry

__all__ = [
    "AICall",
    "ApiBudgetSnapshot",
    "AppUser",
    "Base",
    "ExtractionCacheEntry",
    "InstagramConnection",
    "InstagramSyncHistory",
    "InstagramWebhookEvent",
    "JSONType",
    "LoginHandoff",
    "Money",
    "NAMING_CONVENTION",
    "Notification",
    "OAuthState",
    "Product",
    "ProductChange",
    "ProductDraft",
    "SellerProfile",
    "Store",
    "SyncConflict",
    "TimestampMixin",
    "UTCDateTime",
]
