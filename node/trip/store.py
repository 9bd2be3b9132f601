"""Storage of the trip view: which members share their trips, and who of them is at a twin when."""

from __future__ import annotations

from dataclasses import dataclass

from aiosqlite import Connection

from node.store.db import Database


@dataclass(frozen=True)
class Companion:
    """A member of this space who shares their trips, with one confirmed reservation at a twin."""

    member_id: str
    display_name: str
    starts_at: str
    ends_at: str


class TripRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_companions(self, peer: str, member_id: str, begins: str, ends: str, limit: int) -> list[Companion]:
        """Confirmed reservations at `peer` overlapping [begins, ends) (UTC instants) of members who
        share their trips (`member_id` left out), by start."""
        rows = await self._db.fetch_all(
            "SELECT m.id, m.display_name, r.starts_at, r.ends_at FROM home_reservations r "
            "JOIN trip_sharing s ON s.member_id = r.member_id JOIN members m ON m.id = r.member_id "
            "WHERE r.host = ? AND r.status = 'confirmed' AND r.member_id != ? AND r.starts_at IS NOT NULL "
            "AND r.starts_at < ? AND r.ends_at > ? ORDER BY r.starts_at LIMIT ?",
            (peer, member_id, ends, begins, limit),
        )
        return [Companion(r["id"], r["display_name"], r["starts_at"], r["ends_at"]) for r in rows]

    async def is_sharing(self, member_id: str) -> bool:
        row = await self._db.fetch_one("SELECT 1 FROM trip_sharing WHERE member_id = ?", (member_id,))
        return row is not None

    async def store_sharing(self, tx: Connection, member_id: str, at: str) -> None:
        await tx.execute(
            "INSERT INTO trip_sharing (member_id, created_at) VALUES (?, ?) ON CONFLICT (member_id) DO NOTHING",
            (member_id, at),
        )

    async def delete_sharing(self, tx: Connection, member_id: str) -> None:
        await tx.execute("DELETE FROM trip_sharing WHERE member_id = ?", (member_id,))
