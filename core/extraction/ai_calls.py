"""What the AI adapters share: one error type with a kind, and bounded retries through the limiter.

The SDKs' own retries are switched off so every attempt, retries included,
passes the rate limiter; only transient failures (429, 5xx, timeouts,
connection errors) are retried, and never more than `attempts` times.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Callable, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from core.extraction.limiter import RateLimiter
from core.extraction.schema import AIUsage

T = TypeVar("T")

TRANSIENT_KINDS = frozenset({"rate_limited", "server_error", "timeout", "connection"})


class AIError(Exception):
    """An AI call that gave us nothing usable. `kind` says why; the message never holds a key."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT_KINDS


class AIFailure(Exception):
    """An AIError together with the usage record of the failed call (for analytics)."""

    def __init__(self, error: AIError, usage: AIUsage) -> None:
        super().__init__(str(error))
        self.error = error
        self.usage = usage


def measured_call(
    usage: AIUsage, call: Callable[[], T], limiter: RateLimiter | None, attempts: int, initial_wait: float
) -> tuple[T, AIUsage]:
    """`call_with_retries`, recording latency and the outcome on `usage`; failures raise AIFailure."""
    started = time.perf_counter()
    try:
        return call_with_retries(call, limiter, attempts, initial_wait), usage
    except AIError as error:
        usage.ok, usage.error = False, error.kind
        raise AIFailure(error, usage) from error
    except Exception as error:  # an SDK or parsing surprise is a failed call too, never a crash of the scan
        unexpected = AIError("unexpected", f"{type(error).__name__} while reading the answer")
        usage.ok, usage.error = False, unexpected.kind
        raise AIFailure(unexpected, usage) from error
    finally:
        usage.latency_ms = int((time.perf_counter() - started) * 1000)


def call_with_retries(
    call: Callable[[], T], limiter: RateLimiter | None, attempts: int, initial_wait: float
) -> T:
    """Run `call` inside a limiter slot, retrying transient AIErrors with jittered backoff."""
    retrying = Retrying(
        stop=stop_after_attempt(max(1, attempts)),
        wait=wait_exponential_jitter(initial=initial_wait, max=max(initial_wait, 8.0), jitter=initial_wait),
        retry=retry_if_exception(lambda error: isinstance(error, AIError) and error.transient),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            with limiter.slot() if limiter is not None else nullcontext():
                return call()
    raise AssertionError("unreachable")  # pragma: no cover
