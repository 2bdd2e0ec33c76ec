"""The one HTTP path to Meta: pooled session, timeouts, appsecret_proof, retries, budget.

Every Graph call goes through `GraphTransport.call`, so the rules hold everywhere:
- one pooled `requests.Session` per process (`shared_session()`), with connect and
  read timeouts on every request;
- `appsecret_proof` = HMAC-SHA256(access token, app secret) on every call;
- transient failures (codes 1/2, 5xx, timeouts) retried with exponential backoff
  and jitter (tenacity); throttling waits as long as Meta says, if that is short
  enough, else raises `RateLimited`; token and permission errors never retry;
- every answer's usage headers go into the account's `BudgetTracker`;
- tokens never reach logs or exception text (`redact`, `raise ... from None`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from core.instagram.budget import BudgetTracker, parse_business_usage
from core.instagram.errors import (
    PayloadInvalid,
    RateLimited,
    ReduceDataRequested,
    TransientError,
    error_from_response,
    redact,
)

log = logging.getLogger("core.instagram")

DEFAULT_TIMEOUT = (3.05, 30.0)  # (connect, read) seconds
USER_AGENT = "catalog-sync/0.1 (+graph-client)"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Defaults suit a worker; tests pass small waits."""

    attempts: int = 4  # total tries for transient errors, first one included
    initial_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5
    max_throttle_wait: float = 120.0  # wait this long at most on a throttle, else raise
    throttle_retries: int = 1
    default_throttle_wait: float = 60.0  # when Meta throttles without saying for how long


# --- one session per process ----------------------------------------------

_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def shared_session() -> requests.Session:
    """The process's pooled session (made again after a fork, as sockets must not be shared)."""
    global _session, _session_pid
    with _session_lock:
        if _session is None or _session_pid != os.getpid():
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers["User-Agent"] = USER_AGENT
            _session, _session_pid = session, os.getpid()
        return _session


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """Meta's proof that a call comes from the app's server: hex HMAC-SHA256 of the token."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


class _RedactingFilter(logging.Filter):
    """urllib3 logs request lines ("GET /v25.0/...?access_token=...") at DEBUG: blank them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = redact(record.getMessage())
            record.args = None
        else:
            record.msg = redact(str(record.msg))
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_RedactingFilter())


class GraphTransport:
    """Sends Graph calls for one host (graph.facebook.com, graph.instagram.com, or the sandbox)."""

    def __init__(
        self,
        base_url: str,
        api_version: str | None,
        *,
        app_secret: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        budget: BudgetTracker | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version.strip("/") if api_version else None
        self._app_secret = app_secret
        self._session = session or shared_session()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.budget = budget
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"GraphTransport(base_url={self.base_url!r}, api_version={self.api_version!r})"

    # --- public ---------------------------------------------------------------

    def call(
        self,
        method: str,
        path_or_url: str,
        *,
        token: str | None,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        account_id: str | None = None,
        cost: int = 1,
        versioned: bool = True,
        proof: bool = True,
        token_in_query: bool = False,
    ) -> Any:
        """Send one call (retrying as the policy allows) and return the decoded JSON.

        `path_or_url` is a Graph path ("17841.../media") or a URL Meta gave us
        (`paging.next`); only its path and query are used, against our own base
        URL, and any token in it is replaced by ours, so a token is never sent to
        a host we were not configured for. `cost` is how many calls Meta counts
        (a multi-id read counts each id). The token travels in the
        `Authorization: Bearer` header, which Graph accepts, so it is not in any
        URL a proxy or urllib3's debug log could record; `token_in_query` is for
        the token endpoints that only read `access_token` from the query.
        """
        url, params = self._target(path_or_url, params, versioned)
        throttles = {"count": 0}

        def should_retry(exc: BaseException) -> bool:
            if isinstance(exc, RateLimited):
                throttles["count"] += 1
                return (
                    throttles["count"] <= self.retry.throttle_retries
                    and exc.retry_after <= self.retry.max_throttle_wait
                )
            return isinstance(exc, TransientError) and not isinstance(exc, ReduceDataRequested)

        retrying = Retrying(
            retry=retry_if_exception(should_retry),
            stop=stop_after_attempt(self.retry.attempts + self.retry.throttle_retries),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        self._wait_if_blocked(account_id)
        return retrying(
            self._send_once, method, url, token, params, data, account_id, cost, proof, token_in_query
        )

    # --- internals --------------------------------------------------------------

    def _target(self, path_or_url: str, params: Mapping[str, Any] | None, versioned: bool) -> tuple[str, dict]:
        merged: dict[str, Any] = {}
        if "://" in path_or_url:
            parts = urlsplit(path_or_url)
            path = parts.path
            for key, value in _query_pairs(parts.query):
                merged[key] = value
        else:
            path = "/" + path_or_url.lstrip("/")
            if versioned and self.api_version and not path.startswith(f"/{self.api_version}/"):
                path = f"/{self.api_version}{path}"
        merged.update(params or {})
        for credential in ("access_token", "appsecret_proof"):
            merged.pop(credential, None)
        return self.base_url + path, merged

    def _send_once(
        self,
        method: str,
        url: str,
        token: str | None,
        params: dict[str, Any],
        data: Mapping[str, Any] | None,
        account_id: str | None,
        cost: int,
        proof: bool,
        token_in_query: bool,
    ) -> Any:
        query, headers = dict(params), {}
        if token:
            if token_in_query:
                query["access_token"] = token
            else:
                headers["Authorization"] = f"Bearer {token}"
            if proof and self._app_secret:
                query["appsecret_proof"] = appsecret_proof(token, self._app_secret)
        started = time.perf_counter()
        try:
            response = self._session.request(
                method, url, params=query, data=data, headers=headers, timeout=self.timeout
            )
        except requests.Timeout:
            # Meta may well have served (and counted) it: count it against the budget too.
            if self.budget is not None and account_id:
                self.budget.record_call(account_id, None, calls=cost)
            raise TransientError(f"timed out calling {self._safe(url)}") from None
        except requests.RequestException as exc:
            message = redact(f"{type(exc).__name__} calling {self._safe(url)}: {exc}", token)
            raise TransientError(message) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s %s -> %s in %.0f ms", method, self._safe(url), response.status_code, elapsed_ms)
        if self.budget is not None and account_id:
            self.budget.record_call(account_id, response.headers, calls=cost)
        return self._decode(response, token, account_id)

    def _decode(self, response: requests.Response, token: str | None, account_id: str | None) -> Any:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code < 400 and not _is_error_body(payload):
            if payload is None and response.content:
                raise PayloadInvalid("Graph answered with a body that is not JSON", status=response.status_code)
            return payload
        error = error_from_response(
            response.status_code,
            payload,
            retry_after=self._retry_after(response),
            usage_wait=self._usage_wait(response, account_id),
            default_wait=self.retry.default_throttle_wait,
            secrets=(token,),
        )
        if isinstance(error, RateLimited) and self.budget is not None and account_id:
            self.budget.record_throttle(account_id, error.retry_after)
        raise error

    def _retry_after(self, response: requests.Response) -> float | None:
        header = response.headers.get("Retry-After")
        try:
            return float(header) if header else None
        except ValueError:
            return None

    def _usage_wait(self, response: requests.Response, account_id: str | None) -> float | None:
        usage = parse_business_usage(response.headers.get("X-Business-Use-Case-Usage"), account_id)
        return usage.regain_minutes * 60.0 if usage is not None and usage.regain_minutes > 0 else None

    def _wait_if_blocked(self, account_id: str | None) -> None:
        """Meta said stop, and calling again only adds to the count: wait if short, else raise.

        Checked once per call, before the first attempt (a retry after a throttle
        has already waited as told).
        """
        if self.budget is None or not account_id:
            return
        wait = self.budget.blocked_for(account_id)
        if wait <= 0:
            return
        if wait > self.retry.max_throttle_wait:
            raise RateLimited("account is throttled; not calling until Meta's wait is over", retry_after=wait)
        log.info("account throttled; waiting %.1fs before calling", wait)
        self._sleep(wait)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            return exc.retry_after
        backoff = wait_exponential_jitter(
            initial=self.retry.initial_wait, max=self.retry.max_wait, jitter=self.retry.jitter
        )
        return backoff(state)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("Graph call failed (%s); retry %d in %.2fs", exc, state.attempt_number, wait)

    def _safe(self, url: str) -> str:
        """The URL without its query (which holds the token) for logs and messages."""
        parts = urlsplit(url)
        return urlunsplit(parts._replace(query=""))


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def _is_error_body(payload: Any) -> bool:
    return isinstance(payload, dict) and isinstance(payload.get("error"), dict)
