"""Storage of our members' reservations abroad and the receipts their hosts signed (one method per
query). The reservations hosted here for twins' members are in `hosted_store`."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields, replace
from typing import Any

from aiosqlite import Connection

from node.store.db import Database, Row


@dataclass(frozen=True)
class HomeReservation:
    """One of our members' reservations abroad, and the host's receipt once we have it."""

    id: str
    member_id: str
    host: str
    target_kind: str
    target_id: str
    seats: int
    status: str
    problem: str | None
    last_error: str | None
    tries: int
    next_try: str | None
    kind: str | None
    unit: str | None
    units: int | None
    month: str | None
    starts_at: str | None
    ends_at: str | None
    timezone: str | None
    version: int | None
    receipt: dict[str, Any] | None
    created_at: str
    updated_at: str
    attendance: str | None = None  # what the host's newest receipt says of it
    waitlist: bool = False  # asked to join the waitlist if the target is full
    position: int | None = None  # while waiting: the host's last word on the place in line
    offer_expires_at: str | None = None  # while offered: until when the seats are held
    place_version: int | None = None  # of the host's WaitlistPlace last kept

    @classmethod
    def from_row(cls, row: Row) -> HomeReservation:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["receipt"] = json.loads(values["receipt"]) if values["receipt"] else None
        values["waitlist"] = bool(values["waitlist"])
        return cls(**values)

    @classmethod
    def pending(
        cls,
        reservation_id: str,
        member_id: str,
        host: str,
        target_kind: str,
        target_id: str,
        seats: int,
        at: str,
        waitlist: bool = False,
    ) -> HomeReservation:
        """A new reservation, written before the host is asked: nothing known of the answer yet."""
        unknown = dict.fromkeys(_ANSWER_FIELDS)
        return cls(
            reservation_id,
            member_id,
            host,
            target_kind,
            target_id,
            seats,
            status="pending",
            tries=0,
            next_try=at,
            created_at=at,
            updated_at=at,
            waitlist=waitlist,
            **unknown,
        )

    def same_request(self, member_id: str, host: str, target_kind: str, target_id: str, seats: int) -> bool:
        return (self.member_id, self.host, self.target_kind, self.target_id, self.seats) == (
            member_id,
            host,
            target_kind,
            target_id,
            seats,
        )


_ANSWER_FIELDS = (
    "problem",
    "last_error",
    "kind",
    "unit",
    "units",
    "month",
    "starts_at",
    "ends_at",
    "timezone",
    "version",
    "receipt",
    "attendance",
)


@dataclass(frozen=True)
class ReceiptFacts:
    """What the home indexes of a verified receipt."""

    status: str
    kind: str
    unit: str
    units: int
    month: str
    starts_at: str
    ends_at: str
    timezone: str
    version: int
    envelope_json: str
    attendance: str | None = None


def _insert_home(reservation: HomeReservation) -> tuple[str, list[Any]]:
    names = [f.name for f in fields(HomeReservation)]
    values = [getattr(reservation, n) for n in names]
    values[names.index("receipt")] = None
    return (
        f"INSERT OR IGNORE INTO home_reservations ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        values,
    )


def _receipt_columns(facts: ReceiptFacts, at: str) -> dict[str, Any]:
    """What `_store_receipt` writes, as `HomeReservation` fields (the receipt itself aside)."""
    return {
        "status": facts.status,
        "kind": facts.kind,
        "unit": facts.unit,
        "units": facts.units,
        "month": facts.month,
        "starts_at": facts.starts_at,
        "ends_at": facts.ends_at,
        "timezone": facts.timezone,
        "version": facts.version,
        "attendance": facts.attendance,
        "problem": None,
        "last_error": None,
        "next_try": None,
        "position": None,
        "offer_expires_at": None,
        "updated_at": at,
    }


def _store_receipt(reservation_id: str, facts: ReceiptFacts, at: str) -> tuple[str, tuple[Any, ...]]:
    return (
        "UPDATE home_reservations SET status = ?, kind = ?, unit = ?, units = ?, month = ?, starts_at = ?, "
        "ends_at = ?, timezone = ?, version = ?, receipt = ?, attendance = ?, problem = NULL, last_error = NULL, "
        "next_try = NULL, position = NULL, offer_expires_at = NULL, updated_at = ? "
        "WHERE id = ? AND (version IS NULL OR version < ?)",
        (
            facts.status,
            facts.kind,
            facts.unit,
            facts.units,
            facts.month,
            facts.starts_at,
            facts.ends_at,
            facts.timezone,
            facts.version,
            facts.envelope_json,
            facts.attendance,
            at,
            reservation_id,
            facts.version,
        ),
    )


class HomeInTransaction:
    """The home's bookkeeping of one reservation, on the writer's own thread (see `Database.decide`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def insert(self, reservation: HomeReservation) -> bool:
        """False if the id is taken (the caller then reads what is there)."""
        return self.conn.execute(*_insert_home(reservation)).rowcount == 1

    def store_receipt(
        self, reservation: HomeReservation, facts: ReceiptFacts, at: str, receipt: dict[str, Any]
    ) -> HomeReservation:
        """Keep a verified receipt (unless we hold the same or a newer version); the reservation as
        it now is. `receipt` is the envelope of `facts` as JSON values: when it is kept, the row is
        what `reservation` was with the receipt's columns set, so it is not read back and parsed."""
        if self.conn.execute(*_store_receipt(reservation.id, facts, at)).rowcount == 1:
            return replace(reservation, **_receipt_columns(facts, at), receipt=receipt)
        row = self.conn.execute("SELECT * FROM home_reservations WHERE id = ?", (reservation.id,)).fetchone()
        return HomeReservation.from_row(row)


class HomeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, tx: Connection, reservation: HomeReservation) -> bool:
        """False if the id is taken (the caller then reads what is there)."""
        cursor = await tx.execute(*_insert_home(reservation))
        return cursor.rowcount == 1

    async def get(self, reservation_id: str) -> HomeReservation | None:
        row = await self._db.fetch_by_key("SELECT * FROM home_reservations WHERE id = ?", (reservation_id,))
        return HomeReservation.from_row(row) if row else None

    async def get_in(self, tx: Connection, reservation_id: str) -> HomeReservation | None:
        """Read inside a write transaction (sees what it wrote)."""
        rows = list(await tx.execute_fetchall("SELECT * FROM home_reservations WHERE id = ?", (reservation_id,)))
        return HomeReservation.from_row(rows[0]) if rows else None

    async def list_confirmed_starting(self, after: str, before: str) -> list[HomeReservation]:
        """Confirmed reservations starting in [after, before) (UTC strings): reminder candidates."""
        rows = await self._db.fetch_all(
            "SELECT * FROM home_reservations WHERE status = 'confirmed' AND starts_at >= ? AND starts_at < ? "
            "ORDER BY starts_at",
            (after, before),
        )
        return [HomeReservation.from_row(r) for r in rows]

    async def list_for_member(self, member_id: str) -> list[HomeReservation]:
        rows = await self._db.fetch_all(
            "SELECT * FROM home_reservations WHERE member_id = ? ORDER BY COALESCE(starts_at, created_at), id",
            (member_id,),
        )
        return [HomeReservation.from_row(r) for r in rows]

    async def store_receipt(self, tx: Connection, reservation_id: str, facts: ReceiptFacts, at: str) -> bool:
        """Keep a verified receipt unless we hold the same or a newer version; True if stored."""
        cursor = await tx.execute(*_store_receipt(reservation_id, facts, at))
        return cursor.rowcount == 1

    async def store_rejected(self, tx: Connection, reservation_id: str, problem: str, at: str) -> None:
        """The host said no (only while we hold no receipt: a receipt is the host's last word)."""
        await tx.execute(
            "UPDATE home_reservations SET status = 'rejected', problem = ?, next_try = NULL, updated_at = ? "
            "WHERE id = ? AND receipt IS NULL",
            (problem, at, reservation_id),
        )

    async def store_unanswered(self, tx: Connection, reservation_id: str, error: str, next_try: str, at: str) -> None:
        """No usable answer: stay pending, try again at `next_try`."""
        await tx.execute(
            "UPDATE home_reservations SET tries = tries + 1, last_error = ?, next_try = ?, updated_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (error[:500], next_try, at, reservation_id),
        )

    async def store_pending(self, tx: Connection, reservation_id: str, at: str, waitlist: bool) -> None:
        """A rejected reservation asked again with the same id and content: ask the host again (with
        `waitlist` as the member now says)."""
        await tx.execute(
            "UPDATE home_reservations SET status = 'pending', problem = NULL, next_try = ?, updated_at = ?, "
            "waitlist = ? WHERE id = ? AND status = 'rejected'",
            (at, at, waitlist, reservation_id),
        )

    async def list_due(self, now: str, limit: int = 50) -> list[HomeReservation]:
        rows = await self._db.fetch_all(
            "SELECT * FROM home_reservations WHERE status = 'pending' AND next_try <= ? ORDER BY next_try LIMIT ?",
            (now, limit),
        )
        return [HomeReservation.from_row(r) for r in rows]

    async def get_next_due(self) -> str | None:
        row = await self._db.fetch_one("SELECT MIN(next_try) AS t FROM home_reservations WHERE status = 'pending'")
        return row["t"] if row else None

    async def list_months(self) -> list[str]:
        """The months (YYYY-MM, host's zone) with a receipted reservation of our members, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT month FROM home_reservations WHERE receipt IS NOT NULL AND month IS NOT NULL "
            "ORDER BY month",
            (),
        )
        return [r["month"] for r in rows]

    async def list_for_month(self, month: str, host: str | None = None) -> list[HomeReservation]:
        sql, params = "SELECT * FROM home_reservations WHERE month = ? AND receipt IS NOT NULL", [month]
        if host is not None:
            sql, params = sql + " AND host = ?", [*params, host]
        rows = await self._db.fetch_all(sql + " ORDER BY starts_at, id", params)
        return [HomeReservation.from_row(r) for r in rows]
