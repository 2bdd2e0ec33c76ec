"""OAuth state attacks on the real callback (issue 11, "Security"): what was tried, what survived.

Every attack goes through the webhook sidecar (its Flask test clients, one per browser, each
keeping its own cookies), with codes Meta really issued where one is needed (the sandbox's
dialog, over HTTP). Seller A's flows start as the Connect page's do: A's browser opens the start
link (`GET /oauth/start`), which binds the state to it with a cookie. The attacks: a missing,
unknown, tampered, expired or reused state; a replayed code; another seller's browser sending
A's state; A's callback from a browser without A's cookie; A's start link opened again in
another browser; a state whose starter lost access to the store; and a cancelled dialog. For
each, the table shows where the browser landed, whether a connection or token was stored or
changed, and whom a login ticket (`resume`) was issued for.

Pass: no attack stores or changes a connection or token; each lands on the Connect page with
its own error code; no ticket is issued for a missing, unknown, tampered, expired, reused,
foreign or other browser's state (a live, unused state finished in the browser that started it
logs its starter back in, as the design says).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from core.clock import FrozenClock
from core.models import AppUser, InstagramConnection
from core.services.connecting.connect import start_connect
from core.services.people.users import redeem_login_handoff
from tests.factories import sign_in_at_meta
from tests.integration.connect.conftest import (  # noqa: F401 (shop, sidecar_client: fixtures)
    deps_for, landing, open_start_link, shop, sidecar_client, sidecar_path,
)
from tests.reliability.report import Table

NO_TICKET_FOR = {"state_missing", "state_unknown", "state_expired", "state_used", "state_foreign", "state_other_browser"}


@dataclass(frozen=True)
class Outcome:
    landed: str  # the Connect page's outcome: connected, or the error code
    stored: str  # what changed among connections and their tokens ("-": nothing)
    ticket_for: str  # whom the login ticket logs in ("-": none issued)


def _query(redirect: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(redirect).query).items()}


def _callback(redirect: str, **changes: str | None) -> str:
    """The callback path of Meta's redirect, with query values replaced (None drops one)."""
    query = {key: value for key, value in {**_query(redirect), **changes}.items() if value is not None}
    return f"/oauth/callback?{urlencode(query)}"


class Attacker:
    """Sends requests to the sidecar from a browser (A's unless told) and reports what each one changed."""

    def __init__(self, browser, session, people: dict[str, str]):
        self.browser, self.session, self.people = browser, session, people

    def send(self, path: str, browser=None) -> Outcome:
        before = self._connections()
        query = landing((browser or self.browser).get(path))
        landed = next((key for key in ("connected", "choose_page") if query.get(key)), None) \
            or query.get("connect_error", "?")
        ticket = query.get("resume")
        whom = self.people.get(redeem_login_handoff(self.session, ticket).user_id, "someone") if ticket else "-"
        return Outcome(landed, _changes(before, self._connections()), whom)

    def _connections(self) -> dict[str, tuple]:
        self.session.expire_all()
        return {c.id: (c.store_id, c.ig_user_id, c.status, c.access_token_encrypted)
                for c in self.session.scalars(select(InstagramConnection))}


def _changes(before: dict[str, tuple], after: dict[str, tuple]) -> str:
    added = [after[key][1] for key in after.keys() - before.keys()]
    changed = [key for key in before.keys() & after.keys() if before[key] != after[key]]
    parts = [f"new connection to {ig}" for ig in added] + [f"connection {key} changed" for key in changed]
    return ", ".join(parts) or "-"


def test_oauth_state_attacks_store_nothing(sandbox, sidecar_client, session, shop, engine, artifacts_dir):
    clock = FrozenClock()
    deps = deps_for(sandbox.url, clock=clock)
    a_browser, b_browser, bare_browser = sidecar_client(deps), sidecar_client(deps), sidecar_client(deps)
    attacker = Attacker(a_browser, session,
                        {shop["seller_a"].user_id: "seller A", shop["seller_b"].user_id: "seller B"})
    mine, theirs = [a for a in sandbox.accounts() if a["login"] == "facebook"][:2]  # theirs: connected nowhere

    def sign_in(actor=shop["seller_a"], store=shop["a"], account=mine, browser=a_browser) -> str:
        return sign_in_at_meta(session, sandbox, deps, actor, store.id, account, browser=browser)

    def a_start_link_a_opened() -> str:
        """A's start link after A's browser opened it (it is in A's history and the access log now)."""
        start_url = start_connect(session, deps, shop["seller_a"], shop["a"].id, mine["login"]).start_url
        open_start_link(a_browser, start_url)
        return sidecar_path(start_url)

    genuine = sign_in()
    control = attacker.send(_callback(genuine))
    attacks = [
        ("missing state", "Meta's code, no state", lambda: _callback(sign_in(), state=None), "state_missing"),
        ("unknown state", "Meta's code, a random state", lambda: _callback(sign_in(), state=secrets.token_urlsafe(32)),
         "state_unknown"),
        ("tampered state", "Meta's code, its state with one character changed", lambda: _tampered(sign_in()),
         "state_unknown"),
        ("expired state", "Meta's code and state, 10 min 1 s after the start", lambda: _late(sign_in(), clock),
         "state_expired"),
        ("reused state", "the genuine sign-in's callback again", lambda: _callback(genuine), "state_used"),
        ("code replay", "the genuine sign-in's code with a fresh state of A's",
         lambda: _callback(sign_in(), code=_query(genuine)["code"]), "exchange_failed"),
        ("another user's state", "seller B, in B's browser, signs in with an account connected nowhere, "
         "sends A's state", lambda: _callback(sign_in(shop["seller_b"], shop["b"], theirs, b_browser),
                                              state=_query(sign_in())["state"]), "state_other_browser", b_browser),
        ("state without its browser cookie", "A's code and state from a browser without A's cookie",
         lambda: _callback(sign_in()), "state_other_browser", bare_browser),
        ("leaked start link", "A's start link, after A opened it, in B's browser",
         a_start_link_a_opened, "state_other_browser", b_browser),
        ("access denied", "Meta's error=access_denied (the person pressed Cancel)",
         lambda: _callback(_cancelled(session, sandbox, deps, a_browser, shop["seller_a"], shop["a"].id, mine)),
         "cancelled"),
        ("store access lost", "A's code and state after A was moved off store A",  # last: A keeps no store A
         lambda: _moved_off(session, shop["seller_a"].user_id, shop["b"].id, sign_in()), "state_foreign"),
    ]
    results = [(name, tried, attacker.send(make_path(), *browser), expected)
               for name, tried, make_path, expected, *browser in attacks]

    table = Table("oauth-attacks", "Security: OAuth state attacks on the real callback",
                  ["attack", "what was sent", "landed on", "connection / token stored", "login ticket for"],
                  "no attack stores or changes a connection or token; each lands on Connect with its own code; "
                  "no ticket for a missing, unknown, tampered, expired, reused, foreign or other browser's state")
    table.add("(control) a genuine sign-in", "Meta's code and state", control.landed, control.stored,
              control.ticket_for)
    for name, tried, outcome, _ in results:
        table.add(name, tried, outcome.landed, outcome.stored, outcome.ticket_for)
    table.write(artifacts_dir, f"-{engine.dialect.name}")

    assert control.landed == "connected" and control.stored.startswith("new connection")
    assert [(name, outcome.landed) for name, _, outcome, _ in results] == \
        [(name, expected) for name, _, _, expected in results]
    assert all(outcome.stored == "-" for _, _, outcome, _ in results), results
    assert all(outcome.ticket_for == "-" for _, _, outcome, expected in results if expected in NO_TICKET_FOR), results


def _tampered(redirect: str) -> str:
    state = _query(redirect)["state"]
    return _callback(redirect, state=state[:-1] + ("A" if state[-1] != "A" else "B"))


def _late(redirect: str, clock: FrozenClock) -> str:
    clock.advance(minutes=10, seconds=1)
    return _callback(redirect)


def _moved_off(session, user_id: str, other_store_id: str, redirect: str) -> str:
    """The seller who started the flow now works for another store (and so may not touch this one)."""
    session.get(AppUser, user_id).store_id = other_store_id
    session.commit()
    return _callback(redirect)


def _cancelled(session, sandbox, deps, browser, actor, store_id: str, account: dict) -> str:
    dialog = open_start_link(browser, start_connect(session, deps, actor, store_id, account["login"]).start_url)
    return sandbox.click_dialog(dialog, button="Cancel", login_as=account["fb_user_id"])
