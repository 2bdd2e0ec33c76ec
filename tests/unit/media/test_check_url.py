"""Which addresses the media store may fetch: the SSRF rules, without any network."""

from __future__ import annotations

import pytest

from core.media import DownloadPolicy, UrlRefused, check_url

POLICY = DownloadPolicy(sandbox_hosts=("127.0.0.1:8700",))


def public(_host, _port):
    return ["157.240.1.174"]


def resolves_to(address):
    return lambda _host, _port: [address]


def test_https_cdn_host_is_allowed():
    checked = check_url("https://scontent-lhr8-1.cdninstagram.com/v/t51/1.jpg?oe=ABC", POLICY, public)
    assert (checked.host, checked.port, checked.address) == ("scontent-lhr8-1.cdninstagram.com", 443, "157.240.1.174")
    assert check_url("https://scontent.xx.fbcdn.net/a.jpg", POLICY, public)
    assert check_url("https://FBCDN.NET./a.jpg", POLICY, public)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://scontent.cdninstagram.com/a.jpg", "bad_scheme"),
        ("ftp://scontent.cdninstagram.com/a.jpg", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "bad_scheme"),
        ("https://evilcdninstagram.com/a.jpg", "host_not_allowed"),
        ("https://cdninstagram.com.evil.example/a.jpg", "host_not_allowed"),
        ("https://example.com/a.jpg", "host_not_allowed"),
        ("https://127.0.0.1/a.jpg", "host_not_allowed"),
        ("https://[::1]/a.jpg", "host_not_allowed"),
        ("https://169.254.169.254/latest/meta-data/", "host_not_allowed"),
        ("https://user:pw@scontent.cdninstagram.com/a.jpg", "bad_host"),
        ("https://scontent.cdninstagram.com:99999/a.jpg", "bad_host"),
        ("", "url_refused"),
        ("not a url", "bad_scheme"),
    ],
)
def test_refused_addresses(url, reason):
    with pytest.raises(UrlRefused) as caught:
        check_url(url, POLICY, public)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.5", "192.168.1.1", "172.16.0.1", "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1"],
)
def test_cdn_name_resolving_to_a_private_address_is_refused(address):
    """DNS pointing an allowed name at an internal address must not open the internal network."""
    with pytest.raises(UrlRefused) as caught:
        check_url("https://scontent.cdninstagram.com/a.jpg", POLICY, resolves_to(address))
    assert caught.value.reason == "private_address"


def test_every_resolved_address_must_be_public():
    both = lambda _h, _p: ["157.240.1.174", "10.1.2.3"]  # noqa: E731
    with pytest.raises(UrlRefused):
        check_url("https://scontent.cdninstagram.com/a.jpg", POLICY, both)


def test_unresolvable_host_is_refused():
    with pytest.raises(UrlRefused) as caught:
        check_url("https://no-such-host.invalid.cdninstagram.com/a.jpg", POLICY)
    assert caught.value.reason == "unresolvable_host"


def test_sandbox_host_is_allowed_over_http_only_on_its_port():
    assert check_url("http://127.0.0.1:8700/media/1.jpg", POLICY)
    with pytest.raises(UrlRefused):
        check_url("http://127.0.0.1:8701/media/1.jpg", POLICY)
    with pytest.raises(UrlRefused):
        check_url("http://127.0.0.1/media/1.jpg", POLICY)


def test_production_policy_has_no_sandbox():
    with pytest.raises(UrlRefused):
        check_url("http://127.0.0.1:8700/media/1.jpg", DownloadPolicy(), public)


def test_the_pinned_address_is_one_the_check_approved():
    """IPv4 is preferred when both are offered; an IPv4-mapped answer pins its IPv4 form."""
    dual = lambda _h, _p: ["2a03:2880:f12f:83:face:b00c:0:25de", "157.240.1.174"]  # noqa: E731
    assert check_url("https://scontent.cdninstagram.com/a.jpg", POLICY, dual).address == "157.240.1.174"
    mapped = resolves_to("::ffff:157.240.1.174")
    assert check_url("https://scontent.cdninstagram.com/a.jpg", POLICY, mapped).address == "157.240.1.174"


def test_an_ip_literal_is_pinned_as_written_whatever_the_resolver_says():
    checked = check_url("http://127.0.0.1:8700/media/1.jpg", POLICY, resolves_to("10.9.9.9"))
    assert checked.address == "127.0.0.1"


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1"])
def test_a_sandbox_name_never_resolves_to_link_local_or_unspecified(address):
    """The sandbox may be private, but a sandbox name rebinding to cloud metadata is refused."""
    policy = DownloadPolicy(sandbox_hosts=("sandbox.test:8700",))
    assert check_url("http://sandbox.test:8700/1.jpg", policy, resolves_to("10.0.0.7")).address == "10.0.0.7"
    with pytest.raises(UrlRefused) as caught:
        check_url("http://sandbox.test:8700/1.jpg", policy, resolves_to(address))
    assert caught.value.reason == "private_address"
