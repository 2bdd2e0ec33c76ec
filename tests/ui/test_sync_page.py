"""The Sync page under AppTest: conflicts side by side with per-field choices and Apply, sync
history with filters, per-post change history, settings; a seller sees only their store."""

from datetime import timedelta
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import SystemClock, utcnow
from core.config import Settings
from core.extraction.engine import build_extractor
from core.instagram import MediaItem
from core.models import InstagramSyncHistory, Product, Store
from core.security import SYSTEM
from core.services.review.approval import approve_draft
from core.services.review.products import update_product
from core.services.edit_sync.reconcile import reconcile_media
from tests.factories import make_draft, make_seller, make_store
from tests.fixtures.app_test import new_app

CAPTION = "Blue Denim Jacket, soft and warm. Ksh 2,500 #denim #jacket"
EDITED = "Blue Denim Jacket, soft and warm. Now Ksh 2,000 (was 2,500) #denim #jacket"




class _Connection:
    """reconcile_media only reads these two attributes of the connection."""

    def __init__(self, store_id: str):
        self.store_id, self.id = store_id, None


def _conflict(session, store, vendly_changes: dict) -> Product:
    """An approved product edited in Vendly whose post then changed its price."""
    extractor = build_extractor(Settings(openai_api_key=None, gemini_api_key=None), mode="local")
    extracted = extractor.extract(CAPTION, "IMAGE", None, "KES").model_dump(mode="json")
    draft = make_draft(session, store, ig_caption=CAPTION, **{k: extracted[k] for k in (
        "name", "description", "price", "currency", "category", "tags")})
    product = approve_draft(session, SYSTEM, draft.id)
    update_product(session, SYSTEM, product.id, vendly_changes)
    item = MediaItem(id=draft.ig_media_id, media_type="IMAGE", caption=EDITED, timestamp=utcnow(), media_urls=())
    outcome = reconcile_media(session, _Connection(store.id), item, extractor, SystemClock())
    session.commit()
    assert outcome.status == "conflict_opened", outcome
    return product


@pytest.fixture
def shops(app_db, session):
    mine = make_store(session, "Mama Mboga Fashions")
    make_seller(session, mine, "a@shop.test", "seller-pass-1")
    other = make_store(session, "Other Shop")
    return mine, other


def _field_of(key: str | None) -> str | None:
    """The field of a per-field widget key, e.g. `choice_scf_abc_compare_at_price` → compare_at_price."""
    return key.split("_", 3)[3] if key and key.count("_") >= 3 else None


def _widget(widgets, prefix: str, field: str):
    return next(w for w in widgets if w.key and w.key.startswith(prefix) and _field_of(w.key) == field)


def _sync_page(email: str, password: str) -> AppTest:
    at = new_app()
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    at.switch_page("pages/sync.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_conflict_side_by_side_resolved_field_by_field(shops, session):
    mine, _ = shops
    product = _conflict(session, mine, {"price": "2400"})
    at = _sync_page("a@shop.test", "seller-pass-1")
    assert at.tabs[0].label == "Conflicts (1)"
    radios = {_field_of(r.key): r for r in at.radio if r.key and r.key.startswith("choice_")}
    assert set(radios) >= {"price", "description"}
    assert radios["price"].value == "vendly"  # both sides changed it: Vendly is suggested
    assert radios["compare_at_price"].value == "instagram"  # only Instagram changed it
    assert any("KES 2,400" in str(e.value) for e in at.markdown)
    radios["price"].set_value("edit")
    at.run()
    _widget(at.text_input, "edit_", "price").input("2,100")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("apply_"))).click()
    at.run()
    assert not at.exception, at.exception
    assert at.tabs[0].label == "Conflicts (0)"
    session.expire_all()
    product = session.get(Product, product.id)
    assert product.price == Decimal("2100.00")
    changes = at.tabs[2].dataframe[0].value
    assert list(changes["From"])[:2] == ["Resolved by a person", "Instagram"]


def test_bad_edit_shows_the_problem_and_keeps_the_conflict(shops, session):
    mine, _ = shops
    _conflict(session, mine, {"price": "2400"})
    at = _sync_page("a@shop.test", "seller-pass-1")
    _widget(at.radio, "choice_", "price").set_value("edit")
    at.run()
    _widget(at.text_input, "edit_", "price").input("-3")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("apply_"))).click()
    at.run()
    assert at.error and at.tabs[0].label == "Conflicts (1)"


def test_seller_sees_only_their_own_stores_conflicts(shops, session):
    mine, other = shops
    _conflict(session, other, {"price": "2400"})
    at = _sync_page("a@shop.test", "seller-pass-1")
    assert at.tabs[0].label == "Conflicts (0)"


def test_history_filters_and_settings(shops, session):
    mine, _ = shops
    now = utcnow()
    session.add_all([
        InstagramSyncHistory(id="sync_a", store_id=mine.id, sync_type="bulk_import", status="success",
                             posts_found=30, posts_processed=30, drafts_created=28, created_at=now,
                             started_at=now, errors=[]),
        InstagramSyncHistory(id="sync_b", store_id=mine.id, sync_type="incremental_sync", status="partial_success",
                             posts_found=5, posts_processed=4, posts_failed=1, products_updated=2,
                             created_at=now - timedelta(hours=1), started_at=now - timedelta(hours=1),
                             errors=[{"media_id": "m1", "error": "RuntimeError", "message": "AI is down"}]),
    ])
    session.commit()
    at = _sync_page("a@shop.test", "seller-pass-1")
    table = at.tabs[1].dataframe[0].value
    assert list(table["Type"]) == ["bulk_import", "incremental_sync"]
    assert list(table["Products updated"]) == [0, 2]
    at.selectbox(key="history_type").set_value("incremental_sync").run()
    table = at.tabs[1].dataframe[0].value
    assert list(table["Failed"]) == [1]
    assert "AI is down" in at.tabs[1].expander[0].dataframe[0].value.to_string()
    at.toggle(key="sync_auto_apply").set_value(False)
    at.radio(key="sync_on_delete").set_value("hide")
    at.tabs[3].button[0].click()
    at.run()
    session.expire_all()
    settings = session.get(Store, mine.id).settings
    assert settings["sync_auto_apply"] is False and settings["sync_on_delete"] == "hide"


def _run(store_id: str, run_id: str, sync_type: str, status: str, age: timedelta, found: int):
    at = utcnow() - age
    return InstagramSyncHistory(id=run_id, store_id=store_id, sync_type=sync_type, status=status, posts_found=found,
                                posts_processed=found, created_at=at, started_at=at, errors=[])


def _shown(at: AppTest) -> list[int] | None:
    """The `Posts found` of the history rows shown (each test run has its own), or None for none."""
    tables = at.tabs[1].dataframe
    return list(tables[0].value["Posts found"]) if tables else None


def test_history_filters_hide_the_runs_outside_them(shops, session):
    mine, other = shops
    session.add_all([
        _run(mine.id, "sync_scan", "bulk_import", "success", timedelta(minutes=5), 30),
        _run(mine.id, "sync_poll_partial", "incremental_sync", "partial_success", timedelta(hours=1), 5),
        _run(mine.id, "sync_poll_ok", "incremental_sync", "success", timedelta(hours=2), 3),
        _run(mine.id, "sync_hint_failed", "edit_sync", "failed", timedelta(days=10), 1),
        _run(mine.id, "sync_poll_old", "incremental_sync", "success", timedelta(days=45), 7),
        _run(other.id, "sync_other_store", "incremental_sync", "success", timedelta(hours=1), 99),
    ])
    session.commit()
    at = _sync_page("a@shop.test", "seller-pass-1")
    assert _shown(at) == [30, 5, 3, 1]  # the last 30 days by default; never another store's

    at.selectbox(key="history_type").set_value("incremental_sync").run()
    assert _shown(at) == [5, 3]
    at.selectbox(key="history_status").set_value("success").run()
    assert _shown(at) == [3]

    today = utcnow().date()
    at.date_input(key="history_dates").set_value((today - timedelta(days=50), today - timedelta(days=40))).run()
    assert _shown(at) == [7]  # the same type and status, weeks back
    at.selectbox(key="history_type").set_value("All").run()
    at.selectbox(key="history_status").set_value("All").run()
    at.date_input(key="history_dates").set_value((today - timedelta(days=12), today - timedelta(days=8))).run()
    assert _shown(at) == [1]
    at.selectbox(key="history_status").set_value("success").run()
    assert _shown(at) is None
    assert any("No sync runs match" in info.value for info in at.tabs[1].info)
    assert not at.exception, at.exception
