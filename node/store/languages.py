"""The language each member chose for pages and mails: `members.language`, a BCP 47 tag, set by
the pages' language switcher or by an import (one query each way)."""

from __future__ import annotations

from aiosqlite import Connection

from .db import Database


class MemberLanguageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, member_id: str) -> str | None:
        row = await self._db.fetch_one("SELECT language FROM members WHERE id = ?", (member_id,))
        return str(row["language"]) if row is not None and row["language"] else None

    async def store(self, tx: Connection, member_id: str, language: str) -> None:
        await tx.execute("UPDATE members SET language = ? WHERE id = ?", (language, member_id))
