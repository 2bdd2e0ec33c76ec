"""Graph nodes as JSON: which fields each node type has, defaults, and nested expansion.

Fields that do not apply are left out, as Meta does: no `caption` on a post without
one, no `media_url` on a video with licensed audio, `thumbnail_url` only on videos.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Callable

from sandbox import errors
from sandbox.fields import FieldSpec, parse_fields
from sandbox.seed import Account, Child, FacebookUser, Media

MEDIA_FIELDS = {"id", "caption", "media_type", "media_product_type", "media_url", "thumbnail_url", "permalink",
                "shortcode", "timestamp", "username", "owner", "children", "comments_count", "like_count",
                "is_comment_enabled", "is_shared_to_feed", "alt_text"}
CHILD_FIELDS = {"id", "media_type", "media_url", "thumbnail_url", "permalink", "shortcode", "timestamp",
                "username", "owner", "alt_text"}
IG_USER_FIELDS = {"id", "ig_id", "user_id", "username", "name", "profile_picture_url", "media_count",
                  "followers_count", "follows_count", "biography", "website", "account_type", "media"}
PAGE_FIELDS = {"id", "name", "instagram_business_account", "connected_instagram_account", "access_token",
               "category", "category_list", "tasks", "link"}
USER_FIELDS = {"id", "name", "accounts"}


def fields_param(raw: str | None, default: str) -> list[FieldSpec]:
    try:
        return parse_fields(raw if raw else default)
    except ValueError as exc:
        raise errors.invalid_parameter(str(exc)) from None


def check_fields(specs: list[FieldSpec], allowed: set[str], node_type: str) -> None:
    for spec in specs:
        if spec.name not in allowed:
            raise errors.nonexisting_field(spec.name, node_type)


def meta_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def cursor_for(post: Media) -> str:
    return base64.urlsafe_b64encode(f"{int(post.timestamp.timestamp())}:{post.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, media_id = text.split(":", 1)
        return int(stamp), media_id
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_parameter("Invalid cursor") from None


class Renderer:
    """Turns world objects into Graph JSON; `url_for_media` signs fresh CDN addresses."""

    def __init__(self, accounts: dict[str, Account], media_url: Callable[[str, str], str],
                 avatar_url: Callable[[str], str]):
        self.accounts = accounts
        self.media_url = media_url  # (name, kind) -> signed url
        self.avatar_url = avatar_url

    def media(self, post: Media, specs: list[FieldSpec]) -> dict:
        check_fields(specs, MEDIA_FIELDS, "IGMedia")
        owner = self.accounts[post.owner_id]
        out: dict = {}
        for spec in specs:
            value = self._media_value(post, owner, spec)
            if value is not None:
                out[spec.name] = value
        return out

    def _media_value(self, post: Media, owner: Account, spec: FieldSpec):
        name = spec.name
        if name == "children":
            if post.media_type != "CAROUSEL_ALBUM":
                return None
            sub = list(spec.sub) if spec.sub else [FieldSpec("id")]
            return {"data": [self.child(child, post, sub) for child in post.children]}
        if name == "owner":
            return {"id": owner.ig_user_id}
        return self._common_value(name, post.id, post.media_type, post.has_media_url, post, owner,
                                  picture=post.picture) if name in {
            "id", "media_type", "media_url", "thumbnail_url", "permalink", "shortcode", "timestamp", "username",
            "alt_text"} else {
            "caption": post.caption,
            "media_product_type": "REELS" if post.media_type == "VIDEO" else "FEED",
            "comments_count": len(post.comments),
            "like_count": post.like_count,
            "is_comment_enabled": True,
            "is_shared_to_feed": True if post.media_type == "VIDEO" else None,
        }.get(name)

    def child(self, child: Child, parent: Media, specs: list[FieldSpec]) -> dict:
        check_fields(specs, CHILD_FIELDS, "IGMedia")
        owner = self.accounts[parent.owner_id]
        out: dict = {}
        for spec in specs:
            if spec.name == "owner":
                out["owner"] = {"id": owner.ig_user_id}
                continue
            value = self._common_value(spec.name, child.id, child.media_type, child.has_media_url, parent, owner)
            if value is not None:
                out[spec.name] = value
        return out

    def _common_value(self, name, media_id, media_type, has_media_url, post: Media, owner: Account,
                      picture: str | None = None):
        if name == "id":
            return media_id
        if name == "media_type":
            return media_type
        picture = picture or media_id  # the CDN name, which a swapped photo changes
        if name == "media_url":
            if media_type == "VIDEO":
                return self.media_url(f"{picture}_n.mp4", "video") if has_media_url else None
            return self.media_url(f"{picture}_n.jpg", "image")
        if name == "thumbnail_url":
            return self.media_url(f"{picture}_thumb_n.jpg", "image") if media_type == "VIDEO" else None
        if name == "permalink":
            return post.permalink if media_id == post.id else f"{post.permalink}?img_index=1"
        if name == "shortcode":
            return post.shortcode
        if name == "timestamp":
            return meta_time(post.timestamp)
        if name == "username":
            return owner.username
        return None

    def ig_user(self, account: Account, specs: list[FieldSpec], media_edge: Callable | None = None) -> dict:
        check_fields(specs, IG_USER_FIELDS, "IGUser" if account.login == "facebook" else "User")
        values = {
            "id": account.ig_user_id, "ig_id": int(account.ig_user_id[-10:]), "user_id": account.ig_user_id,
            "username": account.username, "name": account.name, "media_count": len(account.media),
            "followers_count": account.followers, "follows_count": account.followers // 7 + 40,
            "biography": account.biography, "website": f"https://wa.me/2547{account.ig_user_id[-8:]}",
            "account_type": "BUSINESS",
        }
        out: dict = {}
        for spec in specs:
            if spec.name == "profile_picture_url":
                out[spec.name] = self.avatar_url(account.ig_user_id)
            elif spec.name == "media":
                if media_edge:
                    out["media"] = media_edge(spec)
            else:
                out[spec.name] = values[spec.name]
        return out

    def page(self, account: Account, specs: list[FieldSpec], access_token: str | None = None) -> dict:
        check_fields(specs, PAGE_FIELDS, "Page")
        values = {
            "id": account.page_id, "name": account.page_name, "category": account.category,
            "category_list": [{"id": "2201", "name": account.category}],
            "instagram_business_account": {"id": account.ig_user_id},
            "connected_instagram_account": {"id": account.ig_user_id},
            "tasks": ["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"],
            "link": f"https://www.facebook.com/{account.page_id}", "access_token": access_token,
        }
        return {s.name: values[s.name] for s in specs if values.get(s.name) is not None}

    def fb_user(self, user: FacebookUser, specs: list[FieldSpec]) -> dict:
        check_fields([s for s in specs if s.name != "accounts"], USER_FIELDS, "User")
        return {s.name: {"id": user.id, "name": user.name}[s.name] for s in specs if s.name in ("id", "name")}
