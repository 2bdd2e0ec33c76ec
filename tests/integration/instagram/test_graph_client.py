"""GraphClient against the local Meta sandbox over real HTTP: paging, expansion, errors, retries, budget."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from core.instagram import (
    BudgetTracker,
    GraphClient,
    InvalidRequest,
    NotFound,
    PermissionMissing,
    RateLimited,
    RetryPolicy,
    TokenInvalid,
    TransientError,
)
from core.instagram import oauth

FAST_RETRY = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05, jitter=0.01, max_throttle_wait=120)


class RecordingSleep:
    """Stands in for time.sleep so waits are observed, not spent (passed in, never patched)."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def account_of(sandbox, login: str | None = None) -> dict:
    accounts = sandbox.accounts()
    return next(a for a in accounts if login is None or a["login"] == login)


def client_for(sandbox, account: dict, **overrides) -> GraphClient:
    config = sandbox.config
    secret = config.fb_app_secret if account["login"] == "facebook" else config.ig_app_secret
    options = dict(
        base_url=sandbox.url,
        api_version=config.api_version,
        access_token=account["access_token"],
        app_secret=secret,
        account_id=account["ig_user_id"],
        budget=BudgetTracker(),
        retry=FAST_RETRY,
        sleep=RecordingSleep(),
    )
    options.update(overrides)
    return GraphClient(**options)


def media_calls(sandbox) -> int:
    return sandbox.stats()["total"]


@pytest.fixture(scope="module")
def big_sandbox(make_sandbox_module):
    """One account with 250 posts, shared by the read-only paging tests."""
    return make_sandbox_module(accounts=1, posts_per_account=250)


# --- listing ------------------------------------------------------------------------


def test_lists_250_posts_newest_first_in_three_calls(big_sandbox):
    account = account_of(big_sandbox)
    client = client_for(big_sandbox, account)
    big_sandbox.reset_stats()

    items = list(client.list_media(account["ig_user_id"]))

    assert len(items) == 250
    assert len({item.id for item in items}) == 250
    assert all(a.timestamp >= b.timestamp for a, b in zip(items, items[1:]))
    assert media_calls(big_sandbox) == 3  # 100 + 100 + 50, and no /children calls


def test_carousels_come_expanded_without_children_calls(big_sandbox):
    account = account_of(big_sandbox)
    client = client_for(big_sandbox, account)
    big_sandbox.reset_stats()

    items = list(client.list_media(account["ig_user_id"]))
    carousels = [item for item in items if item.is_carousel]

    assert carousels, "the seed should hold carousels"
    for item in carousels:
        assert 2 <= len(item.children) <= 10
        assert len(item.media_urls) == len(item.children)
    assert not any("children" in endpoint for endpoint in big_sandbox.stats()["by_endpoint"])


def test_every_post_has_an_image_to_show_even_videos_without_media_url(big_sandbox):
    account = account_of(big_sandbox)
    items = list(client_for(big_sandbox, account).list_media(account["ig_user_id"]))
    videos = [i for i in items if i.media_type == "VIDEO"]
    assert videos
    assert all(item.media_urls for item in items)
    withheld = [v for v in videos if "media_url" not in v.raw]
    assert all(v.media_urls == (v.thumbnail_url,) for v in withheld)


def test_stops_at_newer_than_by_itself(big_sandbox):
    account = account_of(big_sandbox)
    client = client_for(big_sandbox, account)
    everything = list(client.list_media(account["ig_user_id"]))
    cutoff = everything[130].timestamp
    expected = [i.id for i in everything if i.timestamp > cutoff]
    big_sandbox.reset_stats()

    newer = list(client.list_media(account["ig_user_id"], newer_than=cutoff))

    assert [i.id for i in newer] == expected
    assert media_calls(big_sandbox) == 2  # the second page holds the cutoff; no third call


def test_limit_stops_early_and_asks_for_a_small_page(big_sandbox):
    account = account_of(big_sandbox)
    client = client_for(big_sandbox, account)
    big_sandbox.reset_stats()
    items = list(client.list_media(account["ig_user_id"], limit=7))
    assert len(items) == 7 and media_calls(big_sandbox) == 1


def test_page_size_above_meta_cap_backs_off_on_code_1(big_sandbox):
    account = account_of(big_sandbox)
    client = client_for(big_sandbox, account)
    big_sandbox.reset_stats()
    items = list(client.list_media(account["ig_user_id"], page_size=150))
    assert len(items) == 250
    assert media_calls(big_sandbox) == 1 + 4  # one refusal at 150, then 75 per page


def test_new_post_is_found_by_polling_with_newer_than(sandbox):
    account = account_of(sandbox)
    client = client_for(sandbox, account)
    newest = next(client.list_media(account["ig_user_id"], limit=1))
    sandbox.publish(account["ig_user_id"], caption="Viatu mpya 2,500/=", media_type="IMAGE")

    found = list(client.list_media(account["ig_user_id"], newer_than=newest.timestamp))

    assert [item.caption for item in found] == ["Viatu mpya 2,500/="]


# --- single and multi-id reads -------------------------------------------------------------


def test_get_media_reads_one_post_with_children(big_sandbox):
    account = account_of(big_sandbox)
    client = client_for(big_sandbox, account)
    carousel = next(i for i in client.list_media(account["ig_user_id"]) if i.is_carousel)
    again = client.get_media(carousel.id)
    assert again.id == carousel.id and again.children_ids == carousel.children_ids


def test_get_media_many_batches_by_50_and_each_id_counts(big_sandbox):
    account = account_of(big_sandbox)
    client = client_for(big_sandbox, account)
    ids = [i.id for i in client.list_media(account["ig_user_id"], limit=120)]
    big_sandbox.reset_stats()
    before = client.budget.total_calls(account["ig_user_id"])

    found = client.get_media_many(ids)

    assert set(found) == set(ids)
    stats = big_sandbox.stats()
    assert stats["by_endpoint"].get("GET /?ids") is not None
    assert client.budget.total_calls(account["ig_user_id"]) - before == 120
    assert stats["by_account"][account["ig_user_id"]] == 120


def test_get_media_many_leaves_out_deleted_posts(sandbox):
    account = account_of(sandbox)
    client = client_for(sandbox, account)
    ids = [i.id for i in client.list_media(account["ig_user_id"], limit=10)]
    sandbox.delete_media(ids[3])
    found = client.get_media_many(ids)
    assert set(found) == set(ids) - {ids[3]}


# --- errors ------------------------------------------------------------------------


def test_unknown_media_is_not_found(sandbox):
    client = client_for(sandbox, account_of(sandbox))
    with pytest.raises(NotFound):
        client.get_media("17999999999999999")


def test_bad_field_is_an_invalid_request(sandbox):
    client = client_for(sandbox, account_of(sandbox))
    account = account_of(sandbox)
    with pytest.raises(InvalidRequest):
        client.get_account(account["ig_user_id"], fields="id,no_such_field")


def test_another_stores_account_is_not_reachable(sandbox):
    mine, other = sandbox.accounts()[:2]
    client = client_for(sandbox, mine)
    with pytest.raises(NotFound):
        list(client.list_media(other["ig_user_id"]))


def test_bad_token_is_token_invalid_and_never_retried(sandbox):
    account = account_of(sandbox)
    sleep = RecordingSleep()
    client = client_for(sandbox, account, access_token="EAAnot-a-real-token-000", sleep=sleep)
    sandbox.reset_stats()
    with pytest.raises(TokenInvalid) as caught:
        list(client.list_media(account["ig_user_id"]))
    assert caught.value.code == 190
    assert sandbox.stats()["total"] == 1 and sleep.waits == []


def test_expired_token_fault_is_token_invalid(sandbox):
    account = account_of(sandbox)
    client = client_for(sandbox, account)
    sandbox.inject_fault(kind="expired_token", count=1)
    with pytest.raises(TokenInvalid) as caught:
        client.get_account(account["ig_user_id"])
    assert caught.value.expired


def test_token_past_its_life_is_token_invalid(sandbox):
    account = account_of(sandbox, "instagram")
    client = client_for(sandbox, account)
    sandbox.advance_clock(61 * 24 * 3600)
    with pytest.raises(TokenInvalid):
        client.get_account(account["ig_user_id"])


def test_missing_permission(sandbox):
    """A person who granted the Page but not `instagram_basic` cannot read the account."""
    config = sandbox.config
    redirect_uri = "http://127.0.0.1:8701/oauth/callback"
    url = oauth.facebook_login_url(
        sandbox.url, config.api_version, config.fb_app_id, redirect_uri, "s1", scopes=("pages_show_list",)
    )
    code = parse_qs(urlsplit(sandbox.click_dialog(url)).query)["code"][0]
    grant = oauth.exchange_facebook_code(
        sandbox.url, config.api_version, config.fb_app_id, config.fb_app_secret, redirect_uri, code
    )
    pages = oauth.list_facebook_pages(sandbox.url, config.api_version, config.fb_app_secret, grant.access_token)
    page = next(p for p in pages if p.ig_user_id)
    client = client_for(sandbox, {"login": "facebook", "access_token": grant.access_token, "ig_user_id": page.ig_user_id})
    with pytest.raises(PermissionMissing):
        client.get_account(page.ig_user_id)


# --- retries and throttling -------------------------------------------------------------


def test_injected_500s_are_retried_with_backoff(sandbox):
    account = account_of(sandbox)
    sleep = RecordingSleep()
    client = client_for(sandbox, account, sleep=sleep)
    sandbox.inject_fault(kind="server_error", count=2)
    assert client.get_account(account["ig_user_id"]).id == account["ig_user_id"]
    assert len(sleep.waits) == 2


def test_transient_errors_give_up_after_the_policy(sandbox):
    account = account_of(sandbox)
    client = client_for(sandbox, account)
    sandbox.inject_fault(kind="unavailable", count=5)
    with pytest.raises(TransientError):
        client.get_account(account["ig_user_id"])


def test_timeouts_are_retried(sandbox):
    account = account_of(sandbox)
    sleep = RecordingSleep()
    client = client_for(sandbox, account, sleep=sleep, timeout=(2.0, 0.3))
    sandbox.inject_fault(kind="timeout", count=1, delay_seconds=1.0)
    assert client.get_account(account["ig_user_id"]).id == account["ig_user_id"]
    assert len(sleep.waits) == 1


def test_throttle_waits_as_told_then_succeeds(sandbox):
    account = account_of(sandbox)
    sleep = RecordingSleep()
    client = client_for(sandbox, account, sleep=sleep)
    sandbox.inject_fault(kind="throttle", code=80002, count=1, regain_minutes=1)
    assert client.get_account(account["ig_user_id"]).id == account["ig_user_id"]
    assert sleep.waits == [60.0]


def test_throttle_longer_than_the_bound_raises_without_calling_again(sandbox):
    account = account_of(sandbox)
    sleep = RecordingSleep()
    client = client_for(sandbox, account, sleep=sleep)
    sandbox.inject_fault(kind="throttle", code=4, count=1, regain_minutes=30)
    sandbox.reset_stats()
    with pytest.raises(RateLimited) as caught:
        client.get_account(account["ig_user_id"])
    assert caught.value.retry_after == 1800 and sleep.waits == []
    # The tracker now refuses work for the account, and the client makes no call while blocked.
    assert not client.budget.may_spend(account["ig_user_id"])
    with pytest.raises(RateLimited):
        client.get_account(account["ig_user_id"])
    assert sandbox.stats()["total"] == 1


def test_http_429_is_rate_limited(sandbox):
    account = account_of(sandbox)
    client = client_for(sandbox, account, retry=RetryPolicy(attempts=1, throttle_retries=0))
    sandbox.inject_fault(kind="429", count=1)
    with pytest.raises(RateLimited):
        client.get_account(account["ig_user_id"])


def test_exhausted_budget_answers_80002_and_the_client_stops_calling(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=30, budget_override=5)
    account = account_of(sandbox)
    ig_id = account["ig_user_id"]
    no_retry = RetryPolicy(attempts=1, throttle_retries=0)
    client = client_for(sandbox, account, retry=no_retry)
    for _ in range(5):
        client.get_account(ig_id)

    # The fifth answer said 100% used and when access comes back: the tracker blocks,
    # and the client refuses without spending another call.
    assert not client.budget.may_spend(ig_id)
    with pytest.raises(RateLimited) as refused:
        client.get_account(ig_id)
    assert refused.value.code is None and refused.value.retry_after > 0
    assert sandbox.stats()["by_account"][ig_id] == 5

    # A process that has not heard yet calls, and Meta answers 80002 with the wait.
    fresh = client_for(sandbox, account, retry=no_retry)
    with pytest.raises(RateLimited) as throttled:
        fresh.get_account(ig_id)
    assert throttled.value.code == 80002 and throttled.value.retry_after > 0
    assert not fresh.budget.may_spend(ig_id)


# --- budget accounting -------------------------------------------------------------------


def test_budget_tracker_counts_match_the_sandbox(sandbox):
    account = account_of(sandbox)
    client = client_for(sandbox, account)
    ig_id = account["ig_user_id"]
    sandbox.reset_stats()

    items = list(client.list_media(ig_id, page_size=10))
    client.get_media(items[0].id)
    client.get_media_many([i.id for i in items[:12]])
    client.get_account(ig_id)
    sandbox.inject_fault(kind="server_error", count=1)
    client.get_account(ig_id)

    assert client.budget.total_calls(ig_id) == sandbox.stats()["by_account"][ig_id]
    usage = client.budget.usage(ig_id)
    assert usage.usage_percent is not None and usage.app_percent is not None


def test_usage_header_drives_may_spend(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=30, budget_override=100)
    account = account_of(sandbox)
    client = client_for(sandbox, account)
    ig_id = account["ig_user_id"]
    for _ in range(40):
        client.get_account(ig_id)
    budget = client.budget
    assert budget.usage(ig_id).usage_percent == 40
    # 40% after 40 calls: at most 41/40 % a call, so 47 more stay under 90% and 48 may not.
    assert budget.may_spend(ig_id, 47) and not budget.may_spend(ig_id, 48)


# --- appsecret_proof and redaction ---------------------------------------------------------


def test_appsecret_proof_required_and_checked(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=5, require_proof=True)
    account = account_of(sandbox)
    assert client_for(sandbox, account).get_account(account["ig_user_id"])
    with pytest.raises(InvalidRequest):
        client_for(sandbox, account, app_secret="wrong-secret").get_account(account["ig_user_id"])
    with pytest.raises(InvalidRequest):
        client_for(sandbox, account, app_secret=None).get_account(account["ig_user_id"])


def test_tokens_never_reach_logs_or_exception_text(sandbox, caplog):
    account = account_of(sandbox)
    token = account["access_token"]
    caplog.set_level(logging.DEBUG)
    client = client_for(sandbox, account, timeout=(2.0, 0.2))
    texts = [repr(client)]

    list(client.list_media(account["ig_user_id"], page_size=10))  # follows paging.next, which holds the token
    sandbox.inject_fault(kind="timeout", count=5, delay_seconds=0.5)
    with pytest.raises(TransientError) as timeout:
        client.get_account(account["ig_user_id"])
    texts += [str(timeout.value), repr(timeout.value)]
    with pytest.raises(TokenInvalid) as bad:
        client_for(sandbox, account, access_token=token + "x").get_account(account["ig_user_id"])
    texts += [str(bad.value), repr(bad.value)]

    assert caplog.text, "DEBUG logging should have recorded the calls"
    for text in texts + [caplog.text]:
        assert token not in text


def test_wait_hint_after_throttle(sandbox):
    account = account_of(sandbox)
    client = client_for(sandbox, account, retry=RetryPolicy(attempts=1, throttle_retries=0))
    sandbox.inject_fault(kind="throttle", code=80002, count=1, regain_minutes=2)
    with pytest.raises(RateLimited):
        client.get_account(account["ig_user_id"])
    wait = client.budget.seconds_until_allowed(account["ig_user_id"])
    assert timedelta(seconds=wait) <= timedelta(minutes=2) and wait > 100
