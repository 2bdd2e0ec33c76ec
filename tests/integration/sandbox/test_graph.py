"""The Graph endpoints over real HTTP: accounts, paging, expansion, errors, multi-id reads."""

from __future__ import annotations

import requests

from tests.integration.sandbox.helpers import CAROUSEL_FIELDS, error_of, graph_get


def test_accounts_lists_both_login_flows_with_working_tokens(sandbox):
    accounts = sandbox.accounts()
    assert len(accounts) == 3
    assert {a["login"] for a in accounts} == {"facebook", "instagram"}
    for account in accounts:
        assert (account["page_id"] is None) == (account["login"] == "instagram")
        me = graph_get(sandbox, account["ig_user_id"], account["access_token"], fields="username,media_count")
        assert me.status_code == 200, me.text
        assert me.json()["username"] == account["username"] and me.json()["media_count"] == 30


def test_seed_is_deterministic(make_sandbox):
    first, second = make_sandbox(seed=7), make_sandbox(seed=7)
    names = lambda s: [(a["ig_user_id"], a["username"]) for a in s.accounts()]  # noqa: E731
    assert names(first) == names(second)
    a, b = first.accounts()[0], second.accounts()[0]
    assert graph_get(first, f"{a['ig_user_id']}/media", a["access_token"], fields="id,caption").json()["data"] == \
        graph_get(second, f"{b['ig_user_id']}/media", b["access_token"], fields="id,caption").json()["data"]


def test_media_pages_newest_first_with_cursors_and_next(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=250)
    account = sandbox.accounts()[0]
    url = f"{sandbox.graph_url}/{account['ig_user_id']}/media"
    params = {"access_token": account["access_token"], "fields": "id,timestamp", "limit": 100}
    seen, pages = [], 0
    while url:
        body = requests.get(url, params=params, timeout=10).json()
        params = None  # paging.next carries every parameter
        pages += 1
        seen += body["data"]
        assert set(body["paging"]["cursors"]) == {"before", "after"}
        url = body["paging"].get("next")
    assert pages == 3
    assert len(seen) == 250 == len({m["id"] for m in seen})
    stamps = [m["timestamp"] for m in seen]
    assert stamps == sorted(stamps, reverse=True)


def test_default_page_is_25_and_limit_above_100_is_code_1(sandbox):
    account = sandbox.accounts()[0]
    default = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"])
    assert len(default.json()["data"]) == 25
    assert set(default.json()["data"][0]) == {"id"}
    too_big = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"], limit=101)
    assert too_big.status_code == 400
    assert error_of(too_big)["code"] == 1
    assert "reduce the amount of data" in error_of(too_big)["message"]


def test_carousel_children_expand_in_the_same_call(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=60)
    account = sandbox.accounts()[0]
    body = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"], fields=CAROUSEL_FIELDS,
                     limit=60).json()
    carousels = [m for m in body["data"] if m["media_type"] == "CAROUSEL_ALBUM"]
    assert carousels
    for post in carousels:
        children = post["children"]["data"]
        assert 2 <= len(children) <= 10
        assert all("media_url" in c or c["media_type"] == "VIDEO" for c in children)
    for post in body["data"]:
        if post["media_type"] == "VIDEO":
            assert "thumbnail_url" in post
        else:
            assert "children" in post or post["media_type"] == "IMAGE"
    assert sandbox.stats()["by_endpoint"] == {"GET /{ig-user-id}/media": 1}


def test_some_videos_have_only_a_thumbnail(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=200, video_share=0.5, carousel_share=0.1)
    account = sandbox.accounts()[0]
    body = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"],
                     fields="media_type,media_url,thumbnail_url", limit=100).json()
    videos = [m for m in body["data"] if m["media_type"] == "VIDEO"]
    assert any("media_url" not in v for v in videos)
    assert all("thumbnail_url" in v for v in videos)


def test_children_edge_and_single_media(sandbox):
    account = sandbox.accounts()[0]
    token = account["access_token"]
    posts = graph_get(sandbox, f"{account['ig_user_id']}/media", token, fields="id,media_type", limit=30).json()
    carousel = next(m for m in posts["data"] if m["media_type"] == "CAROUSEL_ALBUM")
    children = graph_get(sandbox, f"{carousel['id']}/children", token, fields="id,media_url").json()["data"]
    assert len(children) >= 2 and all(c["media_url"].startswith(sandbox.url) for c in children)
    single = graph_get(sandbox, carousel["id"], token, fields="id,caption,owner,username").json()
    assert single["owner"] == {"id": account["ig_user_id"]}
    assert single["username"] == account["username"]


def test_unknown_field_and_unknown_id_are_code_100(sandbox):
    account = sandbox.accounts()[0]
    bad_field = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"], fields="id,price")
    assert error_of(bad_field)["code"] == 100 and "nonexisting field (price)" in error_of(bad_field)["message"]
    missing = graph_get(sandbox, "17999999999999999", account["access_token"])
    assert error_of(missing)["code"] == 100 and error_of(missing)["error_subcode"] == 33


def test_a_token_never_reaches_another_account(sandbox):
    mine, other = sandbox.accounts()[0], sandbox.accounts()[2]
    answer = graph_get(sandbox, f"{other['ig_user_id']}/media", mine["access_token"])
    assert answer.status_code == 400
    assert error_of(answer)["code"] == 100


def test_multi_id_read_counts_each_id_and_caps_at_50(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=60)
    account = sandbox.accounts()[0]
    token = account["access_token"]
    ids = [m["id"] for m in graph_get(sandbox, f"{account['ig_user_id']}/media", token, limit=60).json()["data"]]
    sandbox.reset_stats()
    body = graph_get(sandbox, "", token, ids=",".join(ids[:50]), fields="id,caption").json()
    assert set(body) == set(ids[:50])
    stats = sandbox.stats()
    assert stats["total"] == 50 and stats["by_account"] == {account["ig_user_id"]: 50}
    too_many = graph_get(sandbox, "", token, ids=",".join(ids[:51]))
    assert error_of(too_many)["code"] == 100


def test_facebook_host_shape_me_accounts_page_and_instagram_host_me(sandbox):
    fb = sandbox.account("facebook")
    me = graph_get(sandbox, "me", fb["access_token"]).json()
    assert me["id"] == fb["fb_user_id"]
    pages = graph_get(sandbox, "me/accounts", fb["access_token"]).json()["data"]
    assert [p["id"] for p in pages] == [fb["page_id"]]
    assert pages[0]["access_token"].startswith("EAA")
    page = graph_get(sandbox, fb["page_id"], pages[0]["access_token"], fields="instagram_business_account").json()
    assert page["instagram_business_account"] == {"id": fb["ig_user_id"]}
    ig = sandbox.account("instagram")
    me_ig = graph_get(sandbox, "me", ig["access_token"], fields="user_id,username").json()
    assert me_ig["user_id"] == ig["ig_user_id"] and me_ig["username"] == ig["username"]
    assert graph_get(sandbox, "me/media", ig["access_token"]).status_code == 200


def test_cdn_address_expires_and_a_fresh_read_gives_a_new_one(sandbox):
    account = sandbox.accounts()[0]
    post = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"],
                     fields="id,media_url,media_type", limit=1).json()["data"][0]
    image = requests.get(post["media_url"], timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    from PIL import Image
    import io
    assert Image.open(io.BytesIO(image.content)).width == 1080
    assert "oe=" in post["media_url"]
    sandbox.advance_clock(8 * 24 * 3600)
    assert requests.get(post["media_url"], timeout=10).status_code == 403
    tampered = post["media_url"].replace("oe=", "oe=F")
    assert requests.get(tampered, timeout=10).status_code == 403
    again = graph_get(sandbox, post["id"], account["access_token"], fields="id,media_url").json()
    assert again["id"] == post["id"] and again["media_url"] != post["media_url"]
    fresh = requests.get(again["media_url"], timeout=10)
    assert fresh.status_code == 200 and fresh.headers["Content-Type"] == "image/jpeg"
    assert fresh.content == image.content  # the same picture behind the new signature


def test_media_lists_at_most_the_10000_newest(make_sandbox):
    sandbox = make_sandbox(accounts=1, posts_per_account=10_030, carousel_share=0.0, video_share=0.0)
    account = sandbox.accounts()[0]
    url = f"{sandbox.graph_url}/{account['ig_user_id']}/media"
    params = {"access_token": account["access_token"], "limit": 100}
    listed = 0
    while url:
        body = sandbox.http.get(url, params=params, timeout=10).json()
        params, listed, url = None, listed + len(body["data"]), body.get("paging", {}).get("next")
    assert listed == 10_000
    assert graph_get(sandbox, account["ig_user_id"], account["access_token"],
                     fields="media_count").json()["media_count"] == 10_030


def test_before_cursor_pages_back(sandbox):
    account = sandbox.accounts()[0]
    first = graph_get(sandbox, f"{account['ig_user_id']}/media", account["access_token"], limit=10).json()
    second = sandbox.http.get(first["paging"]["next"], timeout=10).json()
    assert "previous" in second["paging"]
    back = sandbox.http.get(second["paging"]["previous"], timeout=10).json()
    assert [m["id"] for m in back["data"]] == [m["id"] for m in first["data"]]


def test_swapping_photos_gives_a_carousel_new_slides_and_an_image_post_a_new_picture(sandbox):
    account = sandbox.accounts()[0]
    token, owner = account["access_token"], account["ig_user_id"]
    carousel = sandbox.publish(owner, media_type="CAROUSEL_ALBUM", children=3)
    old_slide = graph_get(sandbox, carousel["children"][0], token, fields="id,media_url").json()
    swapped = sandbox.swap_images(carousel["id"], 4)
    assert swapped["id"] == carousel["id"] and len(swapped["children"]) == 4
    assert not set(swapped["children"]) & set(carousel["children"])
    read = graph_get(sandbox, carousel["id"], token, fields=CAROUSEL_FIELDS).json()
    assert [c["id"] for c in read["children"]["data"]] == swapped["children"]
    assert error_of(graph_get(sandbox, old_slide["id"], token, fields="id"))["code"] == 100  # gone, as on Instagram
    assert requests.get(old_slide["media_url"], timeout=10).status_code == 404

    image = sandbox.publish(owner, media_type="IMAGE")
    before = graph_get(sandbox, image["id"], token, fields="media_url").json()["media_url"]
    photo = requests.get(before, timeout=10).content
    assert sandbox.swap_images(image["id"], 1)["id"] == image["id"]
    after = graph_get(sandbox, image["id"], token, fields="media_url").json()["media_url"]
    assert after.split("?")[0] != before.split("?")[0]
    assert requests.get(after, timeout=10).content != photo
    assert requests.get(before, timeout=10).status_code == 404


def test_a_photo_swap_must_fit_the_post(sandbox):
    owner = sandbox.accounts()[0]["ig_user_id"]
    carousel = sandbox.publish(owner, media_type="CAROUSEL_ALBUM", children=2)
    video = sandbox.publish(owner, media_type="VIDEO")
    image = sandbox.publish(owner, media_type="IMAGE")
    for media_id, body in ((carousel["id"], {"images": 1}), (carousel["id"], {"images": 11}),
                           (image["id"], {"images": 2}), (video["id"], {"images": 1}),
                           (image["id"], {"images": "two"}), (image["id"], {})):
        answer = sandbox.http.patch(f"{sandbox.url}/_sandbox/media/{media_id}", json=body, timeout=10)
        assert answer.status_code == 400, (body, answer.text)
    both = sandbox.http.patch(f"{sandbox.url}/_sandbox/media/{image['id']}",
                              json={"caption": "New photo! Ksh 900", "images": ["front.jpg"]}, timeout=10)
    assert both.status_code == 200 and both.json()["caption"] == "New photo! Ksh 900"
