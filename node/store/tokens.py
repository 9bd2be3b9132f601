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
class TokenInfo:
    """What a token's owner may see of it (never the token, never its hash)."""

    role: str
    name: str | None
    created_at: str
    expires_at: str | None


@dataclass(frozen=True)
class OperatorToken:
    """A named operator token as listed: its public id, never the token."""

    id: str
    name: str | None
    created_at: str
    expires_at: str | None


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

    async def list_for_member(self, member_id: str) -> list[TokenInfo]:
        """A member's tokens and web sessions, oldest first (their data export)."""
        rows = await self._db.fetch_all(
            "SELECT role, name, created_at, expires_at FROM tokens WHERE member_id = ? ORDER BY created_at",
            (member_id,),
        )
        return [TokenInfo(r["role"], r["name"], r["created_at"], r["expires_at"]) for r in rows]

    async def list_operators(self) -> list[OperatorToken]:
        rows = await self._db.fetch_all(
            "SELECT hash, name, created_at, expires_at FROM tokens WHERE role = 'operator' ORDER BY created_at, hash"
        )
        return [OperatorToken(token_id(bytes(r["hash"])), r["name"], r["created_at"], r["expires_at"]) for r in rows]

    async def delete_operator(self, tx: Connection, id_: str) -> bool:
        # The id is read from each hash here, not in SQL: SQLite's hex() has no PostgreSQL twin.
        rows = await tx.execute_fetchall("SELECT hash FROM tokens WHERE role = 'operator'")
        found = [bytes(r["hash"]) for r in rows if token_id(bytes(r["hash"])) == id_.lower()]
        for digest in found:
            await tx.execute("DELETE FROM tokens WHERE hash = ?", (digest,))
        if found:
            # A web session does not remember which operator token opened it, and one opened with
            # this token (a leaked one, most often) must end with it: every operator session ends.
            await tx.execute("DELETE FROM tokens WHERE role = 'session' AND member_id IS NULL")
        return bool(found)

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
