"""`gemella token list|create|revoke`: named operator tokens, for scripts."""

from __future__ import annotations

import click

from .api import client_from, emit


@click.group()
def token() -> None:
    """List, create and revoke named operator tokens."""


@token.command(name="list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List the operator tokens (their ids and names; the tokens themselves are never shown again)."""
    result = client_from(ctx).call("GET", "/api/v1/tokens")
    lines = [f"{'ID':16}  {'CREATED':20}  NAME"]
    for t in result["items"]:
        lines.append(f"{t['id']:16}  {t['created_at']:20}  {t['name'] or '(no name: made by gemella init)'}")
    emit(ctx, result, "\n".join(lines))


@token.command()
@click.argument("name")
@click.pass_context
def create(ctx: click.Context, name: str) -> None:
    """Make an operator token called NAME (shown once)."""
    result = client_from(ctx).call("POST", "/api/v1/tokens", {"name": name})
    emit(
        ctx,
        result,
        f"New operator token {result['id']} ({result['name']}): {result['token']}\n"
        "  It is shown only now. Revoke it with `gemella token revoke " + result["id"] + "`.",
    )


@token.command()
@click.argument("token_id")
@click.pass_context
def revoke(ctx: click.Context, token_id: str) -> None:
    """Revoke the operator token with this id: it stops working at once, and every operator web session ends."""
    result = client_from(ctx).call("DELETE", f"/api/v1/tokens/{token_id}")
    emit(
        ctx, result, f"Operator token {token_id} is revoked. Operator web sessions have ended: sign in again at /admin."
    )
