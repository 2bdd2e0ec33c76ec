"""`catalog-sync demo-seed`: a connected store per sandbox account, through the real OAuth flow."""

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from cli.demo_seed import sandbox_settings, seed_demo_sellers, settle_page_choice
from core.config import Settings
from core.models import InstagramConnection, InstagramSyncHistory
from core.services.connecting.connect import connection_status, finish_connect, start_connect
from core.services.people.users import authenticate
from tests.integration.connect.conftest import deps_for


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


def test_a_page_choice_is_settled_with_the_page_that_links_the_seeded_account(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    dialog = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook", bind_browser=False).dialog_url
    person = sandbox.account("facebook")["fb_user_id"]  # the sandbox's first person has two Pages
    back = sandbox.click_dialog(dialog, login_as=person)  # both Pages ticked
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    outcome = finish_connect(session, deps, query["code"], query["state"])
    assert outcome.kind == "choose_page" and len(outcome.choices) == 2
    # The second choice, so taking the first one offered would not pass.
    seeded = next(a for a in sandbox.accounts() if a["ig_user_id"] == outcome.choices[1]["ig_user_id"])
    done = settle_page_choice(session, deps, shop["seller_a"], outcome, seeded)
    assert done.kind == "connected"
    view = connection_status(session, shop["seller_a"], shop["a"].id)
    assert (view.status, view.ig_user_id, view.fb_page_id) == ("active", seeded["ig_user_id"], seeded["page_id"])
