"""Posts published within one second still page once each: the cursor finds its post by id,
not by (timestamp, id) order, which the order of publication need not follow."""

from __future__ import annotations


def test_posts_published_in_the_same_second_page_once_each(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=0)
    account = sandbox.accounts()[0]
    published = [sandbox.publish(account["ig_user_id"], caption=f"Kikoi no. {n}, Ksh 900")["id"] for n in range(120)]
    url = f"{sandbox.graph_url}/{account['ig_user_id']}/media"
    params = {"access_token": account["access_token"], "fields": "id,timestamp", "limit": 25}
    seen: list[str] = []
    while url and len(seen) <= 2 * len(published):  # a looping cursor must fail, not hang
        body = sandbox.http.get(url, params=params, timeout=10).json()
        params = None  # paging.next carries every parameter
        seen += [m["id"] for m in body["data"]]
        url = body.get("paging", {}).get("next")
    assert sorted(seen) == sorted(published)
