"""`catalog-sync connections list|refresh|validate` and `rotate-keys` against a real database and
the sandbox over HTTP: what operators run, and what they read back."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from cli import main
from core.config import get_settings
from core.models import InstagramConnection
from core.token_vault import TokenVault, TokenVaultError
from tests.integration.scan.conftest import TEST_KEY, build_world, commands_pointed_at


@pytest.fixture
def cli_world(session, engine, sandbox, tmp_path, database_url, monkeypatch):
    """A store connected to the sandbox over OAuth, and the commands pointed at both."""
    with commands_pointed_at(build_world(session, engine, sandbox, tmp_path, database_url), monkeypatch) as world:
        yield world


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def connection_of(world) -> InstagramConnection:
    return world.session.get(InstagramConnection, world.connection.id, populate_existing=True)


def token_of(world, keys: str = TEST_KEY) -> str:
    connection = connection_of(world)
    return TokenVault(keys).decrypt(connection.id, connection.access_token_encrypted).reveal()


def test_list_shows_each_connection_and_never_its_token(cli_world):
    world = cli_world
    table, as_json = run("connections", "list"), run("connections", "list", "--json")
    assert table.exit_code == 0 and as_json.exit_code == 0
    [row] = json.loads(as_json.stdout)
    assert row["store_id"] == world.store.id and row["status"] == "active"
    assert row["username"] == world.account["username"] and row["login_flow"] == "instagram"
    assert world.store.id in table.stdout and "active" in table.stdout
    assert token_of(world) not in table.output + as_json.output


def test_refresh_renews_the_tokens_that_are_due_and_says_when_none_is(cli_world):
    world = cli_world
    _age_the_connection(world, days=2, expires_in=timedelta(days=5))  # inside the 20-day margin
    before = token_of(world)
    result = run("connections", "refresh")
    assert result.exit_code == 0 and result.stdout.strip() == f"{world.store.id}: refreshed"
    connection = connection_of(world)
    assert token_of(world) != before
    assert connection.token_expires_at > datetime.now(timezone.utc) + timedelta(days=55)
    again = run("connections", "refresh")
    assert again.exit_code == 0 and again.stdout.strip() == "no token is due for refresh"


def test_validate_reports_active_then_marks_a_revoked_token(cli_world):
    world = cli_world
    ok = run("connections", "validate")
    assert ok.exit_code == 0 and ok.stdout.strip() == f"{world.store.id}: active"
    world.sandbox.invalidate_token(token_of(world))
    broken = run("connections", "validate", "--store", world.store.id)
    assert broken.exit_code == 1 and broken.stdout.startswith(f"{world.store.id}: revoked")
    assert connection_of(world).status == "revoked"


def test_rotate_keys_re_encrypts_under_the_newest_key_and_the_token_still_works(cli_world, monkeypatch):
    world = cli_world
    original = token_of(world)
    newest = Fernet.generate_key().decode()
    _use_keys(monkeypatch, f"{newest},{TEST_KEY}")
    result = run("rotate-keys")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"rotated": 1, "already_current": 0, "unreadable": 0}
    assert token_of(world, keys=newest) == original
    with pytest.raises(TokenVaultError):
        token_of(world, keys=TEST_KEY)  # the old key can be dropped now
    _use_keys(monkeypatch, newest)
    assert run("connections", "validate").stdout.strip() == f"{world.store.id}: active"
    assert json.loads(run("rotate-keys").stdout)["already_current"] == 1


def _age_the_connection(world, *, days: int, expires_in: timedelta) -> None:
    """Instagram refreshes only tokens at least a day old: age ours and the sandbox's alike."""
    now = datetime.now(timezone.utc)
    connection = connection_of(world)
    connection.connected_at = now - timedelta(days=days)
    connection.token_refreshed_at = None
    connection.token_expires_at = now + expires_in
    world.session.commit()
    world.sandbox.advance_clock(days * 24 * 3600)


def _use_keys(monkeypatch, keys: str) -> None:
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", keys)
    get_settings.cache_clear()
