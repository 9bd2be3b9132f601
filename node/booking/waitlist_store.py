"""Storage of the host's waitlists (one method per query): in the deciding transaction on the
writer's thread (`WaitlistInTransaction`, for joining and confirming) and in an ordinary write
transaction (`WaitlistRepository`, for offering freed seats, lapsing and leaving)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from typing import Any

from aiosqlite import Connection

from node.store.db import Database, Row

# The line of one target: entries still in it, in the one strict order of `seq`.
_LINE = "SELECT * FROM hosted_waitlist WHERE target_kind = ? AND target_id = ? AND status = 'waiting' ORDER BY seq"
HELD_SEATS = (
    "SELECT COALESCE(SUM(seats), 0) FROM hosted_waitlist "
    "WHERE target_kind = ? AND target_id = ? AND status = 'offered' AND id != ?"
)
ANYONE_WAITING = "SELECT 1 FROM hosted_waitlist WHERE target_kind = ? AND target_id = ? AND status = 'waiting' LIMIT 1"
_EXPIRED = "SELECT 1 FROM hosted_waitlist WHERE status = 'offered' AND offer_expires_at <= ? LIMIT 1"
# The version of each target someone waits for: a new version (cancelled, withdrawn, more seats)
# is worth a look at its line.
_TARGET_VERSIONS = (
    "SELECT w.target_kind, w.target_id, o.version FROM (SELECT DISTINCT target_kind, target_id "
    "FROM hosted_waitlist WHERE status IN ('waiting', 'offered')) w JOIN objects o ON o.origin = ? "
    "AND o.type = CASE w.target_kind WHEN 'slot' THEN 'Slot' ELSE 'Event' END AND o.id = w.target_id"
)
_SET_STATE = (
    "UPDATE hosted_waitlist SET status = ?, position = ?, offer_expires_at = ?, version = ?, place = ?, "
    "updated_at = ? WHERE id = ?"
)


@dataclass(frozen=True)
class WaitEntry:
    """One request in a target's line, and the WaitlistPlace we last signed for it."""

    id: str
    seq: int
    home: str
    member_id: str
    target_kind: str
    target_id: str
    seats: int
    status: str
    position: int | None
    offer_expires_at: str | None
    content_key: str
    request_hash: str
    version: int
    place: dict[str, Any]
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Row) -> WaitEntry:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["place"] = json.loads(values["place"])
        return cls(**values)

    @property
    def target(self) -> tuple[str, str]:
        return self.target_kind, self.target_id


@dataclass(frozen=True)
class StateChange:
    """A new state of an entry and the signed WaitlistPlace that says it."""

    status: str
    position: int | None
    offer_expires_at: str | None
    version: int
    place_json: str
    at: str

    def params(self, entry_id: str) -> tuple[Any, ...]:
        return (self.status, self.position, self.offer_expires_at, self.version, self.place_json, self.at, entry_id)


class WaitlistInTransaction:
    """The waitlist's part of the host's decision, with plain sqlite3 calls (see `Database.decide`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, entry_id: str) -> WaitEntry | None:
        row = self.conn.execute("SELECT * FROM hosted_waitlist WHERE id = ?", (entry_id,)).fetchone()
        return WaitEntry.from_row(row) if row else None

    def waiting_count(self, target_kind: str, target_id: str) -> int:
        sql = "SELECT COUNT(*) FROM hosted_waitlist WHERE target_kind = ? AND target_id = ? AND status = 'waiting'"
        return int(self.conn.execute(sql, (target_kind, target_id)).fetchone()[0])

    def next_seq(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM hosted_waitlist").fetchone()[0])

    def insert(self, entry: WaitEntry, place_json: str) -> None:
        names = [f.name for f in fields(WaitEntry)]
        values = [getattr(entry, n) for n in names]
        values[names.index("place")] = place_json
        self.conn.execute(
            f"INSERT INTO hosted_waitlist ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", values
        )

    def set_state(self, entry_id: str, change: StateChange) -> None:
        self.conn.execute(_SET_STATE, change.params(entry_id))


class WaitlistRepository:
    """The waitlist inside an ordinary write transaction (`Node.write()`)."""

    async def get(self, tx: Connection, entry_id: str) -> WaitEntry | None:
        rows = list(await tx.execute_fetchall("SELECT * FROM hosted_waitlist WHERE id = ?", (entry_id,)))
        return WaitEntry.from_row(rows[0]) if rows else None

    async def list_line(self, tx: Connection, target_kind: str, target_id: str) -> list[WaitEntry]:
        return [WaitEntry.from_row(r) for r in await tx.execute_fetchall(_LINE, (target_kind, target_id))]

    async def list_held_for(self, tx: Connection, home: str, member_id: str) -> list[WaitEntry]:
        """One member's requests still in a line (waiting, or holding seats offered)."""
        rows = await tx.execute_fetchall(
            "SELECT * FROM hosted_waitlist WHERE home = ? AND member_id = ? AND status IN ('waiting', 'offered') "
            "ORDER BY seq",
            (home, member_id),
        )
        return [WaitEntry.from_row(r) for r in rows]

    async def list_offered(self, tx: Connection, target_kind: str, target_id: str) -> list[WaitEntry]:
        rows = await tx.execute_fetchall(
            "SELECT * FROM hosted_waitlist WHERE target_kind = ? AND target_id = ? AND status = 'offered' ORDER BY seq",
            (target_kind, target_id),
        )
        return [WaitEntry.from_row(r) for r in rows]

    async def count_held(self, tx: Connection, target_kind: str, target_id: str) -> int:
        rows = list(await tx.execute_fetchall(HELD_SEATS, (target_kind, target_id, "")))
        return int(rows[0][0])

    async def store_state(self, tx: Connection, entry_id: str, change: StateChange) -> None:
        await tx.execute(_SET_STATE, change.params(entry_id))

    async def list_open_targets(self, tx: Connection) -> list[tuple[str, str]]:
        """Every target with someone waiting or holding an offer: what a settling round looks at."""
        rows = await tx.execute_fetchall(
            "SELECT DISTINCT target_kind, target_id FROM hosted_waitlist WHERE status IN ('waiting', 'offered') "
            "ORDER BY target_kind, target_id"
        )
        return [(r[0], r[1]) for r in rows]

    async def has_expired(self, db: Database, now: str) -> bool:
        return await db.fetch_one(_EXPIRED, (now,)) is not None

    async def list_target_versions(self, db: Database, origin: str) -> dict[tuple[str, str], int]:
        """The current version of every target with a line (read on the reader, no write)."""
        return {(r[0], r[1]): int(r[2]) for r in await db.fetch_all(_TARGET_VERSIONS, (origin,))}
