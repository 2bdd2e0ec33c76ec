"""Connection commands: `connections list|refresh|validate`, `rotate-keys`, `demo-seed`.

The worker runs refresh and validation as jobs; these commands are for operators and for
`make run`, which seeds demo sellers connected to the sandbox through the real OAuth flow.
They act as the system (ops) actor, and never print a token.
"""

from __future__ import annotations

import json

import click

from core.config import get_settings
from core.db import unit_of_work
from core.errors import CatalogSyncError
from core.security import SYSTEM
from core.services.connecting.connect import (
    ConnectDeps,
    connections_due_for_refresh,
    list_connections,
    refresh_token,
    rotate_token_keys,
    validate_connection,
)


@click.group("connections", help="List, refresh and validate Instagram connections.")
def connections() -> None:
    pass


@connections.command("list", help="Every connection with its status and token expiry (never the token).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(as_json: bool) -> None:
    with unit_of_work() as session:
        views = list_connections(session, SYSTEM)
    rows = [
        {
            "store_id": v.store_id, "connection_id": v.id, "username": v.ig_username, "login_flow": v.login_flow,
            "status": v.status, "reason": v.status_reason,
            "token_expires_at": v.token_expires_at.isoformat() if v.token_expires_at else None,
            "webhook_subscribed": v.webhook_subscribed,
        }
        for v in views
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['store_id']}  @{row['username'] or '?':<24} {row['login_flow']:<9} {row['status']:<8} "
            f"expires {row['token_expires_at'] or '-'}  webhooks {'on' if row['webhook_subscribed'] else 'off'}"
            + (f"  ({row['reason']})" if row["reason"] else "")
        )
    if not rows:
        click.echo("no connections")


@connections.command("refresh", help="Refresh tokens that expire within the margin (or one store's, --force).")
@click.option("--store", "store_id", help="Only this store.")
@click.option("--force", is_flag=True, help="Refresh even when not due yet.")
def refresh_command(store_id: str | None, force: bool) -> None:
    deps = ConnectDeps.from_settings()
    with unit_of_work() as session:
        targets = [store_id] if store_id else [sid for _, sid in connections_due_for_refresh(session, deps)]
        failures = 0
        for target in targets:
            try:
                result = refresh_token(session, deps, SYSTEM, target, force=force)
                click.echo(f"{target}: {result.reason}")
            except CatalogSyncError as error:
                failures += 1
                click.echo(f"{target}: FAILED {error}", err=True)
    if not targets:
        click.echo("no token is due for refresh")
    if failures:
        raise SystemExit(1)


@connections.command("validate", help="Check each active connection with one cheap Graph call.")
@click.option("--store", "store_id", help="Only this store.")
def validate_command(store_id: str | None) -> None:
    deps = ConnectDeps.from_settings()
    with unit_of_work() as session:
        targets = [store_id] if store_id else [v.store_id for v in list_connections(session, SYSTEM) if v.has_token]
        failures = 0
        for target in targets:
            try:
                view = validate_connection(session, deps, SYSTEM, target)
                click.echo(f"{target}: {view.status}" + (f" ({view.status_reason})" if view.status_reason else ""))
                failures += view.status != "active"
            except CatalogSyncError as error:
                failures += 1
                click.echo(f"{target}: FAILED {error}", err=True)
    if failures:
        raise SystemExit(1)


@click.command("rotate-keys", help="Re-encrypt every stored token under the newest TOKEN_ENCRYPTION_KEYS key.")
def rotate_keys_command() -> None:
    deps = ConnectDeps.from_settings()
    with unit_of_work() as session:
        counts = rotate_token_keys(session, deps.vault, SYSTEM)
    click.echo(json.dumps(counts))
    if counts["unreadable"]:
        raise SystemExit(1)


@click.command("demo-seed", help="Create a demo seller and store per sandbox account and connect each via OAuth.")
@click.option("--sandbox-url", required=True, help="Base URL of a running `catalog-sync sandbox`.")
@click.option("--password", default="demo-seller-pass", show_default=True, help="Password of every demo seller.")
@click.option("--scan", is_flag=True, help="Also queue a first scan per store, so Review has drafts to show.")
def demo_seed_command(sandbox_url: str, password: str, scan: bool) -> None:
    from cli.demo_seed import seed_demo_sellers

    settings = get_settings()
    try:
        seeded = seed_demo_sellers(settings, sandbox_url.rstrip("/"), password, queue_scans=scan)
    except CatalogSyncError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps({"stores": seeded}, indent=2))



COMMANDS = [connections, rotate_keys_command, demo_seed_command]
