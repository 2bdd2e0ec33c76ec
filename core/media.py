"""The media store: our own checked copies of post images.

Instagram's `media_url` is a signed CDN address that expires after a few days, so
a draft that only kept the address would show a broken image by review time. On
import we download each image once, check it hard (it is untrusted input fetched
from a URL that arrived over the network), re-encode it and keep a full-size copy
and a ~400 px thumbnail.

Downloads are an SSRF surface, so `check_url` refuses anything but https to an
allowed CDN host suffix (plus explicitly listed sandbox hosts in demo/tests),
refuses hosts that resolve to private, loopback or link-local addresses, and
follows no redirect to another host. Bodies are capped in size and time; images
must carry JPEG/PNG/WEBP magic bytes, open in Pillow restricted to those formats,
stay under a pixel budget (a decompression bomb is an error, not a warning),
pass `verify()` and are re-encoded, which also strips EXIF (sellers' GPS).

Keys are content-addressed (`<namespace>/full/ab/<sha256>.jpg`), relative to the
backend's root, so the same bytes are stored once and an object-store backend can
take the local folder's place without changing a key. `product_draft.images`
holds `StoredImage.as_dict()` entries.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_EXPIRED_CODES = frozenset({403, 410})
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], list[str]]


# --- errors ---------------------------------------------------------------------------------


class MediaError(Exception):
    """An image we could not copy. `reason` is a short code for counters and the UI."""

    reason = "media_error"

    def __init__(self, message: str, *, reason: str | None = None):
        super().__init__(message)
        if reason:
            self.reason = reason


class UrlRefused(MediaError):
    """The address is not one we may fetch (scheme, host, private address, redirect)."""

    reason = "url_refused"


class DownloadFailed(MediaError):
    """The host answered with an error, too much data, or too slowly."""

    reason = "download_failed"

    def __init__(self, message: str, *, status: int | None = None, reason: str | None = None):
        super().__init__(message, reason=reason)
        self.status = status


class MediaUrlExpired(DownloadFailed):
    """403/410 from the CDN: the signed address expired; re-read the media for a fresh one."""

    reason = "url_expired"


class ImageRejected(MediaError):
    """The bytes are not an image we accept (wrong type, corrupt, too many pixels)."""

    reason = "image_rejected"


# --- where we may download from -------------------------------------------------------------


@dataclass(frozen=True)
class DownloadPolicy:
    allowed_host_suffixes: tuple[str, ...] = ("cdninstagram.com", "fbcdn.net")
    # "host" or "host:port": allowed over http and on private addresses (the sandbox).
    sandbox_hosts: tuple[str, ...] = ()
    max_bytes: int = 15 * 1024 * 1024
    timeout_seconds: float = 15.0
    max_redirects: int = 3

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


def check_url(url: str, policy: DownloadPolicy, resolver: Resolver = system_resolver) -> SplitResult:
    """The parsed URL if we may fetch it; `UrlRefused` saying why otherwise."""
    if not isinstance(url, str) or not url:
        raise UrlRefused("empty image address")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        raise UrlRefused(f"not an http(s) address: {_short(url)}", reason="bad_scheme")
    if parts.username or parts.password:
        raise UrlRefused("addresses with credentials are refused", reason="bad_host")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise UrlRefused(f"bad port in {_short(url)}", reason="bad_host") from None
    if policy.is_sandbox(host, port):
        return parts
    if scheme != "https":
        raise UrlRefused(f"https is required: {_short(url)}", reason="bad_scheme")
    if not policy.is_cdn(host):
        raise UrlRefused(f"host {host!r} is not an Instagram/Facebook CDN host", reason="host_not_allowed")
    _refuse_non_public(host, port, resolver)
    return parts


def _refuse_non_public(host: str, port: int, resolver: Resolver) -> None:
    for address in resolver(host, port):
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            raise UrlRefused(f"host {host!r} resolves to a non-public address", reason="private_address")


def _short(url: str) -> str:
    """The address without its query: CDN signatures are long and not ours to log."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:200]


# --- checking and re-encoding images --------------------------------------------------------


@dataclass(frozen=True)
class ImagePolicy:
    max_pixels: int = 40_000_000
    thumb_px: int = 400
    full_max_px: int = 2048
    jpeg_quality: int = 86

    @classmethod
    def from_settings(cls, settings: Any) -> ImagePolicy:
        return cls(
            max_pixels=settings.media_max_pixels,
            thumb_px=settings.media_thumb_px,
            full_max_px=settings.media_full_max_px,
        )


def sniff_format(data: bytes) -> str:
    """The format named by the magic bytes; `ImageRejected` unless JPEG, PNG or WEBP."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise ImageRejected("not a JPEG, PNG or WEBP image", reason="bad_magic")


def decode_image(data: bytes, policy: ImagePolicy) -> Image.Image:
    """A fully decoded RGB image, after every check; `ImageRejected` otherwise."""
    declared = sniff_format(data)
    _verify(data, declared, policy)
    try:
        image = Image.open(io.BytesIO(data), formats=[declared])
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
    except Image.DecompressionBombError as error:
        raise ImageRejected(f"decompression bomb refused: {error}", reason="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(f"corrupt {declared} image: {error}", reason="corrupt_image") from None
    return _to_rgb(image)


def _verify(data: bytes, declared: str, policy: ImagePolicy) -> None:
    """Header and structure checks before any pixel is decoded.

    The pixel budget is checked from the header, so a bomb is refused before it is
    inflated. It sits below Pillow's own `MAX_IMAGE_PIXELS`, whose
    `DecompressionBombError` is also turned into a rejection. (No
    `warnings.catch_warnings` here: it is not thread-safe and images are checked
    in worker threads.)
    """
    try:
        with Image.open(io.BytesIO(data), formats=[declared]) as probe:
            width, height = probe.size
            if width <= 0 or height <= 0 or width * height > policy.max_pixels:
                raise ImageRejected(f"image of {width}x{height} pixels exceeds the limit", reason="too_many_pixels")
            probe.verify()
    except ImageRejected:
        raise
    except Image.DecompressionBombError as error:
        raise ImageRejected(f"decompression bomb refused: {error}", reason="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(f"corrupt {declared} image: {error}", reason="corrupt_image") from None


def _to_rgb(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: flatten transparent images onto white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB") if image.mode != "RGB" else image


def render_copies(data: bytes, policy: ImagePolicy) -> tuple[bytes, bytes, int, int]:
    """(full JPEG, thumbnail JPEG, width, height) from checked image bytes."""
    image = decode_image(data, policy)
    if max(image.size) > policy.full_max_px:
        image.thumbnail((policy.full_max_px, policy.full_max_px), Image.Resampling.LANCZOS)
    full = _jpeg(image, policy.jpeg_quality)
    thumb = _jpeg(_thumbnail(image, policy.thumb_px), policy.jpeg_quality)
    return full, thumb, image.width, image.height


def _thumbnail(image: Image.Image, box: int) -> Image.Image:
    """A new image fitting in `box` x `box` (no copy of the full one: scans make thousands)."""
    scale = min(1.0, box / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0) if scale < 1 else image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()


# --- where copies live ----------------------------------------------------------------------


class MediaBackend(Protocol):
    """Key → bytes. The local folder today; an object store fits the same three calls."""

    def put(self, key: str, data: bytes) -> None: ...

    def exists(self, key: str) -> bool: ...

    def get(self, key: str) -> bytes: ...


class LocalMediaBackend:
    """Files under `root`, written atomically so a crash never leaves half an image."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"media key escapes the media folder: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()


@dataclass(frozen=True)
class StoredImage:
    key: str
    thumb: str
    width: int
    height: int
    source_url: str

    def as_dict(self) -> dict[str, Any]:
        """The entry kept in `product_draft.images` / `product.images`."""
        return {
            "key": self.key,
            "thumb": self.thumb,
            "width": self.width,
            "height": self.height,
            "source_url": self.source_url,
        }


def content_keys(data: bytes, namespace: str = "shared") -> tuple[str, str]:
    """(full key, thumbnail key) for these source bytes."""
    if not namespace or "/" in namespace or namespace.startswith("."):
        raise ValueError(f"bad media namespace {namespace!r}")
    digest = hashlib.sha256(data).hexdigest()
    return (
        f"{namespace}/full/{digest[:2]}/{digest}.jpg",
        f"{namespace}/thumb/{digest[:2]}/{digest}.jpg",
    )


# --- the store ------------------------------------------------------------------------------


class MediaStore:
    """Downloads, checks and keeps images. Safe to share between threads."""

    def __init__(
        self,
        backend: MediaBackend,
        download_policy: DownloadPolicy | None = None,
        image_policy: ImagePolicy | None = None,
        resolver: Resolver = system_resolver,
    ):
        self.backend = backend
        self.download_policy = download_policy or DownloadPolicy()
        self.image_policy = image_policy or ImagePolicy()
        self.resolver = resolver
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: Any) -> MediaStore:
        return cls(
            LocalMediaBackend(settings.media_dir),
            DownloadPolicy.from_settings(settings),
            ImagePolicy.from_settings(settings),
        )

    def copy_from_url(self, url: str, namespace: str = "shared") -> StoredImage:
        """Download, check and store one image; `MediaError` says why not."""
        return self.store_bytes(self.fetch(url), url, namespace)

    def store_bytes(self, data: bytes, source_url: str, namespace: str = "shared") -> StoredImage:
        key, thumb_key = content_keys(data, namespace)
        if self.backend.exists(key) and self.backend.exists(thumb_key):
            width, height = _stored_size(self.backend.get(key))
            return StoredImage(key, thumb_key, width, height, source_url)
        full, thumb, width, height = render_copies(data, self.image_policy)
        self.backend.put(thumb_key, thumb)
        self.backend.put(key, full)  # written last: its presence means both exist
        return StoredImage(key, thumb_key, width, height, source_url)

    def read(self, key: str) -> bytes:
        return self.backend.get(key)

    def fetch(self, url: str) -> bytes:
        """The body at `url`, following only same-host redirects that pass `check_url`."""
        policy = self.download_policy
        deadline = time.monotonic() + policy.timeout_seconds
        current = url
        for _hop in range(policy.max_redirects + 1):
            parts = check_url(current, policy, self.resolver)
            response = self._get(current, deadline)
            with response:
                if response.status_code in _REDIRECT_CODES:
                    current = _redirect_target(current, parts, response, policy, self.resolver)
                    continue
                _raise_for_status(response, current)
                return _read_capped(response, policy.max_bytes, deadline)
        raise UrlRefused(f"more than {policy.max_redirects} redirects", reason="too_many_redirects")

    def _get(self, url: str, deadline: float) -> requests.Response:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            return self._session().get(url, stream=True, allow_redirects=False, timeout=(min(5.0, remaining), remaining))
        except requests.Timeout:
            raise DownloadFailed(f"timed out fetching {_short(url)}", reason="timeout") from None
        except requests.RequestException as error:
            raise DownloadFailed(f"could not fetch {_short(url)}: {type(error).__name__}") from None

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no proxies from the environment for untrusted URLs
            session.headers["User-Agent"] = "catalog-sync-media/1"
            self._local.session = session
        return session


def _redirect_target(
    current: str, parts: SplitResult, response: requests.Response, policy: DownloadPolicy, resolver: Resolver
) -> str:
    location = response.headers.get("Location")
    if not location:
        raise DownloadFailed("redirect without a Location", status=response.status_code)
    target = urljoin(current, location)
    target_parts = check_url(target, policy, resolver)
    if (target_parts.hostname or "").lower() != (parts.hostname or "").lower() or target_parts.port != parts.port:
        raise UrlRefused(f"redirect to another host refused: {_short(target)}", reason="redirect_refused")
    return target


def _raise_for_status(response: requests.Response, url: str) -> None:
    status = response.status_code
    if status in _EXPIRED_CODES:
        raise MediaUrlExpired(f"CDN answered {status} for {_short(url)}", status=status)
    if status != 200:
        raise DownloadFailed(f"CDN answered {status} for {_short(url)}", status=status)


def _read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
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


def _stored_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        return image.size
