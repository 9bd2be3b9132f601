"""`gemella twin ...` and `gemella key rotate`: the twinning life cycle and key rotation."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
import yaml

from .api import client_from, emit, twin_ref
from .local import cannot_open, database_errors, existing_database, folder_of, settings_of
from .words import check_url, load_yaml_mapping

HINTS = {"twinning": "List them with `gemella twin list`; propose one with `gemella twin propose URL`"}


@click.group()
def twin() -> None:
    """Propose, list, accept, decline, suspend, resume and end twinnings."""


@twin.command()
@click.argument("url")
@click.option("--terms", "terms_file", type=click.File("r"), help="YAML with 'offer' and/or 'request' terms.")
@click.option("--message", help="A note for the other operator.")
@click.pass_context
def propose(ctx: click.Context, url: str, terms_file: Any, message: str | None) -> None:
    """Propose a twinning to the node at URL (shows its key fingerprint)."""
    body: dict[str, Any] = {"url": check_url(url, "the other node's address").rstrip("/")}
    if terms_file is not None:
        terms = load_yaml_mapping(terms_file, "the terms (offer: and request:)", "gemella twin propose --help")
        body.update({k: terms[k] for k in ("offer", "request") if k in terms})
    if message:
        body["message"] = message
    result = client_from(ctx).call("POST", "/api/v1/twins", body)
    emit(
        ctx,
        result,
        f"Proposed twinning {result['id']} to {result['peer']} ({result['peer_name']}).\n"
        f"  Their key fingerprint: {result['peer_fingerprint']}\n"
        "  Check it with their operator; they accept with `gemella twin accept " + result["id"] + "`.",
    )


@twin.command(name="list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List twinnings with their status and delivery state."""
    result = client_from(ctx).call("GET", "/api/v1/twins")
    lines = [f"{'ID':36}  {'STATUS':9}  {'PEER':32}  {'OUTBOX':>6}  FINGERPRINT"]
    for t in result["items"]:
        lines.append(
            f"{t['id']:36}  {t['status']:9}  {t['peer'][:32]:32}  {t['delivery']['outbox_depth']:>6}  "
            f"{t['peer_fingerprint'] or '-'}"
        )
    emit(
        ctx,
        result,
        "\n".join(lines) if result["items"] else "No twinnings yet. Propose one with `gemella twin propose URL`.",
    )


@twin.command()
@click.argument("twinning_id")
@click.pass_context
def show(ctx: click.Context, twinning_id: str) -> None:
    """Show one twinning in full (TWINNING_ID, or the twin's name or URL)."""
    client = client_from(ctx, HINTS)
    result = client.call("GET", f"/api/v1/twins/{quote(twin_ref(client, twinning_id), safe='')}")
    emit(ctx, result, yaml.safe_dump(result, sort_keys=False, allow_unicode=True).rstrip())


def _lifecycle(action: str, past: str) -> click.Command:
    @click.command(name=action, help=f"{action.capitalize()} the twinning TWINNING_ID (or the twin's name).")
    @click.argument("twinning_id")
    @click.option("--reason", help="Why (sent to the other side).")
    @click.pass_context
    def command(ctx: click.Context, twinning_id: str, reason: str | None) -> None:
        body = {"reason": reason} if reason else None
        client = client_from(ctx, HINTS)
        twinning = quote(twin_ref(client, twinning_id), safe="")
        result = client.call("POST", f"/api/v1/twins/{twinning}/{action}", body)
        who = f"{result['peer_name']} ({result['peer']})" if result.get("peer_name") else result["peer"]
        emit(ctx, result, f"Twinning {result['id']} with {who} {past}: now {result['status']}.")

    return command


for _action, _past in [
    ("accept", "accepted"),
    ("decline", "declined"),
    ("suspend", "suspended"),
    ("resume", "resumed"),
    ("end", "ended"),
]:
    twin.add_command(_lifecycle(_action, _past))


@click.group()
def key() -> None:
    """The node's signing key."""


@key.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def rotate(ctx: click.Context, directory: Path | None) -> None:
    """Rotate the signing key of the node in DIRECTORY and announce it to every twin.

    If the node is running, its local API does it (the operator token is needed); otherwise
    the files and database are changed directly and the twins are told when it next runs.
    """
    directory = folder_of(ctx, directory)
    settings = settings_of(directory)
    if _listening(settings.listen.host, settings.listen.port):
        ctx.find_root().params.setdefault("dir", str(directory))
        if not ctx.find_root().params.get("node"):
            ctx.find_root().params["dir"] = str(directory)
        result = client_from(ctx).call("POST", "/api/v1/keys/rotate")
    else:
        try:
            result = asyncio.run(_rotate_offline(existing_database(settings)))
        except database_errors(settings) as exc:
            raise cannot_open(settings, exc) from exc
    emit(
        ctx,
        result,
        f"Rotated key {result['old_kid']} -> {result['kid']}\n  new fingerprint: {result['fingerprint']}\n"
        f"  announced to: {', '.join(result['announced_to']) or 'no twins yet'}",
    )


async def _rotate_offline(settings: Any) -> dict[str, Any]:
    from node.core import Node
    from node.keyrotation import KeyService

    node = await Node(settings).open()
    try:
        return (await KeyService(node, node.store.twinnings).rotate()).model_dump(mode="json")
    finally:
        await node.close()


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host if host not in ("0.0.0.0", "::") else "127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
