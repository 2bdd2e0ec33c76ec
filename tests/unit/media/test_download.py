"""Downloads over real HTTP from a local server: redirects, status codes, caps and time."""

from __future__ import annotations

import pytest

from core.media import (
    DownloadFailed,
    DownloadPolicy,
    LocalMediaBackend,
    MediaStore,
    MediaUrlExpired,
    UrlRefused,
)

from .images import jpeg


def store_for(tmp_path, *hosts, **policy):
    return MediaStore(LocalMediaBackend(tmp_path), DownloadPolicy(sandbox_hosts=tuple(hosts), **policy))


def test_copies_an_image_from_an_allowed_host(tmp_path, image_server):
    url = image_server.route("/img/1.jpg", body=jpeg(), headers={"Content-Type": "image/jpeg"})
    stored = store_for(tmp_path, image_server.host).copy_from_url(url + "?oe=ABCD", namespace="st_1")
    assert (tmp_path / stored.key).is_file() and (tmp_path / stored.thumb).is_file()
    assert stored.as_dict()["source_url"].endswith("?oe=ABCD")


def test_loopback_server_not_listed_as_sandbox_is_refused(tmp_path, image_server):
    """The SSRF case: a media URL pointing at 127.0.0.1 is never fetched."""
    url = image_server.route("/admin", body=jpeg())
    with pytest.raises(UrlRefused):
        store_for(tmp_path).fetch(url)
    assert image_server.hits == []


def test_same_host_redirect_is_followed(tmp_path, image_server):
    image_server.route("/final.jpg", body=jpeg())
    url = image_server.route("/moved", status=302, headers={"Location": "/final.jpg"})
    assert store_for(tmp_path, image_server.host).fetch(url).startswith(b"\xff\xd8")


def test_redirect_to_another_host_is_refused(tmp_path, image_server, other_server):
    target = other_server.route("/secret", body=jpeg())
    url = image_server.route("/moved", status=302, headers={"Location": target})
    with pytest.raises(UrlRefused) as caught:
        store_for(tmp_path, image_server.host, other_server.host).fetch(url)
    assert caught.value.reason == "redirect_refused"
    assert other_server.hits == []


def test_redirect_to_an_internal_address_is_refused(tmp_path, image_server):
    url = image_server.route("/moved", status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(UrlRefused):
        store_for(tmp_path, image_server.host).fetch(url)


def test_redirect_loops_stop(tmp_path, image_server):
    url = image_server.route("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(UrlRefused) as caught:
        store_for(tmp_path, image_server.host).fetch(url)
    assert caught.value.reason == "too_many_redirects"


@pytest.mark.parametrize("status", [403, 410])
def test_expired_signature_is_its_own_error(tmp_path, image_server, status):
    url = image_server.route("/old.jpg", status=status, body=b"URL signature expired")
    with pytest.raises(MediaUrlExpired) as caught:
        store_for(tmp_path, image_server.host).fetch(url)
    assert caught.value.status == status


def test_server_error_is_a_download_failure(tmp_path, image_server):
    url = image_server.route("/boom.jpg", status=500, body=b"oops")
    with pytest.raises(DownloadFailed) as caught:
        store_for(tmp_path, image_server.host).fetch(url)
    assert caught.value.status == 500 and not isinstance(caught.value, MediaUrlExpired)


def test_declared_size_over_the_cap_is_refused(tmp_path, image_server):
    url = image_server.route("/big.jpg", body=b"\xff\xd8\xff" + b"0" * 5000)
    with pytest.raises(DownloadFailed) as caught:
        store_for(tmp_path, image_server.host, max_bytes=1000).fetch(url)
    assert caught.value.reason == "too_large"


def test_streamed_body_over_the_cap_is_cut_off(tmp_path, image_server):
    url = image_server.route("/big.jpg", body=b"\xff\xd8\xff" + b"0" * 50_000, chunked=True)
    with pytest.raises(DownloadFailed) as caught:
        store_for(tmp_path, image_server.host, max_bytes=20_000).fetch(url)
    assert caught.value.reason == "too_large"


def test_slow_server_times_out(tmp_path, image_server):
    url = image_server.route("/slow.jpg", body=jpeg(), delay=2.0)
    with pytest.raises(DownloadFailed) as caught:
        store_for(tmp_path, image_server.host, timeout_seconds=0.3).fetch(url)
    assert caught.value.reason == "timeout"


def test_trickling_server_hits_the_total_deadline(tmp_path, image_server):
    url = image_server.route("/trickle.jpg", body=b"\xff" * 80_000, chunked=True, delay=0.1)
    with pytest.raises(DownloadFailed) as caught:
        store_for(tmp_path, image_server.host, timeout_seconds=0.4).fetch(url)
    assert caught.value.reason == "timeout"


def test_connection_refused_is_a_download_failure(tmp_path):
    with pytest.raises(DownloadFailed):
        store_for(tmp_path, "127.0.0.1:9").fetch("http://127.0.0.1:9/a.jpg")
