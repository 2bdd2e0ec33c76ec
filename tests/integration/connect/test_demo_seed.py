"""`catalog-sync demo-seed`: a connected store per sandbox account, through the real OAuth flow."""

from sqlalchemy import func, select

from cli.demo_seed import sandbox_settings, seed_demo_sellers
from core.config import Settings
from core.models import InstagramConnection, InstagramSyncHistory
from core.services.people.users import authenticate


def test_every_sandbox_account_gets_a_connected_store_a_login_and_a_first_scan(sandbox, session, database_url):
    settings = sandbox_settings(Settings(database_url=database_url), sandbox.url)
    seeded = seed_demo_sellers(settings, sandbox.url, "demo-pass-123", queue_scans=True)
    assert len(seeded) == len(sandbox.accounts())
    assert {entry["status"] for entry in seeded} == {"active"}
    assert session.scalar(select(func.count()).select_from(InstagramConnection)) == len(seeded)
    queued = session.scalars(select(InstagramSyncHistory.status).where(InstagramSyncHistory.sync_type == "bulk_import"))
    assert list(queued) == ["queued"] * len(seeded)
    actor = authenticate(session, seeded[0]["email"], "demo-pass-123")
    assert actor.store_id == seeded[0]["store_id"]
    # Running it again changes nothing: same stores, no second connection, the queued scans reused.
    again = seed_demo_sellers(settings, sandbox.url, "demo-pass-123", queue_scans=True)
    assert [e["store_id"] for e in again] == [e["store_id"] for e in seeded]
    assert [e["scan_id"] for e in again] == [e["scan_id"] for e in seeded]
    assert session.scalar(select(func.count()).select_from(InstagramConnection)) == len(seeded)
