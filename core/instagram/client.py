"""`GraphClient`: the Graph API reads and writes the app needs, for one connection.

A client is bound to one access token and one host (the caller picks the host by
the connection's `login_flow`; see `GraphClient.for_login_flow`). Every call is
counted in the shared `BudgetTracker` under the client's `account_id`, so scans,
polling and webhook look-ups in one process spend one budget.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

import requests

from core.instagram.budget import BudgetTracker, shared_budget
from core.instagram.errors import NotFound, PayloadInvalid, ReduceDataRequested
from core.instagram.http import DEFAULT_TIMEOUT, GraphTransport, RetryPolicy
from core.instagram.parsing import (
    ACCOUNT_FIELDS,
    MEDIA_FIELDS,
    AccountProfile,
    MediaItem,
    next_page_url,
    page_data,
    parse_account,
    parse_media,
    smaller_page,
    with_query,
)

log = logging.getLogger("core.instagram")

PAGE_SIZE = 100  # Meta's cap is undocumented; 100 works and code 1 tells us to go lower
MULTI_ID_BATCH = 50  # Meta refuses more than 50 ids in one `?ids=` read (code 100)
LOGIN_FLOWS = ("facebook", "instagram")


class GraphClient:
    """Reads an Instagram professional account's media through the Graph API.

    Tokens stay private: not in `repr`, logs or exception text.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_version: str,
        access_token: str,
        app_secret: str | None = None,
        account_id: str | None = None,
        budget: BudgetTracker | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not access_token:
            raise ValueError("GraphClient needs an access token")
        self._token = access_token
        self.account_id = account_id
        self.budget = budget if budget is not None else shared_budget()
        self.transport = GraphTransport(
            base_url,
            api_version,
            app_secret=app_secret,
            session=session,
            timeout=timeout,
            retry=retry,
            budget=self.budget,
            sleep=sleep,
        )

    @classmethod
    def for_login_flow(cls, settings: Any, login_flow: str, access_token: str, **kwargs: Any) -> GraphClient:
        """A client on the host of the connection's login flow, from `core.config.Settings`.

        "facebook" → graph.facebook.com with the Meta app secret; "instagram" →
        graph.instagram.com with the Instagram app secret.
        """
        if login_flow == "facebook":
            base_url, secret = settings.meta_graph_url, settings.meta_app_secret
        elif login_flow == "instagram":
            base_url, secret = settings.instagram_graph_url, settings.instagram_app_secret
        else:
            raise ValueError(f"unknown login flow {login_flow!r}; expected one of {LOGIN_FLOWS}")
        return cls(
            base_url=base_url,
            api_version=settings.meta_api_version,
            access_token=access_token,
            app_secret=secret,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"GraphClient(base_url={self.transport.base_url!r}, account_id={self.account_id!r})"

    # --- generic ------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None, *, account_id: str | None = None, cost: int = 1) -> Any:
        """One GET on a Graph path, counted against `account_id` (default: the client's)."""
        return self._call("GET", path, params=params, account_id=account_id, cost=cost)

    def _call(self, method: str, path: str, *, account_id: str | None = None, **kwargs: Any) -> Any:
        return self.transport.call(
            method, path, token=self._token, account_id=account_id or self.account_id, **kwargs
        )

    # --- media ----------------------------------------------------------------

    def list_media(
        self,
        ig_user_id: str,
        newer_than: datetime | None = None,
        limit: int | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[MediaItem]:
        """Posts newest first, carousels expanded in the same call, following `paging.next`.

        Stops by itself: after `limit` posts, or after the page where posts reach
        `newer_than` (posts at or before it are not yielded; `since`/`until` are
        not relied on). On code 1 ("reduce the amount of data") the page shrinks
        and the same page is asked again.
        """
        if newer_than is not None and newer_than.tzinfo is None:
            raise ValueError("newer_than must be timezone-aware (Meta's timestamps are UTC)")
        if limit is not None and limit <= 0:
            return
        size = min(page_size, limit) if limit else page_size
        url: str = f"{ig_user_id}/media"
        params: dict[str, Any] | None = {"fields": MEDIA_FIELDS, "limit": size}
        yielded = 0
        seen: set[str] = set()
        while True:
            try:
                payload = self._call("GET", url, params=params, account_id=self.account_id or ig_user_id)
            except ReduceDataRequested:
                size = self._shrink(size)
                url, params = self._resize(url, params, size)
                continue
            reached_old, new_on_page = False, 0
            for raw in page_data(payload):
                item = parse_media(raw)
                if item.id in seen:
                    continue  # a cursor that went back: never yield a post twice
                seen.add(item.id)
                new_on_page += 1
                if newer_than is not None and item.timestamp <= newer_than:
                    reached_old = True  # finish the page: a pinned post may sit out of order
                    continue
                yield item
                yielded += 1
                if limit is not None and yielded >= limit:
                    return
            following = next_page_url(payload)
            if reached_old or not following or not payload.get("data"):
                return
            if not new_on_page:
                log.warning("listing %s: a page held only posts already listed; stopping (looping cursor)",
                            ig_user_id)
                return
            url, params = following, {"limit": size}

    @staticmethod
    def _shrink(size: int) -> int:
        smaller = smaller_page(size)
        if smaller is None:
            raise ReduceDataRequested(f"Meta still asks for less data at {size} posts per page")
        log.info("Graph asked for less data; retrying the page with limit=%d", smaller)
        return smaller

    @staticmethod
    def _resize(url: str, params: dict[str, Any] | None, size: int) -> tuple[str, dict[str, Any] | None]:
        if "://" in url:
            return with_query(url, limit=size), {"limit": size}
        return url, {**(params or {}), "limit": size}

    def get_media(self, media_id: str, fields: str = MEDIA_FIELDS) -> MediaItem:
        """One post, children expanded. Also how to get a fresh `media_url` after a 403."""
        return parse_media(self._call("GET", str(media_id), params={"fields": fields}))

    def get_media_many(self, media_ids: Iterable[str], fields: str = MEDIA_FIELDS) -> dict[str, MediaItem]:
        """Many posts by id in `?ids=` reads of at most 50; ids that no longer exist are left out.

        Saves round trips, not budget: Meta counts each id as a call. When a
        batch names a deleted post, Meta fails the whole read, so the batch is
        split until the missing ids are isolated.
        """
        ids = list(dict.fromkeys(str(i) for i in media_ids if i))
        found: dict[str, MediaItem] = {}
        for start in range(0, len(ids), MULTI_ID_BATCH):
            found.update(self._read_ids(ids[start : start + MULTI_ID_BATCH], fields))
        return found

    def _read_ids(self, ids: list[str], fields: str) -> dict[str, MediaItem]:
        if not ids:
            return {}
        try:
            payload = self._call("GET", "", params={"ids": ",".join(ids), "fields": fields}, cost=len(ids))
        except NotFound:
            if len(ids) == 1:
                log.info("media %s no longer exists (or is not visible to this token)", ids[0])
                return {}
            middle = len(ids) // 2
            return {**self._read_ids(ids[:middle], fields), **self._read_ids(ids[middle:], fields)}
        if not isinstance(payload, dict):
            raise PayloadInvalid("multi-id read did not answer an object keyed by id")
        return {key: parse_media(value) for key, value in payload.items() if key in ids}

    # --- account --------------------------------------------------------------

    def get_account(self, ig_user_id: str, fields: str = ACCOUNT_FIELDS) -> AccountProfile:
        return parse_account(self._call("GET", str(ig_user_id), params={"fields": fields}, account_id=ig_user_id))

    def me(self, fields: str = "id,name") -> dict[str, Any]:
        """`/me` as the token's owner sees it (fields differ between the two hosts)."""
        return self._call("GET", "me", params={"fields": fields})

    # --- webhooks subscription ------------------------------------------------

    def subscribe_app(self, object_id: str, fields: Iterable[str] = ("comments", "mentions")) -> bool:
        """Subscribe our app to an account's (or Page's) webhooks: `POST /{id}/subscribed_apps`."""
        payload = self._call(
            "POST", f"{object_id}/subscribed_apps", params={"subscribed_fields": ",".join(fields)}
        )
        return bool(isinstance(payload, dict) and payload.get("success"))

    def unsubscribe_app(self, object_id: str) -> bool:
        payload = self._call("DELETE", f"{object_id}/subscribed_apps")
        return bool(isinstance(payload, dict) and payload.get("success"))

    def debug_token(self, input_token: str | None = None, app_access_token: str | None = None) -> dict[str, Any]:
        """`GET /debug_token`: validity, scopes and expiry of `input_token` (default: ours).

        Meta wants an app token (`app_id|app_secret`) or a token of the same
        app; pass `app_access_token` for the former. Returns the `data` object.
        """
        token = app_access_token or self._token
        payload = self.transport.call(
            "GET",
            "debug_token",
            token=token,
            params={"input_token": input_token or self._token},
            account_id=self.account_id,
            proof=app_access_token is None,
        )
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise PayloadInvalid("debug_token answered without a `data` object")
        return data
