"""`GET /healthz` (the process and its database) and `GET /metrics` (Prometheus text)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webhook_server.context import sidecar

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        with sidecar().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return jsonify(status="degraded", process="ok", database="unavailable",
                       error=type(error).__name__), 503
    return jsonify(status="ok", process="ok", database="ok")


@bp.get("/metrics")
def metrics():
    body, content_type = sidecar().metrics.exposition()
    return Response(body, content_type=content_type)
