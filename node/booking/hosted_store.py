"""Storage of the reservations twins' members hold here, and of the receipts we signed for them
(one method per query). Our members' reservations abroad are in `reservation_store`."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, TypeVar

from aiosqlite import Connection

from node.store.db import Database, Row
from node.store.twinnings import LIVE
from protocol.json_text import loads
from protocol.models import Event, FederatedObject, Slot

from .waitlist_store import ANYONE_WAITING, HELD_SEATS

W = TypeVar("W", bound=FederatedObject)


@dataclass(frozen=True)
class Hosted:
    """A reservation a twin's member holds here, and the receipt we signed for it."""

    id: str
    home: str
    member_id: str
    display_name: str
    target_kind: str
    target_id: str
    seats: int
    status: str
    kind: str
    unit: str
    units: int
    period_start: str | None
    month: str
    starts_at: str
    ends_at: str
    content_key: str
    version: int
    receipt: dict[str, Any]
    created_at: str
    updated_at: str
    attendance: str = "expected"  # expected | checked_in | no_show (the front desk)

    @classmethod
    def from_row(cls, row: Row) -> Hosted:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["receipt"] = json.loads(values["receipt"])
        return cls(**values)


_HOSTED_BY_ID = "SELECT * FROM hosted_reservations WHERE id = ?"
_HOSTED_COLUMNS = tuple(f.name for f in fields(Hosted))
_INSERT_HOSTED = (
    f"INSERT INTO hosted_reservations ({', '.join(_HOSTED_COLUMNS)}) VALUES ({', '.join('?' * len(_HOSTED_COLUMNS))})"
)


_SEATS_TAKEN = (
    "SELECT COALESCE(SUM(seats), 0) FROM hosted_reservations "
    "WHERE target_kind = ? AND target_id = ? AND status = 'confirmed'"
)
_UNITS_USED = (
    "SELECT COALESCE(SUM(units), 0) FROM hosted_reservations "
    "WHERE home = ? AND kind = ? AND period_start = ? AND status = 'confirmed'"
)


_OWN_ENVELOPE = "SELECT envelope FROM objects WHERE type = ? AND origin = ? AND id = ?"
# Everything a new request's decision reads, as one statement (see `Situation`).
_SITUATION = (
    "SELECT t.id AS twinning_id, t.role, t.status AS twinning_status, t.proposal,"
    " EXISTS (SELECT 1 FROM hosted_reservations WHERE id = ?) AS decided,"
    " EXISTS (SELECT 1 FROM hosted_waitlist WHERE id = ?) AS queued,"
    f" ({_OWN_ENVELOPE}) AS target,"
    f" ({_SEATS_TAKEN}) AS taken, ({HELD_SEATS}) AS held, EXISTS ({ANYONE_WAITING}) AS waiting"
    f" FROM (SELECT 1 AS one) AS one LEFT JOIN twinnings t ON t.peer_id = ? AND t.status IN {LIVE}"
)


@dataclass(frozen=True)
class Situation:
    """What the decision on a new request reads, in one statement: each read was a round trip to
    the server on PostgreSQL (seven of them, under the write lock that every worker waits for),
    and a statement to prepare and run on SQLite. `target` is our slot or event (None if there
    is no such object of ours); `taken`, `held` and `waiting` are its seats confirmed, its seats
    offered to someone in line, and whether anyone waits for it."""

    twinning_status: str | None  # of the live agreement with the peer (None: there is none)
    agreement: tuple[str, str, str] | None  # its id, our role and its proposal: the terms (`terms_from`)
    decided: bool  # a reservation with this id exists (the caller reads it: a repeat or a conflict)
    queued: bool  # a waitlist entry with this id exists (likewise)
    target: Slot | Event | None
    taken: int
    held: int
    waiting: bool


class HostedInTransaction:
    """The queries of the host's decision, on the connection the deciding call lends (a
    reservation's `Database.decide_on_loop`, a confirmation's `decide`): plain synchronous calls,
    so the whole decision is one step, and what it reads one statement (`situation`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, reservation_id: str) -> Hosted | None:
        row = self.conn.execute(_HOSTED_BY_ID, (reservation_id,)).fetchone()
        return Hosted.from_row(row) if row else None

    def units_used(self, home: str, kind: str, period_start: str) -> int:
        return int(self.conn.execute(_UNITS_USED, (home, kind, period_start)).fetchone()[0])

    def situation(
        self, peer: str, reservation_id: str, target: type[Slot] | type[Event], origin: str, target_id: str
    ) -> Situation:
        """What the decision on request `reservation_id` reads, in one statement (see `Situation`);
        seats offered from the line count as held unless offered to this very request."""
        kind = "slot" if target is Slot else "event"
        ids = (reservation_id, reservation_id, target.__name__, origin, target_id)
        seats = (kind, target_id, kind, target_id, reservation_id, kind, target_id)
        row = self.conn.execute(_SITUATION, (*ids, *seats, peer)).fetchone()
        found = row["twinning_id"] is not None
        return Situation(
            twinning_status=row["twinning_status"],
            agreement=(row["twinning_id"], row["role"], row["proposal"]) if found else None,
            decided=bool(row["decided"]),
            queued=bool(row["queued"]),
            target=_parsed(target, row["target"]) if row["target"] is not None else None,
            taken=int(row["taken"]),
            held=int(row["held"]),
            waiting=bool(row["waiting"]),
        )

    def insert(self, hosted: Hosted, receipt_json: str) -> None:
        values = [receipt_json if n == "receipt" else getattr(hosted, n) for n in _HOSTED_COLUMNS]
        self.conn.execute(_INSERT_HOSTED, values)


@lru_cache(maxsize=64)
def _parsed(cls: type[W], envelope_json: str) -> W:
    """The wire model of a stored envelope's object. Every reservation of a slot read and validated
    the same slot again; the same text is the same (frozen) object, so it is parsed once per
    version, whichever worker wrote it, and a new version is new text. Kept for the 64 targets
    last booked: an event's envelope may be tens of kilobytes, and a busy day has few hot ones."""
    return cls.model_validate(loads(envelope_json)["object"])


class HostedRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, tx: Connection, reservation_id: str) -> Hosted | None:
        """Read inside the deciding transaction."""
        rows = await tx.execute_fetchall(_HOSTED_BY_ID, (reservation_id,))
        return Hosted.from_row(next(iter(rows))) if rows else None

    async def get_committed(self, reservation_id: str) -> Hosted | None:
        """The reservation as last committed, read outside any transaction."""
        row = await self._db.fetch_one(_HOSTED_BY_ID, (reservation_id,))
        return Hosted.from_row(row) if row is not None else None

    async def store_receipt(
        self, tx: Connection, reservation_id: str, status: str, version: int, receipt_json: str, at: str
    ) -> None:
        await tx.execute(
            "UPDATE hosted_reservations SET status = ?, version = ?, receipt = ?, updated_at = ? WHERE id = ?",
            (status, version, receipt_json, at, reservation_id),
        )

    async def store_moved(
        self, tx: Connection, reservation_id: str, version: int, receipt_json: str, times: tuple[str, str, str], at: str
    ) -> None:
        """A receipt that follows its moved event: its (starts_at, ends_at, month) with it."""
        await tx.execute(
            "UPDATE hosted_reservations SET version = ?, receipt = ?, starts_at = ?, ends_at = ?, month = ?, "
            "updated_at = ? WHERE id = ?",
            (version, receipt_json, *times, at, reservation_id),
        )

    async def count_seats_taken(self, tx: Connection, target_kind: str, target_id: str) -> int:
        rows = await tx.execute_fetchall(_SEATS_TAKEN, (target_kind, target_id))
        return int(next(iter(rows))[0])

    async def count_units_used(self, tx: Connection, home: str, kind: str, period_start: str) -> int:
        rows = await tx.execute_fetchall(_UNITS_USED, (home, kind, period_start))
        return int(next(iter(rows))[0])

    async def list_confirmed_on(self, tx: Connection, target_kind: str, target_id: str) -> list[Hosted]:
        rows = await tx.execute_fetchall(
            "SELECT * FROM hosted_reservations WHERE target_kind = ? AND target_id = ? AND status = 'confirmed' "
            "ORDER BY created_at, id",
            (target_kind, target_id),
        )
        return [Hosted.from_row(r) for r in rows]

    async def list_for_month(self, month: str, home: str | None = None) -> list[Hosted]:
        sql, params = "SELECT * FROM hosted_reservations WHERE month = ?", [month]
        if home is not None:
            sql, params = sql + " AND home = ?", [*params, home]
        rows = await self._db.fetch_all(sql + " ORDER BY starts_at, id", params)
        return [Hosted.from_row(r) for r in rows]

    async def list_months(self) -> list[str]:
        """The months (YYYY-MM, host's zone) with a reservation we hosted, oldest first."""
        rows = await self._db.fetch_all("SELECT DISTINCT month FROM hosted_reservations ORDER BY month", ())
        return [r["month"] for r in rows]

    async def count_seats_by_target(self, target_kind: str) -> dict[str, int]:
        rows = await self._db.fetch_all(
            "SELECT target_id, SUM(seats) AS seats FROM hosted_reservations "
            "WHERE target_kind = ? AND status = 'confirmed' GROUP BY target_id",
            (target_kind,),
        )
        return {r["target_id"]: int(r["seats"]) for r in rows}
