"""Usage records for analytics (AI calls, Graph API budget readings) and the AI readings cache."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.models.base import Base


class AICall(Base):
    """One call to an AI provider (OpenAI, Gemini), so analytics can sum calls, tokens and cost.

    Written by `core.services.usage.ai_usage.record_ai_call`; cache hits are not calls and are
    not recorded.
    """

    __tablename__ = "ai_call"
    __table_args__ = (
        Index("ix_ai_call_store_id_created_at", "store_id", "created_at"),
        Index("ix_ai_call_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # aic_...
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    draft_id: Mapped[str | None] = mapped_column(String(40))
    provider: Mapped[str] = mapped_column(String(16))  # openai | gemini
    model: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str | None] = mapped_column(String(32))  # caption | image | ...
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(12, 6), default=Decimal("0"))
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(String(200))
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class ApiBudgetSnapshot(Base):
    """What the Graph budget tracker knew about one account at one moment.

    The tracker lives in each worker process; persisting a snapshot after each scan or
    poll lets analytics chart usage against the budget and see when Meta throttled us.
    """

    __tablename__ = "api_budget_snapshot"
    __table_args__ = (
        Index("ix_api_budget_snapshot_store_id_taken_at", "store_id", "taken_at"),
        Index("ix_api_budget_snapshot_taken_at", "taken_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # abs_...
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("instagram_connection.id"))
    ig_user_id: Mapped[str] = mapped_column(String(64))
    usage_percent: Mapped[float | None] = mapped_column(Float)  # Meta's figure, 0-100+
    calls_in_window: Mapped[int] = mapped_column(Integer, default=0)  # our calls, last 24 h
    remaining_calls: Mapped[int | None] = mapped_column(Integer)  # before the headroom line
    throttled: Mapped[bool] = mapped_column(Boolean, default=False)  # Meta said stop
    blocked_until: Mapped[datetime | None]
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExtractionCacheEntry(Base):
    """One AI reading of a caption (and image) under one extractor version, shared by every worker.

    Keyed by `core.extraction.cache.cache_key`, so a re-scan, a retried scan or a restarted
    worker never pays twice for the same reading. Only readings whose AI calls all succeeded
    are kept (a fallback is retried later). Written by `core.extraction.db_cache.DatabaseCache`.
    """

    __tablename__ = "extraction_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    result: Mapped[str] = mapped_column(Text)  # the ExtractedProduct as JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
