"""`catalog-sync migrate` and `catalog-sync create-user`, run as operators run them (CliRunner,
DATABASE_URL in the environment) against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import inspect, select

from cli import main
from core.db import make_engine
from core.migrate import alembic_config
from core.models import AppUser
from core.security import verify_password
from tests.cli_env import cli_db, commands_on_database  # noqa: F401 (cli_db is a fixture)
from tests.factories import make_store
from tests.scratch_db import create_database, drop_database
from tests.seed_contract import SEED_CONTRACT

PASSWORD = "correct horse battery"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def empty_database_url(database_url, tmp_path, monkeypatch):
    """A new database, never migrated, of the same backend as `database_url`; the commands use it."""
    url = f"sqlite:///{tmp_path / 'empty.db'}" if database_url.startswith("sqlite") else create_database()
    with commands_on_database(monkeypatch, url):
        yield url
    if not url.startswith("sqlite"):
        drop_database(url)


def revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def users(session) -> list[AppUser]:
    session.expire_all()
    return list(session.scalars(select(AppUser)))


def test_migrate_brings_an_empty_database_to_head_and_a_second_run_changes_nothing(empty_database_url):
    assert revision_of(empty_database_url) is None
    first = run("migrate")
    assert first.exit_code == 0, first.output
    assert "database at head" in first.output
    assert revision_of(empty_database_url) == head_revision(empty_database_url)
    created = run("create-user", "--email", "ops@vendly.test", "--role", "ops", "--password", PASSWORD)
    assert created.exit_code == 0, created.output
    again = run("migrate")
    assert again.exit_code == 0, again.output
    assert revision_of(empty_database_url) == head_revision(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        assert set(SEED_CONTRACT) <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:  # the second run kept the data
            assert conn.scalar(select(AppUser.email)) == "ops@vendly.test"
    finally:
        engine.dispose()


def test_create_user_stores_an_ops_login_with_an_argon2_hash_never_the_password(cli_db, session):
    result = run("create-user", "--email", "Ops@Vendly.test", "--role", "ops", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    [user] = users(session)
    assert result.output.strip() == f"created ops user ops@vendly.test ({user.id})"
    assert (user.email, user.role, user.store_id, user.is_active) == ("ops@vendly.test", "ops", None, True)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_create_user_asks_for_the_password_twice_when_not_given(cli_db, session):
    result = run("create-user", "--email", "ops@vendly.test", "--role", "ops", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    [user] = users(session)
    assert verify_password(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output  # the prompt hides what is typed


def test_create_user_stores_nothing_when_the_prompted_passwords_differ(cli_db, session):
    result = CliRunner().invoke(main, ["create-user", "--email", "ops@vendly.test", "--role", "ops"],
                                input=f"{PASSWORD}\nsomething else\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert users(session) == []


def test_create_user_binds_a_seller_to_their_store(cli_db, session):
    store = make_store(session, "Kiosk")
    result = run("create-user", "--email", "seller@kiosk.test", "--role", "seller", "--store", store.id,
                 "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    [user] = users(session)
    assert (user.role, user.store_id) == ("seller", store.id)


@pytest.mark.parametrize("store_option", [[], ["--store", "sto_missing"]], ids=["no store", "unknown store"])
def test_create_user_refuses_a_seller_without_an_existing_store(cli_db, session, store_option):
    result = run("create-user", "--email", "seller@kiosk.test", "--role", "seller", *store_option,
                 "--password", PASSWORD)
    assert result.exit_code == 1
    assert "store: A seller must belong to an existing store." in result.output
    assert users(session) == []


def test_create_user_refuses_an_email_that_exists_in_any_case(cli_db, session):
    assert run("create-user", "--email", "ops@vendly.test", "--role", "ops", "--password", PASSWORD).exit_code == 0
    result = run("create-user", "--email", "OPS@vendly.test", "--role", "ops", "--password", "another password")
    assert result.exit_code == 1
    assert "email: A user with this email already exists." in result.output
    [user] = users(session)
    assert verify_password(user.password_hash, PASSWORD)  # the first login is untouched


def test_create_user_if_missing_leaves_an_existing_login_alone(cli_db, session):
    assert run("create-user", "--email", "ops@vendly.test", "--role", "ops", "--password", PASSWORD).exit_code == 0
    result = run("create-user", "--email", "ops@vendly.test", "--role", "ops", "--password", "another password",
                 "--if-missing")
    assert result.exit_code == 0 and "exists already" in result.output
    [user] = users(session)
    assert verify_password(user.password_hash, PASSWORD)
