"""One settings object for every process, read from the environment and an optional `.env`.

The defaults are the embedded demo: a SQLite file, the local Meta sandbox and the
offline extractor. Setting the real values (DATABASE_URL, META_*, INSTAGRAM_*,
OPENAI_*, GEMINI_*) switches to the real services.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SANDBOX_URL = "http://127.0.0.1:8700"
SANDBOX_FB_APP_ID = "sandbox-fb-app"
SANDBOX_IG_APP_ID = "sandbox-ig-app"
# Meta's own hosts, used once real app credentials are set (unless a host is set explicitly).
REAL_FACEBOOK_HOSTS = {"meta_graph_url": "https://graph.facebook.com", "meta_dialog_url": "https://www.facebook.com"}
REAL_INSTAGRAM_HOSTS = {
    "instagram_graph_url": "https://graph.instagram.com",
    "instagram_api_url": "https://api.instagram.com",
    "instagram_dialog_url": "https://www.instagram.com",
}
# Published in this repository so `make run` works without set-up: it protects nothing.
DEMO_TOKEN_ENCRYPTION_KEY = "Y2F0YWxvZy1zeW5jLWRlbW8ta2V5LW5vdC1zZWNyZXQ="
MAKE_A_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class ConfigurationError(Exception):
    """A setting no process may start with; raised while the settings load."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Database
    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'data' / 'catalog_sync.db'}")

    # Where our own copies of post images live (see core/media.py).
    media_dir: Path = PROJECT_ROOT / "data" / "media"
    # Images are downloaded over https only, from hosts ending in one of these suffixes.
    media_allowed_hosts: list[str] = ["cdninstagram.com", "fbcdn.net"]
    # "host" or "host:port" entries also allowed over plain http and on private/loopback
    # addresses: the local sandbox in the demo and tests. Production leaves this empty.
    media_allow_http_hosts: list[str] = ["127.0.0.1:8700", "localhost:8700"]
    media_max_bytes: int = 15 * 1024 * 1024
    media_timeout_seconds: float = 15.0
    media_max_pixels: int = 40_000_000  # Instagram serves at most ~1440x1800
    media_thumb_px: int = 400
    media_full_max_px: int = 2048

    # Bulk import (core/services/bulk_import/scan.py): posts per transaction, image download
    # threads, the worker's lease on a running scan, and the longest throttle wait
    # a scan sits out before it gives up (Meta's block is usually minutes).
    scan_batch_size: int = 25
    scan_image_threads: int = 6
    scan_lease_seconds: float = 60.0
    scan_max_throttle_wait_seconds: float = 900.0

    # Public addresses of our own processes, used to build links and redirects.
    app_base_url: str = "http://localhost:8501"
    webhook_base_url: str = "http://localhost:8701"

    # Meta: Instagram API with Facebook Login (host graph.facebook.com)
    meta_app_id: str = SANDBOX_FB_APP_ID
    meta_app_secret: str = "sandbox-fb-secret"
    meta_webhook_verify_token: str = "sandbox-verify-token"
    # Largest webhook POST body the sidecar reads (413 above). Meta's 1000-update batches fit.
    webhook_max_body_bytes: int = 2 * 1024 * 1024
    meta_graph_url: str = SANDBOX_URL
    meta_dialog_url: str = SANDBOX_URL

    # Meta: Instagram API with Instagram Login (host graph.instagram.com)
    instagram_app_id: str = SANDBOX_IG_APP_ID
    instagram_app_secret: str = "sandbox-ig-secret"
    instagram_graph_url: str = SANDBOX_URL
    instagram_api_url: str = SANDBOX_URL
    instagram_dialog_url: str = SANDBOX_URL

    meta_api_version: str = "v25.0"
    # Which login flows the Connect page offers: "facebook", "instagram" or both.
    login_flows: list[str] = ["facebook", "instagram"]

    # Token vault: comma-separated Fernet keys; the first one encrypts.
    # The default is a fixed demo key so `make run` works without set-up; real app
    # credentials refuse to start with it (see the validator below).
    token_encryption_keys: str = DEMO_TOKEN_ENCRYPTION_KEY

    # AI extraction (unset keys mean the offline extractor only)
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    gemini_api_key: str | None = None
    gemini_base_url: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    ai_requests_per_minute: int = 120
    ai_max_concurrency: int = 8
    ai_timeout_seconds: float = 20.0
    ai_max_attempts: int = 3

    # Drafts
    draft_lifetime_days: int = 7

    # Real-time sync (core/services/realtime/poll_schedule.py). Meta sends no webhook for a new post,
    # so the worker polls each account. The interval adapts between min and max (shorter after
    # new posts or a webhook hint, longer for idle accounts); polls and reconciles never use more
    # than `poll_budget_share` of the account's hourly Graph budget, which is estimated from
    # Meta's usage header, or assumed until one is read.
    poll_interval_seconds: float = 60.0
    poll_min_interval_seconds: float = 20.0
    poll_max_interval_seconds: float = 900.0
    poll_budget_share: float = 0.5
    poll_assumed_hourly_budget: int = 200
    poll_lease_seconds: float = 120.0
    poll_batch: int = 10
    # The worker's hold on a claimed webhook event, and how often any worker returns rows whose
    # holder died (lease run out) to their queue: a crashed worker's events wait at most about
    # lease + reap interval before another worker takes them.
    worker_event_lease_seconds: float = 120.0
    worker_reap_interval_seconds: float = 30.0
    # Where `catalog-sync run` has its worker serve Prometheus metrics (http://127.0.0.1:PORT/metrics);
    # 0 leaves them off. A worker started on its own serves them only with `--metrics-port`.
    worker_metrics_port: int = 8702
    # Re-read known posts (edits and deletions) this often, within the same share: the newest
    # ones, and a slice of the older ones that moves on each time, so every post is read in turn.
    reconcile_interval_seconds: float = 1800.0
    reconcile_recent_posts: int = 50
    reconcile_sweep_posts: int = 50
    # Prove each active token works at least this often (the token-upkeep job).
    token_validate_interval_hours: float = 24.0

    # Connecting an account (core/services/connecting/connect.py). Empty redirect URIs mean
    # `{webhook_base_url}/oauth/callback`, the sidecar's callback; each must match the
    # redirect URI registered for that app at Meta exactly.
    meta_redirect_uri: str = ""
    instagram_redirect_uri: str = ""
    meta_scopes: list[str] = ["instagram_basic", "pages_show_list", "pages_read_engagement"]
    instagram_scopes: list[str] = ["instagram_business_basic"]
    oauth_state_ttl_seconds: int = 600
    # Refresh a 60-day token once fewer than this many days are left.
    token_refresh_margin_days: int = 20
    # Ask Facebook Login sellers to log in again this long before the data-access window shuts.
    data_access_warning_days: int = 14

    def _real_apps(self) -> list[tuple[str, dict[str, str]]]:
        """(environment variable, Meta's hosts) of each flow whose app id is not the sandbox's."""
        return [
            (variable, hosts) for variable, app_id, sandbox_id, hosts in (
                ("META_APP_ID", self.meta_app_id, SANDBOX_FB_APP_ID, REAL_FACEBOOK_HOSTS),
                ("INSTAGRAM_APP_ID", self.instagram_app_id, SANDBOX_IG_APP_ID, REAL_INSTAGRAM_HOSTS),
            ) if app_id != sandbox_id
        ]

    @model_validator(mode="after")
    def _real_meta_once_real_credentials_are_set(self) -> "Settings":
        """Real app credentials switch that flow's hosts from the sandbox to Meta's, and close
        the sandbox's plain-http media exception, unless those settings are given explicitly."""
        real_flows = [hosts for _, hosts in self._real_apps()]
        explicit = set(self.model_fields_set)
        for hosts in real_flows:
            for name, url in hosts.items():
                if name not in explicit:
                    setattr(self, name, url)
        if real_flows and "media_allow_http_hosts" not in explicit:
            self.media_allow_http_hosts = []
        return self

    @model_validator(mode="after")
    def _no_demo_token_key_with_real_credentials(self) -> "Settings":
        """Real sellers' tokens must not be encrypted under a key anyone can read in the repository.

        Only the encrypting (first) key is checked: the demo key may stay later in the list
        while `catalog-sync rotate-keys` moves tokens stored under it to the new key."""
        real_apps = [variable for variable, _ in self._real_apps()]
        encrypting_key = self.token_encryption_keys.split(",")[0].strip()
        if real_apps and encrypting_key == DEMO_TOKEN_ENCRYPTION_KEY:
            raise ConfigurationError(
                f"TOKEN_ENCRYPTION_KEYS is still the published demo key, but real Meta app credentials are "
                f"set ({', '.join(real_apps)}): sellers' access tokens would be readable by anyone with this "
                f"repository. Make a key with {MAKE_A_KEY} and set TOKEN_ENCRYPTION_KEYS=<that key> "
                "(to move tokens already stored under the demo key, set TOKEN_ENCRYPTION_KEYS=<new key>,<demo key> "
                "and run `catalog-sync rotate-keys`; see docs/OPERATIONS.md, Key rotation)."
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
