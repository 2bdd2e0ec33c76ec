"""`catalog-sync report`: the analytics page's figures as text (or JSON) for scripts."""

from __future__ import annotations

import json

import click

from core.clock import SystemClock
from core.db import unit_of_work
from core.errors import CatalogSyncError
from core.logging import configure_logging
from core.security import SYSTEM
from core.services.analytics import Period, analytics_report, report_as_text


@click.command(help="Print the analytics figures for one store (or all stores) over the last N days.")
@click.option("--store", "store_id", help="Store id; leave out for all stores.")
@click.option("--days", type=click.IntRange(1, 731), default=30, show_default=True, help="Last N UTC days, today included.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (kpis, alerts, tables) instead of text.")
def report(store_id: str | None, days: int, as_json: bool) -> None:
    configure_logging("cli", level="WARNING")
    clock = SystemClock()
    with unit_of_work() as session:
        try:
            result = analytics_report(session, SYSTEM, store_id, Period.last_days(days, clock.now()), clock)
        except CatalogSyncError as error:
            raise click.ClickException(str(error)) from error
    if as_json:
        payload = {
            "store_id": result.store_id,
            "start": result.period.start.isoformat(),
            "end": result.period.end.isoformat(),
            "kpis": result.kpis(),
            "alerts": [{"key": a.key, "message": a.message} for a in result.alerts],
            "tables": result.tables(),
        }
        click.echo(json.dumps(payload, default=str, indent=2))
    else:
        click.echo(report_as_text(result), nl=False)


COMMANDS = [report]
