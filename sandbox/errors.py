"""Meta's error object, and the errors the sandbox answers with.

Shape, as Graph API answers it:
`{"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}`.
Messages follow Meta's wording so clients can be tested against realistic text.
"""

from __future__ import annotations

import secrets
from datetime import datetime


class GraphError(Exception):
    def __init__(self, message: str, code: int, *, type_: str = "OAuthException",
                 subcode: int | None = None, status: int = 400, is_transient: bool = False,
                 error_data: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.type = type_
        self.subcode = subcode
        self.status = status
        self.is_transient = is_transient
        self.error_data = error_data

    def body(self) -> dict:
        error: dict = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["is_transient"] = self.is_transient
        if self.error_data:
            error["error_data"] = self.error_data
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
        return {"error": error}


def token_missing() -> GraphError:
    return GraphError("An active access token must be used to query information about the current user.", 2500)


def token_required() -> GraphError:
    return GraphError("An access token is required to request this resource.", 104)


def token_unparseable() -> GraphError:
    return GraphError("Invalid OAuth access token - Cannot parse access token", 190)


def token_expired(expired_at: datetime, now: datetime) -> GraphError:
    return GraphError(
        f"Error validating access token: Session has expired on {expired_at:%A, %d-%b-%y %H:%M:%S} UTC. "
        f"The current time is {now:%A, %d-%b-%y %H:%M:%S} UTC.", 190, subcode=463)


def token_invalidated() -> GraphError:
    return GraphError("Error validating access token: The session has been invalidated because the user "
                      "changed their password or Facebook has changed the session for security reasons.",
                      190, subcode=460)


def object_not_found(object_id: str) -> GraphError:
    return GraphError(
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation "
        "at https://developers.facebook.com/docs/graph-api", 100, type_="GraphMethodException", subcode=33)


def unknown_path(path: str) -> GraphError:
    return GraphError(f"Unknown path components: /{path}", 2500)


def nonexisting_field(field_name: str, node_type: str) -> GraphError:
    return GraphError(f"(#100) Tried accessing nonexisting field ({field_name}) on node type ({node_type})", 100)


def invalid_parameter(message: str) -> GraphError:
    return GraphError(f"(#100) {message}", 100)


def reduce_data() -> GraphError:
    return GraphError("Please reduce the amount of data you're asking for, then retry your request", 1,
                      is_transient=True)


def missing_permission(permission: str | None = None) -> GraphError:
    if permission:
        return GraphError(f"(#10) Application does not have permission for this action ({permission})", 10)
    return GraphError("(#200) Missing permissions", 200)


def bad_proof() -> GraphError:
    return GraphError("Invalid appsecret_proof provided in the API argument", 100, type_="GraphMethodException")


def proof_required() -> GraphError:
    return GraphError("API calls from the server require an appsecret_proof argument", 100,
                      type_="GraphMethodException")


THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. "
           "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}


def throttled(code: int = 80002, status: int = 400, regain_minutes: int | None = None) -> GraphError:
    message = THROTTLE_MESSAGES.get(code, f"(#{code}) Rate limit reached")
    subcode = 2446079 if code == 80002 else None
    data = None
    if regain_minutes is not None:
        data = {"estimated_time_to_regain_access": regain_minutes}
    return GraphError(message, code, subcode=subcode, status=status, is_transient=True, error_data=data)


def unknown_error(status: int = 500) -> GraphError:
    return GraphError("An unknown error has occurred.", 1, status=status, is_transient=True)


def service_unavailable(status: int = 503) -> GraphError:
    return GraphError("An unexpected error has occurred. Please retry your request later.", 2, status=status,
                      is_transient=True)
