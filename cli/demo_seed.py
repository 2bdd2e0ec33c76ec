"""`catalog-sync demo-seed`: a demo seller, profile and store per sandbox account, each connected
through the same OAuth code flow a person goes through (the sandbox dialog's Allow, over HTTP).

Idempotent: a seller that exists is reused, and a store already connected is left alone, so
`make run` can call it every time. The code is finished in-process (`finish_connect`) because
the sidecar may not be up yet; the redirect URI is still the configured one, as Meta checks it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests
from sqlalchemy import select

from core.config import Settings
from core.db import get_engine, session_factory
from core.errors import CatalogSyncError
from core.models import AppUser, Store
from core.security import SYSTEM, Actor
from core.services.connecting.connect import (
    ConnectDeps,
    ConnectOutcome,
    choose_page,
    connection_status,
    finish_connect,
    start_connect,
)
from core.services.bulk_import.scan import request_scan
from core.services.people.stores import create_seller_store
from core.services.people.users import actor_for, create_user


def sandbox_settings(settings: Settings, sandbox_url: str) -> Settings:
    """The same settings with every Meta host pointed at the sandbox."""
    return settings.model_copy(update={
        "meta_graph_url": sandbox_url, "meta_dialog_url": sandbox_url, "instagram_graph_url": sandbox_url,
        "instagram_api_url": sandbox_url, "instagram_dialog_url": sandbox_url,
    })


def seed_demo_sellers(settings: Settings, sandbox_url: str, password: str, *, queue_scans: bool = False) -> list[dict]:
    """Seed every sandbox account; with `queue_scans`, also queue a first scan per store so
    Review has drafts to show (the worker runs them; a store already scanned adds nothing)."""
    http = requests.Session()
    accounts = http.get(f"{sandbox_url}/_sandbox/accounts", timeout=10).json()
    deps = ConnectDeps.from_settings(sandbox_settings(settings, sandbox_url))
    sessions = session_factory(get_engine(settings.database_url))
    seeded = []
    for account in accounts:
        with sessions() as session:
            entry = _seed_one(session, deps, http, account, password)
            if queue_scans:
                entry["scan_id"] = request_scan(session, SYSTEM, entry["store_id"], {"include_videos": True})
            seeded.append(entry)
    return seeded


def _seed_one(session, deps: ConnectDeps, http: requests.Session, account: dict, password: str) -> dict:
    email = f"{account['username'].replace('.', '_')}@sellers.demo"
    user = session.scalar(select(AppUser).where(AppUser.email == email))
    if user is None:
        store = create_seller_store(session, SYSTEM, account.get("name") or account["username"])
        user = create_user(session, email, password, "seller", store.id)
        session.commit()
    store = session.get(Store, user.store_id)
    actor = actor_for(user)
    view = connection_status(session, actor, store.id)
    if view is None or view.status != "active":
        _connect(session, deps, http, actor, store.id, account)
        view = connection_status(session, actor, store.id)
    return {
        "store_id": store.id, "store_name": store.name, "email": email, "password": password,
        "instagram": account["username"], "login_flow": account["login"], "status": view.status,
    }


def _connect(session, deps: ConnectDeps, http: requests.Session, actor: Actor, store_id: str, account: dict) -> None:
    # Finished right here, server-side, so the state is bound to no browser.
    dialog = start_connect(session, deps, actor, store_id, account["login"], bind_browser=False).dialog_url
    back = allow_on_dialog(http, dialog, account)
    query = parse_qs(urlsplit(back).query)
    if "code" not in query:
        raise CatalogSyncError(f"the sandbox dialog did not grant access for @{account['username']}: {back}")
    outcome = finish_connect(session, deps, query["code"][0], query["state"][0])
    settle_page_choice(session, deps, actor, outcome, account)


def settle_page_choice(session, deps: ConnectDeps, actor: Actor, outcome: ConnectOutcome, account: dict) -> ConnectOutcome:
    """Finish a connect that stopped at a Page choice with the Page that links this sandbox account.

    `finish_connect` stops at a choice whenever the login reaches several Pages with an
    Instagram account. The seed ticks only the account's own Page, so the sandbox grants one
    today; but the sandbox's first person has two Pages, and a grant that reaches both must
    still seed this account rather than fail on a connection that does not exist yet."""
    if outcome.kind != "choose_page":
        return outcome
    return choose_page(session, deps, actor, outcome.store_id, account["ig_user_id"])


def allow_on_dialog(http: requests.Session, dialog_url: str, account: dict) -> str:
    """Sign in on the sandbox dialog as this account, tick only its Page, press Allow; the redirect URL."""
    login_as = account.get("fb_user_id") if account["login"] == "facebook" else account["ig_user_id"]
    page = http.get(f"{dialog_url}&{urlencode({'login_as': login_as})}", timeout=10)
    page.raise_for_status()
    form = _ConsentForm()
    form.feed(page.text)
    fields = list(form.hidden)
    if account.get("page_id") and account["page_id"] in form.pages:
        fields.append(("page_id", account["page_id"]))
    fields.append(("decision", "allow"))
    answer = http.post(urljoin(dialog_url, form.action), data=fields, allow_redirects=False, timeout=10)
    return answer.headers.get("Location", "")


class _ConsentForm(HTMLParser):
    """The consent form's action, hidden fields and Page checkboxes."""

    def __init__(self):
        super().__init__()
        self.action = ""
        self.hidden: list[tuple[str, str]] = []
        self.pages: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and not self.action:
            self.action = attributes.get("action") or ""
        elif tag == "input" and attributes.get("type") == "hidden":
            self.hidden.append((attributes.get("name") or "", attributes.get("value") or ""))
        elif tag == "input" and attributes.get("name") == "page_id":
            self.pages.append(attributes.get("value") or "")
