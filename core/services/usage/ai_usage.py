"""Recording AI provider calls, so analytics can count calls, tokens and cost per day.

The extraction engine returns an `AIUsage` per provider call on its result
(`core.extraction.schema.AIUsage`); whoever stores the draft (the scan, the sync
jobs) passes those here in the same transaction. Cache hits cost nothing and are
not recorded as calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.ids import new_id
from core.models import AICall

# USD per million tokens (input, output), as published by each provider. A model not
# listed costs 0 here: the tokens are still counted, and adding a line fixes the cost.
PRICE_PER_MILLION_TOKENS: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
    "gemini-2.5-flash": (Decimal("0.30"), Decimal("2.50")),
    "gemini-2.5-flash-lite": (Decimal("0.10"), Decimal("0.40")),
    "gemini-2.0-flash": (Decimal("0.10"), Decimal("0.40")),
}

_MAX_ERROR_CHARS = 200


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> Decimal:
    """Cost in USD of one call; models with a dated suffix use their family's price."""
    prices = PRICE_PER_MILLION_TOKENS.get(model) or _family_price(model)
    if prices is None:
        return Decimal("0")
    per_in, per_out = prices
    cost = (per_in * input_tokens + per_out * output_tokens) / Decimal(1_000_000)
    return cost.quantize(Decimal("0.000001"))


def _family_price(model: str) -> tuple[Decimal, Decimal] | None:
    # "gpt-4o-mini-2024-07-18" -> "gpt-4o-mini": the longest listed prefix wins.
    matches = [name for name in PRICE_PER_MILLION_TOKENS if model.startswith(name)]
    return PRICE_PER_MILLION_TOKENS[max(matches, key=len)] if matches else None


def record_ai_call(
    session: Session,
    *,
    store_id: str | None,
    provider: str,
    model: str,
    input_tokens: int = 0,
    output_tokens: int = 0,
    ok: bool = True,
    latency_ms: int = 0,
    error: str | None = None,
    operation: str | None = None,
    draft_id: str | None = None,
    clock: Clock | None = None,
) -> AICall:
    """Add one `ai_call` row to the session (the caller commits with its own work)."""
    if input_tokens < 0 or output_tokens < 0 or latency_ms < 0:
        raise ValueError("token counts and latency cannot be negative")
    row = AICall(
        id=new_id("aic"),
        store_id=store_id,
        draft_id=draft_id,
        provider=provider,
        model=model[:64],
        operation=operation,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=estimate_cost(model, input_tokens, output_tokens),
        ok=ok,
        error=(error or None) and error[:_MAX_ERROR_CHARS],
        latency_ms=latency_ms,
        created_at=(clock or SystemClock()).now(),
    )
    session.add(row)
    return row


def record_ai_usages(
    session: Session,
    usages: Iterable[Any],
    *,
    store_id: str | None,
    draft_id: str | None = None,
    clock: Clock | None = None,
) -> list[AICall]:
    """Record the `AIUsage` items an extraction result carries; cached ones are skipped."""
    rows = []
    for usage in usages:
        if getattr(usage, "cached", False):
            continue
        rows.append(
            record_ai_call(
                session,
                store_id=store_id,
                provider=usage.provider,
                model=usage.model,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                ok=usage.ok,
                latency_ms=usage.latency_ms,
                error=usage.error,
                operation=getattr(usage, "operation", None),
                draft_id=draft_id,
                clock=clock,
            )
        )
    return rows

