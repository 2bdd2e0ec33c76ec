"""OAuth state attacks on the real callback (issue 11, "Security"): what was tried, what survived.

Every attack goes through the webhook sidecar's `GET /oauth/callback` (its Flask test client),
with codes Meta really issued where one is needed (the sandbox's dialog, over HTTP): a missing,
unknown, tampered, expired or reused state; a replayed code; another seller's state; a state
whose starter lost access to the store; and a cancelled dialog. For each, the table shows where
the browser landed, whether a connection or token was stored or changed, and whom a login
ticket (`resume`) was issued for.

Pass: no attack stores or changes a connection or token; each lands on the Connect page with
its own error code; no ticket is issued for a missing, unknown, tampered, expired, reused or
foreign state (a state that is live and unused logs its starter back in, as the design says).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from core.clock import FrozenClock
from core.models import AppUser, InstagramConnection
from core.services.people.users import redeem_login_handoff
from tests.factories import connect_store, sign_in_at_meta
from tests.integration.connect.conftest import deps_for, landing, shop, sidecar_client  # noqa: F401 (fixtures)
from tests.reliability.report import Table

NO_TICKET_FOR = {"state_missing", "state_unknown", "state_expired", "state_used", "state_foreign"}


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
    """Sends callback requests and reports what each one changed."""

    def __init__(self, client, session, people: dict[str, str]):
        self.client, self.session, self.people = client, session, people

    def send(self, path: str) -> Outcome:
        before = self._connections()
        query = landing(self.client.get(path))
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
    attacker = Attacker(sidecar_client(deps), session,
                        {shop["seller_a"].user_id: "seller A", shop["seller_b"].user_id: "seller B"})
    mine, theirs = [a for a in sandbox.accounts() if a["login"] == "facebook"][:2]
    connect_store(session, shop["b"], sandbox, theirs, actor=shop["seller_b"], deps=deps)  # B's own shop

    def sign_in(actor=shop["seller_a"], store=shop["a"], account=mine) -> str:
        return sign_in_at_meta(session, sandbox, deps, actor, store.id, account)

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
        ("another user's state", "seller B signs in with B's own account, sends A's state",
         lambda: _callback(sign_in(shop["seller_b"], shop["b"], theirs), state=_query(sign_in())["state"]),
         "already_connected"),
        ("access denied", "Meta's error=access_denied (the person pressed Cancel)",
         lambda: _callback(_cancelled(session, sandbox, deps, shop["seller_a"], shop["a"].id, mine)), "cancelled"),
        ("store access lost", "A's code and state after A was moved off store A",  # last: A keeps no store A
         lambda: _moved_off(session, shop["seller_a"].user_id, shop["b"].id, sign_in()), "state_foreign"),
    ]
    results = [(name, tried, attacker.send(make_path()), expected) for name, tried, make_path, expected in attacks]

    table = Table("oauth-attacks", "Security: OAuth state attacks on the real callback",
                  ["attack", "what was sent", "landed on", "connection / token stored", "login ticket for"],
                  "no attack stores or changes a connection or token; each lands on Connect with its own code; "
                  "no ticket for a missing, unknown, tampered, expired, reused or foreign state")
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


def _cancelled(session, sandbox, deps, actor, store_id: str, account: dict) -> str:
    from core.services.connecting.connect import start_connect

    dialog = start_connect(session, deps, actor, store_id, account["login"])
    return sandbox.click_dialog(dialog, button="Cancel", login_as=account["fb_user_id"])
