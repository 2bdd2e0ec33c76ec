"""The `catalog-sync` command. Each area adds its sub-commands from its own module here."""

import click

from cli import database


@click.group(help="Catalog Sync: Instagram posts into Vendly catalog products.")
def main() -> None:
    pass


for command in database.COMMANDS:
    main.add_command(command)
