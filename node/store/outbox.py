"""The outbox: what this node still has to deliver to each peer.

One pending row per (peer, object): enqueueing a newer version replaces an older pending
one, so a day's outage never produces a storm of stale updates. A row leaves the outbox only
when the peer has acknowledged exactly that version.

Several workers on one database deliver from the same outbox: a worker first claims the rows
it is about to send (`store_claims`: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two workers
never wait on or take the same rows) until a lease runs out, and releases them after the
twin's answer. A worker killed mid-delivery leaves its claims to lapse; another worker then
takes the rows. A row claimed and then replaced by a newer version keeps the claim until the
claimer releases it, so the newer version is sent after the older one's answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiosqlite import Connection

from .db import Database


@dataclass(frozen=True)
class OutboxItem:
    peer_id: str
    route: str  # 'inbox' (batched) or 'twinning' (one at a time, for agreement messages)
    type: str
    origin: str
    id: str
    version: int
    envelope: dict[str, Any]
    enqueued_at: str


@dataclass(frozen=True)
class Claim:
    """Who claims outbox rows, and until when (seconds since the epoch, as node/store/leases.py)."""

    holder: str
    now: float
    until: float


def _item(r: Any) -> OutboxItem:
    return OutboxItem(
        peer_id=r["peer_id"],
        route=r["route"],
        type=r["type"],
        origin=r["origin"],
        id=r["id"],
        version=r["version"],
        envelope=json.loads(r["envelope"]),
        enqueued_at=r["enqueued_at"],
    )


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(
        self,
        tx: Connection,
        peer_ids: Sequence[str],
        route: str,
        key: tuple[str, str, str],
        version: int,
        envelope_json: str,
        at: str,
    ) -> None:
        await tx.executemany(
            "INSERT INTO outbox (peer_id, route, type, origin, id, version, envelope, enqueued_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (peer_id, type, origin, id) DO UPDATE SET version = excluded.version, "
            "envelope = excluded.envelope, route = excluded.route, enqueued_at = excluded.enqueued_at "
            "WHERE excluded.version >= outbox.version",
            [(peer, route, *key, version, envelope_json, at) for peer in peer_ids],
        )

    async def list_pending(self, peer_id: str, route: str, limit: int) -> list[OutboxItem]:
        """What waits for `peer_id`, oldest first, claimed or not (for status and tests)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM outbox WHERE peer_id = ? AND route = ? ORDER BY enqueued_at, rowid LIMIT ?",
            (peer_id, route, limit),
        )
        return [_item(r) for r in rows]

    async def store_claims(
        self, tx: Connection, claim: Claim, peer_id: str, route: str, limit: int
    ) -> list[OutboxItem]:
        """Claim up to `limit` rows for `peer_id`, oldest first: unclaimed ones, lapsed claims and
        this worker's own (a round that failed before releasing them)."""
        skip_locked = " FOR UPDATE SKIP LOCKED" if self._db.dialect == "postgresql" else ""
        async with tx.execute(
            "SELECT * FROM outbox WHERE peer_id = ? AND route = ? "
            "AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until <= ?) "
            f"ORDER BY enqueued_at, rowid LIMIT ?{skip_locked}",
            (peer_id, route, claim.holder, claim.now, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        if rows:
            await tx.executemany(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ? "
                "WHERE peer_id = ? AND type = ? AND origin = ? AND id = ?",
                [(claim.holder, claim.until, r["peer_id"], r["type"], r["origin"], r["id"]) for r in rows],
            )
        return [_item(r) for r in rows]

    async def get_next_claim_lapse(self, peer_id: str) -> float | None:
        """When the earliest claim on `peer_id`'s rows lapses (seconds since the epoch), or None
        if no row is claimed: a worker that found nothing to claim looks again then, since the
        claimer may have died."""
        row = await self._db.fetch_one(
            "SELECT MIN(claimed_until) FROM outbox WHERE peer_id = ? AND claimed_by IS NOT NULL", (peer_id,)
        )
        return None if row is None or row[0] is None else float(row[0])

    async def store_release(self, tx: Connection, peer_id: str, holder: str) -> None:
        """Release this worker's claims on `peer_id`'s rows (those not acknowledged stay pending)."""
        await tx.execute(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE peer_id = ? AND claimed_by = ?",
            (peer_id, holder),
        )

    async def delete_delivered(self, tx: Connection, items: Sequence[OutboxItem]) -> None:
        """Drop what the peer acknowledged, unless a newer version was enqueued meanwhile."""
        await tx.executemany(
            "DELETE FROM outbox WHERE peer_id = ? AND type = ? AND origin = ? AND id = ? AND version = ?",
            [(i.peer_id, i.type, i.origin, i.id, i.version) for i in items],
        )

    async def delete_object(self, tx: Connection, peer_ids: Sequence[str], key: tuple[str, str, str]) -> None:
        """Forget what is pending of one object for these peers (taken out of its audience)."""
        await tx.executemany(
            "DELETE FROM outbox WHERE peer_id = ? AND type = ? AND origin = ? AND id = ?",
            [(peer, *key) for peer in peer_ids],
        )

    async def delete_peer(self, tx: Connection, peer_id: str, route: str = "inbox") -> None:
        await tx.execute("DELETE FROM outbox WHERE peer_id = ? AND route = ?", (peer_id, route))

    async def list_peers_with_pending(self) -> list[str]:
        rows = await self._db.fetch_all("SELECT DISTINCT peer_id FROM outbox")
        return [r["peer_id"] for r in rows]

    async def list_depths(self) -> dict[str, tuple[int, str | None]]:
        """Per peer: pending rows and the oldest enqueue time."""
        rows = await self._db.fetch_all(
            "SELECT peer_id, COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM outbox GROUP BY peer_id"
        )
        return {r["peer_id"]: (r["n"], r["oldest"]) for r in rows}
