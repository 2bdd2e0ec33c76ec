"""Webhooks the way Meta sends them: signed, in each login flow's shape, batched, retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.integration.sandbox.helpers import graph_get


class Receiver:
    """A real HTTP callback that records raw bodies and answers with scripted statuses."""

    def __init__(self):
        self.received: list[tuple[bytes, dict]] = []
        self.statuses: list[int] = []
        self.arrived = threading.Condition()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhooks/instagram"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @Request.application
    def _app(self, request: Request) -> Response:
        with self.arrived:
            self.received.append((request.get_data(), dict(request.headers)))
            status = self.statuses.pop(0) if self.statuses else 200
            self.arrived.notify_all()
        return Response("ok", status=status)

    def wait_for(self, count: int, seconds: float = 5.0) -> list[tuple[bytes, dict]]:
        deadline = time.monotonic() + seconds
        with self.arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
            return list(self.received)

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _signed_by(body: bytes, headers: dict, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Hub-Signature-256"], expected)


def _first_media(sandbox, account) -> str:
    return graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"]).json()["data"][0]["id"]


def _subscribe(sandbox, account) -> None:
    answer = sandbox.http.post(f"{sandbox.graph_url}/{account['ig_user_id']}/subscribed_apps", timeout=5,
                               params={"access_token": account["access_token"], "subscribed_fields": "comments"})
    assert answer.json() == {"success": True}, answer.text


def test_comment_webhook_facebook_shape_signed_with_the_facebook_app_secret(make_sandbox, receiver):
    sandbox = make_sandbox(webhook_url=receiver.url)
    account = sandbox.account("facebook")
    _subscribe(sandbox, account)
    media_id = _first_media(sandbox, account)
    assert sandbox.comment(media_id, "Bei gani hii?")["webhook"] == "queued"
    body, headers = receiver.wait_for(1)[0]
    assert _signed_by(body, headers, sandbox.config.fb_app_secret)
    assert not _signed_by(body, headers, sandbox.config.ig_app_secret)
    payload = json.loads(body)
    assert payload["object"] == "instagram"
    entry = payload["entry"][0]
    assert entry["id"] == account["ig_user_id"] and isinstance(entry["time"], int)
    change = entry["changes"][0]
    assert change["field"] == "comments"
    assert change["value"]["media"]["id"] == media_id and change["value"]["text"] == "Bei gani hii?"
    assert set(change["value"]["from"]) == {"id", "username"}


def test_comment_webhook_instagram_shape_signed_with_the_instagram_app_secret(make_sandbox, receiver):
    sandbox = make_sandbox(webhook_url=receiver.url)
    account = sandbox.account("instagram")
    _subscribe(sandbox, account)
    sandbox.comment(_first_media(sandbox, account), "Iko size 40?")
    body, headers = receiver.wait_for(1)[0]
    assert _signed_by(body, headers, sandbox.config.ig_app_secret)
    entry = json.loads(body)["entry"][0]
    assert entry["field"] == "comments" and "changes" not in entry
    assert entry["value"]["text"] == "Iko size 40?"


def test_several_comments_arrive_as_several_entries_in_one_post(make_sandbox, receiver):
    sandbox = make_sandbox(webhook_url=receiver.url)
    account = sandbox.account("instagram")
    _subscribe(sandbox, account)
    sandbox.comment(_first_media(sandbox, account), ["one", "two", "three"])
    time.sleep(0.3)
    deliveries = receiver.wait_for(1)
    assert len(deliveries) == 1
    assert [e["value"]["text"] for e in json.loads(deliveries[0][0])["entry"]] == ["one", "two", "three"]


def test_no_webhook_without_subscription_and_none_for_publishing(make_sandbox, receiver):
    sandbox = make_sandbox(webhook_url=receiver.url)
    account = sandbox.account("facebook")
    assert sandbox.comment(_first_media(sandbox, account))["webhook"].startswith("not subscribed")
    _subscribe(sandbox, account)
    sandbox.publish(account["ig_user_id"], caption="Brand new! Ksh 999")
    time.sleep(0.3)
    assert receiver.received == []


def test_media_webhooks_on_demand(make_sandbox, receiver):
    sandbox = make_sandbox(webhook_url=receiver.url, emit_media_webhooks=True, auto_subscribe=True)
    account = sandbox.account("facebook")
    post = sandbox.publish(account["ig_user_id"], caption="Brand new! Ksh 999")
    body, headers = receiver.wait_for(1)[0]
    change = json.loads(body)["entry"][0]["changes"][0]
    assert change["field"] == "media" and change["value"]["media_id"] == post["id"]


def test_failed_deliveries_are_retried_with_the_same_bytes(make_sandbox, receiver):
    receiver.statuses = [500, 503]
    sandbox = make_sandbox(webhook_url=receiver.url, auto_subscribe=True, webhook_retry_seconds=(0.1, 0.2, 0.3))
    account = sandbox.account("facebook")
    sandbox.comment(_first_media(sandbox, account), "retry me")
    deliveries = receiver.wait_for(3)
    assert len(deliveries) == 3
    assert deliveries[0][0] == deliveries[1][0] == deliveries[2][0]
    assert deliveries[0][1]["X-Hub-Signature-256"] == deliveries[2][1]["X-Hub-Signature-256"]
    deadline = time.monotonic() + 3
    while not (log := sandbox.webhook_deliveries())[0]["delivered"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert log[0]["delivered"] is True and [a["status"] for a in log[0]["attempts"]] == [500, 503, 200]


def test_edit_and_delete_change_what_the_graph_answers(sandbox):
    account = sandbox.accounts()[0]
    post = sandbox.publish(account["ig_user_id"], caption="Sneakers 2,500", media_type="CAROUSEL_ALBUM", children=3)
    newest = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"],
                       fields="id,caption,children{id}").json()["data"][0]
    assert newest["id"] == post["id"] and len(newest["children"]["data"]) == 3
    sandbox.edit_caption(post["id"], "Sneakers 2,200 (offer)")
    assert graph_get(sandbox, post["id"], account["access_token"], fields="caption").json()["caption"] == \
        "Sneakers 2,200 (offer)"
    sandbox.delete_media(post["id"])
    assert graph_get(sandbox, post["id"], account["access_token"]).json()["error"]["code"] == 100
