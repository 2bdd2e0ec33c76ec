"""The `catalog-sync` command. Each area adds its sub-commands from its own module here."""

import importlib

import click

# One module per area; each exposes a COMMANDS list. Add a module name to register it.
COMMAND_MODULES = [
    "cli.database",
    "cli.run",
    "cli.sandbox",
    "cli.webhook_server",
    "cli.worker",
    "cli.report",
    "cli.extraction",
    "cli.connections",
    "cli.scan",
]


@click.group(help="Catalog Sync: Instagram posts into Vendly catalog products.")
def main() -> None:
    pass


for _module_name in COMMAND_MODULES:
    for _command in importlib.import_module(_module_name).COMMANDS:
        main.add_command(_command)
