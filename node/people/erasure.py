"""A member's data is theirs: everything the node holds about them as JSON, and erasure.

Erasure (by the member or the operator) cancels their future reservations abroad at each
host (which sends the cancelled receipts), deletes their personal data here (member row,
tokens, sign-in codes, mails), and sends each host they visited a signed `MemberErasure`
so that the host deletes their display name too. Hosts also forget visitors' names
`people.visitor_name_days` after the visit. The database overwrites deleted rows with zeros
and its write-ahead log is emptied after an erasure, so the bytes are gone from the files.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import structlog
from aiosqlite import Connection

from node.booking import GuestRepository, HomeDesk, MemberRepository, view
from node.clock import iso
from node.core import Node, UnitOfWork
from node.federation.inbox import Acceptor
from node.introductions import IntroductionRepository, forget_introductions
from node.profiles import withdraw_card
from node.worker import Worker
from protocol.envelope import Envelope
from protocol.models import FederatedObject, MemberErasure
from protocol.problems import Problem, ProblemType

from .accounts import Accounts
from .store import SignInRepository

log = structlog.get_logger("node.people")
CHORES_SECONDS = 3600.0


class Erasure:
    def __init__(self, node: Node, members: MemberRepository, accounts: Accounts, home: HomeDesk) -> None:
        self.node = node
        self.members = members
        self.accounts = accounts
        self.home = home

    async def export(self, member_id: str) -> dict[str, Any]:
        """Everything this node holds about the member."""
        member = await self.accounts.member(member_id)
        desk = self.home
        tokens = await self.node.store.tokens.list_for_member(member_id)
        mails = await self.node.mail.for_member(member_id)
        card = await self.node.profiles.get_own(member_id)
        return {
            "exported_at": iso(self.node.clock.now()),
            "node": {"id": self.node.id, "name": self.node.settings.node.name},
            "member": {
                **member.view(),
                "reminders": member.optional_mail,
                "calendar_url": self.accounts.calendar_url(member),
            },
            "reservations": [view(r, desk.zone) for r in await desk.repo.list_for_member(member_id)],
            "tokens": [asdict(t) for t in tokens],
            # Their profile card as written, every field (shared or not), with its audience.
            "profile": {k: v for k, v in asdict(card).items() if k != "member_id"} if card else None,
            # Introductions asked and answered, blocks, reports, and whether they share their trips.
            **await IntroductionRepository(self.node.store.db).get_export(member_id),
            "mails": [
                {"subject": m.subject, "to": m.recipient, "kind": m.kind, "status": m.status}
                | {"created_at": m.created_at, "sent_at": m.sent_at}
                for m in mails
            ],
        }

    async def erase(self, member_id: str) -> dict[str, Any]:
        member = await self.accounts.member(member_id)
        desk = self.home
        now = self.node.clock.now()
        reservations = await desk.repo.list_for_member(member_id)
        # A confirmed reservation still to come is cancelled, a place in a waitlist is left.
        upcoming = [r for r in reservations if r.status == "confirmed" and (r.starts_at or "") > iso(now)]
        live = upcoming + [r for r in reservations if r.status in ("waiting", "offered")]
        by_host = [[r.id for r in live if r.host == host] for host in sorted({r.host for r in live})]
        cancelled: list[str] = []
        left: list[dict[str, str]] = []
        # The hosts at once, each host's reservations in turn: a host that does not answer costs one wait.
        await asyncio.gather(*(self._cancel_at(member_id, held, cancelled, left) for held in by_host))
        hosts = sorted({r.host for r in reservations})
        async with self.node.write() as work:
            for reservation in reservations:
                if reservation.status == "pending":
                    await desk.repo.store_rejected(work.tx, reservation.id, "member-left", iso(now))
            await withdraw_card(self.node, work, member_id)  # their card leaves every twin's files too
            await self._delete(work, member_id, member.email)
            notice = MemberErasure(
                origin=self.node.id,
                id=str(uuid.uuid4()),
                version=1,
                member_id=member_id,
                home=self.node.id,
                erased_at=now,
            )
            if hosts:
                await self.node.publish(work, notice, hosts)
        await self.node.store.db.checkpoint()
        done = {"cancelled": cancelled, "not_cancelled": left, "hosts": hosts}
        return {"id": member_id, "deleted": True, "erased": True, **done}

    async def _cancel_at(
        self, member_id: str, held: list[str], cancelled: list[str], left: list[dict[str, str]]
    ) -> None:
        """Cancel the member's reservations `held` at one host; once it has not answered, the rest
        there are left as they are (the erasure notice still goes, and reaches it when it is back)."""
        unreachable = False
        for reservation_id in held:
            if unreachable:
                left.append({"id": reservation_id, "problem": ProblemType.PEER_UNREACHABLE.value})
                continue
            try:
                await self.home.cancel(member_id, reservation_id)
                cancelled.append(reservation_id)
            except Problem as problem:  # too late to cancel, or the host is down: the notice still goes
                unreachable = problem.kind is ProblemType.PEER_UNREACHABLE
                left.append({"id": reservation_id, "problem": problem.kind.value})

    async def _delete(self, work: UnitOfWork, member_id: str, email: str) -> None:
        if not await self.members.delete(work.tx, member_id):
            raise Problem(ProblemType.NOT_FOUND, f"no member {member_id}")
        await self.node.store.tokens.delete_for_member(work.tx, member_id)
        await SignInRepository().forget_member(work.tx, member_id, email)
        await self.node.mail.forget_member(work.tx, member_id, email)
        await forget_introductions(self.node, work, member_id)


# -- as host ------------------------------------------------------------------------------------


def erasure_acceptor(
    node: Node, visitor_erased: Sequence[Callable[[UnitOfWork, str, str], Awaitable[object]]] = ()
) -> Acceptor:
    """The inbox's handling of MemberErasure: only the member's home may erase them; names go,
    and whatever else `visitor_erased` does (they leave our waitlists)."""

    async def check(peer_id: str, obj: FederatedObject) -> None:
        assert isinstance(obj, MemberErasure)
        if obj.home != peer_id:
            raise Problem(ProblemType.FORBIDDEN, f"only {obj.home} may erase its members")

    async def apply(tx: Connection, peer_id: str, obj: FederatedObject, envelope: Envelope) -> None:
        assert isinstance(obj, MemberErasure)
        await GuestRepository(node.store.db).forget_names_of(tx, obj.home, obj.member_id)
        work = UnitOfWork(tx)
        for hook in visitor_erased:
            await hook(work, obj.home, obj.member_id)
        if work.wake:  # what the hooks published goes out once the inbox's transaction is committed
            asyncio.get_running_loop().call_later(0.2, node.federation.wake, work.wake)
        # After the inbox commits, empty the write-ahead log so the old name leaves the files.
        asyncio.get_running_loop().call_later(0.2, _checkpoint_soon, node)

    return Acceptor(check=check, after_apply=apply)


def _checkpoint_soon(node: Node) -> None:
    task = asyncio.ensure_future(node.store.db.checkpoint())
    task.add_done_callback(lambda t: t.exception() and log.warning("checkpoint_failed", error=str(t.exception())))


class Chores:
    """Hourly: hosts forget visitors' display names `visitor_name_days` after the visit."""

    def __init__(self, node: Node) -> None:
        self.node = node
        lease = node.leases.job("people-chores")
        self.worker = Worker("people-chores", self._step, after_error=CHORES_SECONDS, lease=lease)

    async def forget_old_visitors(self) -> int:
        days = self.node.settings.people.visitor_name_days
        before = iso(self.node.clock.now() - timedelta(days=days))
        async with self.node.write() as work:
            purged = await GuestRepository(self.node.store.db).forget_names_before(work.tx, before)
        if purged:
            await self.node.store.db.checkpoint()
        return purged

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def _step(self) -> float:
        await self.forget_old_visitors()
        return CHORES_SECONDS
