"""The mail outbox: mails written in the transaction of the change that causes them.

A row holds the finished message (bytes and Message-ID), so what the worker sends after a
crash is byte for byte what was decided before it. Rows stay after sending (status `sent`),
which is what makes `dedupe_key` work (a reminder is written once per reservation) and what
the operator's mail page shows; erasure deletes a member's rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from aiosqlite import Connection

from node.clock import iso
from node.store.db import Database, Row

from .message import Mail, Sender, ascii_address, compose


@dataclass(frozen=True)
class QueuedMail:
    message_id: str
    kind: str
    recipient: str
    subject: str
    message: bytes
    status: str
    tries: int
    next_try: str
    last_error: str | None
    created_at: str
    sent_at: str | None

    @classmethod
    def from_row(cls, row: Row) -> QueuedMail:
        return cls(
            row["message_id"],
            row["kind"],
            row["recipient"],
            row["subject"],
            bytes(row["message"]),
            row["status"],
            row["tries"],
            row["next_try"],
            row["last_error"],
            row["created_at"],
            row["sent_at"],
        )


class Work(Protocol):
    """A write transaction with hooks that run once it is committed (node.core.UnitOfWork)."""

    tx: Connection
    after_commit: list[Callable[[], None]]


class MailOutbox:
    """Writes and reads the mail_outbox table. `enabled` is False when no SMTP server is configured."""

    def __init__(self, db: Database, sender: Sender, enabled: bool) -> None:
        self._db = db
        self.sender = sender
        self.enabled = enabled
        self.wake = asyncio.Event()  # set once a transaction that wrote mail has committed

    async def enqueue(self, work: Work, mail: Mail, now: datetime) -> str | None:
        """Write `mail` in the transaction; its Message-ID, or None if mail is off or its key was used."""
        if not self.enabled:
            return None
        mail = replace(mail, to=ascii_address(mail.to))  # the header and the envelope alike
        message_id, message = compose(mail, self.sender, now)
        cursor = await work.tx.execute(
            "INSERT OR IGNORE INTO mail_outbox (message_id, dedupe_key, kind, member_id, recipient, subject, "
            "message, status, next_try, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            (
                message_id,
                mail.dedupe_key,
                mail.kind,
                mail.member_id,
                mail.to,
                mail.subject,
                message,
                iso(now),
                iso(now),
            ),
        )
        if cursor.rowcount != 1:
            return None
        work.after_commit.append(self.wake.set)
        return message_id

    async def due(self, now: str, limit: int) -> list[QueuedMail]:
        rows = await self._db.fetch_all(
            "SELECT * FROM mail_outbox WHERE status = 'pending' AND next_try <= ? ORDER BY next_try, created_at "
            "LIMIT ?",
            (now, limit),
        )
        return [QueuedMail.from_row(r) for r in rows]

    async def next_due(self) -> str | None:
        row = await self._db.fetch_one("SELECT MIN(next_try) AS t FROM mail_outbox WHERE status = 'pending'")
        return row["t"] if row else None

    async def mark_sent(self, tx: Connection, message_id: str, at: str) -> None:
        await tx.execute(
            "UPDATE mail_outbox SET status = 'sent', sent_at = ?, tries = tries + 1, last_error = NULL "
            "WHERE message_id = ?",
            (at, message_id),
        )

    async def mark_retry(self, tx: Connection, message_id: str, error: str, next_try: str) -> None:
        await tx.execute(
            "UPDATE mail_outbox SET tries = tries + 1, last_error = ?, next_try = ? WHERE message_id = ?",
            (error[:500], next_try, message_id),
        )

    async def mark_failed(self, tx: Connection, message_id: str, error: str) -> None:
        """The server refused the mail for good (a 5xx answer): trying again would not help."""
        await tx.execute(
            "UPDATE mail_outbox SET status = 'failed', tries = tries + 1, last_error = ? WHERE message_id = ?",
            (error[:500], message_id),
        )

    async def recent(self, limit: int = 50) -> list[QueuedMail]:
        rows = await self._db.fetch_all(
            "SELECT * FROM mail_outbox ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)
        )
        return [QueuedMail.from_row(r) for r in rows]

    async def for_member(self, member_id: str) -> list[QueuedMail]:
        rows = await self._db.fetch_all(
            "SELECT * FROM mail_outbox WHERE member_id = ? ORDER BY created_at, rowid", (member_id,)
        )
        return [QueuedMail.from_row(r) for r in rows]

    async def forget_member(self, tx: Connection, member_id: str, email: str) -> None:
        """Erasure: every mail to or about the member goes, sent or not."""
        await tx.execute(
            "DELETE FROM mail_outbox WHERE member_id = ? OR recipient = ? COLLATE NOCASE "
            "OR recipient = ? COLLATE NOCASE",
            (member_id, email, ascii_address(email)),
        )

    async def forget_about(self, tx: Connection, key_prefix: str) -> None:
        """Every mail, sent or not, whose `dedupe_key` starts with `key_prefix`: the mails about a
        thing that must go (an introduction whose asker or recipient was erased) go with it."""
        escaped = key_prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        await tx.execute("DELETE FROM mail_outbox WHERE dedupe_key LIKE ? ESCAPE '!'", (escaped + "%",))

    async def counts(self) -> dict[str, int]:
        rows = await self._db.fetch_all("SELECT status, COUNT(*) AS n FROM mail_outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}
