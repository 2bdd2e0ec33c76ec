"""Which Graph path is which endpoint, whose budget it spends, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.fields import FieldSpec
from sandbox.render import cursor_for, decode_cursor, fields_param
from sandbox.seed import Account
from sandbox.state import SandboxState
from sandbox.tokens import Token

MAX_IDS = 50
MAX_PAGE = 100
DEFAULT_PAGE = 25
MAX_LISTED = 10_000
MEDIA_DEFAULT = "id"
ACCOUNTS_DEFAULT = "access_token,category,category_list,name,id,tasks"


@dataclass
class Route:
    endpoint: str
    handler: Callable | None = None
    budget_accounts: list[str | None] = field(default_factory=list)
    error: GraphError | None = None


def resolve_route(state: SandboxState, path: str, method: str, params: dict, token: Token | None) -> Route:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return _multi_id_route(state, params)
    if parts[0] == "debug_token" and len(parts) == 1:
        return Route(f"{method} /debug_token", lambda call: debug_token(call), [])
    head, edge = parts[0], (parts[1] if len(parts) > 1 else None)
    if len(parts) > 2:
        return Route(f"{method} /{path}", error=errors.unknown_path(path))
    if head == "me":
        return _me_route(state, method, edge, token)
    kind, obj = find_object(state, head)
    label = {"ig_user": "{ig-user-id}", "page": "{page-id}", "media": "{media-id}", "child": "{media-id}",
             "fb_user": "{user-id}"}.get(kind, "{id}")
    endpoint = f"{method} /{label}" + (f"/{edge}" if edge else "")
    if obj is None:
        return Route(endpoint, error=errors.object_not_found(head))
    account = _owner(state, kind, obj)
    budget = [account.ig_user_id] if account else []
    return Route(endpoint, lambda call: object_handler(call, method, kind, obj, edge, head), budget)


def find_object(state: SandboxState, object_id: str):
    world = state.world
    if object_id in world.accounts:
        return "ig_user", world.accounts[object_id]
    if object_id in world.media:
        return "media", world.media[object_id]
    if object_id in world.children:
        return "child", world.children[object_id]
    page_owner = world.account_by_page(object_id)
    if page_owner:
        return "page", page_owner
    if object_id in world.fb_users:
        return "fb_user", world.fb_users[object_id]
    return None, None


def _owner(state: SandboxState, kind: str, obj) -> Account | None:
    if kind in ("ig_user", "page"):
        return obj
    if kind == "media":
        return state.world.accounts[obj.owner_id]
    if kind == "child":
        return state.world.accounts[obj[1].owner_id]
    return None


def _multi_id_route(state: SandboxState, params: dict) -> Route:
    ids = [i for i in params.get("ids", "").split(",") if i]
    if not ids:
        return Route("GET /", error=errors.invalid_parameter("The parameter ids is required"))
    found = [find_object(state, i) for i in ids]
    accounts = [(a.ig_user_id if (a := _owner(state, k, o)) else None) if o else None for k, o in found]
    if len(ids) > MAX_IDS:
        return Route("GET /?ids", budget_accounts=accounts,
                     error=errors.invalid_parameter(f"Too many IDs. Maximum: {MAX_IDS}. Provided: {len(ids)}."))
    return Route("GET /?ids", lambda call: multi_id(call, ids, found), accounts)


def _me_route(state: SandboxState, method: str, edge: str | None, token: Token | None) -> Route:
    endpoint = f"{method} /me" + (f"/{edge}" if edge else "")
    if token is None:
        return Route(endpoint, lambda call: None)  # authentication fails first
    if token.kind == "ig_user":
        account = state.world.accounts.get(token.subject)
        return Route(endpoint, lambda call: object_handler(call, method, "ig_user", account, edge, "me"),
                     [token.subject])
    if token.kind == "page":
        account = state.world.account_by_page(token.subject)
        return Route(endpoint, lambda call: object_handler(call, method, "page", account, edge, "me"),
                     [account.ig_user_id] if account else [])
    user = state.world.fb_users.get(token.subject)
    return Route(endpoint, lambda call: object_handler(call, method, "fb_user", user, edge, "me"), [])


# -- access ------------------------------------------------------------------

def require_reach(token: Token, kind: str, obj, object_id: str, state: SandboxState) -> None:
    """A token reaches only its own account(s); anything else looks like it does not exist."""
    if kind == "fb_user":
        if token.kind != "user" or token.subject != obj.id:
            raise errors.object_not_found(object_id)
        return
    account = _owner(state, kind, obj)
    if token.kind == "ig_user":
        reachable = kind != "page" and account.ig_user_id == token.subject
    elif token.kind == "user":
        reachable = account.page_id is not None and account.page_id in token.page_ids
    elif token.kind == "page":
        reachable = account.page_id == token.subject
    else:
        reachable = False
    if not reachable:
        raise errors.object_not_found(object_id)
    needed = "instagram_business_basic" if token.kind == "ig_user" else "instagram_basic"
    if kind != "page" and needed not in token.scopes:
        raise errors.missing_permission(needed)


# -- handlers ----------------------------------------------------------------

def object_handler(call, method: str, kind: str, obj, edge: str | None, object_id: str) -> dict:
    token: Token = call.token
    if obj is None:
        raise errors.object_not_found(object_id)
    if token.kind == "app":
        raise errors.missing_permission()
    require_reach(token, kind, obj, object_id, call.state)
    if edge == "subscribed_apps":
        return subscribed_apps(call, method, kind, obj)
    if method != "GET":
        raise GraphError(f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
                         "cannot be loaded due to missing permissions, or does not support this operation.",
                         100, type_="GraphMethodException", subcode=33)
    renderer = call.renderer
    if edge is None:
        return render_object(call, kind, obj)
    if edge == "media" and kind == "ig_user":
        return media_page(call, obj, fields_param(call.params.get("fields"), MEDIA_DEFAULT), call.params)
    if edge == "children" and kind == "media":
        specs = fields_param(call.params.get("fields"), MEDIA_DEFAULT)
        return {"data": [renderer.child(c, obj, specs) for c in obj.children]}
    if edge == "accounts" and kind == "fb_user":
        return me_accounts(call)
    raise errors.nonexisting_field(edge, {"ig_user": "IGUser", "page": "Page", "media": "IGMedia",
                                          "child": "IGMedia", "fb_user": "User"}[kind])


def render_object(call, kind: str, obj) -> dict:
    renderer = call.renderer
    raw = call.params.get("fields")
    if kind == "ig_user":
        specs = fields_param(raw, "id" if call.token.kind != "ig_user" else "id,username")
        return renderer.ig_user(obj, specs, media_edge=lambda spec: media_page(
            call, obj, list(spec.sub or [FieldSpec("id")]), {"limit": spec.params.get("limit", DEFAULT_PAGE)}))
    if kind == "media":
        return renderer.media(obj, fields_param(raw, MEDIA_DEFAULT))
    if kind == "child":
        child, parent = obj
        return renderer.child(child, parent, fields_param(raw, MEDIA_DEFAULT))
    if kind == "page":
        token = call.token
        page_token = call.state.page_token(token, obj.page_id).value if token.kind == "user" else None
        return renderer.page(obj, fields_param(raw, "name,id"), page_token)
    return renderer.fb_user(obj, fields_param(raw, "name,id"))


def media_page(call, account: Account, specs: list[FieldSpec], params: dict) -> dict:
    """One page of `/{ig-user-id}/media`, newest first, with Meta's cursors and `next`."""
    limit = _page_limit(params.get("limit"))
    with call.state.lock:
        posts = account.media[:MAX_LISTED]
        start = 0
        if params.get("after"):
            start = _position_after(posts, params["after"])
        elif params.get("before"):
            end = _position_before(posts, params["before"])
            start = max(0, end - limit)
        page = posts[start:start + limit]
        data = [call.renderer.media(post, specs) for post in page]
    body: dict = {"data": data}
    if not page:
        return body
    paging: dict = {"cursors": {"before": cursor_for(page[0]), "after": cursor_for(page[-1])}}
    keep = {k: v for k, v in call.params.items() if k not in ("after", "before", "limit")}
    base = f"{call.public_base()}/{account.ig_user_id}/media?"
    if start + limit < len(posts):
        paging["next"] = base + urlencode({**keep, "limit": limit, "after": paging["cursors"]["after"]})
    if start > 0:
        paging["previous"] = base + urlencode({**keep, "limit": limit, "before": paging["cursors"]["before"]})
    body["paging"] = paging
    return body


def _page_limit(raw) -> int:
    if raw in (None, ""):
        return DEFAULT_PAGE
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise errors.invalid_parameter("Param limit must be a number") from None
    if limit > MAX_PAGE:
        raise errors.reduce_data()
    return limit if limit > 0 else DEFAULT_PAGE


def _sort_key(post) -> tuple[int, str]:
    return int(post.timestamp.timestamp()), post.id


def _position_after(posts, cursor: str) -> int:
    """Where the page after `cursor` starts: just past the cursor's post, or, when that post is
    gone, at the first post older than it. The post is looked up by id first: posts published
    in the same second are listed in the order they came, not in id order."""
    index = _index_of(posts, cursor)
    return index + 1 if index is not None else _first_older(posts, cursor)


def _position_before(posts, cursor: str) -> int:
    index = _index_of(posts, cursor)
    return index if index is not None else _first_older(posts, cursor)


def _index_of(posts, cursor: str) -> int | None:
    _stamp, media_id = decode_cursor(cursor)
    return next((i for i, post in enumerate(posts) if post.id == media_id), None)


def _first_older(posts, cursor: str) -> int:
    key = decode_cursor(cursor)
    return next((i for i, post in enumerate(posts) if _sort_key(post) < key), len(posts))


def multi_id(call, ids: list[str], found: list) -> dict:
    out = {}
    for object_id, (kind, obj) in zip(ids, found):
        if obj is None:
            raise errors.object_not_found(object_id)
        require_reach(call.token, kind, obj, object_id, call.state)
        out[object_id] = render_object(call, kind, obj)
    return out


def me_accounts(call) -> dict:
    token: Token = call.token
    if token.kind != "user":
        raise errors.nonexisting_field("accounts", "Page" if token.kind == "page" else "User")
    pages = token.page_ids if "pages_show_list" in token.scopes else []
    specs = fields_param(call.params.get("fields"), ACCOUNTS_DEFAULT)
    data = []
    for page_id in pages:
        account = call.state.world.account_by_page(page_id)
        if account:
            data.append(call.renderer.page(account, specs, call.state.page_token(token, page_id).value))
    body: dict = {"data": data}
    if data:
        body["paging"] = {"cursors": {"before": "QVFIUm" + pages[0][-6:], "after": "QVFIUm" + pages[-1][-6:]}}
    return body


def subscribed_apps(call, method: str, kind: str, obj) -> dict:
    token: Token = call.token
    state = call.state
    if kind not in ("ig_user", "page"):
        raise errors.nonexisting_field("subscribed_apps", "IGMedia")
    target = obj.ig_user_id if kind == "ig_user" else obj.page_id
    if kind == "page" and token.kind != "page":
        raise GraphError("(#210) A page access token is required to request this resource.", 210)
    with state.lock:
        current = state.subscriptions.setdefault(target, {})
        if method == "GET":
            return {"data": [{"id": app, "name": "Catalog Sync", "subscribed_fields": fields}
                             for app, fields in current.items() if fields]}
        if method == "DELETE":
            current.pop(token.app_id, None)
            return {"success": True}
        fields = [f for f in call.params.get("subscribed_fields", "").split(",") if f]
        if not fields:
            raise errors.invalid_parameter("The parameter subscribed_fields is required.")
        current[token.app_id] = fields
    return {"success": True}


def debug_token(call) -> dict:
    state = call.state
    value = call.params.get("input_token")
    if not value:
        raise errors.invalid_parameter("The parameter input_token is required")
    token = state.tokens.get(value)
    if token is None:
        return {"data": {"error": {"code": 190, "message": "Invalid OAuth access token."}, "is_valid": False,
                         "scopes": []}}
    now = state.clock.time()
    data = {
        "app_id": token.app_id, "type": {"user": "USER", "page": "PAGE", "ig_user": "USER"}[token.kind],
        "application": "Catalog Sync", "data_access_expires_at": int(token.issued_at + 90 * 86400),
        "expires_at": int(token.expires_at) if token.expires_at else 0, "issued_at": int(token.issued_at),
        "is_valid": True, "scopes": token.scopes,
        "granular_scopes": [{"scope": s, **({"target_ids": token.page_ids} if token.page_ids and
                                             s.startswith("pages") else {})} for s in token.scopes],
        "user_id": token.subject if token.kind != "page" else (
            (state.world.account_by_page(token.subject) or Account).fb_user_id),
    }
    if token.kind == "page":
        data["profile_id"] = token.subject
    if token.invalidated or (token.expires_at and now >= token.expires_at):
        data["is_valid"] = False
        data["error"] = {"code": 190, "subcode": 460 if token.invalidated else 463,
                         "message": "Error validating access token: Session has expired." if not token.invalidated
                         else "Error validating access token: The session has been invalidated."}
    return {"data": data}
