"""Database and account commands: migrate, create-user."""

from __future__ import annotations

import click

from core.config import get_settings
from core.db import unit_of_work
from core.errors import ValidationFailed
from core.migrate import upgrade_to_head
from core.services.people.users import create_user


@click.command(help="Upgrade the database named by DATABASE_URL to the newest schema.")
def migrate() -> None:
    url = get_settings().database_url
    upgrade_to_head(url)
    click.echo(f"database at head: {_redacted(url)}")


@click.command("create-user", help="Create a login for ops staff or a pilot seller.")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["ops", "seller"]), required=True)
@click.option("--store", "store_id", help="The seller's store id (sellers only).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--if-missing", is_flag=True, help="Do nothing if the email already exists.")
def create_user_command(email: str, role: str, store_id: str | None, password: str, if_missing: bool) -> None:
    with unit_of_work() as session:
        try:
            user = create_user(session, email, password, role, store_id)
        except ValidationFailed as error:
            if if_missing and set(error.errors) == {"email"}:
                click.echo(f"user {email} exists already")
                return
            details = "; ".join(f"{k}: {v}" for k, v in error.errors.items())
            raise click.ClickException(f"{error} {details}") from error
        session.commit()
        click.echo(f"created {role} user {user.email} ({user.id})")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


COMMANDS = [migrate, create_user_command]
