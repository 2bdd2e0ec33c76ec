"""`/_sandbox/...`: control endpoints for tests and demos (never under the Graph prefix),
and `/cdn/...`, the sandbox's own image host."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort, current_app, jsonify, request

from sandbox.faults import fault_from_request
from sandbox.images import TINY_MP4, avatar_image, product_image
from sandbox.render import meta_time
from sandbox.seed import add_media, make_post, remove_media, replace_images
from sandbox.state import SandboxState
from sandbox.webhooks import Update

control = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")
cdn = Blueprint("sandbox_cdn", __name__, url_prefix="/cdn")


def _state() -> SandboxState:
    return current_app.config["SANDBOX"]


def _json_body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _bad(message: str, status: int = 400):
    return jsonify({"error": message}), status


@control.get("/accounts")
def accounts():
    state = _state()
    out = []
    for account in state.world.accounts.values():
        token = state.seeded_tokens[account.ig_user_id]
        page_token = state.page_token(token, account.page_id).value if account.page_id else None
        out.append({
            "ig_user_id": account.ig_user_id, "username": account.username, "name": account.name,
            "login": account.login, "page_id": account.page_id, "page_name": account.page_name,
            "fb_user_id": account.fb_user_id, "app_id": state.app_for(account), "access_token": token.value,
            "page_access_token": page_token, "token_expires_at": int(token.expires_at or 0),
            "impressions": account.impressions,
            "budget": state.budget.limit(account.ig_user_id, account.impressions),
            "media_count": len(account.media),
        })
    return jsonify(out)


@control.get("/stats")
def stats():
    return jsonify(_state().stats.snapshot())


@control.post("/stats/reset")
def reset_stats():
    _state().stats.reset()
    return jsonify({"success": True})


@control.post("/accounts/<ig_id>/media")
def publish(ig_id: str):
    """Publish a post now: `{"caption", "media_type", "children": n}` (or `"images": [...]`, one per child)."""
    state = _state()
    if ig_id not in state.world.accounts:
        return _bad(f"no account {ig_id}", 404)
    body = _json_body()
    media_type = body.get("media_type", "IMAGE")
    if media_type not in ("IMAGE", "CAROUSEL_ALBUM", "VIDEO"):
        return _bad("media_type must be IMAGE, CAROUSEL_ALBUM or VIDEO")
    images = body.get("images")
    children = body.get("children") or (len(images) if isinstance(images, list) and len(images) > 1 else None)
    if media_type == "CAROUSEL_ALBUM" and children is not None and not 2 <= int(children) <= 10:
        return _bad("a carousel has 2 to 10 children")
    with state.lock:
        post = make_post(ig_id, state.clock.now().replace(microsecond=0), state.config, state.rng, state.ids,
                         media_type=media_type, caption=body.get("caption"), children=children)
        if media_type == "VIDEO":
            post.has_media_url = not body.get("licensed_audio", False)
        add_media(state.world, post)
    if state.config.emit_media_webhooks:
        _emit(state, post.owner_id, "media", {"id": post.id, "media_id": post.id, "event": "created"})
    return jsonify(_post_summary(post)), 201


@control.patch("/media/<media_id>")
def edit_media(media_id: str):
    """Edit a post as its seller would: `{"caption": ...}` and/or `{"images": n}` (or a list,
    one entry per photo) to swap its photos: a carousel gets n new slides with new ids (2 to 10),
    an IMAGE post a new photo (n = 1). A video's media cannot be swapped."""
    state = _state()
    post = state.world.media.get(media_id)
    if post is None:
        return _bad(f"no media {media_id}", 404)
    body = _json_body()
    if "caption" not in body and "images" not in body:
        return _bad("caption or images is required")
    count = None
    if "images" in body:
        count, problem = _swap_count(post, body["images"])
        if problem:
            return _bad(problem)
    with state.lock:
        if "caption" in body:
            post.caption = body["caption"]
        if count is not None:
            replace_images(state.world, post, count, state.ids)
    if state.config.emit_media_webhooks:
        _emit(state, post.owner_id, "media", {"id": post.id, "media_id": post.id, "event": "updated"})
    return jsonify(_post_summary(post))


def _swap_count(post, images) -> tuple[int | None, str | None]:
    """How many photos a swap asks for, or why it cannot be done."""
    count = len(images) if isinstance(images, list) else images
    if not isinstance(count, int) or isinstance(count, bool):
        return None, "images must be a number of photos or a list of them"
    if post.media_type == "VIDEO":
        return None, "a video's media cannot be swapped"
    if post.media_type == "CAROUSEL_ALBUM" and not 2 <= count <= 10:
        return None, "a carousel has 2 to 10 children"
    if post.media_type == "IMAGE" and count != 1:
        return None, "an IMAGE post has one photo"
    return count, None


@control.delete("/media/<media_id>")
def delete_media(media_id: str):
    state = _state()
    with state.lock:
        post = remove_media(state.world, media_id)
    if post is None:
        return _bad(f"no media {media_id}", 404)
    if state.config.emit_media_webhooks:
        _emit(state, post.owner_id, "media", {"id": post.id, "media_id": post.id, "event": "deleted"})
    return jsonify({"success": True, "id": media_id})


@control.post("/media/<media_id>/comments")
def comment(media_id: str):
    """Comment on a post: `{"text": ...}` or `{"texts": [...]}` (all in one webhook POST)."""
    state = _state()
    post = state.world.media.get(media_id)
    if post is None:
        return _bad(f"no media {media_id}", 404)
    body = _json_body()
    texts = body.get("texts") or [body.get("text", "Bei gani? 😍")]
    account = state.world.accounts[post.owner_id]
    created, updates = [], []
    for text in texts:
        comment_id = state.ids.make("179", 17)
        commenter = {"id": state.ids.make("17", 17), "username": body.get("username", "mteja_wa_nairobi")}
        with state.lock:
            post.comments.append({"id": comment_id, "text": text, "from": commenter})
        created.append(comment_id)
        updates.append(Update(account.login, account.ig_user_id, "comments", {
            "from": commenter, "media": {"id": post.id, "media_product_type":
                                         "REELS" if post.media_type == "VIDEO" else "FEED"},
            "id": comment_id, "text": text}, int(state.clock.time())))
    webhook = _webhook_status(state, account)
    if webhook == "queued":
        state.webhooks.emit(updates)
    return jsonify({"ids": created, "webhook": webhook}), 201


def _webhook_status(state: SandboxState, account) -> str:
    if not state.config.webhook_url:
        return "no webhook url configured"
    if not state.is_subscribed(account):
        return "not subscribed: POST /{ig-user-id}/subscribed_apps (or the Page's) first"
    return "queued"


def _emit(state: SandboxState, ig_id: str, field: str, value: dict) -> None:
    account = state.world.accounts[ig_id]
    if _webhook_status(state, account) == "queued":
        state.webhooks.emit([Update(account.login, ig_id, field, value, int(state.clock.time()))])


@control.get("/webhooks")
def webhook_log():
    return jsonify(_state().webhooks.log())


@control.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    state = _state()
    if request.method == "POST":
        try:
            fault = state.faults.add(fault_from_request(_json_body()))
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        return jsonify(fault.as_dict()), 201
    if request.method == "DELETE":
        state.faults.clear()
        return jsonify({"success": True})
    return jsonify(state.faults.list())


@control.route("/clock", methods=["GET", "POST"])
def clock():
    state = _state()
    if request.method == "POST":
        try:
            state.clock.advance(float(_json_body().get("advance_seconds", 0)))
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
    now = state.clock.now()
    return jsonify({"now": now.isoformat(), "offset_seconds": state.clock.offset})


@control.post("/budget")
def budget():
    """Set one account's budget (`{"ig_user_id", "calls"}`), or every account's (`{"calls"}`)."""
    state = _state()
    body = _json_body()
    calls = body.get("calls")
    if calls is not None and (not isinstance(calls, int) or calls < 0):
        return _bad("calls must be a non-negative integer or null")
    if body.get("ig_user_id"):
        if calls is None:
            state.budget.per_account.pop(body["ig_user_id"], None)
        else:
            state.budget.per_account[body["ig_user_id"]] = calls
    else:
        state.budget.override = calls
    return jsonify({"success": True})


@control.post("/tokens/invalidate")
def invalidate_token():
    """Revoke a token, as when the seller changes password or removes the app."""
    found = _state().tokens.invalidate(_json_body().get("access_token", ""))
    return (jsonify({"success": True}), 200) if found else _bad("unknown token", 404)


def _post_summary(post) -> dict:
    return {"id": post.id, "media_type": post.media_type, "caption": post.caption,
            "timestamp": meta_time(post.timestamp), "permalink": post.permalink,
            "children": [c.id for c in post.children]}


@cdn.get("/v/<directory>/<name>")
def cdn_file(directory: str, name: str):
    state = _state()
    refusal = state.cdn.check(name, request.args.get("oh"), request.args.get("oe"), state.clock.time())
    if refusal:
        return Response(refusal, status=403, mimetype="text/plain")
    stem = name.split("_")[0]
    headers = {"Cache-Control": "max-age=1209600, no-transform",
               "Last-Modified": datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")}
    if name.endswith("_a.jpg"):
        return Response(avatar_image(stem), mimetype="image/jpeg", headers=headers)
    if name.endswith(".mp4"):
        return Response(TINY_MP4, mimetype="video/mp4", headers=headers)
    if not state.world.has_picture(stem):
        abort(404)
    return Response(product_image(stem, state.config.image_px), mimetype="image/jpeg", headers=headers)
