"""Where we may download from, and reading a response safely (the SSRF surface)."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import requests

from core.media.errors import DownloadFailed, MediaUrlExpired, UrlRefused

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_EXPIRED_CODES = frozenset({403, 410})
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class CheckedUrl:
    """An address we may fetch and the IP it was checked at.

    The connection goes to `address` and nowhere else: resolving the name a second
    time would let DNS answer a public address to the check and a private one to
    the connection (rebinding).
    """

    url: str
    parts: SplitResult
    host: str
    port: int
    address: str


@dataclass(frozen=True)
class DownloadPolicy:
    allowed_host_suffixes: tuple[str, ...] = ("cdninstagram.com", "fbcdn.net")
    # "host" or "host:port": allowed over http and on private addresses (the sandbox).
    sandbox_hosts: tuple[str, ...] = ()
    max_bytes: int = 15 * 1024 * 1024
    timeout_seconds: float = 15.0
    max_redirects: int = 3
    # CA bundle to trust instead of the default one (a TLS-inspecting egress proxy; a test CA).
    ca_bundle: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> DownloadPolicy:
        return cls(
            allowed_host_suffixes=tuple(h.lower().lstrip(".") for h in settings.media_allowed_hosts),
            sandbox_hosts=tuple(h.lower() for h in settings.media_allow_http_hosts),
            max_bytes=settings.media_max_bytes,
            timeout_seconds=settings.media_timeout_seconds,
        )

    def is_sandbox(self, host: str, port: int) -> bool:
        return host in self.sandbox_hosts or f"{host}:{port}" in self.sandbox_hosts

    def is_cdn(self, host: str) -> bool:
        return any(host == s or host.endswith("." + s) for s in self.allowed_host_suffixes)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host resolves to (all must be public, not just the first)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UrlRefused(f"cannot resolve host {host!r}: {error}", reason="unresolvable_host") from None
    return sorted({info[4][0] for info in infos})


def check_url(url: str, policy: DownloadPolicy, resolver: Resolver = system_resolver) -> CheckedUrl:
    """The URL and the one address to connect to, if we may fetch it; `UrlRefused` saying why otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise UrlRefused("empty image address")
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        raise UrlRefused(f"not an http(s) address: {short_url(url)}", reason="bad_scheme")
    if parts.username or parts.password:
        raise UrlRefused("addresses with credentials are refused", reason="bad_host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise UrlRefused(f"bad port in {short_url(url)}", reason="bad_host") from None
    sandbox = policy.is_sandbox(host, port)
    if not sandbox:
        _require_https_cdn(url, scheme, host, policy)
    allowed = _sandbox_safe if sandbox else _public
    return CheckedUrl(url, parts, host, port, _pinned(host, _resolve(host, port, resolver), allowed))


def _require_https_cdn(url: str, scheme: str, host: str, policy: DownloadPolicy) -> None:
    if scheme != "https":
        raise UrlRefused(f"https is required: {short_url(url)}", reason="bad_scheme")
    if not policy.is_cdn(host):
        raise UrlRefused(f"host {host!r} is not an Instagram/Facebook CDN host", reason="host_not_allowed")


def _resolve(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    """The host's addresses; an IP literal is its own answer (no resolver may rewrite it)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    addresses = [_parse_address(answer) for answer in resolver(host, port)]
    if not addresses:
        raise UrlRefused(f"host {host!r} has no address", reason="unresolvable_host")
    return addresses


def _parse_address(answer: str) -> IPAddress:
    ip = ipaddress.ip_address(answer.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def _public(ip: IPAddress) -> bool:
    return ip.is_global and not ip.is_multicast


def _sandbox_safe(ip: IPAddress) -> bool:
    """The sandbox may sit on a private address, but a sandbox name never reaches cloud metadata."""
    return not (ip.is_link_local or ip.is_multicast or ip.is_unspecified)


def _pinned(host: str, addresses: list[IPAddress], allowed: Callable[[IPAddress], bool]) -> str:
    """The address to connect to; every answer must be allowed, not just the one we pick."""
    if not all(allowed(ip) for ip in addresses):
        raise UrlRefused(f"host {host!r} resolves to a non-public address", reason="private_address")
    ipv4 = [ip for ip in addresses if ip.version == 4]  # the likelier route when both are offered
    return str((ipv4 or addresses)[0])


def short_url(url: str) -> str:
    """The address without its query: CDN signatures are long and not ours to log."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:200]


def redirect_target(
    current: CheckedUrl, response: requests.Response, policy: DownloadPolicy, resolver: Resolver
) -> CheckedUrl:
    """The next hop, checked (and so resolved and pinned) afresh; only the same host and port."""
    location = response.headers.get("Location")
    if not location:
        raise DownloadFailed("redirect without a Location", status=response.status_code)
    target = check_url(urljoin(current.url, location), policy, resolver)
    if (target.host, target.port) != (current.host, current.port):
        raise UrlRefused(f"redirect to another host refused: {short_url(target.url)}", reason="redirect_refused")
    return target


def raise_for_status(response: requests.Response, url: str) -> None:
    status = response.status_code
    if status in _EXPIRED_CODES:
        raise MediaUrlExpired(f"CDN answered {status} for {short_url(url)}", status=status)
    if status != 200:
        raise DownloadFailed(f"CDN answered {status} for {short_url(url)}", status=status)


def read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise DownloadFailed(f"image of {declared} bytes is over the {max_bytes}-byte cap", reason="too_large")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise DownloadFailed(f"image is over the {max_bytes}-byte cap", reason="too_large")
            if time.monotonic() > deadline:
                raise DownloadFailed("download took too long", reason="timeout")
            chunks.append(chunk)
    except requests.RequestException as error:
        if isinstance(error, requests.Timeout) or "timed out" in str(error).lower():
            raise DownloadFailed("download took too long", reason="timeout") from None
        raise DownloadFailed(f"download interrupted: {type(error).__name__}") from None
    return b"".join(chunks)
