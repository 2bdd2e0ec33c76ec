"""Prefixed text ids (`prd_...`, `draft_...`, `igc_...`), readable in logs and URLs."""

import secrets
import time


def new_id(prefix: str) -> str:
    """A time-ordered, random id: 10 hex digits of milliseconds then 12 random ones.

    Time order keeps btree inserts local and makes ids sort roughly by creation.
    """
    millis = int(time.time() * 1000)
    return f"{prefix}_{millis:010x}{secrets.token_hex(6)}"
