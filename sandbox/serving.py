"""Serving the sandbox: a request logger that never writes a token, secret or code.

Graph URLs carry `access_token=` (and `paging.next` repeats it), so werkzeug's
default access log would print live tokens into test output and terminals.
"""

from __future__ import annotations

import re

from werkzeug.serving import WSGIRequestHandler

SECRET_PARAMS = re.compile(
    r"((?:access_token|client_secret|code|input_token|fb_exchange_token|appsecret_proof|oh)=)[^&\s]+")


def redact_secrets(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1[redacted]", text)


class RedactingRequestHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args) -> None:
        super().log(type, message, *(redact_secrets(a) if isinstance(a, str) else a for a in args))
