"""The worker's token upkeep: refresh tokens before they expire, validate them now and then, and
tell a store whose connection stopped working.

A 60-day token that nobody refreshes dies quietly, and polling with a dead token only
fails; so the job refreshes every token inside `token_refresh_margin_days`, proves each
active token works once per `token_validate_interval_hours` (one cheap call), and
notifies the store once per change when its connection is expired, revoked by Meta, or
broken, with the reason. The refresh and validation are the connect issue's functions
(`core.services.connecting.connection_lifecycle`), run as the system actor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.clock import FrozenClock
from core.models import InstagramConnection
from core.security import SYSTEM
from core.services.connecting.connect_types import ConnectDeps, ConnectFailed
from core.services.connecting.connection_lifecycle import (
    connections_due_for_refresh,
    refresh_token,
    validate_connection,
)
from core.services.review.notifications import notify_connection_broken

log = logging.getLogger("catalog_sync.tokens")

BROKEN = ("expired", "revoked", "error")
VALIDATE_BATCH = 50


@dataclass
class UpkeepReport:
    refreshed: list[str] = field(default_factory=list)
    validated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)  # notified once per status change

    def as_dict(self) -> dict[str, Any]:
        return {"refreshed": len(self.refreshed), "validated": len(self.validated), "failed": dict(self.failed),
                "broken": len(self.broken)}


def keep_tokens_fresh(session: Session, deps: ConnectDeps, *, validate_every: timedelta) -> UpkeepReport:
    """Refresh what is due, validate what was not checked lately, notify broken ones. Commits."""
    report = UpkeepReport()
    for connection_id, store_id in connections_due_for_refresh(session, deps):
        _refresh_one(session, deps, connection_id, store_id, report)
    for connection_id, store_id in _due_for_validation(session, deps.clock.now(), validate_every):
        _validate_one(session, deps, connection_id, store_id, report)
    notify_broken_connections(session, deps.clock.now(), report)
    return report


def _refresh_one(session: Session, deps: ConnectDeps, connection_id: str, store_id: str, report: UpkeepReport) -> None:
    try:
        if refresh_token(session, deps, SYSTEM, store_id).refreshed:
            report.refreshed.append(connection_id)
    except ConnectFailed as problem:  # marked on the row when the token is dead; Meta down: next run
        session.rollback()
        report.failed[connection_id] = problem.code


def _validate_one(session: Session, deps: ConnectDeps, connection_id: str, store_id: str, report: UpkeepReport) -> None:
    try:
        validate_connection(session, deps, SYSTEM, store_id)
        report.validated.append(connection_id)
    except ConnectFailed as problem:
        session.rollback()
        report.failed[connection_id] = problem.code


def _due_for_validation(session: Session, now: datetime, every: timedelta) -> list[tuple[str, str]]:
    C = InstagramConnection
    rows = session.execute(
        select(C.id, C.store_id)
        .where(C.status == "active", C.access_token_encrypted.is_not(None))
        .where(or_(C.last_validated_at.is_(None), C.last_validated_at <= now - every))
        .order_by(C.last_validated_at.nulls_first(), C.id)
        .limit(VALIDATE_BATCH)
    )
    return [(cid, sid) for cid, sid in rows]


def notify_broken_connections(session: Session, now: datetime, report: UpkeepReport | None = None) -> int:
    """One notice per connection and status change; a seller's own disconnect (token wiped) gets none."""
    C = InstagramConnection
    broken = session.scalars(
        select(C).where(C.status.in_(BROKEN), C.access_token_encrypted.is_not(None))
    ).all()
    for connection in broken:
        notify_connection_broken(session, connection, clock=FrozenClock(now))
        if report is not None:
            report.broken.append(connection.id)
    session.commit()
    return len(broken)


def token_upkeep_job(worker: Any) -> dict[str, Any]:
    """The worker job (`core.worker.JOBS`)."""
    from core.config import get_settings

    settings = worker.extras.get("settings") or get_settings()
    deps = worker.extras.get("connect_deps")
    if deps is None:
        deps = worker.extras["connect_deps"] = ConnectDeps.from_settings(settings, clock=worker.clock)
    every = timedelta(hours=float(settings.token_validate_interval_hours))
    with worker.session() as session:
        return keep_tokens_fresh(session, deps, validate_every=every).as_dict()
