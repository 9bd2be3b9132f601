"""Twinning agreements: the proposal and acceptance envelopes and the local life-cycle status."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from aiosqlite import Connection

from .db import Database, Row

LIVE = ("proposed", "pending", "active", "suspended")


@dataclass(frozen=True)
class Twinning:
    id: str
    peer_id: str
    role: str
    status: str
    proposal: str
    acceptance: str | None
    reason: str | None
    created_at: str
    updated_at: str
    suspended_by: str | None = None  # 'us' or 'peer' while suspended: only that side may resume

    @classmethod
    def from_row(cls, row: Row) -> Twinning:
        return cls(**{k: row[k] for k in row.keys()})  # noqa: SIM118 (sqlite3.Row)


class TwinningRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, tx: Connection, twinning: Twinning) -> None:
        await tx.execute(
            "INSERT INTO twinnings (id, peer_id, role, status, proposal, acceptance, reason, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                twinning.id,
                twinning.peer_id,
                twinning.role,
                twinning.status,
                twinning.proposal,
                twinning.acceptance,
                twinning.reason,
                twinning.created_at,
                twinning.updated_at,
            ),
        )

    async def store_status(
        self,
        tx: Connection,
        twinning_id: str,
        status: str,
        at: str,
        *,
        reason: str | None = None,
        acceptance: str | None = None,
        suspended_by: str | None = None,
    ) -> None:
        await tx.execute(
            "UPDATE twinnings SET status = ?, updated_at = ?, reason = COALESCE(?, reason), "
            "acceptance = COALESCE(?, acceptance), suspended_by = ? WHERE id = ?",
            (status, at, reason, acceptance, suspended_by if status == "suspended" else None, twinning_id),
        )

    async def store_acceptance_withdrawn(self, tx: Connection, twinning_id: str, at: str) -> None:
        """Back to pending: our acceptance did not reach the proposer."""
        await tx.execute(
            "UPDATE twinnings SET status = 'pending', acceptance = NULL, updated_at = ? "
            "WHERE id = ? AND status = 'active'",
            (at, twinning_id),
        )

    async def get(self, twinning_id: str) -> Twinning | None:
        row = await self._db.fetch_by_key("SELECT * FROM twinnings WHERE id = ?", (twinning_id,))
        return Twinning.from_row(row) if row else None

    async def get_live(self, peer_id: str) -> Twinning | None:
        """The agreement with this peer that is not ended or declined, if any."""
        row = await self._db.fetch_by_key(f"SELECT * FROM twinnings WHERE peer_id = ? AND status IN {LIVE}", (peer_id,))
        return Twinning.from_row(row) if row else None

    async def count_pending(self) -> int:
        """Proposals received that wait for our operator's answer."""
        row = await self._db.fetch_one("SELECT COUNT(*) AS n FROM twinnings WHERE status = 'pending'")
        return int(row["n"]) if row else 0

    async def list(self) -> builtins.list[Twinning]:
        rows = await self._db.fetch_all("SELECT * FROM twinnings ORDER BY created_at DESC")
        return [Twinning.from_row(r) for r in rows]

    async def list_active_peers(self) -> builtins.list[str]:
        rows = await self._db.fetch_all("SELECT peer_id FROM twinnings WHERE status = 'active' ORDER BY peer_id")
        return [r["peer_id"] for r in rows]

    async def list_sharing_peers(self) -> builtins.list[str]:
        """The twins that may hold copies of our objects: the active ones and the suspended ones
        (a pause stops sending, it deletes nothing; what they must delete reaches them on resume)."""
        rows = await self._db.fetch_all(
            "SELECT peer_id FROM twinnings WHERE status IN ('active', 'suspended') ORDER BY peer_id"
        )
        return [r["peer_id"] for r in rows]
