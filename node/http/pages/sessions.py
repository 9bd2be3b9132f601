"""Web sessions: signing in with a member or operator token, the session cookie, signing out.

A session is a row of the tokens table with role `session` and an expiry: a member's names
the member, the operator's names no one (`node/http/auth.py` reads it as role `operator`).
Only its SHA-256 is stored; the browser holds the token in the `gemella_session` cookie
(HttpOnly, SameSite=Lax, Path=/, Secure when the node's URL is https).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from aiohttp import web

from node.clock import iso, utcnow
from node.core import Node
from node.http.auth import SESSION_COOKIE
from node.i18n import _

Role = Literal["member", "operator"]
LIFETIME: dict[Role, timedelta] = {"member": timedelta(days=7), "operator": timedelta(hours=12)}


class SignInRefused(Exception):
    """The token cannot open this kind of session; the message says why, for people."""


@dataclass(frozen=True)
class Session:
    token: str
    role: Role
    member_id: str | None
    lifetime: timedelta


async def sign_in(node: Node, token: str, role: Role) -> Session:
    """A new session for the holder of a member token (role member) or the operator token."""
    token = token.strip()
    found = await node.store.tokens.get(token) if token else None
    if found is None or found.role not in ("member", "operator"):
        raise SignInRefused(
            _("That token is not valid at %(space)s. Check that you copied all of it.", space=node.settings.node.name)
        )
    if role == "member" and found.role == "operator":
        raise SignInRefused(_("This is the operator token: the operator signs in at /admin."))
    if role == "operator" and found.role == "member":
        raise SignInRefused(_("This is a member token: members sign in on the main page, /."))
    # Expiry is compared with the real time, as the token repository does.
    now = utcnow()
    async with node.write() as work:
        await node.store.tokens.delete_expired_sessions(work.tx, iso(now))
        session_token = await node.store.tokens.store(
            work.tx, "session", found.member_id, expires_at=iso(now + LIFETIME[role])
        )
    return Session(session_token, role, found.member_id, LIFETIME[role])


async def sign_out(node: Node, session_token: str | None) -> None:
    if session_token:
        async with node.write() as work:
            await node.store.tokens.delete(work.tx, session_token)


def set_session_cookie(response: web.StreamResponse, node: Node, session: Session) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(session.lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=is_https(node),
    )


def clear_session_cookie(response: web.StreamResponse, node: Node) -> None:
    response.del_cookie(SESSION_COOKIE, path="/", secure=is_https(node), httponly=True, samesite="Lax")


def is_https(node: Node) -> bool:
    return node.id.startswith("https://")
