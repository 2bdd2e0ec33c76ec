"""Structured JSON logs for every process, in the seed plan's shape (section 8.3).

One line per event:

    {"timestamp": "2026-03-01T10:00:00.123Z", "level": "INFO", "service": "worker",
     "operation": "scan", "store_id": "sto_...", "duration_ms": 5120,
     "metrics": {"posts": 120, "drafts": 98}, "message": "scan finished", "logger": "core.services.bulk_import.scan"}

Every process calls `configure_logging(service_name)` once at start. Code logs with the
standard library; `log_operation` times a block and logs it with its figures, and
`log_finished` logs an operation whose figures and duration the caller already has. A filter redacts anything that looks like a token or secret, in the
message, its arguments, the metrics and exception text, so a token never reaches a log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TextIO

REDACTED = "[redacted]"
# Values that are secrets wherever they appear.
_SECRET_PATTERNS = [
    re.compile(r"(?i)\b(access_token|input_token|client_secret|appsecret_proof|fb_exchange_token|"
               r"refresh_token|code|api_key|key|password|secret)=(?!\d{1,6}(?:[&\s\"',;]|$))([^&\s\"',;]+)"),
    re.compile(r"(?i)\b(bearer)\s+([A-Za-z0-9._~+/=-]{8,})"),
    re.compile(r"(?i)([\"']?(?:access_token|token|client_secret|api_key|password|secret|authorization)"
               r"[\"']?\s*:\s*[\"'])([^\"']+)"),
]
# Token shapes: Meta user/page tokens (EAA...), Instagram tokens (IG...), OpenAI and Google
# keys, Fernet ciphertext; long enough that ordinary words never match.
_TOKEN_SHAPES = re.compile(
    r"\b(EAA[A-Za-z0-9]{20,}|IG[A-Za-z0-9_-]{30,}|sk-[A-Za-z0-9_-]{16,}|AIza[A-Za-z0-9_-]{30,}|"
    r"gAAAAA[A-Za-z0-9_=-]{20,})"
)
_SECRET_KEYS = re.compile(r"(?i)(token|secret|password|authorization|api_key|apikey|proof|cookie)")


def redact(text: str) -> str:
    """The text with every token-looking value replaced by [redacted]."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_keep_prefix, text)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def _keep_prefix(match: re.Match) -> str:
    """Keep what names the secret (`access_token=`, `Bearer `, `"token": "`), drop the value."""
    start, end = match.span(2)
    whole_start = match.start(0)
    return match.group(0)[: start - whole_start] + REDACTED + match.group(0)[end - whole_start:]


def redact_value(value: Any, key: str | None = None) -> Any:
    """Redact inside metrics: whole values under secret-sounding keys, token shapes anywhere."""
    if key is not None and _SECRET_KEYS.search(key) and not isinstance(value, (int, float, bool)):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrites each record so no token or secret leaves the process in a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if isinstance(getattr(record, "metrics", None), Mapping):
            record.metrics = redact_value(record.metrics)
        if record.exc_info and not getattr(record, "_redacted_exc", False):
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info, record._redacted_exc = None, True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line in the 8.3 shape."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "service": getattr(record, "service", None) or self.service,
            "operation": getattr(record, "operation", None),
            "store_id": getattr(record, "store_id", None),
            "duration_ms": getattr(record, "duration_ms", None),
            "metrics": getattr(record, "metrics", None) or {},
            "message": record.getMessage(),
            "logger": record.name,
        }
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


_INSTALLED = "_catalog_sync_handler"


def configure_logging(service_name: str, level: int | str = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record of this process to `stream` (stderr) as redacted JSON lines.

    Safe to call again (a test, a reloaded app): the handler it installed before is replaced.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _INSTALLED, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(service_name))
    handler.addFilter(RedactingFilter())
    setattr(handler, _INSTALLED, True)
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that log request URLs (which can carry tokens) stay at WARNING.
    for noisy in ("urllib3", "httpx", "httpcore", "openai", "google_genai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # APScheduler logs two INFO lines per job run (several a second), which buried the
    # `make run` banner; a job's failure is logged by core.worker.run_job, missed runs still warn.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler


class Operation(dict):
    """The metrics of an operation being logged. The block may set `store_id` once it knows
    it (an event learns its store as it runs) and `level` (a failure kept on its row, not raised)."""

    def __init__(self, store_id: str | None, metrics: Mapping[str, Any]):
        super().__init__(metrics)
        self.store_id = store_id
        self.level = logging.INFO


@contextmanager
def log_operation(
    logger: logging.Logger, operation: str, store_id: str | None = None, *,
    expected: tuple[type[BaseException], ...] = (), **metrics: Any,
) -> Iterator[Operation]:
    """Time a block and log it once with its duration; the yielded `Operation` collects metrics.

    A failing block is logged at ERROR with the exception (redacted) and re-raised; an
    `expected` exception (a lost lease, say) at WARNING with its message only.
    """
    collected = Operation(store_id, metrics)
    started = time.perf_counter()
    try:
        yield collected
    except expected as stop:
        collected["stopped_by"] = f"{type(stop).__name__}: {stop}"
        log_finished(logger, operation, collected, store_id=collected.store_id, duration_ms=elapsed_ms(started),
                     level=logging.WARNING, outcome="stopped")
        raise
    except Exception:
        logger.exception("%s failed", operation, extra=_fields(operation, collected.store_id,
                                                                elapsed_ms(started), collected))
        raise
    log_finished(logger, operation, collected, store_id=collected.store_id, duration_ms=elapsed_ms(started),
                 level=collected.level)


def log_finished(
    logger: logging.Logger, operation: str, metrics: Mapping[str, Any], *, store_id: str | None = None,
    duration_ms: int | None = None, level: int = logging.INFO, outcome: str = "finished",
) -> None:
    """Log one operation whose figures the caller already has (`<operation> <outcome>`)."""
    logger.log(level, "%s %s", operation, outcome, extra=_fields(operation, store_id, duration_ms, dict(metrics)))


def elapsed_ms(started: float) -> int:
    """Whole milliseconds since `started` (a `time.perf_counter()` reading)."""
    return round((time.perf_counter() - started) * 1000)


def _fields(operation: str, store_id: str | None, duration_ms: int | None, metrics: dict) -> dict[str, Any]:
    return {"operation": operation, "store_id": store_id, "duration_ms": duration_ms, "metrics": metrics}
