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

    async def forget_names_of(self, tx: Connection, home: str, member_id: str) -> int:
        """A visitor erased at home (their home's MemberErasure): their name leaves our reservations."""
        return await _forget_names(tx, "home = ? AND member_id = ?", (home, member_id))

    async def forget_names_before(self, tx: Connection, before: str) -> int:
        """Visitors' names on reservations that ended before `before` (UTC instant)."""
        return await _forget_names(tx, "ends_at < ?", (before,))


async def _forget_names(tx: Connection, where: str, params: tuple[str, ...]) -> int:
    cursor = await tx.execute(
        f"UPDATE hosted_reservations SET display_name = '' WHERE display_name != '' AND {where}", params
    )
    return cursor.rowcount
