"""The local Meta sandbox: a Flask app that stands in for Meta's OAuth dialogs and Graph API.

Contract other code relies on (keep these names):

`SandboxConfig` (dataclass, `sandbox.config`, re-exported here): `accounts`, `posts_per_account`,
`seed`, `api_version="v25.0"`, `fb_app_id="sandbox-fb-app"`, `fb_app_secret="sandbox-fb-secret"`,
`ig_app_id="sandbox-ig-app"`, `ig_app_secret="sandbox-ig-secret"` (the `core/config.py`
defaults), `webhook_url=None`, `emit_media_webhooks=False`, `require_proof=False`,
`budget_override=None`, `public_url` (base URL written into `media_url`s and `paging.next`),
plus `carousel_share`, `video_share`, `auto_subscribe`, `webhook_retry_seconds`,
`webhook_batch_window_seconds`, `image_px`.

`create_app(config) -> Flask`; the live state is `app.config["SANDBOX"]` (`SandboxState`).

Served paths (one port for all of Meta's hosts; the token tells which host answers):
- OAuth (see `sandbox/oauth.py`): `GET /dialog/oauth`, `GET /oauth/access_token`
  (code, `fb_exchange_token`, `client_credentials`), `GET /oauth/authorize`,
  `POST /oauth/access_token` (Instagram code exchange), `GET /access_token`
  (`ig_exchange_token`), `GET /refresh_access_token` (`ig_refresh_token`).
- Graph under `/{api_version}/` (see `sandbox/graph.py`): `/me`, `/me/accounts`, `/me/media`,
  `/{page-id}`, `/{ig-user-id}`, `/{ig-user-id}/media`, `/{media-id}`, `/{media-id}/children`,
  `/?ids=a,b`, `/debug_token`, `GET|POST|DELETE /{ig-user-id|page-id|me}/subscribed_apps`.
- Images: `/cdn/v/...` signed, expiring (`oe=`) addresses; 403 once expired.
- Control (`sandbox/control.py`): `GET /_sandbox/accounts`, `GET /_sandbox/stats` (Graph
  calls; the OAuth exchanges apart, under `oauth`), `POST /_sandbox/stats/reset`,
  `POST /_sandbox/accounts/{ig_id}/media`, `PATCH|DELETE /_sandbox/media/{id}`, `POST /_sandbox/media/{id}/comments`,
  `GET|POST|DELETE /_sandbox/faults`, `GET|POST /_sandbox/clock`, `POST /_sandbox/budget`,
  `POST /_sandbox/tokens/invalidate`, `GET /_sandbox/webhooks` (delivery log).

Nothing in `core` imports this package.
"""

from __future__ import annotations

from flask import Flask, jsonify

from sandbox.config import SandboxConfig
from sandbox.control import cdn, control
from sandbox.graph import register_graph
from sandbox.oauth import register_oauth
from sandbox.state import SandboxState

__all__ = ["SandboxConfig", "create_app"]


def create_app(config: SandboxConfig | None = None) -> Flask:
    config = config or SandboxConfig()
    app = Flask("sandbox")
    app.config["SANDBOX"] = SandboxState(config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    register_oauth(app)
    register_graph(app)
    app.register_blueprint(control)
    app.register_blueprint(cdn)

    @app.get("/")
    def index():
        return jsonify({"sandbox": "Meta stand-in", "graph": config.graph_prefix + "/",
                        "accounts": "/_sandbox/accounts"})

    return app


def stop(app: Flask) -> None:
    """Stop background work (webhook retries, held 'timeout' answers) before the server goes."""
    app.config["SANDBOX"].stopping.set()
