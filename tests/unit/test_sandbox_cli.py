"""`catalog-sync sandbox`: its flags reach the SandboxConfig it serves. The options are parsed
by click exactly as on the command line (`make_context` runs no callback, so no server starts)."""

from __future__ import annotations

import pytest

from cli.sandbox import config_from_options, sandbox
from core.config import Settings

# The sandbox's own app ids (real ones would switch hosts), with secrets of our own.
SETTINGS = Settings(_env_file=None, meta_app_secret="fb-secret", instagram_app_secret="ig-secret")


def config_for(*args: str):
    params = dict(sandbox.make_context("sandbox", list(args)).params)
    params.pop("quiet")  # how the server logs, not what it serves
    return config_from_options(SETTINGS, **params)


@pytest.mark.parametrize(
    ("flags", "require_proof", "emit_media_webhooks"),
    [
        ((), False, False),
        (("--require-proof",), True, False),
        (("--emit-media-webhooks",), False, True),
        (("--require-proof", "--emit-media-webhooks"), True, True),
    ],
)
def test_the_proof_and_media_webhook_flags_reach_the_config(flags, require_proof, emit_media_webhooks):
    config = config_for(*flags)
    assert (config.require_proof, config.emit_media_webhooks) == (require_proof, emit_media_webhooks)


def test_the_other_options_and_the_app_credentials_reach_the_config_too():
    config = config_for("--port", "8799", "--accounts", "2", "--posts-per-account", "7", "--seed", "3",
                        "--budget", "50", "--auto-subscribe", "--webhook-url", "http://127.0.0.1:9/hook")
    assert (config.accounts, config.posts_per_account, config.seed) == (2, 7, 3)
    assert (config.budget_override, config.auto_subscribe) == (50, True)
    assert config.webhook_url == "http://127.0.0.1:9/hook"
    assert config.public_url == "http://127.0.0.1:8799"  # defaults to where it listens
    assert (config.fb_app_id, config.fb_app_secret) == (SETTINGS.meta_app_id, "fb-secret")
    assert (config.ig_app_id, config.ig_app_secret) == (SETTINGS.instagram_app_id, "ig-secret")
