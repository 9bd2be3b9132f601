"""The bridge's tables (migration 0030): followers, what each public event was last sent as,
the activities waiting for delivery to followers' inboxes, and the blocked instances.

Deliveries are durable: an activity is written before it is sent and removed only once the
follower's server took it, so a follower that is down for a day gets everything when it returns.
"""

from __future__ import annotations

import json
from dataclasses import astuple, dataclass
from typing import Any

from node.store.db import Database


@dataclass(frozen=True)
class Follower:
    actor: str
    inbox: str
    host: str
    follow_id: str
    since: str


@dataclass(frozen=True)
class Delivery:
    id: int
    inbox: str
    activity: dict[str, Any]
    created: str
    attempts: int


class BridgeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list_followers(self) -> list[Follower]:
        rows = await self.db.fetch_all("SELECT actor, inbox, host, follow_id, since FROM ap_followers ORDER BY since")
        return [Follower(*row) for row in rows]

    async def store_follower(self, follower: Follower, *, at_most: int) -> bool:
        """Store (or refresh) a follower; False, and nothing stored, when it would be a new one
        past `at_most` followers."""
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO ap_followers (actor, inbox, host, follow_id, since) SELECT ?, ?, ?, ?, ?"
                " WHERE EXISTS (SELECT 1 FROM ap_followers WHERE actor = ?)"
                " OR (SELECT COUNT(*) FROM ap_followers) < ?"
                " ON CONFLICT (actor) DO UPDATE SET inbox = excluded.inbox, follow_id = excluded.follow_id",
                (*astuple(follower), follower.actor, at_most),
            )
            return cursor.rowcount > 0

    async def delete_follower(self, actor: str) -> bool:
        """Remove a follower, and what waits for its inbox unless another follower shares it (a
        removed follower back from an outage must not get what was queued before)."""
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM ap_followers WHERE actor = ? RETURNING inbox", (actor,))
            row = await cursor.fetchone()
            if row is None:
                return False
            await tx.execute(
                "DELETE FROM ap_deliveries WHERE inbox = ? AND NOT EXISTS (SELECT 1 FROM ap_followers WHERE inbox = ?)",
                (row[0], row[0]),
            )
            return True

    async def list_published(self) -> dict[str, str]:
        rows = await self.db.fetch_all("SELECT event_id, digest FROM ap_published")
        return {row[0]: row[1] for row in rows}

    async def get_published_times(self, event_id: str) -> tuple[str, str] | None:
        row = await self.db.fetch_one("SELECT published, updated FROM ap_published WHERE event_id = ?", (event_id,))
        return None if row is None else (row[0], row[1])

    async def store_published(
        self, event_id: str, digest: str, now: str, activities: list[tuple[str, dict[str, Any]]]
    ) -> None:
        """Remember what the event was sent as and queue its activity for each inbox, in one transaction."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO ap_published (event_id, digest, published, updated) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (event_id) DO UPDATE SET digest = excluded.digest, updated = excluded.updated",
                (event_id, digest, now, now),
            )
            await self._queue(tx, activities, now)

    async def store_deliveries(self, activities: list[tuple[str, dict[str, Any]]], now: str) -> None:
        async with self.db.transaction() as tx:
            await self._queue(tx, activities, now)

    @staticmethod
    async def _queue(tx: Any, activities: list[tuple[str, dict[str, Any]]], now: str) -> None:
        await tx.executemany(
            "INSERT INTO ap_deliveries (inbox, activity, created, next_at) VALUES (?, ?, ?, ?)",
            [(inbox, json.dumps(activity, ensure_ascii=False), now, now) for inbox, activity in activities],
        )

    async def list_due(self, now: str, limit: int) -> list[Delivery]:
        """The due deliveries, oldest first, each queued before any of its inbox's that waits:
        an activity never overtakes an older one to the same inbox (a cancellation sent before
        the Create it changes would leave the follower with the event as first sent)."""
        rows = await self.db.fetch_all(
            "SELECT d.id, d.inbox, d.activity, d.created, d.attempts FROM ap_deliveries d LEFT JOIN "
            "(SELECT inbox, MIN(id) AS first FROM ap_deliveries WHERE next_at > ? GROUP BY inbox) w "
            "ON w.inbox = d.inbox WHERE d.next_at <= ? AND (w.first IS NULL OR d.id < w.first) ORDER BY d.id LIMIT ?",
            (now, now, limit),
        )
        return [Delivery(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    async def delete_delivery(self, delivery_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM ap_deliveries WHERE id = ?", (delivery_id,))

    async def delete_deliveries_before(self, inbox: str, created_before: str) -> int:
        """Drop an inbox's deliveries queued before `created_before` (given up); how many."""
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM ap_deliveries WHERE inbox = ? AND created < ?", (inbox, created_before)
            )
            return int(cursor.rowcount)

    async def store_failure(self, delivery_id: int, next_at: str, error: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE ap_deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?",
                (next_at, error[:500], delivery_id),
            )

    async def count_pending(self) -> int:
        row = await self.db.fetch_one("SELECT count(*) FROM ap_deliveries")
        return int(row[0]) if row else 0

    async def list_blocked(self) -> set[str]:
        return {row[0] for row in await self.db.fetch_all("SELECT host FROM ap_blocked")}

    async def store_block(self, host: str, now: str) -> None:
        """Block an instance: its followers are removed and nothing more is sent to it."""
        async with self.db.transaction() as tx:
            await tx.execute("INSERT OR IGNORE INTO ap_blocked (host, since) VALUES (?, ?)", (host, now))
            await tx.execute("DELETE FROM ap_followers WHERE host = ?", (host,))
            await tx.execute("DELETE FROM ap_deliveries WHERE inbox LIKE ?", (f"%://{host}/%",))

    async def delete_block(self, host: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM ap_blocked WHERE host = ?", (host,))
