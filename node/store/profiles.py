"""Profile cards in the store (the feature is node/profiles): members' own cards (`profiles`) and
the directory's cards (`cards`).

`profiles` holds what a member wrote, every field, at home only. `cards` holds what this
node may show in its directory: its own members' published cards and its twins' cards, each
with only the fields shared. Withdrawing or retracting a card deletes its row (the database
overwrites deleted rows with zeros); the full-text index is then merged so that no old term
stays in it either.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, fields
from typing import Any

from aiosqlite import Connection

from .card_purge import IndexPurge
from .db import Database, Row

CARD_LISTS = ("skills", "interests", "languages", "links")


@dataclass(frozen=True)
class Card:
    """One card as the directory shows it: `member` is the handle; a field not shared is None."""

    origin: str
    member: str
    version: int
    updated_at: str
    display_name: str | None = None
    headline: str | None = None
    bio: str | None = None
    skills: list[str] | None = None
    interests: list[str] | None = None
    languages: list[str] | None = None
    city: str | None = None
    links: list[str] | None = None
    looking_for: str | None = None
    open_to_visitors: bool | None = None

    @classmethod
    def from_row(cls, row: Row) -> Card:
        values: dict[str, Any] = {"origin": row["origin"], "member": row["handle"]}
        for f in fields(cls):
            if f.name in ("origin", "member"):
                continue
            value = row[f.name]
            if f.name in CARD_LISTS and value is not None:
                value = json.loads(value)
            elif f.name == "open_to_visitors" and value is not None:
                value = bool(value)
            values[f.name] = value
        return cls(**values)

    def view(self) -> dict[str, Any]:
        """The API's form: origin, member and only the shared fields."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown.pop("version")
        return {k: v for k, v in shown.items() if v is not None}


@dataclass(frozen=True)
class OwnProfile:
    """A member's card as they wrote it, at home."""

    member_id: str
    handle: str
    fields: dict[str, Any]
    shared: list[str]
    audience: str | list[str]
    published: bool
    version: int
    updated_at: str | None

    @classmethod
    def from_row(cls, row: Row) -> OwnProfile:
        return cls(
            member_id=row["member_id"],
            handle=row["handle"],
            fields=json.loads(row["fields"]),
            shared=json.loads(row["shared"]),
            audience=json.loads(row["audience"]),
            published=bool(row["published"]),
            version=row["version"],
            updated_at=row["updated_at"],
        )


def new_handle() -> str:
    """128 random bits: nothing about the member can be read from it."""
    return secrets.token_hex(16)


class ProfileRepository:
    """Members' cards and the directory's cards. Writes take the transaction first."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # After a card is deleted: its words leave the full-text index's bytes (card_purge.py).
        self.purge = IndexPurge(db)

    # -- for other features (introductions, the trip view) ------------------------------------

    async def get_member_for_handle(self, handle: str) -> str | None:
        """The local member whose published card has this handle."""
        row = await self._db.fetch_one("SELECT member_id FROM profiles WHERE handle = ? AND published = 1", (handle,))
        return str(row["member_id"]) if row else None

    async def get_remote(self, origin: str, handle: str) -> Card | None:
        """A card this node holds (a twin's, or one of ours with `origin` our id)."""
        row = await self._db.fetch_one("SELECT * FROM cards WHERE origin = ? AND handle = ?", (origin, handle))
        return Card.from_row(row) if row else None

    async def list_open_to_visitors(self, origin: str) -> list[Card]:
        """The cards of `origin` whose members shared that they are open to meet visitors."""
        rows = await self._db.fetch_all(
            "SELECT c.* FROM cards c WHERE c.origin = ? AND c.open_to_visitors = 1 AND NOT EXISTS "
            "(SELECT 1 FROM hidden_cards h WHERE h.origin = c.origin AND h.handle = c.handle) "
            "ORDER BY c.display_name, c.handle",
            (origin,),
        )
        return [Card.from_row(r) for r in rows]

    # -- members' own cards ---------------------------------------------------------------------

    async def get_own(self, member_id: str, *, tx: Connection | None = None) -> OwnProfile | None:
        sql, params = "SELECT * FROM profiles WHERE member_id = ?", (member_id,)
        row = await (await tx.execute(sql, params)).fetchone() if tx else await self._db.fetch_one(sql, params)
        return OwnProfile.from_row(row) if row else None

    async def get_handle(self, tx: Connection, member_id: str) -> str:
        """The member's handle, created on first use (and never changed)."""
        await tx.execute(
            "INSERT INTO profiles (member_id, handle) VALUES (?, ?) ON CONFLICT (member_id) DO NOTHING",
            (member_id, new_handle()),
        )
        row = await (await tx.execute("SELECT handle FROM profiles WHERE member_id = ?", (member_id,))).fetchone()
        assert row is not None
        return str(row[0])

    async def store_own(self, tx: Connection, profile: OwnProfile) -> None:
        await tx.execute(
            "UPDATE profiles SET fields = ?, shared = ?, audience = ?, published = ?, version = ?, updated_at = ? "
            "WHERE member_id = ?",
            (
                json.dumps(profile.fields, ensure_ascii=False),
                json.dumps(profile.shared),
                json.dumps(profile.audience),
                int(profile.published),
                profile.version,
                profile.updated_at,
                profile.member_id,
            ),
        )

    # -- the directory's cards ------------------------------------------------------------------

    async def store_card(self, tx: Connection, card: Card, terms: str) -> None:
        """Store a card unless a version at least as new is held."""
        lists = {name: _json_list(getattr(card, name)) for name in CARD_LISTS}
        visitors = None if card.open_to_visitors is None else int(card.open_to_visitors)
        await tx.execute(
            "INSERT INTO cards (origin, handle, version, display_name, headline, bio, skills, interests, languages, "
            "city, links, looking_for, open_to_visitors, updated_at, terms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (origin, handle) DO UPDATE SET version = excluded.version, "
            "display_name = excluded.display_name, headline = excluded.headline, bio = excluded.bio, "
            "skills = excluded.skills, interests = excluded.interests, languages = excluded.languages, "
            "city = excluded.city, links = excluded.links, looking_for = excluded.looking_for, "
            "open_to_visitors = excluded.open_to_visitors, updated_at = excluded.updated_at, terms = excluded.terms "
            "WHERE excluded.version > cards.version",
            (
                card.origin,
                card.member,
                card.version,
                card.display_name,
                card.headline,
                card.bio,
                lists["skills"],
                lists["interests"],
                lists["languages"],
                card.city,
                lists["links"],
                card.looking_for,
                visitors,
                card.updated_at,
                terms,
            ),
        )

    async def list_held_handles(self, tx: Connection, origin: str, handles: list[str]) -> set[str]:
        """Which of `handles` this node holds a card of from `origin` (one query for a batch)."""
        if not handles:
            return set()
        marks = ", ".join("?" * len(handles))
        rows = await tx.execute_fetchall(
            f"SELECT handle FROM cards WHERE origin = ? AND handle IN ({marks})", (origin, *handles)
        )
        return {str(r[0]) for r in rows}

    async def delete_card(self, tx: Connection, origin: str, handle: str) -> bool:
        cursor = await tx.execute("DELETE FROM cards WHERE origin = ? AND handle = ?", (origin, handle))
        return cursor.rowcount > 0

    async def list_owners(self, handle: str) -> set[str]:
        """Every origin this handle is known under here: a card held, or one of our members'
        (handles are random, so more than one owner means a forgery)."""
        rows = await self._db.fetch_all(
            "SELECT origin FROM cards WHERE handle = ? UNION SELECT '' FROM profiles WHERE handle = ?", (handle, handle)
        )
        return {str(r[0]) for r in rows}

    async def list_all(self, limit: int = 500) -> list[tuple[Card, bool]]:
        """Every card held, newest first, and whether the operator hid it (for the operator's page)."""
        rows = await self._db.fetch_all(
            "SELECT c.*, EXISTS (SELECT 1 FROM hidden_cards h WHERE h.origin = c.origin AND h.handle = c.handle) "
            "AS hidden FROM cards c ORDER BY c.updated_at DESC, c.pk LIMIT ?",
            (limit,),
        )
        return [(Card.from_row(r), bool(r["hidden"])) for r in rows]

    async def forget_origin(self, tx: Connection, origin: str) -> int:
        """Delete every card of a space that is no longer a twin (and the operator's hiding of them)."""
        cursor = await tx.execute("DELETE FROM cards WHERE origin = ?", (origin,))
        await tx.execute("DELETE FROM hidden_cards WHERE origin = ?", (origin,))
        return cursor.rowcount

    async def store_hidden(self, tx: Connection, origin: str, handle: str, hidden: bool, at: str) -> None:
        if hidden:
            await tx.execute(
                "INSERT INTO hidden_cards (origin, handle, hidden_at) VALUES (?, ?, ?) "
                "ON CONFLICT (origin, handle) DO NOTHING",
                (origin, handle, at),
            )
        else:
            await tx.execute("DELETE FROM hidden_cards WHERE origin = ? AND handle = ?", (origin, handle))

    async def is_hidden(self, origin: str, handle: str) -> bool:
        row = await self._db.fetch_one("SELECT 1 FROM hidden_cards WHERE origin = ? AND handle = ?", (origin, handle))
        return row is not None


def _json_list(value: list[str] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
