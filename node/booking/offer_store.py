"""Storage of standing offers and of the slots their occurrences became (one method per query)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from aiosqlite import Connection

from node.store.db import Database, Row


@dataclass(frozen=True)
class OfferRow:
    id: str
    resource_id: str
    twin: str
    seats: int
    weekdays: list[str]
    from_time: str
    to_time: str
    start_date: str
    end_date: str | None
    exceptions: list[str]
    status: str
    published_to: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Row) -> OfferRow:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["weekdays"], values["exceptions"] = json.loads(row["weekdays"]), json.loads(row["exceptions"])
        return cls(**values)

    def columns(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["weekdays"], values["exceptions"] = json.dumps(self.weekdays), json.dumps(self.exceptions)
        return values


class OfferRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, tx: Connection, offer: OfferRow) -> None:
        values = offer.columns()
        names = ", ".join(values)
        await tx.execute(f"INSERT INTO offers ({names}) VALUES ({', '.join('?' * len(values))})", list(values.values()))

    async def get(self, offer_id: str, *, tx: Connection | None = None) -> OfferRow | None:
        sql, params = "SELECT * FROM offers WHERE id = ?", (offer_id,)
        if tx is not None:
            rows = list(await tx.execute_fetchall(sql, params))
            return OfferRow.from_row(rows[0]) if rows else None
        row = await self._db.fetch_one(sql, params)
        return OfferRow.from_row(row) if row else None

    async def list_all(self) -> list[OfferRow]:
        rows = await self._db.fetch_all("SELECT * FROM offers ORDER BY created_at, id")
        return [OfferRow.from_row(r) for r in rows]

    async def list_active(self, tx: Connection, resource_id: str | None = None) -> list[OfferRow]:
        sql, params = "SELECT * FROM offers WHERE status = 'active'", []
        if resource_id is not None:
            sql, params = sql + " AND resource_id = ?", [resource_id]
        return [OfferRow.from_row(r) for r in await tx.execute_fetchall(sql + " ORDER BY id", params)]

    async def store_state(
        self, tx: Connection, offer_id: str, status: str, end_date: str | None, published_to: str | None, at: str
    ) -> None:
        await tx.execute(
            "UPDATE offers SET status = ?, end_date = ?, published_to = ?, updated_at = ? WHERE id = ?",
            (status, end_date, published_to, at, offer_id),
        )

    async def store_slot(self, tx: Connection, offer_id: str, day: str, slot_id: str) -> None:
        await tx.execute("INSERT INTO offer_slots (offer_id, day, slot_id) VALUES (?, ?, ?)", (offer_id, day, slot_id))

    async def list_days_published(self, tx: Connection, offer_id: str) -> set[str]:
        rows = await tx.execute_fetchall("SELECT day FROM offer_slots WHERE offer_id = ?", (offer_id,))
        return {r["day"] for r in rows}

    async def list_slots_from(self, tx: Connection, offer_id: str, first_day: str) -> list[str]:
        rows = await tx.execute_fetchall(
            "SELECT slot_id FROM offer_slots WHERE offer_id = ? AND day >= ? ORDER BY day", (offer_id, first_day)
        )
        return [r["slot_id"] for r in rows]

    async def count_slots(self, offer_id: str) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) AS n FROM offer_slots WHERE offer_id = ?", (offer_id,))
        return int(row["n"]) if row else 0
