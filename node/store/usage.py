"""What each twin stores here (objects and bytes), and what was refused as over its quota.

Kept by the inbox inside the transaction that stores the objects, so it never disagrees with
them; our own objects are not counted (a twin cannot send them).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiosqlite import Connection

from .db import Database


@dataclass(frozen=True)
class TwinUsage:
    peer_id: str
    objects: int
    bytes: int
    refused: int
    last_refused_at: str | None


class UsageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, peer_id: str, *, tx: Connection | None = None) -> TwinUsage:
        sql = "SELECT peer_id, objects, bytes, refused, last_refused_at FROM twin_usage WHERE peer_id = ?"
        if tx is not None:
            row = await (await tx.execute(sql, (peer_id,))).fetchone()
        else:
            row = await self._db.fetch_one(sql, (peer_id,))
        return TwinUsage(*row) if row else TwinUsage(peer_id, 0, 0, 0, None)

    async def add(self, tx: Connection, peer_id: str, objects: int, bytes_: int, refused: int, at: str) -> None:
        await tx.execute(
            "INSERT INTO twin_usage (peer_id, objects, bytes, refused, last_refused_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (peer_id) DO UPDATE SET objects = objects + excluded.objects, "
            "bytes = bytes + excluded.bytes, refused = refused + excluded.refused, "
            "last_refused_at = COALESCE(excluded.last_refused_at, last_refused_at)",
            (peer_id, objects, bytes_, refused, at if refused else None),
        )
