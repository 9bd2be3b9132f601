"""Storage of the front desk: twins' members expected here in a window, and their attendance."""

from __future__ import annotations

from aiosqlite import Connection

from node.store.db import Database

from .hosted_store import Hosted


class GuestRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list_between(self, start: str, end: str) -> list[Hosted]:
        """Confirmed reservations here that overlap [start, end) (UTC instants), by start time."""
        rows = await self._db.fetch_all(
            "SELECT * FROM hosted_reservations WHERE status = 'confirmed' AND starts_at < ? AND ends_at > ? "
            "ORDER BY starts_at, display_name, id",
            (end, start),
        )
        return [Hosted.from_row(r) for r in rows]

    async def store_attendance(
        self, tx: Connection, reservation_id: str, attendance: str, version: int, receipt_json: str, at: str
    ) -> None:
        await tx.execute(
            "UPDATE hosted_reservations SET attendance = ?, version = ?, receipt = ?, updated_at = ? WHERE id = ?",
            (attendance, version, receipt_json, at, reservation_id),
        )
