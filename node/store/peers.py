"""Peers (other nodes we know), their keys, and our delivery state towards each."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from aiosqlite import Connection

from .db import Database, Row


@dataclass(frozen=True)
class PeerKey:
    kid: str
    public_key: str
    expired_at: str | None


@dataclass(frozen=True)
class Peer:
    """A node we know: its verified document as fetched, and what we show of it."""

    node_id: str
    name: str
    timezone: str
    document: str  # the signed node document (JSON)
    fetched_at: str

    @classmethod
    def from_row(cls, row: Row) -> Peer:
        return cls(row["node_id"], row["name"], row["timezone"], row["document"], row["fetched_at"])


@dataclass(frozen=True)
class PeerState:
    peer_id: str
    tries: int
    next_try: str | None
    last_attempt: str | None
    last_success: str | None
    last_error: str | None
    feed_cursor: int
    last_pull: str | None


_PEER_COLUMNS = "SELECT node_id, name, timezone, document, fetched_at FROM peers"


class PeerRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store_document(
        self,
        tx: Connection,
        node_id: str,
        name: str,
        timezone: str,
        document: str,
        fetched_at: str,
        keys: list[PeerKey],
    ) -> None:
        """Record a verified node document and the keys it names (keys are never forgotten)."""
        await tx.execute(
            "INSERT INTO peers (node_id, name, timezone, document, fetched_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (node_id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone, "
            "document = excluded.document, fetched_at = excluded.fetched_at",
            (node_id, name, timezone, document, fetched_at),
        )
        await self.store_keys(tx, node_id, keys)

    async def store_keys(self, tx: Connection, node_id: str, keys: list[PeerKey]) -> None:
        await tx.executemany(
            "INSERT INTO peer_keys (node_id, kid, public_key, expired_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (node_id, kid) DO UPDATE SET expired_at = COALESCE(excluded.expired_at, expired_at) "
            "WHERE public_key = excluded.public_key",
            [(node_id, k.kid, k.public_key, k.expired_at) for k in keys],
        )

    async def store_key_expiry(self, tx: Connection, node_id: str, kid: str, at: str) -> None:
        await tx.execute(
            "UPDATE peer_keys SET expired_at = ? WHERE node_id = ? AND kid = ? AND expired_at IS NULL",
            (at, node_id, kid),
        )

    async def delete_retired_keys(self, tx: Connection, node_id: str, keep: int) -> None:
        """Forget all but the `keep` keys of `node_id` retired last."""
        await tx.execute(
            "DELETE FROM peer_keys WHERE node_id = ? AND expired_at IS NOT NULL AND kid NOT IN ("
            "SELECT kid FROM peer_keys WHERE node_id = ? AND expired_at IS NOT NULL "
            "ORDER BY expired_at DESC, kid LIMIT ?)",
            (node_id, node_id, keep),
        )

    async def get_key(self, tx: Connection, node_id: str, kid: str) -> PeerKey | None:
        """One key of `node_id`, read inside the caller's transaction."""
        async with tx.execute(
            "SELECT kid, public_key, expired_at FROM peer_keys WHERE node_id = ? AND kid = ?", (node_id, kid)
        ) as cursor:
            row = await cursor.fetchone()
        return PeerKey(row["kid"], row["public_key"], row["expired_at"]) if row is not None else None

    async def get_keys(self, node_id: str) -> dict[str, PeerKey]:
        rows = await self._db.fetch_all(
            "SELECT kid, public_key, expired_at FROM peer_keys WHERE node_id = ?", (node_id,)
        )
        return {r["kid"]: PeerKey(r["kid"], r["public_key"], r["expired_at"]) for r in rows}

    async def get(self, node_id: str) -> Peer | None:
        row = await self._db.fetch_by_key(_PEER_COLUMNS + " WHERE node_id = ?", (node_id,))
        return Peer.from_row(row) if row is not None else None

    async def list(self) -> builtins.list[Peer]:
        return [Peer.from_row(row) for row in await self._db.fetch_all(_PEER_COLUMNS + " ORDER BY node_id")]


class PeerStateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, peer_id: str) -> PeerState:
        row = await self._db.fetch_by_key("SELECT * FROM peer_state WHERE peer_id = ?", (peer_id,))
        if row is None:
            return PeerState(peer_id, 0, None, None, None, None, 0, None)
        return PeerState(**{k: row[k] for k in row.keys()})  # noqa: SIM118 (sqlite3.Row)

    async def store_success(self, tx: Connection, peer_id: str, at: str) -> None:
        await self._ensure(tx, peer_id)
        await tx.execute(
            "UPDATE peer_state SET tries = 0, next_try = NULL, last_attempt = ?, last_success = ?, last_error = NULL "
            "WHERE peer_id = ?",
            (at, at, peer_id),
        )

    async def store_failure(self, tx: Connection, peer_id: str, at: str, next_try: str, error: str) -> int:
        await self._ensure(tx, peer_id)
        await tx.execute(
            "UPDATE peer_state SET tries = tries + 1, next_try = ?, last_attempt = ?, last_error = ? WHERE peer_id = ?",
            (next_try, at, error[:500], peer_id),
        )
        row = await (await tx.execute("SELECT tries FROM peer_state WHERE peer_id = ?", (peer_id,))).fetchone()
        return int(row[0]) if row else 1

    async def store_error(self, tx: Connection, peer_id: str, at: str, error: str) -> None:
        """An error that is not a failed delivery (a feed read): shown, without a retry schedule."""
        await self._ensure(tx, peer_id)
        await tx.execute("UPDATE peer_state SET last_error = ? WHERE peer_id = ?", (error[:500], peer_id))

    async def store_cursor(self, tx: Connection, peer_id: str, cursor: int, at: str) -> None:
        await self._ensure(tx, peer_id)
        await tx.execute(
            "UPDATE peer_state SET feed_cursor = MAX(feed_cursor, ?), last_pull = ? WHERE peer_id = ?",
            (cursor, at, peer_id),
        )

    async def _ensure(self, tx: Connection, peer_id: str) -> None:
        await tx.execute("INSERT OR IGNORE INTO peer_state (peer_id) VALUES (?)", (peer_id,))
