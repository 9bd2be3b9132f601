"""`gemella twin ...` and `gemella key rotate`: the twinning life cycle and key rotation."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import click
import yaml

from node.config import ConfigError, load_settings

from .api import client_from, emit


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
    body: dict[str, Any] = {"url": url}
    if terms_file is not None:
        terms = yaml.safe_load(terms_file) or {}
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
    emit(ctx, result, "\n".join(lines) if result["items"] else "No twinnings yet.")


@twin.command()
@click.argument("twinning_id")
@click.pass_context
def show(ctx: click.Context, twinning_id: str) -> None:
    """Show one twinning in full."""
    result = client_from(ctx).call("GET", f"/api/v1/twins/{twinning_id}")
    emit(ctx, result, yaml.safe_dump(result, sort_keys=False, allow_unicode=True).rstrip())


def _lifecycle(action: str, past: str) -> click.Command:
    @click.command(name=action, help=f"{action.capitalize()} the twinning TWINNING_ID.")
    @click.argument("twinning_id")
    @click.option("--reason", help="Why (sent to the other side).")
    @click.pass_context
    def command(ctx: click.Context, twinning_id: str, reason: str | None) -> None:
        body = {"reason": reason} if reason else None
        result = client_from(ctx).call("POST", f"/api/v1/twins/{twinning_id}/{action}", body)
        emit(ctx, result, f"Twinning {result['id']} with {result['peer']} {past}: now {result['status']}.")

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
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def rotate(ctx: click.Context, directory: Path) -> None:
    """Rotate the signing key of the node in DIRECTORY and announce it to every twin.

    If the node is running, its local API does it (the operator token is needed); otherwise
    the files and database are changed directly and the twins are told when it next runs.
    """
    try:
        settings = load_settings(directory, {})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if _listening(settings.listen.host, settings.listen.port):
        ctx.find_root().params.setdefault("dir", str(directory))
        if not ctx.find_root().params.get("node"):
            ctx.find_root().params["dir"] = str(directory)
        result = client_from(ctx).call("POST", "/api/v1/keys/rotate")
    else:
        result = asyncio.run(_rotate_offline(settings))
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
        return await KeyService(node).rotate()
    finally:
        await node.close()


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host if host not in ("0.0.0.0", "::") else "127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
