"""Introductions asked and answered by members, and by the community manager in `via_operator` mode.

The asker's home checks the daily limit and the card, stores the request and queues the signed
`IntroductionRequest` for the host (outbox, retried). The host's answers, blocks and reports are
local decisions of the recipient and of its operator; only the answer crosses back, signed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from aiosqlite import Connection

from node.booking import Member, MemberRepository
from node.clock import iso
from node.core import Node, UnitOfWork
from node.times import invalid
from protocol.models import IntroductionAnswer, IntroductionRequest
from protocol.problems import Problem, ProblemType

from . import answers as a
from .cards import CardLookup
from .exchange import Exchange, announce_decline
from .mails import mail_operator_report, mail_request
from .store import Introduction, IntroductionRepository, Report

OPEN = ("requested", "with_operator")


class Introductions:
    def __init__(self, node: Node, members: MemberRepository, cards: CardLookup) -> None:
        self.node = node
        self.members = members
        self.cards = cards
        self.repo = IntroductionRepository(node.store.db)
        self.exchange = Exchange(node, self.repo, members, cards)

    def start(self) -> None:
        """Take requests and answers in the inbox, and do what a stop left to do."""
        self.exchange.install()

    async def stop(self) -> None:
        await self.exchange.stop()

    # -- the asker, at home -----------------------------------------------------------------------

    async def ask(self, member_id: str, origin: str, handle: str, message: str) -> dict[str, Any]:
        host = origin.rstrip("/")
        text = self._message(message)
        if host == self.node.id:
            raise invalid("to", "introductions are for members of twin spaces")
        twinning = await self.node.store.twinnings.get_live(host)
        if twinning is None or twinning.status != "active":
            raise Problem(ProblemType.NOT_TWINNED, f"{host} is not an active twin of this space")
        card = await self.cards.get_remote(host, handle)
        if card is None:
            raise Problem(ProblemType.NOT_FOUND, "no card of that member is visible here")
        asker = await self._member(member_id)
        now = self.node.clock.now()
        async with self.node.write() as work:
            await self._within_limit(work.tx, member_id, now)
            request = IntroductionRequest(
                origin=self.node.id,
                id=str(uuid.uuid4()),
                version=1,
                host=host,
                to_member=handle,
                from_member=await self.repo.get_handle(work.tx, member_id, host),
                from_name=asker.display_name[:200],
                message=text,
                sent_at=now,
            )
            await self.repo.store(work.tx, _sent_row(request, member_id, card.display_name or "", iso(now)))
            await self.node.publish(work, request, [host])
        return {"id": request.id, "status": "requested"}

    def _message(self, message: str) -> str:
        """Plain text, bounded: control characters other than line breaks and tabs are refused."""
        text = message.strip().replace("\r\n", "\n")
        limit = self.node.settings.people.introduction_message_chars
        if not text:
            raise invalid("message", "write a few words to say who you are and why you would like to meet")
        if len(text) > limit:
            raise invalid("message", f"write at most {limit} characters (this message has {len(text)})")
        if any(ord(c) < 32 and c not in "\n\t" for c in text):
            raise invalid("message", "plain text only, please")
        return text

    async def _within_limit(self, tx: Connection, member_id: str, now: datetime) -> None:
        per_day = self.node.settings.people.introductions_per_day
        since = iso(now - timedelta(days=1))
        if await self.repo.count_sent_since(tx, member_id, since) >= per_day:
            raise Problem(
                ProblemType.INTRODUCTION_LIMIT,
                f"You have asked for {per_day} introductions in the last 24 hours, as many as this space allows. "
                "Please try again tomorrow.",
                retry_after=3600,
            )

    async def forget_card(self, tx: Connection, origin: str, handles: list[str]) -> None:
        """Twins' cards we no longer hold (withdrawn, retracted, their member erased): the names
        our askers' requests read on them go too (node/profiles calls this)."""
        await self.repo.forget_card_names(tx, origin, handles)

    # -- reading --------------------------------------------------------------------------------------

    async def list_for(self, member_id: str) -> list[dict[str, Any]]:
        return [self.view(intro) for intro in await self.repo.list_for_member(member_id)]

    async def one(self, member_id: str, id_: str) -> dict[str, Any]:
        intro = await self._own(member_id, id_)
        shown = self.view(intro)
        if intro.status == "accepted" and intro.email:
            shown["email"] = intro.email
        return shown

    def view(self, intro: Introduction) -> dict[str, Any]:
        sent = intro.side == "sent"
        other = {
            "origin": intro.host if sent else intro.home,
            "member": intro.to_handle if sent else intro.from_handle,
            "display_name": intro.to_name if sent else intro.from_name,
        }
        status = "requested" if intro.status == "with_operator" else intro.status
        shown = a.Introduction(
            id=intro.id,
            direction=intro.side,
            status=status,
            other=a.OtherMember(**other),
            message=intro.message,
            created_at=intro.created_at,
            answered_at=intro.answered_at,
        )
        return shown.model_dump(mode="json", exclude_unset=True)  # `email` only where `one` adds it

    # -- the recipient, at the host -----------------------------------------------------------------

    async def accept(self, member_id: str, id_: str) -> dict[str, Any]:
        intro = await self._received(member_id, id_)
        member = await self._member(member_id)
        now = self.node.clock.now()
        async with self.node.write() as work:
            await self.repo.store_answer(work.tx, intro, "accepted", None, iso(now))
            answer = IntroductionAnswer(
                origin=self.node.id,
                id=intro.id,
                version=1,
                home=intro.home,
                status="accepted",
                answered_at=now,
                display_name=member.display_name[:200],
                email=member.email,
            )
            await self.node.publish(work, answer, [intro.home])
        return await self.one(member_id, id_)

    async def decline(self, member_id: str, id_: str, *, block: bool = False) -> dict[str, Any]:
        intro = await self._own(member_id, id_)
        if intro.side != "received":
            raise Problem(ProblemType.FORBIDDEN, "only the member asked may answer an introduction")
        async with self.node.write() as work:
            if block:
                await self.repo.store_block(
                    work.tx, member_id, intro.home, intro.from_handle, iso(self.node.clock.now())
                )
            if intro.status in OPEN:
                await self._declined(work, intro)
            elif not block:
                raise Problem(ProblemType.CONFLICT, f"this introduction is already {intro.status}")
        return await self.one(member_id, id_)

    async def report(self, member_id: str, id_: str, reason: str) -> dict[str, Any]:
        intro = await self._own(member_id, id_)
        if intro.side != "received":
            raise Problem(ProblemType.FORBIDDEN, "a report is made by the member who received the request")
        text = reason.strip()
        if not 1 <= len(text) <= 2000:
            raise invalid("reason", "say in a few words (at most 2000 characters) what was wrong")
        report = Report(
            id=str(uuid.uuid4()),
            home=intro.home,
            introduction_id=intro.id,
            member_id=member_id,
            reason=text,
            status="open",
            created_at=iso(self.node.clock.now()),
        )
        member = await self._member(member_id)
        async with self.node.write() as work:
            await self.repo.store_report(work.tx, report)
            await mail_operator_report(self.node, work, intro, member, text, report.id)
        return report.view()

    # -- the community manager, in via_operator mode ------------------------------------------------

    async def waiting(self) -> list[dict[str, Any]]:
        items = []
        for intro in await self.repo.list_with_operator():
            member = await self.members.get(intro.member_id)
            items.append({**self.view(intro), "to": member.display_name if member else ""})
        return items

    async def forward(self, id_: str) -> dict[str, Any]:
        intro = await self._with_operator(id_)
        member = await self._member(intro.member_id)
        async with self.node.write() as work:
            await self.repo.store_answer(work.tx, intro, "requested", None, iso(self.node.clock.now()))
            await mail_request(self.node, work, intro, member)
        return {"id": id_, "status": "requested"}

    async def operator_decline(self, id_: str) -> dict[str, Any]:
        """Declined before the member saw it: it stays hidden from them, as a blocked asker's would."""
        intro = await self._with_operator(id_)
        async with self.node.write() as work:
            await self.repo.store_hidden(work.tx, intro.home, intro.id)
            await self._declined(work, intro)
        return {"id": id_, "status": "declined"}

    async def reports(self) -> list[dict[str, Any]]:
        return [report.view() for report in await self.repo.list_reports()]

    async def close_report(self, report_id: str) -> dict[str, Any]:
        async with self.node.write() as work:
            if not await self.repo.store_report_closed(work.tx, report_id):
                raise Problem(ProblemType.NOT_FOUND, f"no open report {report_id}")
        return {"id": report_id, "status": "closed"}

    # -- shared -------------------------------------------------------------------------------------

    async def _declined(self, work: UnitOfWork, intro: Introduction) -> None:
        await self.repo.store_answer(work.tx, intro, "declined", None, iso(self.node.clock.now()))
        await announce_decline(self.node, work, intro)

    async def _own(self, member_id: str, id_: str) -> Introduction:
        intro = await self.repo.get_for_member(member_id, id_)
        if intro is None:
            raise Problem(ProblemType.NOT_FOUND, f"you have no introduction {id_}")
        return intro

    async def _received(self, member_id: str, id_: str) -> Introduction:
        intro = await self._own(member_id, id_)
        if intro.side != "received":
            raise Problem(ProblemType.FORBIDDEN, "only the member asked may answer an introduction")
        if intro.status != "requested":
            raise Problem(ProblemType.CONFLICT, f"this introduction is already {intro.status}")
        return intro

    async def _with_operator(self, id_: str) -> Introduction:
        intro = await self.repo.get_received(id_)
        if intro is None or intro.status != "with_operator":
            raise Problem(ProblemType.NOT_FOUND, f"no introduction {id_} is waiting for the community manager")
        return intro

    async def _member(self, member_id: str) -> Member:
        member = await self.members.get(member_id)
        if member is None:
            raise Problem(ProblemType.NOT_FOUND, f"no member {member_id}")
        return member


def _sent_row(request: IntroductionRequest, member_id: str, to_name: str, at: str) -> Introduction:
    return Introduction(
        home=request.origin,
        id=request.id,
        side="sent",
        host=request.host,
        member_id=member_id,
        from_handle=request.from_member,
        from_name=request.from_name,
        to_handle=request.to_member,
        to_name=to_name,
        message=request.message,
        status="requested",
        email=None,
        step=None,
        blocked=0,
        created_at=at,
        answered_at=None,
    )
