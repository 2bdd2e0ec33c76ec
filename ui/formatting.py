"""Small display helpers shared by pages."""

from __future__ import annotations

from datetime import datetime

from core.clock import utcnow


def time_ago(when: datetime, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', '4 days ago': easier to read at a glance than a timestamp."""
    minutes = int(((now or utcnow()) - when).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"
