"""What a post becomes: a draft to review, then a product."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, JSONType, Money, TimestampMixin


class ProductDraft(TimestampMixin, Base):
    """One Instagram post read by the extractor, waiting for a person's decision."""

    __tablename__ = "product_draft"
    __table_args__ = (
        UniqueConstraint("ig_media_id"),
        Index("ix_product_draft_store_id_status", "store_id", "status"),
        Index("ix_product_draft_store_id_confidence", "store_id", "confidence"),
        Index("ix_product_draft_status_expires_at", "status", "expires_at"),
        # Analytics cohorts drafts by creation day, per store and across stores.
        Index("ix_product_draft_store_id_created_at", "store_id", "created_at"),
        Index("ix_product_draft_created_at", "created_at"),
        # The review grid pages a store's drafts of one status, newest first.
        Index("ix_product_draft_store_id_status_created_at", "store_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # draft_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("instagram_connection.id"))
    ig_media_id: Mapped[str] = mapped_column(String(64))
    ig_media_type: Mapped[str] = mapped_column(String(32))
    ig_permalink: Mapped[str | None] = mapped_column(Text)
    ig_caption: Mapped[str | None] = mapped_column(Text)
    ig_timestamp: Mapped[datetime | None]
    ig_media_urls: Mapped[list[Any]] = mapped_column(default=list)  # Instagram's signed addresses
    images: Mapped[list[Any]] = mapped_column(default=list)  # our own copies (media-store keys)
    extracted_data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the AI's output, kept
    seller_edits: Mapped[dict[str, Any]] = mapped_column(default=dict)  # a person's changes
    confidence: Mapped[float | None] = mapped_column(Float)
    extractor: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    product_id: Mapped[str | None] = mapped_column(ForeignKey("product.id"))
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    expires_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(40))  # app_user id, or "auto"
    source_fingerprint: Mapped[str | None] = mapped_column(String(64))
    sync_history_id: Mapped[str | None] = mapped_column(String(40))
    # Set once the "expires tomorrow" reminder has counted this draft, so it is sent once.
    expiry_reminded_at: Mapped[datetime | None]


class Product(TimestampMixin, Base):
    __tablename__ = "product"
    __table_args__ = (
        UniqueConstraint("store_id", "slug"),
        Index("ix_product_store_id_status", "store_id", "status"),
        Index("ix_product_source_external_id", "source_type", "source_external_id"),
        # Analytics: products imported over time, per store and across stores.
        Index("ix_product_store_id_source_imported_at", "store_id", "source_imported_at"),
        Index("ix_product_source_imported_at", "source_imported_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # prd_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    category: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    variants: Mapped[list[Any]] = mapped_column(default=list)
    images: Mapped[list[Any]] = mapped_column(default=list)  # media-store keys
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|draft|hidden
    source_type: Mapped[str] = mapped_column(String(16), default="manual")  # manual|instagram
    source_external_id: Mapped[str | None] = mapped_column(String(64))
    source_permalink: Mapped[str | None] = mapped_column(Text)
    source_caption: Mapped[str | None] = mapped_column(Text)
    source_imported_at: Mapped[datetime | None]
    source_deleted_at: Mapped[datetime | None]
    # Set when a person changes the product in Vendly after import (edit sync uses it).
    vendly_edited_at: Mapped[datetime | None]
    # The values the product was created from at approval: the base of edit sync's
    # three-way comparison (Instagram now vs Vendly now vs this).
    source_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
