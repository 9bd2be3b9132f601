"""Replay protection that survives a restart, without storing every nonce.

The nonce cache lives in memory. A request accepted before a restart may have been created up
to the signature window in the future, so after the restart it would still look fresh; the
cache must therefore start with a floor above every `created` it ever accepted. The node
keeps that bound in the database: before accepting a request created past the stored bound it
raises the bound to `created + STEP` (so at most one small write per STEP seconds), and on a
clean stop it writes the exact newest `created`. After a restart the floor is the stored bound
plus one. A node with peers but no stored bound (it ran an older version) starts at its start
time plus the window; a node that never knew a peer has accepted nothing and starts at once.
"""

from __future__ import annotations

import contextlib
import sqlite3

from node.store.db import Database

STEP = 5  # seconds of headroom per write: honest requests after a crash wait at most this long
COUNTER = "replay_floor"


class ReplayBound:
    """The highest `created` this node may have accepted, kept durably ahead of what it accepts."""

    def __init__(self, db: Database, window: int, started_at: int) -> None:
        self._db = db
        self._window = window
        self._started_at = started_at
        self._stored = 0
        self.newest = 0

    async def floor(self) -> int:
        """Where the nonce cache's floor starts in this process."""
        row = await self._db.fetch_one("SELECT value FROM counters WHERE name = ?", (COUNTER,))
        if row is not None:
            self._stored = int(row["value"])
            return max(self._started_at, self._stored + 1)
        knew_peers = await self._db.fetch_one("SELECT 1 FROM peers LIMIT 1") is not None
        return self._started_at + self._window if knew_peers else self._started_at

    async def accepted(self, created: int) -> None:
        """Call before acting on a verified request: the bound is stored ahead of `created`."""
        self.newest = max(self.newest, created)
        if created > self._stored:
            await self._store(created + STEP, "MAX(value, excluded.value)")  # concurrent writers only raise it
            self._stored = max(self._stored, created + STEP)

    async def close(self) -> None:
        """On a clean stop the exact newest `created` is enough: nothing is accepted after it.

        Best effort: if it cannot be written, the bound stored while accepting still holds."""
        if self.newest:
            with contextlib.suppress(sqlite3.Error):
                await self._store(self.newest, "excluded.value")

    async def _store(self, value: int, update: str) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = {update}",
                (COUNTER, value),
            )
