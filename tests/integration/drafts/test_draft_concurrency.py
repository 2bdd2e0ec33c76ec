"""Races: several sessions approving one draft make one product; several workers expiring
and reminding at once change each draft once. Real threads, one session each."""

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import FrozenClock, utcnow
from core.errors import ValidationFailed
from core.models import Notification, Product, ProductDraft
from core.services.review.approval import approve_draft, batch_approve
from core.services.review.expiry import expire_drafts, send_expiry_reminders
from tests.factories import make_draft

RACERS = 4


def _race(engine, work) -> list:
    """Run `work(session)` in RACERS threads released together; return results or errors."""
    barrier = threading.Barrier(RACERS)
    results: list = [None] * RACERS

    def run(i):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results[i] = work(session)
            except Exception as error:  # collected and asserted on below
                results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_racing_approvals_make_exactly_one_product(engine, session, shop):
    for _ in range(3):
        draft = make_draft(session, shop.store)
        results = _race(engine, lambda s: approve_draft(s, shop.seller, draft.id))
        products = [r for r in results if isinstance(r, Product)]
        refusals = [r for r in results if isinstance(r, ValidationFailed)]
        assert len(products) == 1 and len(refusals) == RACERS - 1, results
        assert all("already approved" in str(r) for r in refusals)
    assert session.scalar(select(func.count()).select_from(Product)) == 3


def test_racing_same_named_drafts_get_distinct_slugs(engine, session, shop):
    drafts = [make_draft(session, shop.store, name="Kikoi Beach Towel") for _ in range(RACERS)]
    results = _race(engine, lambda s: approve_draft(s, shop.seller, drafts.pop().id))
    assert all(isinstance(r, Product) for r in results), results
    slugs = sorted(session.scalars(select(Product.slug)))
    assert slugs == sorted(["kikoi-beach-towel"] + [f"kikoi-beach-towel-{n}" for n in range(2, RACERS + 1)])


def test_overlapping_batches_never_duplicate(engine, session, shop):
    ids = [make_draft(session, shop.store, name=f"Bead Necklace {i}").id for i in range(10)]
    results = _race(engine, lambda s: batch_approve(s, shop.seller, ids))
    assert sum(len(r.approved) for r in results) == 10
    assert session.scalar(select(func.count()).select_from(Product)) == 10
    assert session.scalar(select(func.count(ProductDraft.product_id.distinct()))) == 10


def test_workers_expire_and_remind_each_draft_once(engine, session, shop):
    now = utcnow()
    for _ in range(30):
        make_draft(session, shop.store, expires_at=now - timedelta(minutes=5), commit=False)
        make_draft(session, shop.store, expires_at=now + timedelta(hours=12), commit=False)
    session.commit()
    clock = FrozenClock(now)
    expired = _race(engine, lambda s: expire_drafts(s, clock))
    reminded = _race(engine, lambda s: send_expiry_reminders(s, clock))
    assert sum(expired) == 30, expired
    assert sum(reminded) == 30, reminded
    titles = session.scalars(select(Notification.title)).all()
    assert sum(int(t.split()[0]) for t in titles) == 30
