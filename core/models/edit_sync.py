"""Edit sync: three-way conflicts and the log of every change to a product."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.models.base import Base, JSONType, TimestampMixin


class SyncConflict(TimestampMixin, Base):
    """An Instagram edit that met a product a person had changed in Vendly (migration 0008).

    `fields` holds, per field, the base both sides came from, Instagram's value and
    Vendly's, so a person can choose field by field; nothing is written to the product
    until they do. One open conflict per product: a repeated edit updates it.
    """

    __tablename__ = "sync_conflict"
    __table_args__ = (
        Index("ix_sync_conflict_store_id_status_updated_at", "store_id", "status", "updated_at"),
        Index(
            "uq_sync_conflict_open_product_id",
            "product_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # scf_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"))
    draft_id: Mapped[str | None] = mapped_column(String(40))
    ig_media_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|resolved|dismissed
    # {field: {base, instagram, vendly, vendly_changed, instagram_invalid, suggested}}
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Instagram's side in full (the next base once resolved) and the caption it was read from.
    instagram_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    instagram_caption: Mapped[str | None] = mapped_column(Text)
    detections: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # {field: {choice, value}}
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(40))
    dismissed_reason: Mapped[str | None] = mapped_column(Text)


class ProductChange(Base):
    """One change to a synced post's draft or product: what, when, and from which side.

    `side` is "instagram" (the post changed), "vendly" (a person edited the product) or
    "resolution" (a person chose between the two); `changes` is {field: {from, to}}.
    """

    __tablename__ = "product_change"
    __table_args__ = (
        Index("ix_product_change_store_id_created_at", "store_id", "created_at"),
        Index("ix_product_change_ig_media_id_created_at", "ig_media_id", "created_at"),
        Index("ix_product_change_product_id_created_at", "product_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # pch_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    product_id: Mapped[str | None] = mapped_column(String(40))
    draft_id: Mapped[str | None] = mapped_column(String(40))
    ig_media_id: Mapped[str | None] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))  # instagram|vendly|resolution
    action: Mapped[str] = mapped_column(String(32))  # draft_updated|product_updated|conflict_opened|...
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(40))  # app_user id, or "system"
    conflict_id: Mapped[str | None] = mapped_column(String(40))
    sync_history_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
