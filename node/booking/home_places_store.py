"""Storage of the home's side of waitlists (one method per query): the host's word on our
members' places in line, kept on their reservation, and the allowance our members hold at a
host, read before a confirmation is sent."""

from __future__ import annotations

from dataclasses import dataclass

from aiosqlite import Connection

from node.store.db import Database


@dataclass(frozen=True)
class PlaceFacts:
    """What the home keeps of a host's verified WaitlistPlace."""

    status: str  # ours: waiting, offered, lapsed, or cancelled (left the line, or the target is gone)
    problem: str | None
    position: int | None
    offer_expires_at: str | None
    version: int


class HomePlacesRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def count_units_taken(self, host: str, kind: str, month: str) -> int:
        """Units our members hold at `host` for `kind` in `month` (host's zone), from confirmed receipts."""
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(units), 0) AS n FROM home_reservations "
            "WHERE host = ? AND kind = ? AND month = ? AND status = 'confirmed'",
            (host, kind, month),
        )
        return int(row["n"]) if row else 0

    async def store_place(self, tx: Connection, reservation_id: str, place: PlaceFacts, at: str) -> bool:
        """Keep the host's word on a waiting reservation (not once a receipt came: that is the last
        word), unless we hold the same or a newer version; True if stored."""
        cursor = await tx.execute(
            "UPDATE home_reservations SET status = ?, problem = ?, position = ?, offer_expires_at = ?, "
            "place_version = ?, last_error = NULL, next_try = NULL, updated_at = ? "
            "WHERE id = ? AND receipt IS NULL AND (place_version IS NULL OR place_version < ?)",
            (
                place.status,
                place.problem,
                place.position,
                place.offer_expires_at,
                place.version,
                at,
                reservation_id,
                place.version,
            ),
        )
        return cursor.rowcount == 1
