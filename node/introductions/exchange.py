"""The introduction's signed exchange between the two nodes, and what follows each step.

Host: an `IntroductionRequest` v1 for a member whose card this twin may see is stored for the
recipient (or for the community manager); from an asker the recipient blocked, it is declined
at once with the same answer as any decline. Home: an accepted `IntroductionAnswer` from the
host asked gives the recipient's address; only then does the home send the request's version 2
with the asker's address. A hostile twin can ask only for members whose card it may see, answer
only requests made to it, and send an address only after the recipient accepted.

What follows a change (a mail, an answer, the version 2) is recorded as the row's `step` in
the same transaction, and done by `settle` in a transaction of its own: nothing is lost if the
node stops in between, and the inbox's transaction stays short.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import timedelta

import structlog
from aiosqlite import Connection

from node.booking import MemberRepository
from node.clock import iso
from node.core import Node, UnitOfWork
from node.federation.inbox import Acceptor
from node.retraction import guard
from protocol.envelope import Envelope
from protocol.models import FederatedObject, IntroductionAnswer, IntroductionRequest
from protocol.problems import Problem, ProblemType

from .cards import CardLookup, visible_to
from .mails import forget_mails, mail_introduced, mail_operator_waiting, mail_request
from .store import Introduction, IntroductionRepository

log = structlog.get_logger("node.introductions")
SETTLE_BATCH = 100


async def announce_decline(node: Node, work: UnitOfWork, intro: Introduction) -> None:
    """The same answer for every decline: by the recipient, their operator, or a block (unseen)."""
    answer = IntroductionAnswer(
        origin=node.id, id=intro.id, version=1, home=intro.home, status="declined", answered_at=node.clock.now()
    )
    await node.publish(work, answer, [intro.home])


class Exchange:
    def __init__(self, node: Node, repo: IntroductionRepository, members: MemberRepository, cards: CardLookup) -> None:
        self.node = node
        self.repo = repo
        self.members = members
        self.cards = cards
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def install(self) -> None:
        node = self.node
        requests = Acceptor(self._check_request, self._apply_request, on_retract=self._request_retracted)
        answers = Acceptor(self._check_answer, self._apply_answer, on_retract=self._answer_retracted)
        # A retracted version (its member was erased) that arrives late is refused, not stored again.
        node.inbox.accept("IntroductionRequest", guard(node.store, requests))
        node.inbox.accept("IntroductionAnswer", guard(node.store, answers))
        self.settle_soon()  # what a stop left to do

    # -- at the host ----------------------------------------------------------------------------------

    async def _check_request(self, peer_id: str, obj: FederatedObject) -> None:
        assert isinstance(obj, IntroductionRequest)
        if obj.host != self.node.id:
            raise Problem(ProblemType.FORBIDDEN, f"this request is addressed to {obj.host}, not to {self.node.id}")
        if obj.version == 1:
            member_id = await self.cards.get_member_for_handle(obj.to_member)
            if member_id is None or not visible_to(await self.cards.get_own(member_id), peer_id):
                raise Problem(ProblemType.NOT_FOUND, f"no member {obj.to_member} here can be asked by {peer_id}")
            return
        held = await self.repo.get(peer_id, obj.id)
        if held is None or held.status != "accepted":
            raise Problem(ProblemType.FORBIDDEN, "the asker's address may follow only the recipient's acceptance")

    async def _apply_request(self, tx: Connection, peer_id: str, obj: FederatedObject, envelope: Envelope) -> None:
        assert isinstance(obj, IntroductionRequest)
        if obj.version >= 2:
            await self.repo.store_step(tx, peer_id, obj.id, "introduced", email=obj.email)
        else:
            await self._receive(tx, peer_id, obj)
        self.settle_soon()

    async def _receive(self, tx: Connection, peer_id: str, obj: IntroductionRequest) -> None:
        member_id = await self.cards.get_member_for_handle(obj.to_member)
        if member_id is None or await self.repo.get(peer_id, obj.id, tx=tx) is not None:
            return
        blocked = await self.repo.is_blocked(tx, member_id, peer_id, obj.from_member) or await self._flooded(
            tx, peer_id, member_id
        )
        if blocked:
            status, step = "declined", "answer"
        elif self.node.settings.people.introductions == "via_operator":
            status, step = "with_operator", "notify_operator"
        else:
            status, step = "requested", "notify"
        row = Introduction(
            home=peer_id,
            id=obj.id,
            side="received",
            host=self.node.id,
            member_id=member_id,
            from_handle=obj.from_member,
            from_name=obj.from_name,
            to_handle=obj.to_member,
            to_name="",
            message=obj.message,
            status=status,
            email=None,
            step=step,
            blocked=int(blocked),
            created_at=iso(self.node.clock.now()),
            answered_at=None,
        )
        await self.repo.store(tx, row)

    async def _flooded(self, tx: Connection, peer_id: str, member_id: str) -> bool:
        """One twin may bring a member at most as many requests a day as one of ours may send: an
        honest twin's members never reach it together; a twin that does not keep its own limit
        (or makes up askers) gets declines, and our member gets no more mail from it."""
        since = iso(self.node.clock.now() - timedelta(days=1))
        held = await self.repo.count_received_since(tx, peer_id, member_id, since)
        return held >= self.node.settings.people.introductions_per_day

    # -- at the home ----------------------------------------------------------------------------------

    async def _check_answer(self, peer_id: str, obj: FederatedObject) -> None:
        assert isinstance(obj, IntroductionAnswer)
        held = await self.repo.get(self.node.id, obj.id)
        if obj.home != self.node.id or held is None or held.side != "sent" or held.host != peer_id:
            raise Problem(ProblemType.NOT_FOUND, f"{peer_id} was asked no introduction {obj.id} by this node")

    async def _apply_answer(self, tx: Connection, peer_id: str, obj: FederatedObject, envelope: Envelope) -> None:
        assert isinstance(obj, IntroductionAnswer)
        held = await self.repo.get(self.node.id, obj.id, tx=tx)
        if held is None or held.status != "requested":
            return
        named = replace(held, to_name=obj.display_name or held.to_name)
        at = iso(obj.answered_at)
        if obj.status == "accepted":
            await self.repo.store_answer(tx, named, "accepted", "follow_up", at, email=obj.email)
            self.settle_soon()
        else:
            await self.repo.store_answer(tx, named, "declined", None, at)

    # -- erasure at the other side (node/introductions/erasure.py) ----------------------------------

    async def _request_retracted(self, tx: Connection, origin: str, object_id: str) -> None:
        """At the host: the asker was erased at home; the row goes with the stored request, and the
        mails that told of it (to the recipient, to the community manager)."""
        await self.repo.forget(tx, origin, object_id)
        await forget_mails(self.node, tx, origin, object_id)

    async def _answer_retracted(self, tx: Connection, origin: str, object_id: str) -> None:
        """At the home: the recipient was erased at the host; their name and address go, from the
        row and from the mail that gave them to our member."""
        await self.repo.forget_recipient(tx, self.node.id, object_id, origin)
        await forget_mails(self.node, tx, self.node.id, object_id)

    # -- what follows ---------------------------------------------------------------------------------

    def settle_soon(self) -> None:
        """Run `settle` once more after what is running now: many changes in a batch, one worker."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._settle_while_asked())

    async def _settle_while_asked(self) -> None:
        while self._again:
            self._again = False
            await self.settle()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def settle(self) -> int:
        """Do the steps rows are waiting for, each in its own transaction. It waits for the writer,
        so when called from inside the inbox's transaction it runs once that one has committed."""
        done = 0
        while done < SETTLE_BATCH:
            try:
                async with self.node.write() as work:
                    intro = await self.repo.get_next_step(work.tx)
                    if intro is None:
                        return done
                    await self._step(work, intro)
            except Exception:  # a bug must not leave the loop spinning: log it; the next change retries
                log.exception("introduction_step_failed")
                return done
            done += 1
        return done

    async def _step(self, work: UnitOfWork, intro: Introduction) -> None:
        await self.repo.store_step(work.tx, intro.home, intro.id, None)
        member = await self.members.get(intro.member_id)
        if intro.step == "answer":
            await announce_decline(self.node, work, intro)
        elif member is None:
            return  # erased meanwhile: nothing to tell anyone
        elif intro.step == "notify":
            await mail_request(self.node, work, intro, member)
        elif intro.step == "notify_operator":
            await mail_operator_waiting(self.node, work, intro, member)
        elif intro.step == "follow_up":
            follow = IntroductionRequest.model_validate(
                {**await self._request_of(intro), "version": 2, "email": member.email}
            )
            await self.node.publish(work, follow, [intro.host])
            await mail_introduced(self.node, work, intro, member, intro.email or "")
        elif intro.step == "introduced":
            await mail_introduced(self.node, work, intro, member, intro.email or "")

    async def _request_of(self, intro: Introduction) -> dict[str, object]:
        stored = await self.node.store.objects.get("IntroductionRequest", self.node.id, intro.id)
        assert stored is not None, "our own request is stored with the row"
        return dict(stored.object)
