"""OAuth as Meta does it, for both login flows.

Facebook Login (hosts www.facebook.com / graph.facebook.com):
  GET  /dialog/oauth (also /v25.0/dialog/oauth)  the consent page: Page picker, Allow / Cancel
  GET  /oauth/access_token (also versioned)       code -> short-lived user token;
       grant_type=fb_exchange_token -> 60-day token; grant_type=client_credentials -> app token
Instagram Login (hosts www.instagram.com / api.instagram.com / graph.instagram.com):
  GET  /oauth/authorize                           the consent page: Allow / Cancel
  POST /oauth/access_token                        code -> `{"data": [{access_token, user_id, permissions}]}`
  GET  /access_token?grant_type=ig_exchange_token  -> 60-day token
  GET  /refresh_access_token?grant_type=ig_refresh_token  -> another 60 days (token >= 24 h old)
Redirects carry `code` and `state` (Facebook appends `#_=_`, Instagram `#_`), or
`error=access_denied&error_reason=user_denied` on Cancel. The dialog logs in as the
first seeded person; `login_as=<facebook user id | instagram user id>` switches.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from flask import Flask, current_app, jsonify, redirect, request

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.faults import act_out
from sandbox.state import SandboxState
from sandbox.tokens import CODE_LIFETIME, LONG_LIVED, REFRESH_MIN_AGE, SHORT_LIVED

FB_DEFAULT_SCOPES = ["public_profile"]


def register_oauth(app: Flask) -> None:
    prefix = app.config["SANDBOX"].config.graph_prefix
    for base in ("", prefix):
        app.add_url_rule(f"{base}/dialog/oauth", f"fb_dialog{base}", facebook_dialog, methods=["GET"])
        app.add_url_rule(f"{base}/oauth/access_token", f"token{base}", access_token_endpoint,
                         methods=["GET", "POST"])
        app.add_url_rule(f"{base}/access_token", f"ig_exchange{base}", ig_exchange_token, methods=["GET"])
        app.add_url_rule(f"{base}/refresh_access_token", f"ig_refresh{base}", ig_refresh_token, methods=["GET"])
    app.add_url_rule("/dialog/oauth/confirm", "fb_confirm", facebook_confirm, methods=["POST"])
    app.add_url_rule("/oauth/authorize", "ig_dialog", instagram_dialog, methods=["GET"])
    app.add_url_rule("/oauth/authorize/", "ig_dialog_slash", instagram_dialog, methods=["GET"])
    app.add_url_rule("/oauth/authorize/confirm", "ig_confirm", instagram_confirm, methods=["POST"])


def _state() -> SandboxState:
    return current_app.config["SANDBOX"]


def _scopes(raw: str | None) -> list[str]:
    return [s for s in (raw or "").replace(" ", ",").split(",") if s]


def _with_query(url: str, params: dict, fragment: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}{urlencode({k: v for k, v in params.items() if v is not None})}{fragment}"


def _dialog_error(message: str, status: int = 400):
    return f"<!doctype html><title>Error</title><h1>Sorry, something went wrong.</h1><p>{escape(message)}</p>", status


# -- the dialogs ---------------------------------------------------------------

def facebook_dialog():
    state = _state()
    args = request.args
    if args.get("client_id") != state.config.fb_app_id:
        return _dialog_error("Invalid App ID: The provided app ID does not look like a valid app ID.")
    if not args.get("redirect_uri"):
        return _dialog_error("URL blocked: This redirect failed because the redirect URI is missing.")
    users = list(state.world.fb_users.values())
    if not users:
        return _dialog_error("No Facebook user in this sandbox has a Page.")
    user = state.world.fb_users.get(args.get("login_as", "")) or users[0]
    scopes = _scopes(args.get("scope")) or FB_DEFAULT_SCOPES
    pages = [state.world.account_by_page(p) for p in user.page_ids]
    page_boxes = "".join(
        f'<label><input type="checkbox" name="page_id" value="{a.page_id}" checked> {escape(a.page_name)} '
        f'(Instagram @{escape(a.username)})</label><br>' for a in pages)
    switch = " · ".join(f'<a href="?{escape(urlencode({**args.to_dict(), "login_as": u.id}))}">{escape(u.name)}</a>'
                        for u in users if u.id != user.id)
    hidden = _hidden({"client_id": args["client_id"], "redirect_uri": args["redirect_uri"],
                      "state": args.get("state", ""), "scope": ",".join(scopes), "user_id": user.id})
    body = (f"<h1>Catalog Sync is requesting access</h1><p>Logged in as <b>{escape(user.name)}</b>"
            f"{' — not you? ' + switch if switch else ''}</p>"
            f"<p>App: <b>Catalog Sync</b> ({escape(args['client_id'])}) will receive:</p>"
            f"<ul>{''.join(f'<li>{escape(s)}</li>' for s in scopes)}</ul>"
            f"<form method='post' action='/dialog/oauth/confirm'>{hidden}"
            f"<fieldset><legend>Choose the Pages Catalog Sync can access</legend>{page_boxes}</fieldset>"
            f"{_buttons()}</form>")
    return _page("Log in with Facebook", body)


def facebook_confirm():
    state = _state()
    form = request.form
    redirect_uri = form.get("redirect_uri", "")
    if form.get("decision") != "allow":
        return redirect(_with_query(redirect_uri, {
            "error": "access_denied", "error_code": "200", "error_description": "Permissions error",
            "error_reason": "user_denied", "state": form.get("state") or None}, "#_=_"))
    user = state.world.fb_users.get(form.get("user_id", ""))
    if user is None:
        return _dialog_error("Unknown user.")
    pages = [p for p in form.getlist("page_id") if p in user.page_ids]
    code = state.tokens.new_code("facebook", form.get("client_id", ""), redirect_uri, user.id,
                                 _scopes(form.get("scope")), pages, state.clock.time())
    return redirect(_with_query(redirect_uri, {"code": code.value, "state": form.get("state") or None}, "#_=_"))


def instagram_dialog():
    state = _state()
    args = request.args
    if args.get("client_id") != state.config.ig_app_id:
        return _dialog_error("Invalid app ID")
    if not args.get("redirect_uri"):
        return _dialog_error("Invalid redirect_uri")
    scopes = _scopes(args.get("scope"))
    if not {"instagram_business_basic", "instagram_basic"} & set(scopes):
        return _dialog_error("Invalid Scopes: instagram_business_basic is required")
    accounts = sorted(state.world.accounts.values(), key=lambda a: a.login != "instagram")
    account = state.world.accounts.get(args.get("login_as", "")) or accounts[0]
    switch = " · ".join(f'<a href="?{escape(urlencode({**args.to_dict(), "login_as": a.ig_user_id}))}">'
                        f'@{escape(a.username)}</a>' for a in accounts if a is not account)
    hidden = _hidden({"client_id": args["client_id"], "redirect_uri": args["redirect_uri"],
                      "state": args.get("state", ""), "scope": ",".join(scopes), "user_id": account.ig_user_id})
    body = (f"<h1>Allow Catalog Sync to access your account?</h1>"
            f"<p>Logged in as <b>@{escape(account.username)}</b>{' — switch: ' + switch if switch else ''}</p>"
            f"<ul>{''.join(f'<li>{escape(s)}</li>' for s in scopes)}</ul>"
            f"<form method='post' action='/oauth/authorize/confirm'>{hidden}{_buttons()}</form>")
    return _page("Instagram", body)


def instagram_confirm():
    state = _state()
    form = request.form
    redirect_uri = form.get("redirect_uri", "")
    if form.get("decision") != "allow":
        return redirect(_with_query(redirect_uri, {
            "error": "access_denied", "error_reason": "user_denied",
            "error_description": "The user denied your request.", "state": form.get("state") or None}, "#_"))
    if form.get("user_id") not in state.world.accounts:
        return _dialog_error("Unknown account.")
    code = state.tokens.new_code("instagram", form.get("client_id", ""), redirect_uri, form["user_id"],
                                 _scopes(form.get("scope")), [], state.clock.time())
    return redirect(_with_query(redirect_uri, {"code": code.value, "state": form.get("state") or None}, "#_"))


def _hidden(values: dict) -> str:
    return "".join(f'<input type="hidden" name="{k}" value="{escape(str(v))}">' for k, v in values.items())


def _buttons() -> str:
    return ('<p><button type="submit" name="decision" value="cancel">Cancel</button> '
            '<button type="submit" name="decision" value="allow">Allow</button></p>')


def _page(title: str, body: str):
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
            f"<body style='font-family:sans-serif;max-width:40em;margin:2em auto'>{body}</body></html>")


# -- code and token exchanges ----------------------------------------------------

def _begin(endpoint: str):
    """Count the call (as OAuth, not as a Graph call) and act out a fault injected for it:
    None to go on, or the fault's answer."""
    state = _state()
    state.stats.record_oauth(endpoint)
    fault = state.faults.draw(f"{request.path}?{request.query_string.decode()}", None, named_only=True)
    try:
        act_out(fault, state)
    except GraphError as exc:
        return _graph_error(exc)
    return None


def _graph_error(exc: GraphError):
    response = jsonify(exc.body())
    response.status_code = exc.status
    return response


def access_token_endpoint():
    if request.method == "POST":
        return _begin("POST /oauth/access_token") or instagram_code_exchange()
    faulted = _begin("GET /oauth/access_token")
    if faulted:
        return faulted
    try:
        return jsonify(facebook_token_exchange(request.args))
    except GraphError as exc:
        return _graph_error(exc)


def facebook_token_exchange(args) -> dict:
    state = _state()
    if args.get("client_id") != state.config.fb_app_id:
        raise GraphError("Error validating application. Invalid application ID.", 101)
    if args.get("client_secret") != state.config.fb_app_secret:
        raise GraphError("Error validating client secret.", 1)
    grant = args.get("grant_type")
    now = state.clock.time()
    if grant == "client_credentials":
        return {"access_token": f"{state.config.fb_app_id}|{state.config.fb_app_secret}", "token_type": "bearer"}
    if grant == "fb_exchange_token":
        old = state.tokens.get(args.get("fb_exchange_token", ""))
        if old is None or old.kind != "user" or old.invalidated:
            raise errors.token_unparseable()
        if old.expires_at is not None and now >= old.expires_at:
            raise errors.token_expired(state.clock.now(), state.clock.now())
        token = state.tokens.issue("user", old.app_id, old.subject, old.scopes, now, LONG_LIVED, long_lived=True,
                                   page_ids=old.page_ids)
        return {"access_token": token.value, "token_type": "bearer", "expires_in": int(LONG_LIVED)}
    code = _take_code("facebook", args.get("code", ""), args.get("redirect_uri"), args.get("client_id"))
    token = state.tokens.issue("user", code.app_id, code.subject, code.scopes, now, SHORT_LIVED,
                               page_ids=code.page_ids)
    return {"access_token": token.value, "token_type": "bearer", "expires_in": SHORT_LIVED}


def _take_code(flow: str, value: str, redirect_uri: str | None, client_id: str | None):
    state = _state()
    code = state.tokens.take_code(value)
    if code is None or code.flow != flow or code.app_id != client_id:
        raise GraphError("Invalid verification code format.", 100)
    if code.used:
        raise GraphError("This authorization code has been used.", 100, subcode=36009)
    if state.clock.time() - code.issued_at > CODE_LIFETIME:
        raise GraphError("This authorization code has expired.", 100, subcode=36007)
    if redirect_uri != code.redirect_uri:
        raise GraphError("Error validating verification code. Please make sure your redirect_uri is identical "
                         "to the one you used in the OAuth dialog request", 100, subcode=36008)
    return code


def _instagram_error(message: str, code: int = 400):
    """api.instagram.com answers errors flat, not in Graph's error object."""
    response = jsonify({"error_type": "OAuthException", "code": code, "error_message": message})
    response.status_code = 400
    return response


def instagram_code_exchange():
    state = _state()
    form = request.form
    if form.get("client_id") != state.config.ig_app_id:
        return _instagram_error("Invalid platform app")
    if form.get("client_secret") != state.config.ig_app_secret:
        return _instagram_error("Invalid client secret")
    if form.get("grant_type") != "authorization_code":
        return _instagram_error("Invalid grant_type")
    try:
        code = _take_code("instagram", form.get("code", "").removesuffix("#_"), form.get("redirect_uri"),
                          form.get("client_id"))
    except GraphError as exc:
        message = exc.message if exc.subcode == 36008 else "Matching code was not found or was already used"
        if exc.subcode == 36007:
            message = "This authorization code has expired"
        return _instagram_error(message)
    token = state.tokens.issue("ig_user", code.app_id, code.subject, code.scopes, state.clock.time(), SHORT_LIVED)
    return jsonify({"data": [{"access_token": token.value, "user_id": code.subject,
                              "permissions": ",".join(code.scopes)}]})


def ig_exchange_token():
    faulted = _begin("GET /access_token")
    if faulted:
        return faulted
    state = _state()
    try:
        if request.args.get("grant_type") != "ig_exchange_token":
            raise errors.invalid_parameter("grant_type must be ig_exchange_token")
        if request.args.get("client_secret") != state.config.ig_app_secret:
            raise GraphError("Error validating client secret.", 1)
        old = _valid_ig_token(request.args.get("access_token", ""))
        token = state.tokens.issue("ig_user", old.app_id, old.subject, old.scopes, state.clock.time(), LONG_LIVED,
                                   long_lived=True)
        return jsonify({"access_token": token.value, "token_type": "bearer", "expires_in": int(LONG_LIVED)})
    except GraphError as exc:
        return _graph_error(exc)


def ig_refresh_token():
    faulted = _begin("GET /refresh_access_token")
    if faulted:
        return faulted
    state = _state()
    try:
        if request.args.get("grant_type") != "ig_refresh_token":
            raise errors.invalid_parameter("grant_type must be ig_refresh_token")
        old = _valid_ig_token(request.args.get("access_token", ""))
        now = state.clock.time()
        if not old.long_lived:
            raise errors.invalid_parameter("Only long-lived tokens can be refreshed")
        if now - old.issued_at < REFRESH_MIN_AGE:
            raise errors.invalid_parameter("The access token must be at least 24 hours old to be refreshed")
        token = state.tokens.issue("ig_user", old.app_id, old.subject, old.scopes, now, LONG_LIVED, long_lived=True)
        return jsonify({"access_token": token.value, "token_type": "bearer", "expires_in": int(LONG_LIVED)})
    except GraphError as exc:
        return _graph_error(exc)


def _valid_ig_token(value: str):
    state = _state()
    token = state.tokens.get(value)
    if token is None or token.kind != "ig_user" or token.invalidated:
        raise errors.token_unparseable()
    if token.expires_at is not None and state.clock.time() >= token.expires_at:
        raise errors.token_expired(state.clock.now(), state.clock.now())
    return token
