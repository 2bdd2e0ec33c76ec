"""Structured JSON logs: the 8.3 shape, and no token in any part of a line."""

import io
import json
import logging

import pytest

from core.logging import REDACTED, configure_logging, log_operation, redact

CANARY = "EAAGm0PX4ZCpsBAKZCanaryTokenValue1234567890"
IG_CANARY = "IGQWRPcanaryInstagramTokenValue_abcdefghijklmnop"


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    handler = configure_logging("worker", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def _lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_line_has_the_seed_shape(log_stream):
    logging.getLogger("core.services.bulk_import.scan").info(
        "scan finished", extra={"operation": "scan", "store_id": "sto_1", "duration_ms": 5120,
                                "metrics": {"posts": 120, "drafts": 98}},
    )
    (line,) = _lines(log_stream)
    assert line["level"] == "INFO" and line["service"] == "worker" and line["operation"] == "scan"
    assert (line["store_id"], line["duration_ms"], line["metrics"]) == ("sto_1", 5120, {"posts": 120, "drafts": 98})
    assert line["timestamp"].endswith("Z") and line["message"] == "scan finished"


def test_tokens_never_reach_the_log(log_stream):
    log = logging.getLogger("core.instagram")
    log.info("GET /me?access_token=%s&fields=id", CANARY)
    log.warning("header Authorization: Bearer %s", IG_CANARY)
    log.info("refreshed", extra={"metrics": {"access_token": IG_CANARY, "nested": {"note": f"token {CANARY}"}}})
    try:
        raise RuntimeError(f"Graph said no for {CANARY}")
    except RuntimeError:
        log.exception("call failed")
    text = log_stream.getvalue()
    assert CANARY not in text and IG_CANARY not in text
    assert text.count(REDACTED) >= 5
    lines = _lines(log_stream)
    assert "access_token=[redacted]&fields=id" in lines[0]["message"]
    assert lines[2]["metrics"]["access_token"] == REDACTED
    assert "RuntimeError" in lines[3]["error"]


@pytest.mark.parametrize("text", [
    "client_secret=abc123secret&code=AQDx", f'{{"access_token": "{CANARY}"}}', "sk-proj-abcdefghijklmnopqrstuv",
    "AIzaSyA-abcdefghijklmnopqrstuvwxyz012345", "gAAAAABnZ0-ciphertextciphertextcipher",
])
def test_redact_catches_each_shape(text):
    out = redact(text)
    assert REDACTED in out
    for secret in ("abc123secret", CANARY, "abcdefghijklmnopqrstuv", "ciphertextciphertext"):
        assert secret not in out


def test_ordinary_text_is_left_alone():
    text = "scan of @mama_mboga: 120 posts, 98 drafts, price KES 2,500"
    assert redact(text) == text


def test_log_operation_times_and_logs_failures(log_stream):
    log = logging.getLogger("core.services.analytics")
    with log_operation(log, "report", store_id="sto_9") as metrics:
        metrics["rows"] = 3
    with pytest.raises(ValueError):
        with log_operation(log, "report", store_id="sto_9"):
            raise ValueError("bad range")
    ok, failed = _lines(log_stream)
    assert ok["operation"] == "report" and ok["metrics"] == {"rows": 3} and ok["duration_ms"] >= 0
    assert failed["level"] == "ERROR" and "bad range" in failed["error"]


def test_configure_twice_keeps_one_handler(log_stream):
    stream = io.StringIO()
    handler = configure_logging("ui", stream=stream)
    logging.getLogger("x").info("once")
    assert log_stream.getvalue() == "" and len(_lines(stream)) == 1
    logging.getLogger().removeHandler(handler)


def test_scheduler_chatter_is_left_out_but_its_warnings_are_kept(log_stream):
    scheduler_log = logging.getLogger("apscheduler.executors.default")
    scheduler_log.info('Running job "run_job" (scheduled at ...)')
    scheduler_log.warning('Run time of job "run_job" was missed by 0:00:05')
    assert [line["message"] for line in _lines(log_stream)] == ['Run time of job "run_job" was missed by 0:00:05']


class Stopped(Exception):
    pass


def test_log_operation_learns_its_store_and_level_inside_the_block(log_stream):
    log = logging.getLogger("catalog_sync.webhook_events")
    with log_operation(log, "webhook_event", event_id="whe_1") as logged:
        logged.store_id, logged.level = "sto_3", logging.WARNING
        logged["status"] = "pending"
    with pytest.raises(Stopped):
        with log_operation(log, "scan", store_id="sto_3", expected=(Stopped,)):
            raise Stopped("lease lost")
    event, scan = _lines(log_stream)
    assert (event["store_id"], event["level"], event["metrics"]) == ("sto_3", "WARNING",
                                                                     {"event_id": "whe_1", "status": "pending"})
    assert scan["level"] == "WARNING" and scan["message"] == "scan stopped" and "error" not in scan
    assert scan["metrics"] == {"stopped_by": "Stopped: lease lost"}
