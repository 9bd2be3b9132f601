"""`gemella`: create and run a node, and drive a running node's local API."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from node.config import ConfigError, load_settings
from node.demo import demo
from node.keystore import KeyFileError
from node.logs import configure_logging
from node.setup import InitError, init_node

from .backup import backup
from .booking import COMMANDS as BOOKING_COMMANDS
from .events import event
from .twins import key, twin


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--node", "node", metavar="URL", help="The running node's local address (or GEMELLA_NODE).")
@click.option("--dir", "dir", metavar="DIR", help="A node directory; its listen address is used (or GEMELLA_DIR).")
@click.option("--token", metavar="TOKEN", help="Operator or member token (or GEMELLA_TOKEN).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of sentences.")
def main(node: str | None, dir: str | None, token: str | None, as_json: bool) -> None:
    """Gemellaggio: twin coworking spaces."""
    # Logs go to stderr so that stdout stays clean for --json; `run` sets the node's own level.
    configure_logging("warning", "console")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The space's name, e.g. 'WeCreate NYC'.")
@click.option("--url", help="The node's public base URL: its id, e.g. https://nyc.example.")
@click.option("--listen", default="127.0.0.1:8080", show_default=True, help="HOST:PORT to listen on.")
@click.option("--timezone", default="UTC", show_default=True, help="The space's IANA time zone.")
@click.option("--location", default=None, help="City or address, shown to twins.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this complete configuration file instead of --name/--url/--listen/--timezone.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (for scripts).")
def init(
    directory: Path,
    name: str | None,
    url: str | None,
    listen: str,
    timezone: str,
    location: str | None,
    config_file: Path | None,
    as_json: bool,
) -> None:
    """Create a node in DIRECTORY: key, configuration, database, operator token.

    Give --name and --url (and optionally --listen, --timezone), or --config FILE.
    """
    try:
        result = init_node(
            directory, name=name, url=url, listen=listen, timezone=timezone, location=location, config_file=config_file
        )
    except (InitError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(
            json.dumps(
                {
                    "directory": str(result.directory),
                    "node_id": result.node_id,
                    "operator_token": result.operator_token,
                    "kid": result.kid,
                    "fingerprint": result.fingerprint,
                    "config": str(result.config_path),
                    "database": str(result.database_path),
                },
                indent=2,
            )
        )
        return
    click.echo(f"Created node {result.node_id} in {result.directory}")
    click.echo(f"  configuration:   {result.config_path}")
    click.echo(f"  database:        {result.database_path}")
    click.echo(f"  key id:          {result.kid}")
    click.echo(f"  fingerprint:     {result.fingerprint}")
    click.echo(f"  operator token:  {result.operator_token}")
    click.echo("Keep the operator token safe: it is shown once and stored only as a hash.")
    click.echo(f"Start it with: gemella run {result.directory}")


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def run(directory: Path) -> None:
    """Serve the node in DIRECTORY until SIGTERM or Ctrl-C (in-flight work is drained)."""
    import asyncio

    from node.web.app import create_app
    from node.web.server import serve

    try:
        settings = load_settings(directory, os.environ)
        configure_logging(settings.log.level, settings.log.format)
        app = create_app(settings)
    except (ConfigError, KeyFileError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{settings.node.name} ({settings.node_id}) on http://{settings.listen.host}:{settings.listen.port}")
    asyncio.run(serve(app, settings))


@main.command(name="operator-token")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def operator_token(directory: Path) -> None:
    """Make a new operator token for the node in DIRECTORY (for a lost one; old ones stay valid)."""
    import asyncio

    from node.store import Store

    try:
        settings = load_settings(directory, {})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc

    async def create() -> str:
        store = await Store(settings.database_path).open()
        try:
            async with store.db.transaction() as tx:
                return await store.tokens.create(tx, "operator")
        finally:
            await store.close()

    token = asyncio.run(create())
    click.echo(f"New operator token for {settings.node_id}: {token}")


main.add_command(twin)
main.add_command(demo)
main.add_command(key)
main.add_command(backup)
main.add_command(event)
for _command in BOOKING_COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
