"""A member's own account (calendar address and API token, renewed by them) and the operator's
named tokens (listed and revoked by id, for scripts, so people can sign in another way)."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from node.booking import Member, MemberRepository
from node.core import Node
from node.store.tokens import hash_token
from protocol.problems import Problem, ProblemType


class Accounts:
    def __init__(self, node: Node, members: MemberRepository) -> None:
        self.node = node
        self.members = members

    async def member(self, member_id: str) -> Member:
        found = await self.members.get(member_id)
        if found is None:
            raise Problem(ProblemType.NOT_FOUND, f"no member {member_id}")
        return found

    def calendar_url(self, member: Member) -> str | None:
        if member.calendar_secret is None:
            return None
        return f"{self.node.id}/api/v1/reservations.ics?secret={member.calendar_secret}"

    async def renew_calendar(self, member_id: str) -> str:
        """A new calendar address; the old one stops working at once."""
        await self.member(member_id)
        secret = secrets.token_urlsafe(32)
        async with self.node.write() as work:
            await self.members.store_calendar(work.tx, member_id, secret, hash_token(secret))
        return f"{self.node.id}/api/v1/reservations.ics?secret={secret}"

    async def renew_token(self, member_id: str) -> str:
        """A new API token for the member; their earlier API tokens stop working (web sessions stay)."""
        await self.member(member_id)
        async with self.node.write() as work:
            await self.node.store.tokens.delete_api_tokens(work.tx, member_id)
            return await self.node.store.tokens.store(work.tx, "member", member_id)

    async def set_optional_mail(self, member_id: str, wanted: bool) -> None:
        async with self.node.write() as work:
            await self.members.store_optional_mail(work.tx, member_id, wanted)

    # -- operator tokens ----------------------------------------------------------------------

    async def create_operator_token(self, name: str) -> dict[str, Any]:
        async with self.node.write() as work:
            token_id, token = await self.node.store.tokens.store_operator(work.tx, name)
        listed = {t.id: t for t in await self.node.store.tokens.list_operators()}
        return {**asdict(listed[token_id]), "token": token}

    async def list_operator_tokens(self) -> list[dict[str, Any]]:
        return [asdict(t) for t in await self.node.store.tokens.list_operators()]

    async def revoke_operator_token(self, token_id: str) -> None:
        async with self.node.write() as work:
            if not await self.node.store.tokens.delete_operator(work.tx, token_id):
                raise Problem(ProblemType.NOT_FOUND, f"no operator token {token_id}")
