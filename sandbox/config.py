"""The sandbox's settings: one frozen dataclass, so a test can build many sandboxes side by side."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SandboxConfig:
    """What a sandbox serves. The app ids and secrets match `core/config.py` defaults."""

    accounts: int = 3
    posts_per_account: int = 30
    seed: int = 1
    api_version: str = "v25.0"
    fb_app_id: str = "sandbox-fb-app"
    fb_app_secret: str = "sandbox-fb-secret"
    ig_app_id: str = "sandbox-ig-app"
    ig_app_secret: str = "sandbox-ig-secret"
    webhook_url: str | None = None
    emit_media_webhooks: bool = False
    require_proof: bool = False
    # Calls per rolling 24 h per app and account; None means Meta's 4800 x impressions.
    budget_override: int | None = None
    # The base URL the sandbox writes into media_url, paging.next and the like.
    public_url: str = "http://127.0.0.1:8700"
    # Share of seeded posts that are carousels / videos (the rest are images).
    carousel_share: float = 1 / 3
    video_share: float = 0.15
    # Meta only notifies accounts that subscribed the app (`POST .../subscribed_apps`).
    # Set True to treat every seeded account as subscribed (handy for demos).
    auto_subscribe: bool = False
    # Seconds between webhook delivery attempts after a failure (Meta: ~36 h of retries).
    webhook_retry_seconds: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0, 600.0)
    # Updates raised within this window go out together in one POST (several entries).
    webhook_batch_window_seconds: float = 0.05
    # Image size of generated product pictures (Instagram serves 1080 px wide).
    image_px: int = 1080
    extra: dict = field(default_factory=dict)

    @property
    def graph_prefix(self) -> str:
        return f"/{self.api_version}"
