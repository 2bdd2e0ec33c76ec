"""`catalog-sync report` against a real database: text for people, JSON for scripts."""

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from cli import main
from core.models import ProductDraft
from tests.cli_env import cli_db  # noqa: F401 (a fixture)
from tests.factories import make_store


def test_report_prints_the_figures_for_one_store(cli_db, session):
    store = make_store(session, "Kiosk")
    now = datetime.now(timezone.utc)
    for n, status in enumerate(("approved", "approved", "rejected", "pending")):
        session.add(ProductDraft(id=f"draft_{n}", store_id=store.id, ig_media_id=f"m{n}", ig_media_type="IMAGE",
                                 status=status, created_at=now - timedelta(hours=1), expires_at=now + timedelta(days=7),
                                 reviewed_at=now if status == "approved" else None))
    session.commit()
    result = CliRunner().invoke(main, ["report", "--store", store.id, "--days", "7"])
    assert result.exit_code == 0, result.output
    assert f"analytics: {store.id}" in result.output
    assert "approval_rate               66.7%" in result.output  # 2 / (2 + 1)
    assert "ai_accuracy                 100.0%" in result.output
    as_json = json.loads(CliRunner().invoke(main, ["report", "--store", store.id, "--days", "7", "--json"]).output)
    assert as_json["kpis"]["drafts_created"] == 4 and as_json["kpis"]["drafts_pending_now"] == 1


def test_report_for_an_unknown_store_is_a_clear_error(cli_db, session):
    result = CliRunner().invoke(main, ["report", "--store", "sto_missing", "--days", "7"])
    assert result.exit_code != 0 and "does not exist" in result.output
