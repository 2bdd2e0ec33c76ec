"""Small HTTP helpers shared by the sandbox tests."""

from __future__ import annotations

import hashlib
import hmac

import requests

CAROUSEL_FIELDS = ("id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,"
                   "children{id,media_type,media_url,thumbnail_url}")


def proof(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def graph_get(sandbox, path: str, token: str, **params) -> requests.Response:
    return sandbox.http.get(f"{sandbox.graph_url}/{path.lstrip('/')}", params={"access_token": token, **params},
                            timeout=10)


def error_of(response: requests.Response) -> dict:
    return response.json()["error"]
