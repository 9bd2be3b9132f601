"""Storage of introductions, blocks, abuse reports and askers' handles (one async method per query)."""

from __future__ import annotations

import builtins
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from aiosqlite import Connection

from node.store.db import Database, Row

from .answers import Report as ReportAnswer


@dataclass(frozen=True)
class Introduction:
    """One introduction as this node sees it (see migration 0045 for the columns' meaning)."""

    home: str
    id: str
    side: str
    host: str
    member_id: str
    from_handle: str
    from_name: str
    to_handle: str
    to_name: str
    message: str
    status: str
    email: str | None
    step: str | None
    blocked: int
    created_at: str
    answered_at: str | None

    @classmethod
    def from_row(cls, row: Row) -> Introduction:
        return cls(**{key: row[key] for key in row.keys()})  # noqa: SIM118 (sqlite3.Row)

    @property
    def other_origin(self) -> str:
        return self.host if self.side == "sent" else self.home


@dataclass(frozen=True)
class Report:
    id: str
    home: str
    introduction_id: str
    member_id: str
    reason: str
    status: str
    created_at: str

    def view(self) -> dict[str, Any]:
        return ReportAnswer(**asdict(self)).model_dump(mode="json")


class IntroductionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, tx: Connection, intro: Introduction) -> None:
        values = asdict(intro)
        await tx.execute(
            f"INSERT INTO introductions ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )

    async def get(self, home: str, id_: str, *, tx: Connection | None = None) -> Introduction | None:
        sql, params = "SELECT * FROM introductions WHERE home = ? AND id = ?", (home, id_)
        if tx is not None:
            rows = list(await tx.execute_fetchall(sql, params))
            return Introduction.from_row(rows[0]) if rows else None
        row = await self._db.fetch_one(sql, params)
        return Introduction.from_row(row) if row else None

    async def get_for_member(self, member_id: str, id_: str) -> Introduction | None:
        """The member's own introduction with this id, sent or received (blocked ones are not theirs to see)."""
        row = await self._db.fetch_one(
            "SELECT * FROM introductions WHERE member_id = ? AND id = ? AND blocked = 0 AND status != 'with_operator'",
            (member_id, id_),
        )
        return Introduction.from_row(row) if row else None

    async def list_for_member(self, member_id: str, limit: int = 200) -> builtins.list[Introduction]:
        rows = await self._db.fetch_all(
            "SELECT * FROM introductions WHERE member_id = ? AND blocked = 0 AND status != 'with_operator' "
            "ORDER BY created_at DESC LIMIT ?",
            (member_id, limit),
        )
        return [Introduction.from_row(r) for r in rows]

    async def list_with_operator(self, limit: int = 200) -> builtins.list[Introduction]:
        rows = await self._db.fetch_all(
            "SELECT * FROM introductions WHERE side = 'received' AND status = 'with_operator' "
            "ORDER BY created_at LIMIT ?",
            (limit,),
        )
        return [Introduction.from_row(r) for r in rows]

    async def get_received(self, id_: str) -> Introduction | None:
        row = await self._db.fetch_one("SELECT * FROM introductions WHERE side = 'received' AND id = ?", (id_,))
        return Introduction.from_row(row) if row else None

    async def count_sent_since(self, tx: Connection, member_id: str, since: str) -> int:
        rows = list(
            await tx.execute_fetchall(
                "SELECT COUNT(*) FROM introductions WHERE side = 'sent' AND member_id = ? AND created_at > ?",
                (member_id, since),
            )
        )
        return int(rows[0][0])

    async def count_received_since(self, tx: Connection, home: str, member_id: str, since: str) -> int:
        rows = list(
            await tx.execute_fetchall(
                "SELECT COUNT(*) FROM introductions WHERE home = ? AND member_id = ? AND side = 'received' "
                "AND blocked = 0 AND created_at > ?",
                (home, member_id, since),
            )
        )
        return int(rows[0][0])

    async def store_answer(
        self, tx: Connection, intro: Introduction, status: str, step: str | None, at: str, email: str | None = None
    ) -> None:
        await tx.execute(
            "UPDATE introductions SET status = ?, step = ?, answered_at = ?, email = COALESCE(?, email), "
            "to_name = CASE WHEN side = 'sent' AND ? != '' THEN ? ELSE to_name END WHERE home = ? AND id = ?",
            (status, step, at, email, intro.to_name, intro.to_name, intro.home, intro.id),
        )

    async def store_step(self, tx: Connection, home: str, id_: str, step: str | None, email: str | None = None) -> None:
        await tx.execute(
            "UPDATE introductions SET step = ?, email = COALESCE(?, email) WHERE home = ? AND id = ?",
            (step, email, home, id_),
        )

    async def store_hidden(self, tx: Connection, home: str, id_: str) -> None:
        """The recipient will not see this one (declined by the operator before they saw it)."""
        await tx.execute("UPDATE introductions SET blocked = 1 WHERE home = ? AND id = ?", (home, id_))

    async def get_next_step(self, tx: Connection) -> Introduction | None:
        """The oldest introduction with a step left to do (read in the transaction that does it)."""
        rows = list(
            await tx.execute_fetchall("SELECT * FROM introductions WHERE step IS NOT NULL ORDER BY created_at LIMIT 1")
        )
        return Introduction.from_row(rows[0]) if rows else None

    async def get_handle(self, tx: Connection, member_id: str, host: str) -> str:
        """The asker's opaque handle towards `host`: random, made on their first request there."""
        await tx.execute(
            "INSERT INTO introduction_handles (member_id, host, handle) VALUES (?, ?, ?) "
            "ON CONFLICT (member_id, host) DO NOTHING",
            (member_id, host, "h-" + secrets.token_urlsafe(16)),
        )
        rows = list(
            await tx.execute_fetchall(
                "SELECT handle FROM introduction_handles WHERE member_id = ? AND host = ?", (member_id, host)
            )
        )
        return str(rows[0][0])

    async def store_block(self, tx: Connection, member_id: str, home: str, handle: str, at: str) -> None:
        await tx.execute(
            "INSERT INTO introduction_blocks (member_id, home, handle, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (member_id, home, handle) DO NOTHING",
            (member_id, home, handle, at),
        )

    async def is_blocked(self, tx: Connection, member_id: str, home: str, handle: str) -> bool:
        rows = list(
            await tx.execute_fetchall(
                "SELECT 1 FROM introduction_blocks WHERE member_id = ? AND home = ? AND handle = ?",
                (member_id, home, handle),
            )
        )
        return bool(rows)

    async def store_report(self, tx: Connection, report: Report) -> None:
        values = asdict(report)
        await tx.execute(
            f"INSERT INTO introduction_reports ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )

    async def list_reports(self, limit: int = 200) -> builtins.list[Report]:
        rows = await self._db.fetch_all(
            "SELECT * FROM introduction_reports ORDER BY status DESC, created_at DESC LIMIT ?", (limit,)
        )
        return [Report(**{key: r[key] for key in r.keys()}) for r in rows]  # noqa: SIM118

    async def store_report_closed(self, tx: Connection, report_id: str) -> bool:
        cursor = await tx.execute(
            "UPDATE introduction_reports SET status = 'closed' WHERE id = ? AND status = 'open'", (report_id,)
        )
        return cursor.rowcount == 1

    async def get_export(self, member_id: str) -> dict[str, Any]:
        """Everything this feature holds about one member (their data export)."""
        found: dict[str, Any] = {}
        for name, table in (
            ("introductions", "introductions"),
            ("blocks", "introduction_blocks"),
            ("reports", "introduction_reports"),
            ("trip_sharing", "trip_sharing"),
        ):
            rows = await self._db.fetch_all(f"SELECT * FROM {table} WHERE member_id = ?", (member_id,))
            found[name] = [{k: r[k] for k in r.keys() if k not in ("member_id", "step")} for r in rows]  # noqa: SIM118
        found["trip_sharing"] = bool(found["trip_sharing"])
        return found

    async def forget(self, tx: Connection, home: str, id_: str) -> None:
        await tx.execute("DELETE FROM introductions WHERE home = ? AND id = ?", (home, id_))

    async def forget_recipient(self, tx: Connection, home: str, id_: str, host: str) -> None:
        """Our asker's row keeps its status; the erased recipient's name and address go."""
        await tx.execute(
            "UPDATE introductions SET email = NULL, to_name = '' WHERE home = ? AND id = ? AND host = ?",
            (home, id_, host),
        )

    async def forget_card_names(self, tx: Connection, host: str, handles: builtins.list[str] | None) -> None:
        """Our askers' rows keep whom they asked (the handle), not the name they read on the card
        that is gone, unless the recipient accepted (then the name came with their answer).
        `handles` None: every card of `host` (the twinning ended)."""
        marks = "" if handles is None else f"AND to_handle IN ({', '.join('?' * len(handles))}) "
        await tx.execute(
            f"UPDATE introductions SET to_name = '' WHERE side = 'sent' AND host = ? {marks}"
            "AND status != 'accepted' AND to_name != ''",
            (host, *(handles or ())),
        )

    async def list_all_for_member(self, tx: Connection, member_id: str) -> builtins.list[Introduction]:
        rows = await tx.execute_fetchall("SELECT * FROM introductions WHERE member_id = ?", (member_id,))
        return [Introduction.from_row(r) for r in rows]

    async def forget_member(self, tx: Connection, member_id: str) -> None:
        """An erased member's introductions (with the signed objects that carried them, ours and the
        twin's), handles, blocks, reports and trip sharing go with them."""
        await tx.execute(
            "DELETE FROM objects WHERE type IN ('IntroductionRequest', 'IntroductionAnswer') AND id IN "
            "(SELECT id FROM introductions WHERE member_id = ?)",
            (member_id,),
        )
        tables = ("introductions", "introduction_handles", "introduction_blocks", "introduction_reports")
        for table in (*tables, "trip_sharing"):
            await tx.execute(f"DELETE FROM {table} WHERE member_id = ?", (member_id,))
