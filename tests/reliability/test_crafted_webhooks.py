"""Crafted webhook requests against the sidecar: the status each got and the rows it stored.

Pass: every request gets the expected status and stores exactly the expected rows
(pending and quarantined counted apart). Unsigned or badly signed requests store
nothing; anything well-signed is stored (as updates, or quarantined for a person)
and never answered 5xx; an oversized body is refused before it is read.
"""

from __future__ import annotations

import json


from sqlalchemy import func, select

from core.models import InstagramWebhookEvent
from core.webhooks.signatures import HEADER, sign
from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET, WEBHOOK_PATH
from tests.reliability.report import Table

CAP = 256 * 1024  # sidecar_config's WEBHOOK_MAX_BODY_BYTES


def _comment(n: int, account: str = "17841400000001") -> dict:
    return {"id": account, "time": 1700000000 + n,
            "changes": [{"field": "comments", "value": {"id": f"c{n}", "text": "Bei gani?", "media": {"id": f"m{n}"}}}]}


def _doc(*entries, obj: str = "instagram") -> bytes:
    return json.dumps({"object": obj, "entry": list(entries)}).encode()


def _deep(levels: int) -> bytes:
    value = "[" * levels + "]" * levels
    return ('{"object":"instagram","entry":[{"id":"17841400000001","time":1,"changes":[{"field":"comments",'
            '"value":' + value + '}]}]}').encode()


def _signed(body: bytes, secret: str = FB_SECRET, content_type: str = "application/json") -> dict:
    return {"data": body, "headers": {HEADER: sign(body, secret), "Content-Type": content_type}}


THOUSAND = _doc(*[_comment(n, account="17841400000999") for n in range(1000)])
HUGE_STRING = _doc({"id": "17841400000001", "time": 5, "changes": [
    {"field": "comments", "value": {"id": "huge", "text": "x" * 200_000, "media": {"id": "m-huge"}}}]})

# (name, request kwargs, expected status, expected pending rows, expected quarantined rows)
CASES = [
    ("valid, one change", _signed(_doc(_comment(1))), 200, 1, 0),
    ("signed with the Instagram Login app's secret", _signed(_doc(_comment(2)), IG_SECRET), 200, 1, 0),
    ("same delivery again (Meta's retry)", _signed(_doc(_comment(2)), IG_SECRET), 200, 0, 0),
    ("bad signature", {"data": _doc(_comment(3)), "headers": {HEADER: sign(b"other", FB_SECRET),
                                                               "Content-Type": "application/json"}}, 401, 0, 0),
    ("missing signature", {"data": _doc(_comment(4)), "headers": {"Content-Type": "application/json"}}, 401, 0, 0),
    ("sha1 signature header", {"data": _doc(_comment(5)), "headers": {HEADER: "sha1=" + "0" * 40}}, 401, 0, 0),
    ("signed with a wrong secret", _signed(_doc(_comment(6)), "not-our-secret"), 401, 0, 0),
    ("wrong object ('page')", _signed(_doc(_comment(7), obj="page")), 200, 0, 1),
    ("0 entries", _signed(_doc()), 200, 0, 1),
    ("1,000 entries", _signed(THOUSAND), 200, 1000, 0),
    ("1,000 entries again (all duplicates)", _signed(THOUSAND), 200, 0, 0),
    ("deep nesting (50 levels)", _signed(_deep(50)), 200, 1, 0),
    ("huge string (200 KB) in a value", _signed(HUGE_STRING), 200, 1, 0),
    ("not UTF-8", _signed(b'{"object":"instagram","entry":["\xff\xfe"]}'), 200, 0, 1),
    ("not JSON", _signed(b"hello meta"), 200, 0, 1),
    ("wrong content type (text/plain), valid body", _signed(_doc(_comment(8)), content_type="text/plain"), 200, 1, 0),
    ("form-encoded content type, valid body", _signed(_doc(_comment(9)),
                                                      content_type="application/x-www-form-urlencoded"), 200, 1, 0),
    ("oversized body (cap + 1 byte)", _signed(b" " * (CAP + 1)), 413, 0, 0),
    ("empty body, signed", _signed(b""), 200, 0, 1),
    ("deep nesting (100,000 levels)", _signed(_deep(100_000)), 200, 0, 1),
    ("NUL escape (\\u0000) in a value", _signed(_doc({"id": "17841400000001", "time": 9, "changes": [
        {"field": "comments", "value": {"id": "nul", "text": "a\u0000b", "media": {"id": "m-nul"}}}]})), 200, 1, 0),
    ("raw NUL bytes in the body", _signed(b'{"object":"instagram",\x00\x00"entry":[]}'), 200, 0, 1),
]


def _counts(session) -> tuple[int, int]:
    session.expire_all()
    count = select(func.count()).select_from(InstagramWebhookEvent)
    quarantined = session.scalar(count.where(InstagramWebhookEvent.status == "quarantined"))
    return session.scalar(count) - quarantined, quarantined


def test_crafted_webhook_requests(webhook_client, session, artifacts_dir):
    table = Table("crafted-webhooks", "Bad input: crafted webhook requests",
                  ["request", "status", "expected", "pending rows", "quarantined rows", "ok"],
                  "expected status and exactly the expected new rows; no 5xx for anything signed")
    wrong = []
    backend = session.bind.dialect.name
    for name, kwargs, status, pending, quarantined in CASES:
        before = _counts(session)
        response = webhook_client.post(WEBHOOK_PATH, **kwargs)
        after = _counts(session)
        got = (response.status_code, after[0] - before[0], after[1] - before[1])
        ok = got == (status, pending, quarantined)
        table.add(name, got[0], status, got[1], got[2], "yes" if ok else "NO")
        if not ok:
            wrong.append(f"{name}: got {got}, expected {(status, pending, quarantined)}: {response.get_data()[:200]!r}")
    table.write(artifacts_dir, f"-{backend}")
    assert not wrong, "\n".join(wrong)

