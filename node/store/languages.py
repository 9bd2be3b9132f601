"""Storage of the language each member chose for pages and mails (one row per member who chose)."""

from __future__ import annotations

from aiosqlite import Connection

from .db import Database


class MemberLanguageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, member_id: str) -> str | None:
        row = await self._db.fetch_one("SELECT language FROM member_languages WHERE member_id = ?", (member_id,))
        return str(row["language"]) if row is not None else None

    async def store(self, tx: Connection, member_id: str, language: str) -> None:
        await tx.execute(
            "INSERT INTO member_languages (member_id, language) VALUES (?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET language = excluded.language",
            (member_id, language),
        )
