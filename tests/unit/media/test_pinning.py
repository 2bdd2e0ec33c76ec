"""DNS rebinding: the download connects to the address `check_url` approved, over real HTTP(S).

A rebinding name answers an allowed address to the check and a forbidden one to any
lookup after it. DNS is the one collaborator replaced (`RebindingDns`); the servers,
sockets and TLS handshakes are real. Names under `.test` resolve nowhere else, so a
download that works proves the pinned address was used.
"""

from __future__ import annotations

import pytest

from core.media import DownloadFailed, DownloadPolicy, LocalMediaBackend, MediaStore, UrlRefused
from tests.unit.media.image_server import ImageServer

from .images import jpeg
from .tls_certs import server_tls


class RebindingDns:
    """Answers `first` to the first lookup and `later` to every lookup after it."""

    def __init__(self, first: str, later: str):
        self.first, self.later = first, later
        self.lookups: list[str] = []

    def __call__(self, host: str, _port: int) -> list[str]:
        self.lookups.append(host)
        return [self.first if len(self.lookups) == 1 else self.later]


@pytest.fixture
def tls_server(tmp_path):
    """An https ImageServer on 127.0.0.1 with a certificate for one name; yields (server, CA bundle path)."""
    servers = []

    def start(dns_name: str) -> tuple[ImageServer, str]:
        context, ca_bundle = server_tls(tmp_path, dns_name)
        servers.append(ImageServer(tls=context))
        return servers[-1], ca_bundle

    yield start
    for server in servers:
        server.close()


def store(tmp_path, dns, **policy) -> MediaStore:
    return MediaStore(LocalMediaBackend(tmp_path / "media"), DownloadPolicy(**policy), resolver=dns)


def test_a_sandbox_name_is_fetched_from_its_checked_address_and_never_looked_up_again(tmp_path, image_server):
    name = f"images.sandbox.test:{image_server.port}"
    url = image_server.route("/1.jpg", body=jpeg()).replace(image_server.host, name)
    dns = RebindingDns("127.0.0.1", "169.254.169.254")
    media = store(tmp_path, dns, sandbox_hosts=(name,), timeout_seconds=2.0)

    assert media.fetch(url).startswith(b"\xff\xd8")
    assert dns.lookups == ["images.sandbox.test"], "the connection reused the checked answer"
    assert image_server.host_headers == [name], "the Host header names the host, not the address"

    with pytest.raises(UrlRefused) as caught:  # the next download checks the next answer, and refuses it
        media.fetch(url)
    assert caught.value.reason == "private_address"
    assert image_server.hits == ["/1.jpg"]


def test_a_same_host_redirect_is_checked_again_before_connecting(tmp_path, image_server):
    name = f"images.sandbox.test:{image_server.port}"
    image_server.route("/final.jpg", body=jpeg())
    url = image_server.route("/moved", status=302, headers={"Location": "/final.jpg"}).replace(image_server.host, name)
    with pytest.raises(UrlRefused):
        store(tmp_path, RebindingDns("127.0.0.1", "169.254.169.254"), sandbox_hosts=(name,)).fetch(url)
    assert image_server.hits == ["/moved"]


def test_a_cdn_name_rebinding_to_loopback_never_reaches_the_loopback_server(tmp_path, tls_server):
    """Production rules (https, CDN host): checked at a public address, then 127.0.0.1 where a trap listens.

    The trap holds a certificate the store trusts for the name, so any connection to it
    would succeed and be counted; the pinned public address is unreachable from here.
    """
    trap, ca_bundle = tls_server("scontent.cdninstagram.com")
    url = trap.route("/1.jpg", body=jpeg()).replace(trap.host, f"scontent.cdninstagram.com:{trap.port}")
    dns = RebindingDns("157.240.1.63", "127.0.0.1")
    with pytest.raises(DownloadFailed):
        store(tmp_path, dns, ca_bundle=ca_bundle, timeout_seconds=0.5).fetch(url)
    assert trap.hits == []
    assert dns.lookups == ["scontent.cdninstagram.com"]


def test_https_to_a_pinned_address_verifies_the_certificate_for_the_name(tmp_path, tls_server):
    server, ca_bundle = tls_server("images.sandbox.test")
    named = server.route("/1.jpg", body=jpeg()).replace(server.host, f"images.sandbox.test:{server.port}")
    misnamed = named.replace("images.sandbox.test", "other.sandbox.test")
    hosts = (f"images.sandbox.test:{server.port}", f"other.sandbox.test:{server.port}")
    media = store(tmp_path, lambda _h, _p: ["127.0.0.1"], sandbox_hosts=hosts, ca_bundle=ca_bundle)

    assert media.fetch(named).startswith(b"\xff\xd8")  # SNI and the check used the name, not 127.0.0.1
    assert server.host_headers == [hosts[0]]
    with pytest.raises(DownloadFailed):  # same address, but the certificate is not for this name
        media.fetch(misnamed)
    assert server.hits == ["/1.jpg"]
