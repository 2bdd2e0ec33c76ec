"""Where copies live (a local folder; the key scheme leaves room for an object store) and the MediaStore."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests

from core.media.download import (
    REDIRECT_CODES, CheckedUrl, DownloadPolicy, Resolver, check_url, raise_for_status, read_capped, redirect_target,
    short_url, system_resolver,
)
from core.media.errors import DownloadFailed, UrlRefused
from core.media.images import ImagePolicy, render_copies, stored_size
from core.media.pinning import PinnedAddressAdapter


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
            width, height = stored_size(self.backend.get(key))
            return StoredImage(key, thumb_key, width, height, source_url)
        full, thumb, width, height = render_copies(data, self.image_policy)
        self.backend.put(thumb_key, thumb)
        self.backend.put(key, full)  # written last: its presence means both exist
        return StoredImage(key, thumb_key, width, height, source_url)

    def read(self, key: str) -> bytes:
        return self.backend.get(key)

    def fetch(self, url: str) -> bytes:
        """The body at `url`, following only same-host redirects that pass `check_url`.

        Each hop connects to the address its check approved (see `core.media.pinning`).
        """
        policy = self.download_policy
        deadline = time.monotonic() + policy.timeout_seconds
        target = check_url(url, policy, self.resolver)
        for _hop in range(policy.max_redirects + 1):
            response = self._get(target, deadline)
            with response:
                if response.status_code in REDIRECT_CODES:
                    target = redirect_target(target, response, policy, self.resolver)
                    continue
                raise_for_status(response, target.url)
                return read_capped(response, policy.max_bytes, deadline)
        raise UrlRefused(f"more than {policy.max_redirects} redirects", reason="too_many_redirects")

    def _get(self, target: CheckedUrl, deadline: float) -> requests.Response:
        remaining = max(0.1, deadline - time.monotonic())
        session, adapter = self._session()
        adapter.pin(target)
        try:
            return session.get(target.url, stream=True, allow_redirects=False,
                               timeout=(min(5.0, remaining), remaining), verify=self.download_policy.ca_bundle or True)
        except requests.Timeout:
            raise DownloadFailed(f"timed out fetching {short_url(target.url)}", reason="timeout") from None
        except requests.RequestException as error:
            raise DownloadFailed(f"could not fetch {short_url(target.url)}: {type(error).__name__}") from None

    def _session(self) -> tuple[requests.Session, PinnedAddressAdapter]:
        pinned = getattr(self._local, "pinned", None)
        if pinned is None:
            session = requests.Session()
            session.trust_env = False  # no proxies from the environment for untrusted URLs
            session.headers["User-Agent"] = "catalog-sync-media/1"
            adapter = PinnedAddressAdapter()
            for prefix in ("http://", "https://"):
                session.mount(prefix, adapter)
            pinned = self._local.pinned = (session, adapter)
        return pinned
