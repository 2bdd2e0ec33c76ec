"""Tenant isolation: every service function that takes an actor, called as seller A on store B's ids.

The matrix is built from the service modules themselves: a new public function with
an `actor: Actor` parameter that has no row in CASES fails the test, so isolation is
checked for it the day it lands. A call is refused when it raises PermissionDenied or
NotFound, or (for list/aggregate calls and batch calls) returns nothing of store B.
Whatever happened, none of store B's rows may change.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

import core.services as services_package
from core.clock import utcnow
from core.errors import NotFound, PermissionDenied
from core.ids import new_id
from core.models import (
    Base, InstagramConnection, InstagramSyncHistory, InstagramWebhookEvent, Notification, ProductChange,
    SyncConflict,
)
from core.services.analytics.scope import Period
from core.services.review.approval import approve_draft
from core.services.connecting.connect import start_connect
from core.services.connecting.connect_types import ConnectFailed
from core.services.review.drafts import DraftFilter
from tests.factories import make_draft, make_ops, make_seller, make_store
from tests.integration.connect.conftest import deps_for
from tests.reliability.report import Table

REFUSALS = (PermissionDenied, NotFound)


def actor_taking_functions() -> dict[str, object]:
    """Every public function in core.services whose signature has an `actor` typed Actor."""
    found = {}
    for info in pkgutil.walk_packages(services_package.__path__, "core.services."):
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameter = inspect.signature(function).parameters.get("actor")
            if parameter is not None and "Actor" in str(parameter.annotation):
                found[f"{info.name.removeprefix('core.services.')}.{name}"] = function
    return found


def _seed_store_b(session, ops, store_b) -> dict:
    """One row of every kind store B owns, made through the services where they exist."""
    draft = make_draft(session, store_b)
    approved = make_draft(session, store_b, name="Kitenge Dress")
    product = approve_draft(session, ops, approved.id)
    auto = make_draft(session, store_b, name="Leather Sandals", status="approved", auto_approved=True)
    connection = InstagramConnection(id=new_id("igc"), store_id=store_b.id, seller_id=store_b.seller_id,
                                     login_flow="instagram", ig_user_id="17841400000000b", status="active")
    scan = InstagramSyncHistory(id=new_id("sync"), store_id=store_b.id, sync_type="bulk_import", status="queued")
    conflict = SyncConflict(id=new_id("scf"), store_id=store_b.id, product_id=product.id, ig_media_id="m-b",
                            fields={"price": {"base": 1, "instagram": 2, "vendly": 3}})
    note = Notification(id=new_id("ntf"), store_id=store_b.id, kind="new_draft", title="New draft")
    change = ProductChange(id=new_id("pch"), store_id=store_b.id, side="vendly", action="product_updated")
    event = InstagramWebhookEvent(id=new_id("whe"), dedup_key=new_id("k"), field="comments", status="failed",
                                  ig_user_id=connection.ig_user_id, store_id=store_b.id)
    session.add_all([connection, scan, conflict, note, change, event])
    session.commit()
    return {"draft": draft.id, "auto": auto.id, "product": product.id, "connection": connection.id,
            "scan": scan.id, "conflict": conflict.id, "event": event.id, "notification": note.id}


def _b_state(session, store_b_id: str) -> dict:
    """Every column of every row store B owns (timestamps included), to compare before and after.

    Two writes are by design and checked on their own: a foreign OAuth state is spent (a
    leaked state must die) and the failed attempt is recorded in B's connect history."""
    session.expire_all()
    state = {}
    for table in Base.metadata.sorted_tables:
        if "store_id" not in table.c or table.name == "oauth_state":
            continue
        query = select(table).where(table.c.store_id == store_b_id).order_by(*table.primary_key)
        if table.name == "instagram_sync_history":
            query = query.where(table.c.sync_type != "connect")
        rows = session.execute(query)
        state[table.name] = [tuple(map(repr, row)) for row in rows]
    return state


def _cases(b: dict, store_b, seller_a, deps, b_state_token: str) -> dict:
    """name -> (call, result_is_harmless). `result_is_harmless` judges a call that did not raise."""
    period = Period.last_days(30, utcnow())
    empty = lambda result: not result  # noqa: E731
    never = lambda result: False  # noqa: E731
    s = store_b.id
    return {
        "analytics.report.analytics_report": (lambda ss: ss(period=period, store_id=s), never),
        "analytics.scope.resolve_scope": (lambda ss: ss(store_id=s), never),
        "review.approval.approve_draft": (lambda ss: ss(draft_id=b["draft"]), never),
        "review.approval.batch_approve": (lambda ss: ss(draft_ids=[b["draft"]]), lambda r: not r.approved),
        "review.approval.get_product": (lambda ss: ss(product_id=b["product"]), never),
        "review.approval.products_for_drafts": (lambda ss: ss(store_id=s, draft_ids=[b["auto"]]), empty),
        "review.approval.undo_auto_approve": (lambda ss: ss(draft_id=b["auto"]), never),
        "review.approval.update_review_settings": (
            lambda ss: ss(store_id=s, product_status="active", auto_approve=True, auto_approve_threshold=0.9), never),
        "edit_sync.change_log.list_changes": (lambda ss: ss(store_id=s), never),
        "edit_sync.conflicts.count_open_conflicts": (lambda ss: ss(store_id=s), never),
        "edit_sync.conflicts.get_conflict": (lambda ss: ss(conflict_id=b["conflict"]), never),
        "edit_sync.conflicts.history_choices": (lambda ss: ss(store_id=s), never),
        "edit_sync.conflicts.list_conflicts": (lambda ss: ss(store_id=s), never),
        "edit_sync.conflicts.list_sync_history": (lambda ss: ss(store_id=s), never),
        "edit_sync.conflicts.resolve_conflict": (lambda ss: ss(conflict_id=b["conflict"], choices={"price": "vendly"}), never),
        "connecting.connect.choose_page": (lambda ss: ss(deps=deps, store_id=s, ig_user_id="17841400000000b"), never),
        "connecting.connect.finish_connect": (lambda ss: ss(deps=deps, code="c0de", state=b_state_token), never),
        "connecting.connect.pending_page_choice": (lambda ss: ss(deps=deps, store_id=s), never),
        "connecting.connect_state.spend_state": (lambda ss: ss(deps=deps, state=b["second_state"], browser_key=None), never),
        "connecting.connect_state.start_connect": (lambda ss: ss(deps=deps, store_id=s, login_flow="instagram"), never),
        "connecting.connection_lifecycle.connection_for_store": (lambda ss: ss(store_id=s), never),
        "connecting.connection_lifecycle.connection_status": (lambda ss: ss(store_id=s), never),
        "connecting.connection_lifecycle.disconnect": (lambda ss: ss(deps=deps, store_id=s), never),
        "connecting.connection_lifecycle.list_connections": (lambda ss: ss(), lambda r: all(c.store_id != s for c in r)),
        "connecting.connection_lifecycle.recent_connect_failure": (lambda ss: ss(store_id=s), never),
        "connecting.connection_lifecycle.refresh_token": (lambda ss: ss(deps=deps, store_id=s, force=True), never),
        "connecting.connection_lifecycle.rotate_token_keys": (lambda ss: ss(vault=deps.vault), never),
        "connecting.connection_lifecycle.validate_connection": (lambda ss: ss(deps=deps, store_id=s), never),
        "review.drafts.draft_cards": (lambda ss: ss(draft_ids=[b["draft"], b["auto"]]), empty),
        "review.drafts.draft_for": (lambda ss: ss(draft_id=b["draft"]), never),
        "review.drafts.edit_draft": (lambda ss: ss(draft_id=b["draft"], changes={"name": "Hijacked"}), never),
        "review.drafts.get_draft": (lambda ss: ss(draft_id=b["draft"]), never),
        "review.drafts.list_drafts": (lambda ss: ss(store_id=s), never),
        "review.drafts.matching_draft_ids": (lambda ss: ss(store_id=s, draft_filter=DraftFilter()), never),
        "review.drafts.reject_draft": (lambda ss: ss(draft_id=b["draft"], reason="not_a_product"), never),
        "review.notifications.list_notifications": (lambda ss: ss(store_id=s), never),
        "review.notifications.mark_read": (lambda ss: ss(store_id=s, notification_ids=[b["notification"]]), never),
        "review.notifications.unread_count": (lambda ss: ss(store_id=s), never),
        "review.products.update_product": (lambda ss: ss(product_id=b["product"], changes={"name": "Hijacked"}), never),
        "realtime.polling_view.polling_state": (lambda ss: ss(), never),
        "bulk_import.scan.current_scan": (lambda ss: ss(store_id=s), never),
        "bulk_import.scan.get_scan": (lambda ss: ss(scan_id=b["scan"]), never),
        "bulk_import.scan.recent_scans": (lambda ss: ss(store_id=s), never),
        "bulk_import.scan.request_scan": (lambda ss: ss(store_id=s), never),
        "people.stores.create_seller_store": (lambda ss: ss(business_name="Seller A's second shop"), never),
        "people.stores.get_store": (lambda ss: ss(store_id=s), never),
        "people.stores.list_stores": (lambda ss: ss(), lambda r: all(x.id != s for x in r)),
        "people.stores.update_store_settings": (lambda ss: ss(store_id=s, changes={"auto_approve": True}), never),
        "edit_sync.sync_settings.update_edit_sync_settings": (
            lambda ss: ss(store_id=s, auto_apply_untouched=True, on_delete="hide"), never),
        "realtime.webhook_events.list_events": (lambda ss: ss(), never),
        "realtime.webhook_events.retry_event": (lambda ss: ss(event_id=b["event"]), never),
        "realtime.webhooks.ingest_delivery": (
            lambda ss: ss(body=b"{}", signature_header=None, secrets={"facebook": "x"}), never),
    }


def _call(session, function, seller_a, invoke):
    """Run one case; returns (refused, what happened)."""
    def bound(**kwargs):
        return function(session, actor=seller_a, **kwargs)

    try:
        result = invoke(bound)
    except REFUSALS as error:
        session.rollback()
        return True, f"{type(error).__name__}: {error}", None
    except ConnectFailed as error:  # finish_connect: a state not this actor's is a failed connect
        session.rollback()
        return True, f"ConnectFailed: {error}", None
    except Exception as error:  # a crash is not a refusal: the case's arguments must be valid
        session.rollback()
        return False, f"unexpected {type(error).__name__}: {error}", None
    session.rollback()
    return None, f"returned {type(result).__name__}", result


def test_seller_a_cannot_reach_store_b_through_any_service(session, artifacts_dir):
    store_a, store_b = make_store(session, "Shop A"), make_store(session, "Shop B")
    seller_a, seller_b = make_seller(session, store_a, "a@iso.test"), make_seller(session, store_b, "b@iso.test")
    ops = make_ops(session)
    b = _seed_store_b(session, ops, store_b)
    deps = deps_for()

    def live_b_state() -> str:
        started = start_connect(session, deps, seller_b, store_b.id, "instagram", bind_browser=False)
        return parse_qs(urlsplit(started.dialog_url).query)["state"][0]

    b_state_token = live_b_state()
    b["second_state"] = live_b_state()  # finish_connect and spend_state each try a live state of B's
    functions = actor_taking_functions()
    cases = _cases(b, store_b, seller_a, deps, b_state_token)

    uncovered = sorted(set(functions) - set(cases))
    assert not uncovered, f"service functions taking an actor with no tenant-isolation case: {uncovered}"

    before = _b_state(session, store_b.id)
    table = Table("tenant-matrix", "Tenant isolation: seller A calling every service on store B's ids",
                  ["service function", "outcome", "refused"],
                  "every call raises PermissionDenied/NotFound or returns nothing of store B; "
                  "store B's rows are byte-for-byte unchanged")
    leaks = []
    for name in sorted(functions):
        invoke, harmless = cases[name]
        refused, what, result = _call(session, functions[name], seller_a, invoke)
        if refused is None:
            refused = harmless(result)
        table.add(name, what, "yes" if refused else "NO")
        if not refused:
            leaks.append(f"{name}: {what}")
    table.add("(store B rows)", "compared before and after", "unchanged" if _b_state(session, store_b.id) == before
              else "CHANGED")
    for stale in sorted(cases.keys() - functions.keys()):
        table.add(stale, "case kept, but the function no longer exists", "-")
    table.write(artifacts_dir, f"-{session.bind.dialect.name}")
    assert not leaks, leaks
    assert _b_state(session, store_b.id) == before, "a refused call changed store B's rows"
    assert _connect_failures(session, store_b.id) == ["state_foreign", "state_foreign"]


def _connect_failures(session, store_id: str) -> list[str]:
    rows = session.scalars(select(InstagramSyncHistory).where(
        InstagramSyncHistory.store_id == store_id, InstagramSyncHistory.sync_type == "connect"))
    return [str((row.errors or [{}])[0].get("code") if row.errors else row.last_error) for row in rows]


def test_every_page_reads_through_scoped_services():
    """Pages hold no queries of their own: a page that builds SQL would bypass the scoping above."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted((root / "pages").glob("*.py")) + sorted((root / "ui").glob("*.py")):
        text = path.read_text()
        for needle in ("from sqlalchemy import", "import sqlalchemy", "session.get(", "session.query(", "session.execute(",
                       "session.scalar", "from core.models"):
            if needle in text:
                offenders.append(f"{path.relative_to(root)}: {needle}")
    assert not offenders, offenders
