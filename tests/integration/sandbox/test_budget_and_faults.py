"""Rate budget (Business Use Case), usage headers, appsecret_proof and injected faults."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.integration.sandbox.helpers import error_of, graph_get, proof


def _usage(response, ig_id: str) -> dict:
    return json.loads(response.headers["X-Business-Use-Case-Usage"])[ig_id][0]


def test_usage_headers_on_every_account_call(sandbox):
    account = sandbox.accounts()[0]
    answer = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"])
    usage = _usage(answer, account["ig_user_id"])
    assert usage["type"] == "instagram"
    assert set(usage) >= {"call_count", "total_cputime", "total_time", "estimated_time_to_regain_access"}
    assert set(json.loads(answer.headers["X-App-Usage"])) == {"call_count", "total_cputime", "total_time"}


def test_budget_is_4800_times_impressions_unless_overridden(sandbox, make_sandbox):
    for account in sandbox.accounts():
        assert account["budget"] == 4800 * account["impressions"]
    assert make_sandbox(budget_override=7).accounts()[0]["budget"] == 7


def test_throttled_with_80002_after_the_budget_then_regained_as_time_passes(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=10, budget_override=10)
    account = sandbox.accounts()[0]
    path, token = f"{account['ig_user_id']}/media", account["access_token"]
    answers = [graph_get(sandbox, path, token) for _ in range(10)]
    assert all(a.status_code == 200 for a in answers)
    assert _usage(answers[4], account["ig_user_id"])["call_count"] == 50
    assert _usage(answers[-1], account["ig_user_id"])["call_count"] == 100
    over = graph_get(sandbox, path, token)
    assert over.status_code == 400
    error = error_of(over)
    assert error["code"] == 80002 and error["is_transient"] is True and error["fbtrace_id"]
    regain = _usage(over, account["ig_user_id"])["estimated_time_to_regain_access"]
    assert 1 <= regain <= 24 * 60
    assert sandbox.stats()["total"] == 11  # the refused call was made, and counts
    sandbox.advance_clock(24 * 3600 + 60)
    assert graph_get(sandbox, path, token).status_code == 200


def test_budget_is_per_account(make_sandbox):
    sandbox = make_sandbox(accounts=3, posts_per_account=5, budget_override=2)
    first, other = sandbox.accounts()[0], sandbox.accounts()[1]
    for _ in range(2):
        graph_get(sandbox, f"{first['ig_user_id']}/media", first["access_token"])
    assert error_of(graph_get(sandbox, f"{first['ig_user_id']}/media", first["access_token"]))["code"] == 80002
    assert graph_get(sandbox, f"{other['ig_user_id']}/media", other["access_token"]).status_code == 200


def test_stats_count_calls_by_endpoint_and_account_and_reset(sandbox):
    account = sandbox.accounts()[0]
    for _ in range(3):
        graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"])
    graph_get(sandbox, account["ig_user_id"], account["access_token"])
    stats = sandbox.stats()
    assert stats["total"] == 4
    assert stats["by_endpoint"] == {"GET /{ig-user-id}/media": 3, "GET /{ig-user-id}": 1}
    assert stats["by_account"] == {account["ig_user_id"]: 4}
    sandbox.reset_stats()
    assert sandbox.stats()["total"] == 0


def test_appsecret_proof_checked_when_sent_and_required_on_demand(sandbox, make_sandbox):
    account = sandbox.account("facebook")
    token, path = account["access_token"], account["ig_user_id"]
    good = proof(token, sandbox.config.fb_app_secret)
    assert graph_get(sandbox, path, token, appsecret_proof=good).status_code == 200
    wrong = graph_get(sandbox, path, token, appsecret_proof=proof(token, "other-secret"))
    assert wrong.status_code == 400 and "appsecret_proof" in error_of(wrong)["message"]
    strict = make_sandbox(require_proof=True)
    ig = strict.account("instagram")
    assert error_of(graph_get(strict, "me", ig["access_token"]))["code"] == 100
    ok = graph_get(strict, "me", ig["access_token"], appsecret_proof=proof(ig["access_token"], strict.config.ig_app_secret))
    assert ok.status_code == 200


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80002])
def test_throttle_codes_on_demand(sandbox, code):
    account = sandbox.accounts()[0]
    sandbox.inject_fault("throttle", count=1, code=code)
    hit = graph_get(sandbox, account["ig_user_id"], account["access_token"])
    assert hit.status_code == 400 and error_of(hit)["code"] == code
    assert graph_get(sandbox, account["ig_user_id"], account["access_token"]).status_code == 200


def test_429_server_errors_and_unavailable_for_a_count(sandbox):
    account = sandbox.accounts()[0]
    call = lambda: graph_get(sandbox, account["ig_user_id"], account["access_token"])  # noqa: E731
    sandbox.inject_fault("429", count=1)
    assert call().status_code == 429
    sandbox.inject_fault("server_error", count=2)
    first, second = call(), call()
    assert first.status_code == second.status_code == 500
    assert error_of(first)["code"] == 1 and error_of(first)["is_transient"] is True
    sandbox.inject_fault("unavailable", count=1)
    assert error_of(call())["code"] == 2
    assert call().status_code == 200


def test_faults_for_a_share_of_calls_until_cleared(sandbox):
    account = sandbox.accounts()[0]
    sandbox.inject_fault("server_error", share=0.5)
    statuses = [graph_get(sandbox, account["ig_user_id"], account["access_token"]).status_code for _ in range(40)]
    assert 8 <= statuses.count(500) <= 32 and statuses.count(200) >= 8
    sandbox.clear_faults()
    assert graph_get(sandbox, account["ig_user_id"], account["access_token"]).status_code == 200


def test_fault_narrowed_to_a_path(sandbox):
    account = sandbox.accounts()[0]
    sandbox.inject_fault("server_error", count=1, path="/media")
    assert graph_get(sandbox, account["ig_user_id"], account["access_token"]).status_code == 200
    assert graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"]).status_code == 500


def test_slow_and_timeout_faults(sandbox):
    account = sandbox.accounts()[0]
    sandbox.inject_fault("slow", count=1, delay_seconds=0.4)
    started = time.monotonic()
    assert graph_get(sandbox, account["ig_user_id"], account["access_token"]).status_code == 200
    assert time.monotonic() - started >= 0.4
    sandbox.inject_fault("timeout", count=1, delay_seconds=5)
    with pytest.raises(requests.Timeout):
        sandbox.http.get(f"{sandbox.graph_url}/{account['ig_user_id']}",
                         params={"access_token": account["access_token"]}, timeout=(2, 0.3))


def test_expired_and_invalidated_token_faults_and_revocation(sandbox):
    account = sandbox.accounts()[0]
    sandbox.inject_fault("expired_token", count=1)
    expired = error_of(graph_get(sandbox, "me", account["access_token"]))
    assert expired["code"] == 190 and expired["error_subcode"] == 463
    sandbox.invalidate_token(account["access_token"])
    revoked = error_of(graph_get(sandbox, "me", account["access_token"]))
    assert revoked["code"] == 190 and revoked["error_subcode"] == 460


def test_bad_fault_requests_are_refused(sandbox):
    response = sandbox.http.post(f"{sandbox.url}/_sandbox/faults", json={"kind": "gremlins"}, timeout=5)
    assert response.status_code == 400
