"""`GET /webhooks/instagram` (the subscription handshake) and `POST` (deliveries).

A thin adapter over `core.services.realtime.webhooks.ingest_delivery`. The POST answers:
- 413 when the body is over the cap (read no further);
- 401 when the signature is missing, malformed or wrong (nothing stored, counted);
- 503 when the database cannot store the delivery, so Meta sends it again;
- 200 otherwise, after the commit: stored, duplicate or quarantined alike (a non-2xx
  for a well-signed body we cannot read only makes Meta resend the same bytes).
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.logging import elapsed_ms, log_finished
from core.security import SYSTEM
from core.services.realtime.webhooks import ingest_delivery
from core.webhooks.signatures import HEADER, verify_token_matches
from webhook_server.context import sidecar

log = logging.getLogger("webhook_server")
bp = Blueprint("webhooks", __name__)
MAX_CHALLENGE_CHARS = 256


@bp.get("/webhooks/instagram")
def verify_subscription():
    args = request.args
    challenge = args.get("hub.challenge", "")
    if (
        args.get("hub.mode") == "subscribe"
        and verify_token_matches(args.get("hub.verify_token"), sidecar().verify_token)
        and 0 < len(challenge) <= MAX_CHALLENGE_CHARS
    ):
        return Response(challenge, status=200, mimetype="text/plain")
    return Response("verification failed", status=403, mimetype="text/plain")


@bp.post("/webhooks/instagram")
def receive_delivery():
    context = sidecar()
    started = time.perf_counter()
    context.metrics.received.inc()
    try:
        return _receive(context, started)
    finally:
        context.metrics.latency.observe(time.perf_counter() - started)


def _receive(context, started: float):
    body = _read_capped_body(context.max_body_bytes)
    if body is None:
        return _refuse(context, "body_too_large", 413)
    try:
        result = _ingest_retrying_a_dead_connection(context, body)
    except SQLAlchemyError as error:
        log.warning("webhook delivery not stored, database unavailable: %s", type(error).__name__)
        response = _refuse(context, "database_unavailable", 503)
        response.headers["Retry-After"] = "30"
        return response
    if not result.accepted:
        return _refuse(context, result.rejected, 401)
    _count_stored(context, result)
    log_finished(log, "webhook_ingest", {
        "signed_with": result.signed_with, "updates": result.updates, "stored": result.stored,
        "duplicates": result.duplicates, "quarantined": result.quarantined,
    }, duration_ms=elapsed_ms(started))
    return jsonify(status="ok", stored=result.stored, duplicates=result.duplicates,
                   quarantined=result.quarantined)


def _ingest_retrying_a_dead_connection(context, body: bytes):
    """One more try when the pooled connection turned out dead (PostgreSQL restarted):
    the pool is invalidated by then, and the insert is idempotent (ON CONFLICT DO NOTHING)."""
    for attempt in (1, 2):
        try:
            with context.session() as session:
                return ingest_delivery(session, SYSTEM, body, request.headers.get(HEADER), context.secrets,
                                       context.clock)
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def _read_capped_body(cap: int) -> bytes | None:
    """The raw bytes, or None when there are more than `cap` of them."""
    if request.content_length is not None and request.content_length > cap:
        return None
    body = request.stream.read(cap + 1)
    return None if len(body) > cap else body


def _refuse(context, reason: str, status: int):
    context.metrics.rejected.labels(reason).inc()
    log.info("webhook delivery refused: %s", reason)
    response = jsonify(status="refused", reason=reason)
    response.status_code = status
    return response


def _count_stored(context, result) -> None:
    context.metrics.stored.labels("pending").inc(result.stored - result.quarantined)
    context.metrics.stored.labels("quarantined").inc(result.quarantined)
    context.metrics.duplicates.inc(result.duplicates)
