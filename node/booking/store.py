"""Storage of this space's resources and members (one async method per query)."""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiosqlite import Connection

from node.http.answers import MemberView, ResourceView
from node.store.db import Database, Row
from protocol.models import Resource, Slot

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # what SQLite's NOCASE folds


@dataclass(frozen=True)
class ResourceRow:
    id: str
    kind: str
    name: str
    capacity: int
    opening_hours: dict[str, list[str]] | None
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> ResourceRow:
        hours = json.loads(row["opening_hours"]) if row["opening_hours"] else None
        return cls(row["id"], row["kind"], row["name"], row["capacity"], hours, row["created_at"])

    def to_wire(self) -> Resource:
        return Resource(id=self.id, kind=self.kind, name=self.name, capacity=self.capacity)  # type: ignore[arg-type]

    def view(self) -> dict[str, Any]:
        """As the API answers it: the shape is `ResourceView`'s (node/http/answers.py)."""
        return ResourceView(
            id=self.id,
            kind=self.kind,
            name=self.name,
            capacity=self.capacity,
            opening_hours=self.opening_hours,
            created_at=self.created_at,
        ).model_dump(mode="json")


@dataclass(frozen=True)
class Member:
    id: str
    display_name: str
    email: str
    created_at: str
    language: str | None = None
    member_since: str | None = None
    optional_mail: bool = True
    calendar_secret: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> Member:
        return cls(
            row["id"],
            row["display_name"],
            row["email"],
            row["created_at"],
            row["language"],
            row["member_since"],
            bool(row["optional_mail"]),
            row["calendar_secret"],
        )

    def view(self) -> dict[str, Any]:
        """As the API answers it: the shape is `MemberView`'s (node/http/answers.py)."""
        return MemberView(
            id=self.id,
            display_name=self.display_name,
            email=self.email,
            language=self.language,
            member_since=self.member_since,
            created_at=self.created_at,
        ).model_dump(mode="json")


class ResourceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, tx: Connection, resource: ResourceRow) -> bool:
        """False if a resource with this id exists."""
        cursor = await tx.execute(
            "INSERT OR IGNORE INTO resources (id, kind, name, capacity, opening_hours, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                resource.id,
                resource.kind,
                resource.name,
                resource.capacity,
                json.dumps(resource.opening_hours) if resource.opening_hours is not None else None,
                resource.created_at,
            ),
        )
        return cursor.rowcount == 1

    async def get(self, resource_id: str) -> ResourceRow | None:
        row = await self._db.fetch_one("SELECT * FROM resources WHERE id = ?", (resource_id,))
        return ResourceRow.from_row(row) if row else None

    async def list(self) -> list[ResourceRow]:
        rows = await self._db.fetch_all("SELECT * FROM resources ORDER BY kind, name, id")
        return [ResourceRow.from_row(r) for r in rows]


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def store(self, tx: Connection, member: Member, calendar_hash: bytes) -> None:
        await tx.execute(
            "INSERT INTO members (id, display_name, email, calendar_hash, created_at, language, member_since, "
            "calendar_secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                member.id,
                member.display_name,
                member.email,
                calendar_hash,
                member.created_at,
                member.language,
                member.member_since,
                member.calendar_secret,
            ),
        )

    async def store_many(self, tx: Connection, members: list[tuple[Member, bytes]]) -> None:
        """Many new members in one statement (an import): one trip to the database thread."""
        await tx.executemany(
            "INSERT INTO members (id, display_name, email, calendar_hash, created_at, language, member_since, "
            "calendar_secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (m.id, m.display_name, m.email, h, m.created_at, m.language, m.member_since, m.calendar_secret)
                for m, h in members
            ],
        )

    async def store_details(self, tx: Connection, member: Member) -> None:
        """Name, language and member-since (the fields an import may change)."""
        await tx.execute(
            "UPDATE members SET display_name = ?, language = ?, member_since = ? WHERE id = ?",
            (member.display_name, member.language, member.member_since, member.id),
        )

    async def store_calendar(self, tx: Connection, member_id: str, secret: str, calendar_hash: bytes) -> None:
        await tx.execute(
            "UPDATE members SET calendar_secret = ?, calendar_hash = ? WHERE id = ?", (secret, calendar_hash, member_id)
        )

    async def store_optional_mail(self, tx: Connection, member_id: str, wanted: bool) -> None:
        await tx.execute("UPDATE members SET optional_mail = ? WHERE id = ?", (int(wanted), member_id))

    async def get(self, member_id: str) -> Member | None:
        row = await self._db.fetch_by_key("SELECT * FROM members WHERE id = ?", (member_id,))
        return Member.from_row(row) if row else None

    async def get_by_email(self, email: str) -> Member | None:
        """The member with this address, the case of its ASCII letters aside. (PostgreSQL's
        case-blind collation also holds invisible and full-width look-alikes equal, such as
        `ada\u200b@` and `ada@`: those are other people's addresses, on both databases.)"""
        rows = await self._db.fetch_all("SELECT * FROM members WHERE email = ? COLLATE NOCASE", (email,))
        wanted = email.translate(_ASCII_LOWER)
        return next((Member.from_row(r) for r in rows if str(r["email"]).translate(_ASCII_LOWER) == wanted), None)

    async def is_email_taken(self, tx: Connection, email: str) -> bool:
        """Inside the writing transaction, so that two adds of one address cannot both pass."""
        rows = await tx.execute_fetchall("SELECT 1 FROM members WHERE email = ? COLLATE NOCASE LIMIT 1", (email,))
        return bool(list(rows))

    async def list_by_email(self, tx: Connection) -> dict[str, Member]:
        """Every member by lower-cased e-mail, read inside the writing transaction (the import)."""
        rows = await tx.execute_fetchall("SELECT * FROM members")
        return {str(r["email"]).lower(): Member.from_row(r) for r in rows}

    async def get_by_oidc_subject(self, subject: str) -> Member | None:
        row = await self._db.fetch_one("SELECT * FROM members WHERE oidc_subject = ?", (subject,))
        return Member.from_row(row) if row else None

    async def store_oidc_subject(self, tx: Connection, member_id: str, subject: str) -> None:
        await tx.execute("UPDATE members SET oidc_subject = ? WHERE id = ?", (subject, member_id))

    async def get_by_calendar_hash(self, calendar_hash: bytes) -> Member | None:
        row = await self._db.fetch_one("SELECT * FROM members WHERE calendar_hash = ?", (calendar_hash,))
        return Member.from_row(row) if row else None

    async def list(self) -> list[Member]:
        rows = await self._db.fetch_all("SELECT * FROM members ORDER BY display_name, id")
        return [Member.from_row(r) for r in rows]

    async def delete(self, tx: Connection, member_id: str) -> bool:
        cursor = await tx.execute("DELETE FROM members WHERE id = ?", (member_id,))
        return cursor.rowcount == 1


class SlotRepository:
    """Reads of our own Slot objects that happen inside a write transaction (one trip each)."""

    async def list_open(self, tx: Connection, origin: str) -> list[Slot]:
        """Our open slots."""
        rows = await tx.execute_fetchall(
            "SELECT envelope FROM objects WHERE type = 'Slot' AND origin = ? AND status = 'open'", (origin,)
        )
        return [_slot(r[0]) for r in rows]

    async def list_open_overlapping(self, tx: Connection, origin: str, starts_at: str, ends_at: str) -> list[Slot]:
        """Our open slots that overlap [starts_at, ends_at) (UTC strings)."""
        rows = await tx.execute_fetchall(
            "SELECT envelope FROM objects WHERE type = 'Slot' AND origin = ? AND status = 'open' "
            "AND starts_at < ? AND ends_at > ?",
            (origin, ends_at, starts_at),
        )
        return [_slot(r[0]) for r in rows]

    async def list_withdrawn_still_held(
        self, tx: Connection, origin: str, starts_at: str, ends_at: str
    ) -> list[tuple[Slot, int]]:
        """Our withdrawn slots overlapping [starts_at, ends_at) (UTC strings) whose guests kept their
        seats (a slot withdrawn once it had started), each with the seats they hold."""
        rows = await tx.execute_fetchall(
            "SELECT o.envelope, SUM(h.seats) FROM objects o JOIN hosted_reservations h ON h.target_kind = 'slot' "
            "AND h.target_id = o.id AND h.status = 'confirmed' WHERE o.type = 'Slot' AND o.origin = ? "
            "AND o.status = 'withdrawn' AND o.starts_at < ? AND o.ends_at > ? GROUP BY o.id, o.envelope",
            (origin, ends_at, starts_at),
        )
        return [(_slot(r[0]), int(r[1])) for r in rows]

    async def list_open_with_seats_held(
        self, tx: Connection, origin: str, slot_ids: Sequence[str] | None
    ) -> list[tuple[Slot, int]]:
        """Our open slots among `slot_ids` (all of them if None), each with the
        seats confirmed on it or offered to its line: what its `remaining` leaves out. One query."""
        among = f"AND o.id IN ({', '.join('?' for _ in slot_ids)}) " if slot_ids is not None else ""
        rows = await tx.execute_fetchall(_OPEN_WITH_SEATS_HELD + among + "ORDER BY o.id", (origin, *(slot_ids or ())))
        return [(_slot(r[0]), int(r[1]) + int(r[2])) for r in rows]


# The sums are those of `HostedRepository.count_seats_taken` and `WaitlistRepository.count_held`.
_OPEN_WITH_SEATS_HELD = (
    "SELECT o.envelope, "
    "(SELECT COALESCE(SUM(h.seats), 0) FROM hosted_reservations h "
    "WHERE h.target_kind = 'slot' AND h.target_id = o.id AND h.status = 'confirmed'), "
    "(SELECT COALESCE(SUM(w.seats), 0) FROM hosted_waitlist w "
    "WHERE w.target_kind = 'slot' AND w.target_id = o.id AND w.status = 'offered') "
    "FROM objects o WHERE o.type = 'Slot' AND o.origin = ? AND o.status = 'open' "
)


def _slot(envelope_json: str) -> Slot:
    return Slot.model_validate(json.loads(envelope_json)["object"])
