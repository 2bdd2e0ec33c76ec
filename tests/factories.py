"""Small builders for test data, going through the real services."""

from __future__ import annotations

from core.security import SYSTEM, Actor
from core.services.people.stores import create_seller_store
from core.services.people.users import actor_for, create_user


def make_store(session, name: str = "Mama Mboga Fashions", currency: str = "KES"):
    store = create_seller_store(session, SYSTEM, name, currency)
    session.commit()
    return store


def make_seller(session, store, email: str | None = None, password: str = "seller-pass-1") -> Actor:
    user = create_user(session, email or f"seller@{store.slug}.test", password, "seller", store.id)
    session.commit()
    return actor_for(user)


def make_ops(session, email: str = "ops@vendly.test", password: str = "ops-pass-123") -> Actor:
    user = create_user(session, email, password, "ops")
    session.commit()
    return actor_for(user)


def write_test_image(media_dir, name: str, color=None, size=(800, 800), namespace: str = "shared") -> dict:
    """A real photo kept by the media store's own writer (full copy and thumbnail under media_dir),
    described as `product_draft.images` holds it. Without a colour, one is derived from `name`, so
    different names make different images (the store keeps identical bytes once)."""
    import hashlib
    import io

    from PIL import Image

    from core.media import LocalMediaBackend, MediaStore

    if color is None:
        color = tuple(hashlib.sha256(name.encode()).digest()[:3])
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=90)
    store = MediaStore(LocalMediaBackend(media_dir))
    return store.store_bytes(buffer.getvalue(), f"https://scontent.cdninstagram.com/{name}.jpg", namespace).as_dict()


def make_draft(session, store, *, media_dir=None, image_count: int = 1, commit: bool = True, **fields):
    """A pending draft as the scan writes it: `extracted_data` is a validated ExtractedProduct.

    Any ExtractedProduct field (name, price, currency, category, confidence, ...) or
    ProductDraft column (expires_at, status, ig_caption, seller_edits, ...) can be given.
    With `media_dir`, real JPEGs are written there and listed in `images`.
    """
    from datetime import timedelta

    from core.clock import utcnow
    from core.extraction.schema import ExtractedProduct
    from core.ids import new_id
    from core.models import ProductDraft

    extracted_fields = set(ExtractedProduct.model_fields)
    ai = {"is_product": True, "name": "Blue Denim Jacket", "price": 2500.0, "currency": store.default_currency,
          "category": "Fashion & Apparel", "tags": ["denim", "jacket"], "confidence": 0.85}
    ai.update({k: v for k, v in fields.items() if k in extracted_fields})
    extracted = ExtractedProduct(**ai).model_dump(mode="json")
    draft_id = new_id("draft")
    columns = {
        "id": draft_id, "store_id": store.id, "ig_media_id": new_id("ig"), "ig_media_type": "IMAGE",
        "ig_permalink": f"https://www.instagram.com/p/{draft_id[-8:]}/",
        "ig_caption": f"{extracted['name']} now in stock! #shoplocal", "ig_timestamp": utcnow(),
        "extracted_data": extracted, "seller_edits": {}, "confidence": extracted["confidence"],
        "extractor": extracted["extractor"], "status": "pending", "expires_at": utcnow() + timedelta(days=7),
        "images": [], "ig_media_urls": [],
    }
    columns.update({k: v for k, v in fields.items() if k not in extracted_fields})
    if media_dir is not None and not columns["images"]:
        columns["images"] = [write_test_image(media_dir, f"{draft_id}_{i}", namespace=store.id)
                             for i in range(image_count)]
        columns["ig_media_type"] = "CAROUSEL_ALBUM" if image_count > 1 else "IMAGE"
    draft = ProductDraft(**columns)
    session.add(draft)
    session.flush()
    if commit:
        session.commit()
    return draft


def connect_store(session, store, sandbox, account: dict, actor: Actor | None = None, deps=None):
    """Connect `store` to the sandbox `account` through the real OAuth code flow over HTTP.

    `sandbox` is the RunningSandbox fixture; `account` one of `sandbox.accounts()`. Returns
    the InstagramConnection row. Pass `deps` (a ConnectDeps) to share its clock or vault.
    """
    from urllib.parse import parse_qs, urlsplit

    from core.models import InstagramConnection
    from core.services.connecting.connect import finish_connect
    from tests.integration.connect.conftest import deps_for

    deps = deps or deps_for(sandbox.url)
    back = sign_in_at_meta(session, sandbox, deps, actor or _connect_ops(session), store.id, account)
    query = parse_qs(urlsplit(back).query)
    finish_connect(session, deps, query["code"][0], query["state"][0])
    return session.query(InstagramConnection).filter_by(store_id=store.id).one()


def sign_in_at_meta(session, sandbox, deps, actor: Actor, store_id: str, account: dict, browser=None) -> str:
    """Start a connect for `store_id` as `actor` and allow it on the sandbox's dialog as the person
    behind `account` (its Page only): the redirect URL, with `code` and `state`, Meta sends back.

    With `browser` (a sidecar test client), the state is bound to that browser, which opens the
    Connect page's start link first; without, it is bound to none (the caller finishes it)."""
    from core.services.connecting.connect import start_connect
    from tests.integration.connect.conftest import open_start_link

    started = start_connect(session, deps, actor, store_id, account["login"], bind_browser=browser is not None)
    dialog = open_start_link(browser, started.start_url) if browser is not None else started.dialog_url
    login_as = account["fb_user_id"] if account["login"] == "facebook" else account["ig_user_id"]
    return sandbox.click_dialog(dialog, login_as=login_as, page_ids=[account["page_id"]] if account["page_id"] else None)


def _connect_ops(session) -> Actor:
    """An ops login to start a connect with (the state must belong to a real, active user)."""
    from sqlalchemy import select

    from core.models import AppUser
    from core.services.people.users import actor_for

    user = session.scalar(select(AppUser).where(AppUser.email == "connect-ops@vendly.test"))
    return actor_for(user) if user else make_ops(session, "connect-ops@vendly.test")
