"""What the media store raises: each error says which URL or image, never a token."""

from __future__ import annotations






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
