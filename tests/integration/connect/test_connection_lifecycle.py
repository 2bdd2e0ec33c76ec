"""After connecting: validation and refresh as the sandbox clock moves, key rotation, and a
token that never shows up in logs or in a raw database dump."""

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from core.models import Base, InstagramConnection
from core.security import SYSTEM
from core.services.connecting.connect import (
    ConnectFailed,
    connections_due_for_refresh,
    disconnect,
    refresh_token,
    rotate_token_keys,
    validate_connection,
)
from core.token_vault import TokenVault, TokenVaultError
from tests.factories import connect_store
from tests.integration.connect.conftest import TEST_KEY, deps_for

DAY = 24 * 3600


def test_instagram_token_is_refreshed_before_expiry(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    row = connect_store(session, shop["a"], sandbox, sandbox.account("instagram"), shop["seller_a"], deps)
    old_cipher, old_expiry = row.access_token_encrypted, row.token_expires_at
    assert refresh_token(session, deps, shop["seller_a"], shop["a"].id).reason == "not due yet"
    sandbox.advance_clock(45 * DAY)
    deps.clock.advance(days=45)
    assert connections_due_for_refresh(session, deps) == [(row.id, shop["a"].id)]
    result = refresh_token(session, deps, shop["seller_a"], shop["a"].id)
    assert result.refreshed and result.view.token_expires_at > old_expiry
    session.refresh(row)
    assert row.access_token_encrypted != old_cipher
    assert validate_connection(session, deps, shop["seller_a"], shop["a"].id).status == "active"


def test_a_fresh_instagram_token_is_not_refreshed_and_the_connection_stays_active(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    connect_store(session, shop["a"], sandbox, sandbox.account("instagram"), shop["seller_a"], deps)
    result = refresh_token(session, deps, SYSTEM, shop["a"].id, force=True)
    assert not result.refreshed and "too new" in result.reason
    assert session.scalar(select(InstagramConnection)).status == "active"
    deps.clock.advance(hours=25)
    sandbox.advance_clock(25 * 3600)
    assert refresh_token(session, deps, SYSTEM, shop["a"].id, force=True).refreshed


def test_facebook_refresh_and_the_closed_data_access_window(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    connect_store(session, shop["a"], sandbox, sandbox.account("facebook"), shop["seller_a"], deps)
    assert refresh_token(session, deps, SYSTEM, shop["a"].id, force=True).refreshed
    deps.clock.advance(days=91)  # past Facebook's 90-day data-access window
    with pytest.raises(ConnectFailed) as failure:
        refresh_token(session, deps, SYSTEM, shop["a"].id)
    assert failure.value.code == "reconnect_needed" and "data-access window" in str(failure.value)
    session.expire_all()
    row = session.scalar(select(InstagramConnection))
    assert row.status == "expired" and "data-access window" in row.status_reason


def test_validation_marks_a_closed_data_access_window_without_asking_meta(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    row = connect_store(session, shop["a"], sandbox, sandbox.account("facebook"), shop["seller_a"], deps)
    closes = row.data_access_expires_at  # from debug_token at connect time, about 90 days ahead
    assert closes is not None and validate_connection(session, deps, SYSTEM, shop["a"].id).status == "active"
    deps.clock.advance(seconds=(closes - deps.clock.now()).total_seconds() + 60)
    sandbox.reset_stats()  # the token itself still works at Meta (the sandbox clock stands still)
    view = validate_connection(session, deps, SYSTEM, shop["a"].id)
    assert (view.status, view.needs_reconnect) == ("expired", True)
    assert "data-access window" in view.status_reason and "Reconnect" in view.status_reason
    assert view.status_changed_at == deps.clock.now() == view.last_validated_at
    assert sandbox.stats()["total"] == 0


def test_validation_marks_an_expired_token_with_reason_and_time(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    connect_store(session, shop["a"], sandbox, sandbox.account("instagram"), shop["seller_a"], deps)
    sandbox.advance_clock(61 * DAY)
    view = validate_connection(session, deps, shop["seller_a"], shop["a"].id)
    assert view.status == "expired" and "expired" in view.status_reason and view.status_changed_at
    assert view.needs_reconnect
    result = refresh_token(session, deps, shop["seller_a"], shop["a"].id, force=True)
    assert not result.refreshed and "reconnect" in result.reason


def test_validation_marks_a_revoked_token(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    row = connect_store(session, shop["a"], sandbox, sandbox.account("facebook"), shop["seller_a"], deps)
    sandbox.invalidate_token(deps.vault.decrypt(row.id, row.access_token_encrypted).reveal())
    view = validate_connection(session, deps, shop["seller_a"], shop["a"].id)
    assert view.status in ("revoked", "expired") and view.status_reason


def test_key_rotation_re_encrypts_every_token_and_swapped_ciphertexts_fail(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    a = connect_store(session, shop["a"], sandbox, sandbox.account("facebook"), shop["seller_a"], deps)
    b = connect_store(session, shop["b"], sandbox, sandbox.account("instagram"), shop["seller_b"], deps)
    token_a = deps.vault.decrypt(a.id, a.access_token_encrypted).reveal()
    new_key = Fernet.generate_key().decode()
    both = TokenVault(f"{new_key},{TEST_KEY}")
    assert rotate_token_keys(session, both, SYSTEM) == {"rotated": 2, "already_current": 0, "unreadable": 0}
    session.refresh(a), session.refresh(b)
    only_new = TokenVault(new_key)
    assert only_new.decrypt(a.id, a.access_token_encrypted).reveal() == token_a
    with pytest.raises(TokenVaultError):
        only_new.decrypt(b.id, a.access_token_encrypted)
    a.access_token_encrypted, b.access_token_encrypted = b.access_token_encrypted, a.access_token_encrypted
    session.commit()
    deps.vault = only_new
    assert validate_connection(session, deps, SYSTEM, shop["a"].id).status == "error"


def _raw_dump(session) -> str:
    return "\n".join(repr(session.execute(select(table)).all()) for table in Base.metadata.sorted_tables)


def test_the_token_never_appears_in_logs_or_in_the_raw_database(sandbox, session, shop, caplog):
    caplog.set_level(logging.DEBUG)
    deps = deps_for(sandbox.url)
    row = connect_store(session, shop["a"], sandbox, sandbox.account("facebook"), shop["seller_a"], deps)
    canary = deps.vault.decrypt(row.id, row.access_token_encrypted).reveal()
    validate_connection(session, deps, shop["seller_a"], shop["a"].id)
    refresh_token(session, deps, shop["seller_a"], shop["a"].id, force=True)
    session.refresh(row)
    latest = deps.vault.decrypt(row.id, row.access_token_encrypted).reveal()
    sandbox.invalidate_token(latest)
    validate_connection(session, deps, shop["seller_a"], shop["a"].id)
    disconnect(session, deps, shop["seller_a"], shop["a"].id)
    # werkzeug's request log is the sandbox's own server log: Meta's side, not ours.
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
    assert ours and canary not in logged and latest not in logged
    dump = _raw_dump(session)
    assert canary not in dump and latest not in dump
