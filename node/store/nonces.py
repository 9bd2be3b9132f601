"""Signed requests' nonces, shared by every process on the database.

A request is fresh for the signature window either side of its `created`; while it is fresh,
its `(keyid, nonce)` stays here. `store` inserts it and tells whether it was new in one atomic
statement (`ON CONFLICT DO NOTHING`), so two workers handed the same request at the same moment
cannot both take it. The table is bounded: rows leave once their `created` is out of the window,
and past `max_entries` the oldest go, after the floor (`counters.nonce_floor`) has risen past
them: a request as old as a forgotten one is then refused as expired, never taken twice.
"""

from __future__ import annotations

import base64
import hashlib
from enum import Enum

from aiosqlite import Connection

from .db import Database

FLOOR = "nonce_floor"  # requests created before it are refused, whatever their nonce
LEGACY_BOUND = "replay_floor"  # what versions before the table kept: the newest `created` accepted, ahead
# A nonce longer than this is stored as its SHA-256: a twin choosing 8 KiB nonces (the protocol
# sets no length) must not make each row cost 8 KiB.
LONGEST_KEPT = 64


class Seen(Enum):
    NEW = "new"
    REPLAY = "replay"  # this key used this nonce within the window
    TOO_OLD = "too-old"  # created before the floor


class NonceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, keyid: str, nonce: str, created: int) -> Seen:
        """Remember a verified request's nonce; NEW only if no process has stored it before."""
        rows = await self._db.write_one(
            "INSERT INTO request_nonces (keyid, nonce, created) SELECT ?, ?, ?"
            " WHERE ? >= COALESCE((SELECT value FROM counters WHERE name = ?), 0)"
            " ON CONFLICT (keyid, nonce) DO NOTHING RETURNING created",
            (keyid, stored_form(nonce), created, created, FLOOR),
        )
        if rows:
            return Seen.NEW
        return Seen.TOO_OLD if created < await self.get_floor() else Seen.REPLAY

    async def get_floor(self) -> int:
        row = await self._db.fetch_one("SELECT value FROM counters WHERE name = ?", (FLOOR,))
        return int(row["value"]) if row is not None else 0

    async def is_floor_set(self) -> bool:
        return await self._db.fetch_one("SELECT 1 FROM counters WHERE name = ?", (FLOOR,)) is not None

    async def get_legacy_bound(self) -> tuple[int | None, bool]:
        """What a version before this table left: its stored bound, and whether it knew any peer
        (one that knew none accepted no signed request)."""
        row = await self._db.fetch_one("SELECT value FROM counters WHERE name = ?", (LEGACY_BOUND,))
        knew_peers = await self._db.fetch_one("SELECT 1 FROM peers LIMIT 1") is not None
        return (int(row["value"]) if row is not None else None), knew_peers

    async def store_floor(self, value: int) -> None:
        """The floor only ever rises, whichever worker writes it."""
        async with self._db.transaction() as tx:
            await _raise_floor(tx, value)

    async def delete_old(self, older_than: int, max_entries: int) -> int:
        """Forget nonces created before `older_than` (freshness alone refuses their replays), and
        the oldest beyond `max_entries`, raising the floor past those first. Returns the floor
        raised to, or 0."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM request_nonces WHERE created < ?", (older_than,))
            cursor = await tx.execute(
                "SELECT created FROM request_nonces ORDER BY created DESC LIMIT 1 OFFSET ?", (max_entries,)
            )
            row = await cursor.fetchone()
        if row is None:
            return 0
        # The floor is committed before the rows go: a replay checked in between still meets its row.
        cut = int(row[0])
        await self.store_floor(cut + 1)
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM request_nonces WHERE created <= ?", (cut,))
        return cut + 1


def stored_form(nonce: str) -> str:
    """The nonce as kept: itself if short (a random 128-bit value is 22 characters), else its
    SHA-256, which no other nonce shares in practice."""
    if len(nonce) <= LONGEST_KEPT:
        return nonce
    digest = base64.urlsafe_b64encode(hashlib.sha256(nonce.encode()).digest()).rstrip(b"=").decode()
    return f"sha-256:{digest}"


async def _raise_floor(tx: Connection, value: int) -> None:
    await tx.execute(
        "INSERT INTO counters (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)",
        (FLOOR, value),
    )
