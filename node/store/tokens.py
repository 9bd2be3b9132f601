"""Bearer tokens: 256-bit random values stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from aiosqlite import Connection

from node.clock import iso, utcnow

from .db import Database


@dataclass(frozen=True)
class Principal:
    role: str  # operator | member | session
    member_id: str | None


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def token_id(digest: bytes) -> str:
    """A token's public id: the first 8 bytes of its hash, in hex (says nothing about the token)."""
    return digest[:8].hex()


class TokenRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(
        self, tx: Connection, role: str, member_id: str | None = None, expires_at: str | None = None
    ) -> str:
        """Make a new token and store its hash; the token is returned once and kept nowhere."""
        token = secrets.token_urlsafe(32)
        await tx.execute(
            "INSERT INTO tokens (hash, role, member_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (hash_token(token), role, member_id, iso(utcnow()), expires_at),
        )
        return token

    async def get(self, token: str) -> Principal | None:
        digest = hash_token(token)
        row = await self._db.fetch_by_key(
            "SELECT hash, role, member_id, expires_at FROM tokens WHERE hash = ?", (digest,)
        )
        # The lookup is by hash, so timing says nothing about the token; compare anyway, in constant time.
        if row is None or not hmac.compare_digest(bytes(row["hash"]), digest):
            return None
        if row["expires_at"] is not None and row["expires_at"] <= iso(utcnow()):
            return None
        return Principal(role=row["role"], member_id=row["member_id"])

    async def store_operator(self, tx: Connection, name: str) -> tuple[str, str]:
        """A named operator token: (its id, the token, returned once)."""
        token = await self.store(tx, "operator")
        await tx.execute("UPDATE tokens SET name = ? WHERE hash = ?", (name, hash_token(token)))
        return token_id(hash_token(token)), token

    async def list_operators(self) -> list[dict[str, str | None]]:
        rows = await self._db.fetch_all(
            "SELECT hash, name, created_at, expires_at FROM tokens WHERE role = 'operator' ORDER BY created_at, hash"
        )
        return [
            {"id": token_id(bytes(r["hash"])), "name": r["name"], "created_at": r["created_at"]}
            | {"expires_at": r["expires_at"]}
            for r in rows
        ]

    async def delete_operator(self, tx: Connection, id_: str) -> bool:
        cursor = await tx.execute(
            "DELETE FROM tokens WHERE role = 'operator' AND lower(hex(substr(hash, 1, 8))) = ?", (id_.lower(),)
        )
        return cursor.rowcount > 0

    async def delete_api_tokens(self, tx: Connection, member_id: str) -> None:
        """A member's API tokens (not their web sessions): renewing the token ends the old one."""
        await tx.execute("DELETE FROM tokens WHERE member_id = ? AND role = 'member'", (member_id,))

    async def delete_expired_sessions(self, tx: Connection, now: str) -> None:
        """Forget web sessions that expired (each new session clears the old ones)."""
        await tx.execute("DELETE FROM tokens WHERE role = 'session' AND expires_at <= ?", (now,))

    async def delete(self, tx: Connection, token: str) -> None:
        await tx.execute("DELETE FROM tokens WHERE hash = ?", (hash_token(token),))

    async def delete_for_member(self, tx: Connection, member_id: str) -> None:
        await tx.execute("DELETE FROM tokens WHERE member_id = ?", (member_id,))
