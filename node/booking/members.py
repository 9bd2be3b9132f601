"""Members of this space, and the short-lived signed passes that introduce them to a host.

A pass carries an opaque member id and a display name: the least a host needs to know.
Erasing a member (node/people/erasure.py) deletes their personal data and tokens; their
reservations keep only the opaque id.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from node.clock import iso
from node.core import Node
from node.http.answers import NewMember
from node.store.tokens import hash_token
from protocol.envelope import seal, wire_form
from protocol.models import MemberPass
from protocol.problems import Problem, ProblemType

from .store import Member, MemberRepository

PASSES_KEPT = 4096
# No control character either: the email package reads U+001C..U+001E as line breaks, and the
# white space of pydantic's \s (Unicode's) leaves them out.
EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"
LANGUAGE_PATTERN = r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"  # a BCP 47 tag: it, en-GB, pt-BR


def _written_day(value: object) -> object:
    """A day is written YYYY-MM-DD: pydantic's lax date would also take a number as seconds since
    1970 (`0.0` a member since 1970-01-01), which no client means."""
    if not isinstance(value, str):
        raise ValueError("a date is written as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_written_day)]


class MemberBody(BaseModel):
    """POST /api/v1/members."""

    model_config = ConfigDict(extra="forbid")
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]
    language: Annotated[str, Field(pattern=LANGUAGE_PATTERN)] | None = None
    member_since: Day | None = None


class MemberService:
    def __init__(self, node: Node, repo: MemberRepository) -> None:
        self.node = node
        self.repo = repo
        self.pass_lifetime = timedelta(seconds=node.settings.booking.pass_lifetime_seconds)
        # A signed pass never changes, so one serves every request of its first half-life.
        self._passes: dict[tuple[str, str, str], tuple[datetime, dict[str, Any]]] = {}

    async def add(self, body: MemberBody) -> dict[str, Any]:
        """A new member with a bearer token and a calendar secret (each shown once)."""
        calendar_secret = secrets.token_urlsafe(32)
        member = Member(
            id=secrets.token_hex(12),
            display_name=body.display_name.strip() or body.display_name,
            email=body.email,
            created_at=iso(self.node.clock.now()),
            language=body.language,
            member_since=body.member_since.isoformat() if body.member_since else None,
            calendar_secret=calendar_secret,
        )
        async with self.node.write() as work:
            if await self.repo.is_email_taken(work.tx, body.email):
                raise Problem(ProblemType.CONFLICT, f"a member with the e-mail {body.email} exists")
            await self.repo.store(work.tx, member, hash_token(calendar_secret))
            token = await self.node.store.tokens.store(work.tx, "member", member.id)
        fields = {**member.view(), "token": token, "calendar_url": self.calendar_url(calendar_secret)}
        return NewMember.model_validate(fields).model_dump(mode="json")

    def calendar_url(self, secret: str) -> str:
        return f"{self.node.id}/api/v1/reservations.ics?secret={secret}"

    async def get(self, member_id: str) -> Member:
        member = await self.repo.get(member_id)
        if member is None:
            raise Problem(ProblemType.NOT_FOUND, f"no member {member_id}")
        return member

    async def by_calendar_secret(self, secret: str) -> Member | None:
        return await self.repo.get_by_calendar_hash(hash_token(secret))

    async def list(self) -> list[dict[str, Any]]:
        return [m.view() for m in await self.repo.list()]

    def issue_pass(self, member: Member) -> dict[str, Any]:
        """A signed MemberPass for a request abroad: the one issued earlier while it has more than
        half its lifetime left (same name, same key), else a new one. Signing a pass per request
        cost as much as signing the request itself."""
        now = self.node.clock.now()
        key = (member.id, member.display_name, self.node.keys.current.kid)
        kept = self._passes.get(key)
        if kept is not None and kept[0] <= now < kept[0] + self.pass_lifetime / 2:
            return kept[1]
        if len(self._passes) >= PASSES_KEPT:
            self._passes.clear()
        envelope = self._new_pass(member, now)
        self._passes[key] = (now, envelope)
        return envelope

    def _new_pass(self, member: Member, now: datetime) -> dict[str, Any]:
        member_pass = MemberPass(
            origin=self.node.id,
            id=str(uuid.uuid4()),
            version=1,
            member_id=member.id,
            display_name=member.display_name,
            home=self.node.id,
            issued_at=now,
            expires_at=now + self.pass_lifetime,
        )
        return wire_form(seal(member_pass, self.node.keys.current))
