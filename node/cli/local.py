"""`gemella init|run|operator-token|node show`: the commands that work on a node's own folder."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from node.config import ConfigError, Settings, load_settings
from node.keystore import KeyFileError, KeyStore
from node.setup import InitError, init_node
from protocol.keys import format_fingerprint

from .api import client_from, emit
from .words import check_init_options, check_url, without_password

DEFAULT_LISTEN = "127.0.0.1:8080"


def folder_of(ctx: click.Context, directory: Path | None) -> Path:
    """DIRECTORY, else --dir, else GEMELLA_DIR."""
    chosen = directory or ctx.find_root().params.get("dir") or os.environ.get("GEMELLA_DIR")
    if not chosen:
        raise click.UsageError("say which node: give its folder (DIRECTORY or --dir DIR)")
    path = Path(chosen)
    if not (path / "config.yaml").exists():
        raise click.ClickException(f"{path} is not a node's folder (no config.yaml); create one with `gemella init`")
    return path


def settings_of(directory: Path) -> Settings:
    """The node's settings as `gemella run` reads them: a container names its database in the
    environment (GEMELLA_STORAGE__DATABASE_URL), and a command on the folder must use that one."""
    try:
        return load_settings(directory, os.environ)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def database_errors(settings: Settings) -> tuple[type[Exception], ...]:
    """What opening the node's database raises when it cannot be reached or opened."""
    if settings.uses_postgresql:
        import psycopg

        return (psycopg.OperationalError,)
    return (sqlite3.Error,)


def cannot_open(settings: Settings, exc: Exception) -> click.ClickException:
    reason = (str(exc).splitlines() or [type(exc).__name__])[0]
    return click.ClickException(f"cannot open the database {without_password(settings.database_url)}: {reason}")


def existing_database(settings: Settings) -> Settings:
    """The settings, once their SQLite file is known to exist (opening a missing one would make a new, empty one)."""
    path = settings.database_path
    if not settings.uses_postgresql and not path.exists():
        raise click.ClickException(f"{path} does not exist: is {settings.directory} a node, and is its database there?")
    return settings


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The space's name, e.g. 'WeCreate NYC'.")
@click.option("--url", help="The node's public base URL: its id, e.g. https://nyc.example.")
@click.option(
    "--listen",
    default=None,
    help=f"HOST:PORT to listen on [default: the URL's, for a loopback URL; else {DEFAULT_LISTEN}].",
)
@click.option("--timezone", default="UTC", show_default=True, help="The space's IANA time zone.")
@click.option("--location", default=None, help="City or address, shown to twins.")
@click.option(
    "--allow-private-addresses",
    is_flag=True,
    help="Let twins live on loopback or private addresses (two nodes on one machine or a LAN).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use this complete configuration file instead of --name/--url/--listen/--timezone.",
)
@click.pass_context
def init(
    ctx: click.Context,
    directory: Path,
    name: str | None,
    url: str | None,
    listen: str | None,
    timezone: str,
    location: str | None,
    allow_private_addresses: bool,
    config_file: Path | None,
) -> None:
    """Create a node in DIRECTORY: key, configuration, database, operator token.

    Give --name and --url (and optionally --listen, --timezone), or --config FILE.
    """
    if url is not None:
        url = check_url(url, "--url (the node's public address)")
    if config_file is None:
        check_init_options(name, url, timezone, listen)
    listen = listen_for(url, listen)
    extra: dict[str, object] = {}
    if allow_private_addresses and "federation" in Settings.model_fields:
        extra["federation"] = {"allow_private_addresses": True}
    try:
        result = init_node(
            directory,
            name=name,
            url=url,
            listen=listen,
            timezone=timezone,
            location=location,
            extra=extra,
            config_file=config_file,
        )
    except (InitError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    settings = settings_of(result.directory)
    listening = f"{settings.listen.host}:{settings.listen.port}"
    data = {
        "directory": str(result.directory),
        "node_id": result.node_id,
        "listen": listening,
        "operator_token": result.operator_token,
        "kid": result.kid,
        "fingerprint": result.fingerprint,
        "config": str(result.config_path),
        "database": str(result.database_path),
    }
    text = (
        f"Created node {result.node_id} ({settings.node.name}) in {result.directory}\n"
        f"  listens on:      {listening}\n"
        f"  configuration:   {result.config_path}\n"
        f"  database:        {result.database_path}\n"
        f"  key fingerprint: {result.fingerprint}\n"
        f"  operator token:  {result.operator_token}\n"
        "Keep the operator token safe: it is shown once and stored only as a hash.\n"
        f"Start it with: gemella run {result.directory}"
    )
    emit(ctx, data, text)


def listen_for(url: str | None, listen: str | None) -> str:
    """The listen address: given, or the URL's own for a loopback URL (else the default).

    A loopback URL is where twins on this machine will call, so listening elsewhere is a
    mistake worth a loud warning.
    """
    own = _loopback_address(url) if url else None
    if listen is None:
        return own or DEFAULT_LISTEN
    if own and own != listen:
        click.secho(
            f"WARNING: the node's URL {url} says {own}, but it will listen on {listen}: "
            f"twins calling {url} will not reach it. Leave out --listen to listen on {own}.",
            err=True,
            fg="yellow",
            bold=True,
        )
    return listen


def _loopback_address(url: str) -> str | None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes serving the one address (more than one needs PostgreSQL).",
)
@click.option("--reuse-port", is_flag=True, hidden=True, help="Listen with SO_REUSEPORT (one of --workers N).")
@click.pass_context
def run(ctx: click.Context, directory: Path | None, workers: int, reuse_port: bool) -> None:
    """Serve the node in DIRECTORY (or --dir) until SIGTERM or Ctrl-C (in-flight work is drained)."""
    import asyncio

    from node.logs import configure_logging
    from node.web.app import create_app
    from node.web.server import serve

    from .supervise import several_writers_refusal, supervise

    directory = folder_of(ctx, directory)
    try:
        settings = existing_database(load_settings(directory, os.environ))
        configure_logging(settings.log.level, settings.log.format)
        if refusal := several_writers_refusal(settings.database_url, workers):
            click.echo(refusal, err=True)
            ctx.exit(2)
        app = None if workers > 1 else create_app(settings)
    except (ConfigError, KeyFileError) as exc:
        raise click.ClickException(str(exc)) from exc
    address = f"{settings.listen.host}:{settings.listen.port}"
    if app is None:
        click.echo(f"{settings.node.name} ({settings.node_id}) on http://{address}, {workers} workers")
        ctx.exit(supervise(directory, workers))
    if not reuse_port:
        click.echo(f"{settings.node.name} ({settings.node_id}) on http://{address}")
    try:
        asyncio.run(serve(app, settings, reuse_port=reuse_port))
    except database_errors(settings) as exc:  # before OSError: neither is the other
        raise cannot_open(settings, exc) from exc
    except ConfigError as exc:  # a file the configuration names, read as the node starts
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {address}: {_why_not_listening(exc)} Change listen in {directory / 'config.yaml'}"
        ) from exc


def _why_not_listening(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):  # its errno is the resolver's (-2), which strerror does not know
        return "this machine cannot find an address of its own by that name."
    if exc.errno == errno.EADDRNOTAVAIL:
        return "that address is not one of this machine's."
    reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
    if exc.errno == errno.EADDRINUSE:
        return f"{reason}. Is another node or program using it?"
    return f"{reason}."


@click.command(name="operator-token")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print the token alone (TOKEN=$(gemella operator-token DIR -q)).")
@click.pass_context
def operator_token(ctx: click.Context, directory: Path | None, quiet: bool) -> None:
    """Make a new operator token for the node in DIRECTORY (for a lost one; old ones stay valid)."""
    from node.store import Store

    settings = existing_database(settings_of(folder_of(ctx, directory)))

    async def create() -> str:
        store = await Store(settings.database_url).open()
        try:
            async with store.db.transaction() as tx:
                return await store.tokens.store(tx, "operator")
        finally:
            await store.close()

    try:
        token = asyncio.run(create())
    except database_errors(settings) as exc:
        raise cannot_open(settings, exc) from exc
    emit(
        ctx,
        {"node_id": settings.node_id, "operator_token": token},
        token if quiet else f"New operator token for {settings.node_id}: {token}",
    )


@click.group()
def node() -> None:
    """This node: what twins see of it."""


@node.command(name="show")
@click.pass_context
def node_show(ctx: click.Context) -> None:
    """The node's name, URL, listening address, key fingerprint and twins (from --dir, or --node)."""
    directory = ctx.find_root().params.get("dir") or os.environ.get("GEMELLA_DIR")
    info = _from_folder(Path(directory)) if directory else _from_api(ctx)
    lines = [
        f"{info['name']}",
        f"  URL (its id):     {info['id']}",
        f"  listens on:       {info['listen']}",
        f"  time zone:        {info['timezone']}",
        f"  key fingerprint:  {info['fingerprint']}",
    ]
    twins = info["twins"]
    if twins is None:
        lines.append("  twins:            give --token (the operator's) to list them")
    elif not twins:
        lines.append("  twins:            none yet; propose one with `gemella twin propose URL`")
    else:
        lines.append("  twins:")
        lines.extend(f"    {t['peer_name'] or t['peer']} ({t['peer']}), {t['status']}, id {t['id']}" for t in twins)
    emit(ctx, info, "\n".join(lines))


@node.command(name="wait")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0, 3600), help="Seconds.")
@click.pass_context
def node_wait(ctx: click.Context, timeout: float) -> None:
    """Wait until the node answers (after `gemella run ... &`, before the next command)."""
    client = client_from(ctx)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.call("GET", "/healthz")
            break
        except click.ClickException:
            if time.monotonic() >= deadline:
                raise click.ClickException(
                    f"the node at {client.base} did not answer within {timeout:g} seconds; look at its log"
                ) from None
            time.sleep(0.2)
    emit(ctx, {"node": client.base, "ready": True}, f"The node at {client.base} is up.")


def _from_folder(directory: Path) -> dict[str, Any]:
    settings = existing_database(settings_of(folder_of(click.get_current_context(), directory)))
    try:
        keys = KeyStore.load(settings.keys_dir)
        twins = asyncio.run(_twins_offline(settings))
    except KeyFileError as exc:
        raise click.ClickException(str(exc)) from exc
    except database_errors(settings) as exc:
        raise cannot_open(settings, exc) from exc
    return {
        "id": settings.node_id,
        "name": settings.node.name,
        "listen": f"{settings.listen.host}:{settings.listen.port}",
        "timezone": settings.node.timezone,
        "fingerprint": format_fingerprint(keys.current.verify_key.fingerprint),
        "twins": twins,
    }


async def _twins_offline(settings: Settings) -> list[dict[str, Any]]:
    """Read straight from the database, so this works whether the node runs or not."""
    from node.store import Store

    store = await Store(settings.database_url).open()
    try:
        found = []
        for twinning in await store.twinnings.list():
            peer = await store.peers.get(twinning.peer_id)
            name = peer.name if peer is not None else None
            found.append({"id": twinning.id, "peer": twinning.peer_id, "peer_name": name, "status": twinning.status})
        return found
    finally:
        await store.close()


def _from_api(ctx: click.Context) -> dict[str, Any]:
    client = client_from(ctx)
    about = client.call("GET", "/api/v1/node")
    twins = None
    if client.token:
        twins = [
            {"id": t["id"], "peer": t["peer"], "peer_name": t.get("peer_name"), "status": t["status"]}
            for t in client.call("GET", "/api/v1/twins")["items"]
        ]
    return {
        "id": about["id"],
        "name": about["name"],
        "listen": client.base,
        "timezone": about["timezone"],
        "fingerprint": about["fingerprint"],
        "twins": twins,
    }
