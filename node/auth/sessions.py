"""Web sessions for people who proved who they are without a token (a mailed code, the
space's identity provider): the same session rows and cookies as node/http/pages/sessions.py."""

from __future__ import annotations

from node.clock import iso, utcnow
from node.core import Node
from node.http.pages.sessions import LIFETIME, Role, Session


async def open_session(node: Node, role: Role, member_id: str | None) -> Session:
    now = utcnow()
    async with node.write() as work:
        await node.store.tokens.delete_expired_sessions(work.tx, iso(now))
        token = await node.store.tokens.store(work.tx, "session", member_id, expires_at=iso(now + LIFETIME[role]))
    return Session(token, role, member_id, LIFETIME[role])
