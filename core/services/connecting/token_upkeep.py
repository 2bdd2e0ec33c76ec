"""The worker's token upkeep: refresh tokens before they expire, validate them now and then, and
tell a store whose connection stopped working.

A 60-day token that nobody refreshes dies quietly, and polling with a dead token only
fails; so the job refreshes every token inside `token_refresh_margin_days`, proves each
active token works once per `token_validate_interval_hours` (one cheap call), and
notifies the store once per change when its connection is expired, revoked by Meta, or
broken, with the reason. The refresh and validation are the connect issue's functions
(`core.services.connecting.connection_lifecycle`), run as the system actor.

Every worker runs this job, so a worker claims one due connection at a time (an
`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)` that sets
`token_upkeep_claimed_until`, as polling claims accounts) and gives it back when done:
no token is refreshed or validated twice at once, and two refreshes never race to store
their tokens. A run walks the connections in id order, so it never claims one twice; a
crashed worker's claim runs out after `CLAIM_SECONDS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.orm import Session

from core.clock import FrozenClock
from core.models import InstagramConnection
from core.security import SYSTEM
from core.services.connecting.connect_types import ConnectDeps, ConnectFailed
from core.services.connecting.connection_lifecycle import refresh_due_in_sql, refresh_token, validate_connection
from core.services.review.notifications import notify_connection_broken

log = logging.getLogger("catalog_sync.tokens")

BROKEN = ("expired", "revoked", "error")
# Long enough for one token's refresh and validation with Meta's retries (two calls, each up to
# four tries of a 30 s read): a live worker never loses its claim, a dead one's frees in minutes.
CLAIM_SECONDS = 300.0
C = InstagramConnection


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
    after = ""
    while (claimed := _claim_next(session, deps, after=after, validate_every=validate_every)) is not None:
        after = claimed.id
        try:
            _upkeep_one(session, deps, claimed, validate_every, report)
        finally:
            _release(session, claimed.id)
    notify_broken_connections(session, deps.clock.now(), report)
    return report


def _upkeep_one(session: Session, deps: ConnectDeps, claimed: Row, every: timedelta, report: UpkeepReport) -> None:
    """Refresh the claimed token if due (refresh_token decides), then validate it if due."""
    try:
        if refresh_token(session, deps, SYSTEM, claimed.store_id).refreshed:
            report.refreshed.append(claimed.id)
        if claimed.last_validated_at is None or claimed.last_validated_at <= deps.clock.now() - every:
            validate_connection(session, deps, SYSTEM, claimed.store_id)
            report.validated.append(claimed.id)
    except ConnectFailed as problem:  # marked on the row when the token is dead; Meta down: next run
        session.rollback()
        report.failed[claimed.id] = problem.code


def _claim_next(session: Session, deps: ConnectDeps, *, after: str, validate_every: timedelta) -> Row | None:
    """Take the next active connection after `after` (by id) that is due and nobody holds; commits."""
    now = deps.clock.now()
    unclaimed = or_(C.token_upkeep_claimed_until.is_(None), C.token_upkeep_claimed_until < now)
    due = (
        select(C.id)
        .where(C.status == "active", C.access_token_encrypted.is_not(None), C.id > after, unclaimed)
        .where(or_(refresh_due_in_sql(deps, now), C.last_validated_at.is_(None),
                   C.last_validated_at <= now - validate_every))
        .order_by(C.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .cte("due_upkeep")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    claimed = session.execute(
        update(C)
        .where(C.id.in_(select(due.c.id)), unclaimed)
        .values(token_upkeep_claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        .returning(C.id, C.store_id, C.last_validated_at)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    return claimed


def _release(session: Session, connection_id: str) -> None:
    session.execute(update(C).where(C.id == connection_id).values(token_upkeep_claimed_until=None)
                    .execution_options(synchronize_session=False))
    session.commit()


def notify_broken_connections(session: Session, now: datetime, report: UpkeepReport | None = None) -> int:
    """One notice per connection and status change; a seller's own disconnect (token wiped) gets none."""
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
