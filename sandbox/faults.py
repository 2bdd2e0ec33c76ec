"""Faults injected into Graph calls on request, for a count of calls or a share of them.

Kinds: `throttle` (code 4/17/32/613/80002, HTTP 400 by default or `status: 429`),
`server_error` (HTTP 500, code 1), `unavailable` (HTTP 503, code 2), `slow` (answer
after `delay_seconds`), `timeout` (hold the answer `delay_seconds`, default 30, longer
than a client's read timeout), `expired_token` (190/463) and `invalid_token` (190/460).
`path` narrows a fault to requests whose path contains it; `ig_user_id` to one account.
The OAuth token endpoints (`/oauth/access_token`, `/access_token`, `/refresh_access_token`)
take a fault only when its `path` names them, so a fault meant for Graph reads never eats
a connect or a refresh.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from itertools import count

from sandbox import errors

KINDS = {"throttle", "server_error", "unavailable", "slow", "timeout", "expired_token", "invalid_token"}
_ids = count(1)


@dataclass
class Fault:
    kind: str
    count: int | None = None  # fire on the next N matching calls
    share: float | None = None  # or on this share of matching calls, until cleared
    code: int | None = None
    status: int | None = None
    delay_seconds: float | None = None
    path: str | None = None
    ig_user_id: str | None = None
    regain_minutes: int | None = None  # throttles: estimated_time_to_regain_access in error_data
    id: int = field(default_factory=lambda: next(_ids))
    fired: int = 0

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def fault_from_request(body: dict) -> Fault:
    kind = body.get("kind")
    if kind == "429":
        kind, body = "throttle", {**body, "status": 429, "code": body.get("code", 4)}
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS | {'429'})}")
    fault = Fault(kind=kind, count=body.get("count"), share=body.get("share"), code=body.get("code"),
                  status=body.get("status"), delay_seconds=body.get("delay_seconds"), path=body.get("path"),
                  ig_user_id=body.get("ig_user_id"), regain_minutes=body.get("regain_minutes"))
    if fault.count is None and fault.share is None:
        fault.count = 1
    if fault.share is not None and not 0 < float(fault.share) <= 1:
        raise ValueError("share must be in (0, 1]")
    return fault


class FaultBoard:
    def __init__(self, seed: int):
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def draw(self, path: str, ig_user_id: str | None, *, named_only: bool = False) -> Fault | None:
        """The fault that hits this call, if any (counted faults are used up as they fire).

        `named_only`: only a fault whose `path` names this call hits it."""
        with self._lock:
            for fault in self._faults:
                if (fault.path or named_only) and (not fault.path or fault.path not in path):
                    continue
                if fault.ig_user_id and fault.ig_user_id != ig_user_id:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    fault.fired += 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
                if self._rng.random() < float(fault.share):
                    fault.fired += 1
                    return fault
        return None


def act_out(fault: Fault | None, state) -> None:
    """Do what the fault says to the call it hit: hold the answer (slow, timeout), or raise its error."""
    if fault is None:
        return
    if fault.kind in ("slow", "timeout"):
        delay = fault.delay_seconds if fault.delay_seconds is not None else (2.0 if fault.kind == "slow" else 30.0)
        state.stopping.wait(delay)
        return
    if fault.kind == "throttle":
        raise errors.throttled(fault.code or 80002, fault.status or 400, regain_minutes=fault.regain_minutes)
    if fault.kind == "server_error":
        raise errors.unknown_error(fault.status or 500)
    if fault.kind == "unavailable":
        raise errors.service_unavailable(fault.status or 503)
    now = state.clock.now()
    if fault.kind == "expired_token":
        raise errors.token_expired(now, now)
    if fault.kind == "invalid_token":
        raise errors.token_invalidated()
