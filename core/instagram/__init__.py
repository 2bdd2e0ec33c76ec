"""Meta platform adapter: the Graph API client, OAuth helpers, rate budget and payload parsing.

Public surface (import from here):
- `GraphClient` (`list_media`, `get_media`, `get_media_many`, `get_account`, `me`,
  `subscribe_app`, `unsubscribe_app`, `debug_token`), built with
  `GraphClient.for_login_flow(settings, login_flow, token, account_id=..., budget=...)`.
- Errors: `GraphError` and its kinds `TokenInvalid`, `PermissionMissing`,
  `RateLimited` (`.retry_after`), `NotFound`, `InvalidRequest`, `TransientError`,
  `PayloadInvalid`; `redact()` for any text that might hold a token.
- `BudgetTracker` (`may_spend`, `seconds_until_allowed`, `snapshot`/`restore`), `shared_budget()`.
- `MediaItem`, `MediaChild`, `AccountProfile`, `parse_media`.
- OAuth: see `core.instagram.oauth`.
"""

from core.instagram.budget import BudgetTracker, UsageReading, parse_app_usage, parse_business_usage, shared_budget
from core.instagram.client import GraphClient
from core.instagram.errors import (
    GraphError,
    InvalidRequest,
    NotFound,
    PayloadInvalid,
    PermissionMissing,
    RateLimited,
    ReduceDataRequested,
    TokenInvalid,
    TransientError,
    redact,
)
from core.instagram.http import RetryPolicy, appsecret_proof, shared_session
from core.instagram.parsing import AccountProfile, MediaChild, MediaItem, parse_media

__all__ = [
    "AccountProfile",
    "BudgetTracker",
    "GraphClient",
    "GraphError",
    "InvalidRequest",
    "MediaChild",
    "MediaItem",
    "NotFound",
    "PayloadInvalid",
    "PermissionMissing",
    "RateLimited",
    "ReduceDataRequested",
    "RetryPolicy",
    "TokenInvalid",
    "TransientError",
    "UsageReading",
    "appsecret_proof",
    "parse_app_usage",
    "parse_business_usage",
    "parse_media",
    "redact",
    "shared_budget",
    "shared_session",
]
