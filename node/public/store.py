"""The queries behind the open-data statistics: what they read of other features' tables,
in one place, so the statistics module computes and never writes SQL."""

from __future__ import annotations

from dataclasses import dataclass

from node.store.db import Database


@dataclass(frozen=True)
class RehostedCopy:
    """One re-hosted event across a twinning: who hosts the copy, whose event it was, when."""

    origin: str  # the space hosting the copy
    source_origin: str  # the space whose event it copies
    starts_at: str  # the copy's start, RFC 3339 UTC


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get_receipts_version(self) -> tuple[object, ...]:
        """Changes whenever a receipt is stored or replaced, or an event arrives. `updated_at` is
        whole seconds, so the sum of the receipts' versions (each replacement raises one) tells
        apart two changes in the same second (a front desk checking in a queue of guests)."""
        row = await self._db.fetch_one(
            "SELECT (SELECT COUNT(*) || ':' || IFNULL(MAX(updated_at), '') || ':' || IFNULL(SUM(version), 0) "
            "FROM hosted_reservations), "
            "(SELECT COUNT(*) || ':' || IFNULL(MAX(updated_at), '') || ':' || IFNULL(SUM(version), 0) "
            "FROM home_reservations), "
            "(SELECT COUNT(*) FROM event_copies), "
            "(SELECT IFNULL(MAX(received_at), '') FROM objects WHERE type = 'Event')"
        )
        return tuple(row) if row is not None else ()

    async def list_rehosted(self, node_id: str) -> list[RehostedCopy]:
        """Copies that are not cancelled of events re-hosted here from a twin, or by a twin from us."""
        rows = await self._db.fetch_all(
            "SELECT c.origin, c.source_origin, o.starts_at FROM event_copies c JOIN objects o "
            "ON o.type = 'Event' AND o.origin = c.origin AND o.id = c.id "
            "WHERE (c.origin = ? OR c.source_origin = ?) AND c.origin != c.source_origin "
            "AND IFNULL(o.status, '') != 'cancelled'",
            (node_id, node_id),
        )
        return [RehostedCopy(row["origin"], row["source_origin"], row["starts_at"]) for row in rows]
