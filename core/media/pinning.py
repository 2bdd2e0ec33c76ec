"""A requests transport that connects to the address `check_url` approved, never to a fresh DNS answer.

Letting requests resolve the name again after the check is the DNS-rebinding hole:
a hostile name answers a public address to the check and a private one to the
connection. The adapter keeps the URL's name for everything but the socket, so the
Host header, TLS SNI and the certificate's hostname check are all for that name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from requests import PreparedRequest
from requests.adapters import HTTPAdapter

from core.media.download import DEFAULT_PORTS, CheckedUrl
from core.media.errors import UrlRefused


class PinnedAddressAdapter(HTTPAdapter):
    """One per session (so per thread): `pin` the checked URL, then send the request."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self._pins: dict[tuple[str, int], str] = {}

    def pin(self, target: CheckedUrl) -> None:
        self._pins[(target.host, target.port)] = target.address

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        scheme = host_params["scheme"]
        name = (host_params["host"] or "").rstrip(".")
        address = self._pins.get((name, host_params["port"] or DEFAULT_PORTS[scheme]))
        if address is None:  # fail closed: an address nobody checked is never connected to
            raise UrlRefused(f"no checked address for host {name!r}", reason="unchecked_host")
        host_params["host"] = address
        if scheme == "https":
            pool_kwargs["server_hostname"] = name  # SNI and the certificate check stay on the name
        return host_params, pool_kwargs

    def add_headers(self, request: PreparedRequest, **kwargs: Any) -> None:
        # The pool's host is the IP, so without this the Host header would name the IP.
        request.headers["Host"] = urlsplit(request.url).netloc
