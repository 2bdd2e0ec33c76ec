"""The media store: our own checked copies of post images.

Instagram's `media_url` is a signed CDN address that expires after a few days, so
a draft that only kept the address would show a broken image by review time. On
import we download each image once, check it hard (it is untrusted input fetched
from a URL that arrived over the network), re-encode it and keep a full-size copy
and a ~400 px thumbnail.

Downloads are an SSRF surface, so `check_url` refuses anything but https to an
allowed CDN host suffix (plus explicitly listed sandbox hosts in demo/tests),
refuses hosts that resolve to private, loopback or link-local addresses, and
follows no redirect to another host. The connection goes to the very address that
was checked (`core.media.pinning`), so a name cannot answer DNS differently the
second time (rebinding). Bodies are capped in size and time; images
must carry JPEG/PNG/WEBP magic bytes, open in Pillow restricted to those formats,
stay under a pixel budget (a decompression bomb is an error, not a warning),
pass `verify()` and are re-encoded, which also strips EXIF (sellers' GPS).

Keys are content-addressed (`<namespace>/full/ab/<sha256>.jpg`), relative to the
backend's root, so the same bytes are stored once and an object-store backend can
take the local folder's place without changing a key. `product_draft.images`
holds `StoredImage.as_dict()` entries.
"""

from core.media.download import CheckedUrl, DownloadPolicy, Resolver, check_url, system_resolver
from core.media.errors import DownloadFailed, ImageRejected, MediaError, MediaUrlExpired, UrlRefused
from core.media.images import ImagePolicy, decode_image, render_copies, sniff_format
from core.media.store import LocalMediaBackend, MediaBackend, MediaStore, StoredImage, content_keys

__all__ = [
    "CheckedUrl", "DownloadFailed", "DownloadPolicy", "ImagePolicy", "ImageRejected", "LocalMediaBackend",
    "MediaBackend", "MediaError", "MediaStore", "MediaUrlExpired", "Resolver", "StoredImage", "UrlRefused", "check_url",
    "content_keys", "decode_image", "render_copies", "sniff_format", "system_resolver",
]
