"""Keeping leases alive while long work runs: a scan's one lease, or a batch of events'.

A worker claims rows through `core.jobs` for a lease of N seconds. Work that can
outlast it (a scan waiting on Meta, a batch of events whose look-ups wait on the AI
limiter or a throttle) would otherwise have its rows reaped and done twice, or its
finished work rolled back by the fence. A `LeaseKeeper` renews every lease it holds
on its own connection, a third of a lease apart, until the work lets each one go
with `done` (or the keeper stops). Renewal is fenced like everything else in
`core.jobs`, so a lease that was lost is never brought back: it is reported instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from core import jobs
from core.clock import Clock

log = logging.getLogger("catalog_sync.jobs")


class LeaseKeeper:
    """Renews leases on its own connection while long work runs or waits."""

    def __init__(self, session_factory: Callable[[], AbstractContextManager[Session]], queue: jobs.JobQueue,
                 leases: jobs.Lease | Iterable[jobs.Lease], *, lease_seconds: float, clock: Clock | None = None):
        self.session_factory, self.queue = session_factory, queue
        self.lease_seconds, self.clock = lease_seconds, clock
        held = [leases] if isinstance(leases, jobs.Lease) else list(leases)
        self._held = {lease.row_id: lease for lease in held}
        self._lost_ids: set[str] = set()
        self._lock = threading.Lock()
        self.lost = threading.Event()  # some lease was lost
        self._stop = threading.Event()
        first = held[0].row_id if held else "none"
        self._thread = threading.Thread(target=self._loop, name=f"lease-{first}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def done(self, lease: jobs.Lease) -> None:
        """Stop renewing a lease whose row is finished (its complete/fail ends the lease)."""
        with self._lock:
            self._held.pop(lease.row_id, None)

    def held(self) -> list[jobs.Lease]:
        """The leases still kept: neither done nor lost."""
        with self._lock:
            return list(self._held.values())

    def is_lost(self, lease: jobs.Lease) -> bool:
        with self._lock:
            return lease.row_id in self._lost_ids

    def _loop(self) -> None:
        interval = max(0.2, self.lease_seconds / 3)
        while not self._stop.wait(interval) and self.held():
            try:
                with self.session_factory() as session:
                    for lease in self.held():
                        self._renew(session, lease)
            except Exception:  # a database blip: try again next tick, the leases have slack
                log.exception("%s: lease renewal failed", self.queue.name)

    def _renew(self, session: Session, lease: jobs.Lease) -> None:
        try:
            jobs.renew(session, self.queue, lease, lease_seconds=self.lease_seconds, clock=self.clock)
        except jobs.LeaseLost:
            with self._lock:
                # Not held any more means the work finished it meanwhile: nothing was lost.
                if self._held.pop(lease.row_id, None) is not None:
                    self._lost_ids.add(lease.row_id)
                    self.lost.set()

    def check(self) -> None:
        if self.lost.is_set():
            raise jobs.LeaseLost(f"{self.queue.name}: lease lost ({', '.join(sorted(self._lost_ids))})")

    def wait(self, seconds: float, sleep: Callable[[float], None]) -> None:
        """Sit out a throttle in short naps, noticing a lost lease."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.check()
            sleep(min(left, 1.0))
