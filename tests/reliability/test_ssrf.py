"""SSRF attempts through media URLs: every one refused before a byte is fetched from the target.

Media URLs come from Graph answers (`media_url`, `thumbnail_url`), so a hostile or
spoofed answer could aim the worker at internal addresses. Cases: loopback, private
ranges, link-local (cloud metadata), IPv6 and IPv4-mapped forms, non-CDN hosts, CDN
names that resolve to private addresses (DNS rebinding), credentials in the URL,
`file:`/`gopher:`/`ftp:`, plain http, and redirects from an allowed host to each of
those. DNS is the one collaborator replaced: `resolver` maps names to the addresses an
attacker would make them resolve to. The redirect cases go over real HTTP to a local
server that the policy trusts like the sandbox.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.media import DownloadPolicy, LocalMediaBackend, MediaStore, UrlRefused
from tests.reliability.report import Table

FAKE_DNS = {
    "scontent.cdninstagram.com": ["157.240.1.63"],
    "evil.cdninstagram.com": ["127.0.0.1"],
    "rebind.fbcdn.net": ["10.0.0.5"],
    "meta.fbcdn.net": ["169.254.169.254"],
    "v6.fbcdn.net": ["::1"],
    "mapped.fbcdn.net": ["::ffff:192.168.1.1"],
    "mixed.fbcdn.net": ["157.240.1.63", "172.16.0.9"],
}


def resolver(host: str, port: int) -> list[str]:
    return FAKE_DNS.get(host, ["93.184.216.34"])


DIRECT = [
    "http://127.0.0.1/secret", "https://127.0.0.1/x.jpg", "https://localhost/x.jpg", "https://[::1]/x.jpg",
    "https://10.0.0.1/x.jpg", "https://192.168.0.1/x.jpg", "https://172.16.5.4/x.jpg",
    "https://169.254.169.254/latest/meta-data/", "https://0.0.0.0/x.jpg", "https://2130706433/x.jpg",
    "https://evil.cdninstagram.com/x.jpg", "https://rebind.fbcdn.net/x.jpg", "https://meta.fbcdn.net/x.jpg",
    "https://v6.fbcdn.net/x.jpg", "https://mapped.fbcdn.net/x.jpg", "https://mixed.fbcdn.net/x.jpg",
    "https://example.com/x.jpg", "https://cdninstagram.com.evil.example/x.jpg", "https://evilcdninstagram.com/x.jpg",
    "https://user:pw@scontent.cdninstagram.com/x.jpg", "http://scontent.cdninstagram.com/x.jpg",
    "file:///etc/passwd", "gopher://127.0.0.1:25/", "ftp://scontent.cdninstagram.com/x.jpg",
    "//scontent.cdninstagram.com/x.jpg", "", "javascript:alert(1)",
]
REDIRECT_TARGETS = [
    "http://127.0.0.1:1/internal", "https://169.254.169.254/latest/meta-data/", "file:///etc/passwd",
    "https://example.com/x.jpg", "https://rebind.fbcdn.net/x.jpg", "http://10.0.0.1/x.jpg",
]


class _Redirector(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Redirector.hits.append(self.path)
        target = REDIRECT_TARGETS[int(self.path.strip("/"))]
        self.send_response(302)
        self.send_header("Location", target)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def redirector():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_ssrf_attempts_are_refused(redirector, tmp_path, artifacts_dir):
    policy = DownloadPolicy(sandbox_hosts=(redirector,), timeout_seconds=3.0)
    store = MediaStore(LocalMediaBackend(tmp_path), download_policy=policy, resolver=resolver)
    table = Table("ssrf", "Security: SSRF attempts through media URLs", ["url", "outcome", "refused"],
                  "every direct URL and every redirect target is refused with UrlRefused; nothing is stored")
    allowed = []
    cases = [(url, url) for url in DIRECT]
    cases += [(f"redirect -> {target}", f"http://{redirector}/{i}") for i, target in enumerate(REDIRECT_TARGETS)]
    for label, url in cases:
        try:
            store.fetch(url)
            outcome, refused = "FETCHED", False
        except UrlRefused as refusal:
            outcome, refused = f"UrlRefused ({refusal.reason})", True
        except Exception as error:  # anything else means we tried to connect
            outcome, refused = f"{type(error).__name__}: {error}", False
        table.add(label, outcome, "yes" if refused else "NO")
        if not refused:
            allowed.append(f"{label}: {outcome}")
    table.write(artifacts_dir)
    assert not allowed, allowed
    assert len(_Redirector.hits) == len(REDIRECT_TARGETS), "every redirect case reached the trusted host once"
    assert not any(tmp_path.rglob("*.jpg"))
