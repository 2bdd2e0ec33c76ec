"""`catalog-sync sandbox`: run the local Meta stand-in in the foreground."""

from __future__ import annotations

import click

SANDBOX_DEFAULTS = {"accounts": 5, "posts_per_account": 60}


@click.command(help="Run the local Meta sandbox (OAuth dialogs, Graph API, webhooks) in the foreground.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.option("--accounts", default=SANDBOX_DEFAULTS["accounts"], show_default=True, type=int)
@click.option("--posts-per-account", default=SANDBOX_DEFAULTS["posts_per_account"], show_default=True, type=int)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--api-version", default="v25.0", show_default=True)
@click.option("--public-url", default=None, help="Base URL written into media_url/paging.next "
                                                 "(default http://HOST:PORT).")
@click.option("--webhook-url", default=None, help="Callback that receives signed webhooks.")
@click.option("--emit-media-webhooks", is_flag=True, help="Also send the seed's `media` payload on publish.")
@click.option("--require-proof", is_flag=True, help="Refuse Graph calls without appsecret_proof.")
@click.option("--budget", type=int, default=None, help="Calls per 24 h per account (default 4800 x impressions).")
@click.option("--auto-subscribe", is_flag=True, help="Treat every account as subscribed to webhooks.")
@click.option("--quiet", is_flag=True, help="No line per request (warnings and errors still show).")
def sandbox(host: str, port: int, quiet: bool, **options) -> None:
    import logging

    from werkzeug.serving import run_simple

    from core.config import get_settings
    from core.logging import configure_logging
    from sandbox.app import create_app
    from sandbox.serving import RedactingRequestHandler

    configure_logging("sandbox")  # werkzeug's request lines become JSON too, redacted twice over
    if quiet:  # `catalog-sync run`: hundreds of image requests a minute would bury the other processes
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    config = config_from_options(get_settings(), host, port, **options)
    app = create_app(config)
    click.echo(f"Meta sandbox on http://{host}:{port} ({config.accounts} accounts x {config.posts_per_account} "
               f"posts, seed {config.seed}); accounts and tokens: http://{host}:{port}/_sandbox/accounts")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False,
               request_handler=RedactingRequestHandler)


def config_from_options(settings, host: str, port: int, accounts: int, posts_per_account: int, seed: int,
                        api_version: str, public_url: str | None, webhook_url: str | None,
                        emit_media_webhooks: bool, require_proof: bool, budget: int | None,
                        auto_subscribe: bool):
    """The SandboxConfig the command's options describe (apart from serving it, so it can be checked)."""
    from sandbox.config import SandboxConfig

    return SandboxConfig(
        accounts=accounts, posts_per_account=posts_per_account, seed=seed, api_version=api_version,
        fb_app_id=settings.meta_app_id, fb_app_secret=settings.meta_app_secret,
        ig_app_id=settings.instagram_app_id, ig_app_secret=settings.instagram_app_secret,
        webhook_url=webhook_url, emit_media_webhooks=emit_media_webhooks, require_proof=require_proof,
        budget_override=budget, public_url=public_url or f"http://{host}:{port}", auto_subscribe=auto_subscribe,
    )


COMMANDS = [sandbox]
