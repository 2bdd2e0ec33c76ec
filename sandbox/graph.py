"""Graph API endpoints under the version prefix, in both hosts' shapes.

One process answers for graph.facebook.com and graph.instagram.com: the token says
which host's answer to give (a Facebook user or Page token, or an Instagram Login
token). Every request goes through `GraphCall.run`: count it, apply injected faults,
check the token and `appsecret_proof`, check the account's rate budget, answer, and
attach `X-App-Usage` / `X-Business-Use-Case-Usage`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

from flask import Flask, current_app, jsonify, request

from sandbox import errors
from sandbox.errors import GraphError
from sandbox.faults import act_out
from sandbox.graph_routes import resolve_route
from sandbox.render import Renderer
from sandbox.state import SandboxState
from sandbox.tokens import Token


def register_graph(app: Flask) -> None:
    prefix = app.config["SANDBOX"].config.graph_prefix
    app.add_url_rule(f"{prefix}/", "graph_root", graph_view, methods=["GET"], defaults={"path": ""})
    app.add_url_rule(f"{prefix}/<path:path>", "graph_path", graph_view, methods=["GET", "POST", "DELETE"])


def graph_view(path: str):
    state: SandboxState = current_app.config["SANDBOX"]
    return GraphCall(state, path.strip("/"), request.method, request.values.to_dict()).run()


def renderer_for(state: SandboxState) -> Renderer:
    now = state.clock.time()
    return Renderer(state.world.accounts,
                    media_url=lambda name, kind: state.cdn.url("t51.29350-15", name, now),
                    avatar_url=lambda ig_id: state.cdn.url("t51.2885-19", f"{ig_id}_a.jpg", now))


class GraphCall:
    def __init__(self, state: SandboxState, path: str, method: str, params: dict):
        self.state = state
        self.path = path
        self.method = method
        self.params = params
        self.token: Token | None = None
        self.headers: dict[str, str] = {}

    def run(self):
        route = resolve_route(self.state, self.path, self.method, self.params, self._peek_token())
        accounts = route.budget_accounts
        if len(accounts) > 1 or route.endpoint == "GET /?ids":
            self.state.stats.record_per_account(route.endpoint, accounts)
        else:
            self.state.stats.record(route.endpoint, accounts[0] if accounts else None)
        try:
            if route.error:
                raise route.error
            self._apply_fault(accounts[0] if accounts else None)
            self.token = self._authenticate()
            self._spend_budget(accounts)
            body = route.handler(self)
            return self._answer(body, 200, accounts)
        except GraphError as exc:
            return self._answer(exc.body(), exc.status, accounts)

    # -- steps --------------------------------------------------------------

    def _peek_token(self) -> Token | None:
        value = self._token_value()
        return self.state.tokens.get(value) if value else None

    def _token_value(self) -> str | None:
        if self.params.get("access_token"):
            return self.params["access_token"]
        header = request.headers.get("Authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if header.startswith(scheme):
                return header[len(scheme):].strip()
        return None

    def _authenticate(self) -> Token:
        value = self._token_value()
        if not value:
            raise errors.token_required()
        if "|" in value:
            return self._app_token(value)
        token = self.state.tokens.get(value)
        if token is None:
            raise errors.token_unparseable()
        now = self.state.clock.now()
        if token.invalidated:
            raise errors.token_invalidated()
        if token.expires_at is not None and now.timestamp() >= token.expires_at:
            raise errors.token_expired(datetime.fromtimestamp(token.expires_at, timezone.utc), now)
        self._check_proof(token)
        return token

    def _app_token(self, value: str) -> Token:
        """`{app-id}|{app-secret}`: the app access token debug_token and subscriptions use."""
        app_id, _, secret = value.partition("|")
        expected = self.state.app_secret(app_id)
        if expected is None or not hmac.compare_digest(secret, expected):
            raise errors.token_unparseable()
        return Token(value=value, kind="app", app_id=app_id, subject=app_id, scopes=[], issued_at=0,
                     expires_at=None)

    def _check_proof(self, token: Token) -> None:
        proof = self.params.get("appsecret_proof")
        if proof is None:
            if self.state.config.require_proof:
                raise errors.proof_required()
            return
        secret = self.state.app_secret(token.app_id) or ""
        expected = hmac.new(secret.encode(), token.value.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(proof, expected):
            raise errors.bad_proof()

    def _apply_fault(self, account: str | None) -> None:
        act_out(self.state.faults.draw("/" + self.path + "?" + request.query_string.decode(), account), self.state)

    def _spend_budget(self, accounts: list[str | None]) -> None:
        app_id = self.token.app_id
        now = self.state.clock.time()
        over = None
        for ig_id in accounts:
            account = self.state.world.accounts.get(ig_id) if ig_id else None
            if account is not None:
                limit = self.state.budget.limit(ig_id, account.impressions)
                if self.state.budget.used(app_id, ig_id, now) >= limit and over is None:
                    over = (ig_id, limit)
            self.state.budget.record(app_id, ig_id, now)
        if not accounts:
            self.state.budget.record(app_id, None, now)
        if over:
            minutes = self.state.budget.regain_minutes(app_id, over[0], over[1], now)
            raise errors.throttled(80002, 400, regain_minutes=minutes)

    def _answer(self, body: dict, status: int, accounts: list[str | None]):
        response = jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "private, no-cache, no-store, must-revalidate"
        if self.token is not None:
            self._usage_headers(response, accounts)
        if status >= 400 and body.get("error", {}).get("code") == 190:
            response.headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "' + \
                body["error"]["message"].replace('"', "'") + '"'
        return response

    def _usage_headers(self, response, accounts: list[str | None]) -> None:
        now = self.state.clock.time()
        app_id = self.token.app_id
        response.headers["X-App-Usage"] = self.state.budget.app_usage_header(
            app_id, self.state.account_count(app_id), now)
        ig_id = next((a for a in accounts if a), None)
        account = self.state.world.accounts.get(ig_id) if ig_id else None
        if account is not None:
            limit = self.state.budget.limit(ig_id, account.impressions)
            response.headers["X-Business-Use-Case-Usage"] = self.state.budget.business_usage_header(
                app_id, ig_id, limit, now)

    # -- helpers for handlers ----------------------------------------------

    @property
    def renderer(self) -> Renderer:
        return renderer_for(self.state)

    def public_base(self) -> str:
        return self.state.config.public_url.rstrip("/") + self.state.config.graph_prefix

