"""The webhook sidecar: a Flask app factory in the style of Flask's tutorial (flaskr).

`create_app(test_config)` builds a fresh app: settings from `core.config`, overridden
by `test_config`; one database engine; and the blueprints named in `BLUEPRINTS`.
Gunicorn serves `webhook_server.wsgi:app` (`catalog-sync webhook-server`).
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

from core.config import get_settings
from webhook_server.context import SidecarContext

# One module per feature; each exposes a Blueprint named `bp`. Add a line to register one.
BLUEPRINTS = [
    "webhook_server.webhooks",
    "webhook_server.health",
    "webhook_server.oauth",
]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    settings = get_settings()
    app.config.from_mapping(
        DATABASE_URL=settings.database_url,
        META_APP_SECRET=settings.meta_app_secret,
        INSTAGRAM_APP_SECRET=settings.instagram_app_secret,
        META_WEBHOOK_VERIFY_TOKEN=settings.meta_webhook_verify_token,
        WEBHOOK_MAX_BODY_BYTES=settings.webhook_max_body_bytes,
        DATABASE_CONNECT_TIMEOUT=3,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["catalog_sync"] = SidecarContext.from_config(app.config)
    for module_name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp)
    return app
