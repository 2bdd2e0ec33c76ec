"""Pure parsing of Graph API payloads into typed values. No I/O here.

The rest of the app sees `MediaItem` and `AccountProfile`, never Meta's JSON, so
Meta's quirks (carousel children, videos without `media_url`, `+0000` offsets)
are handled once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from core.instagram.errors import PayloadInvalid

# One call reads a whole carousel: the children come expanded in the same answer.
CHILD_FIELDS = "id,media_type,media_url,thumbnail_url"
MEDIA_FIELDS = f"id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,children{{{CHILD_FIELDS}}}"
ACCOUNT_FIELDS = "id,username,name,profile_picture_url,media_count"


@dataclass(frozen=True)
class MediaChild:
    id: str
    media_type: str
    media_url: str | None
    thumbnail_url: str | None = None

    @property
    def display_url(self) -> str | None:
        """The image to show: `media_url`, or a video's thumbnail when Meta withheld it."""
        return self.media_url or self.thumbnail_url


@dataclass(frozen=True)
class MediaItem:
    """One Instagram post as the app uses it.

    `media_urls` holds one displayable image per slide: the children's for a
    carousel, else the post's own `media_url`, falling back to `thumbnail_url`
    for videos whose `media_url` Meta leaves out (licensed audio). The URLs are
    signed CDN addresses that expire, so callers download them promptly.
    """

    id: str
    media_type: str
    caption: str
    timestamp: datetime
    media_urls: tuple[str, ...]
    permalink: str | None = None
    thumbnail_url: str | None = None
    children: tuple[MediaChild, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def children_ids(self) -> tuple[str, ...]:
        return tuple(child.id for child in self.children)

    @property
    def is_carousel(self) -> bool:
        return self.media_type == "CAROUSEL_ALBUM"


@dataclass(frozen=True)
class AccountProfile:
    id: str
    username: str
    name: str | None = None
    profile_picture_url: str | None = None
    media_count: int | None = None


def parse_timestamp(value: Any) -> datetime:
    """Meta's `2024-05-01T10:00:00+0000` (or ISO 8601 with `Z`/`+00:00`) as aware UTC."""
    if not isinstance(value, str) or not value:
        raise PayloadInvalid(f"timestamp must be a non-empty string, got {value!r}")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            raise PayloadInvalid(f"unreadable timestamp {value!r}") from None
    if parsed.tzinfo is None:
        raise PayloadInvalid(f"timestamp {value!r} has no time zone")
    return parsed.astimezone(timezone.utc)


def parse_media(raw: Any) -> MediaItem:
    """Graph media JSON (with `children` expanded or not) → `MediaItem`.

    Raises `PayloadInvalid` when `id` or `timestamp` is missing: Meta always
    sends both, so their absence means we asked for the wrong fields.
    """
    if not isinstance(raw, dict):
        raise PayloadInvalid(f"media must be an object, got {type(raw).__name__}")
    media_id = raw.get("id")
    if not media_id:
        raise PayloadInvalid("media object without an id")
    media_type = str(raw.get("media_type") or "IMAGE").upper()
    children = tuple(_parse_child(child) for child in _children_list(raw.get("children")))
    return MediaItem(
        id=str(media_id),
        media_type=media_type,
        caption=str(raw.get("caption") or ""),
        timestamp=parse_timestamp(raw.get("timestamp")),
        media_urls=_display_urls(raw, children),
        permalink=raw.get("permalink"),
        thumbnail_url=raw.get("thumbnail_url"),
        children=children,
        raw=raw,
    )


def parse_account(raw: Any) -> AccountProfile:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise PayloadInvalid("account object without an id")
    media_count = raw.get("media_count")
    return AccountProfile(
        id=str(raw["id"]),
        username=str(raw.get("username") or ""),
        name=raw.get("name"),
        profile_picture_url=raw.get("profile_picture_url"),
        media_count=int(media_count) if media_count is not None else None,
    )


def _children_list(children: Any) -> list[Any]:
    """Children arrive as `{"data": [...]}` under field expansion; accept a bare list too."""
    if isinstance(children, dict):
        return list(children.get("data") or [])
    if isinstance(children, list):
        return children
    return []


def _parse_child(raw: Any) -> MediaChild:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise PayloadInvalid("carousel child without an id")
    return MediaChild(
        id=str(raw["id"]),
        media_type=str(raw.get("media_type") or "IMAGE").upper(),
        media_url=raw.get("media_url"),
        thumbnail_url=raw.get("thumbnail_url"),
    )


def _display_urls(raw: dict[str, Any], children: tuple[MediaChild, ...]) -> tuple[str, ...]:
    if children:
        return tuple(url for url in (child.display_url for child in children) if url)
    url = raw.get("media_url") or raw.get("thumbnail_url")
    return (url,) if url else ()


# --- paging -------------------------------------------------------------------


def next_page_url(payload: Any) -> str | None:
    """`paging.next` when Meta says there is another page, else None."""
    if not isinstance(payload, dict):
        return None
    paging = payload.get("paging")
    if not isinstance(paging, dict):
        return None
    url = paging.get("next")
    return url if isinstance(url, str) and url else None


def page_data(payload: Any) -> list[Any]:
    if not isinstance(payload, dict) or not isinstance(payload.get("data", []), list):
        raise PayloadInvalid("list response without a `data` array")
    return payload.get("data") or []


def with_query(url: str, **changes: Any) -> str:
    """`url` with some query parameters replaced (None removes one); the rest kept."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return urlunsplit(parts._replace(query=urlencode(query)))


def smaller_page(size: int, minimum: int = 5) -> int | None:
    """The next page size to try after code 1 ("reduce the amount of data"), or None."""
    if size <= minimum:
        return None
    return max(minimum, size // 2)
