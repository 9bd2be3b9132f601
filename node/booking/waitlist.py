"""Waitlists at the host: who waits for a full slot or event, in one strict order, and what
happens when seats come back.

Joining is part of the host's reservation decision (`HostDesk`, one transaction): a full
target puts a request that asked for it in line. Here, inside the write transaction of
whatever freed seats (a cancellation, a withdrawn or lapsed offer, someone leaving) or of the
settling round, the freed seats are offered to the first in line for
`hosting.waitlist_offer_minutes`, never past the target's start minus the minimum notice;
offered seats are held (nobody else can take them) until confirmed, left or lapsed. Every
change is a new version of the entry's signed WaitlistPlace, pushed to the home through the
outbox. Strict order: nobody behind is offered seats while someone ahead still waits.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from node.clock import iso, parse_iso
from node.core import Node, UnitOfWork
from node.worker import Worker
from protocol.models import Event, Slot, WaitlistPlace
from protocol.problems import Problem

from .agreement import terms_we_give
from .hosted_store import HostedRepository
from .refresh import SlotRefresher
from .waitlist_store import StateChange, WaitEntry, WaitlistRepository

# Offers that expire and targets that change (cancelled, withdrawn, more seats) are noticed
# within this many seconds (reads, no write, when nothing is due); a full round every ROUND_SECONDS
# (a line closing when its target is too near to book).
EXPIRY_CHECK_SECONDS = 1.0
ROUND_SECONDS = 30.0


@dataclass(frozen=True)
class Seats:
    """What a target can still give its line: its seats (None: no limit), the last moment to offer
    them, and who may still take them (an event's audience)."""

    capacity: int | None
    deadline: datetime
    audience: Event | None = None


def first_place(entry: WaitEntry, origin: str, now: datetime) -> WaitlistPlace:
    """Version 1 of an entry's place: the answer to the request that joined the line."""
    return WaitlistPlace(
        origin=origin,
        id=entry.id,
        version=1,
        home=entry.home,
        member_id=entry.member_id,
        target={"kind": entry.target_kind, "id": entry.target_id},  # type: ignore[arg-type]
        seats=entry.seats,
        status="waiting",
        position=entry.position,
        request_hash=entry.request_hash,
        issued_at=now,
    )


class HostWaitlist:
    def __init__(self, node: Node, hosted: HostedRepository, refresher: SlotRefresher) -> None:
        self.node = node
        self.hosted = hosted
        self.refresher = refresher  # held seats change the seats a slot shows its twin
        self.repo = WaitlistRepository()
        self._seen: dict[tuple[str, str], int] = {}  # the targets' versions at the last look
        self._last_round: float | None = None  # loop time of the last full round
        # A failed round is tried again a second later: a bug must not freeze the lines for good.
        self.worker = Worker(
            "booking-waitlist", self._step, after_error=EXPIRY_CHECK_SECONDS, lease=node.leases.job("booking-waitlist")
        )

    # -- settling one target ----------------------------------------------------------------

    async def settle(self, work: UnitOfWork, target_kind: str, target_id: str) -> int:
        """Lapse expired offers, offer free seats to the first in line, tell the others their place.
        Returns how many entries changed."""
        now = self.node.clock.now()
        seats = await self._seats(work, target_kind, target_id)
        offered = await self.repo.list_offered(work.tx, target_kind, target_id)
        line = await self.repo.list_line(work.tx, target_kind, target_id)
        if seats is None:  # withdrawn, cancelled or no longer shared: nobody waits for it any more
            for entry in offered + line:
                await self._change(work, entry, "withdrawn")
            return len(offered) + len(line)
        # A home no longer an active twin, or out of an event's audience, cannot take seats (its
        # members' requests are refused): its requests leave the line, as a slot's whole line does
        # when its one twin is suspended.
        active = set(await self.node.store.twinnings.list_active_peers())
        able = {h for h in active if seats.audience is None or seats.audience.visible_to(h)}
        changed = 0
        for entry in [e for e in offered + line if e.home not in able]:
            await self._change(work, entry, "withdrawn")
            changed += 1
        offered, line = [e for e in offered if e.home in able], [e for e in line if e.home in able]
        for entry in offered:
            if entry.offer_expires_at is not None and now >= parse_iso(entry.offer_expires_at):
                await self._change(work, entry, "lapsed")
                changed += 1
        if now >= seats.deadline:  # too late for anyone to take a seat: the line closes
            for entry in line:
                await self._change(work, entry, "lapsed")
            return changed + len(line)
        return changed + await self._offer_free(work, target_kind, target_id, seats, line, now)

    async def _offer_free(
        self, work: UnitOfWork, target_kind: str, target_id: str, seats: Seats, line: list[WaitEntry], now: datetime
    ) -> int:
        held = await self.repo.count_held(work.tx, target_kind, target_id)
        taken = await self.hosted.count_seats_taken(work.tx, target_kind, target_id)
        free = None if seats.capacity is None else seats.capacity - taken - held
        minutes = self.node.settings.hosting.waitlist_offer_minutes
        expires = iso(min(now + timedelta(minutes=minutes), seats.deadline))
        changed, still = 0, list[WaitEntry]()
        for entry in line:
            if not still and (free is None or entry.seats <= free):
                await self._change(work, entry, "offered", expires=expires)
                free = None if free is None else free - entry.seats
                changed += 1
            else:
                still.append(entry)
        for position, entry in enumerate(still, 1):
            if entry.position != position:
                await self._change(work, entry, "waiting", position=position)
                changed += 1
        if changed and target_kind == "slot":
            self.refresher.mark(target_id)
        return changed

    async def _seats(self, work: UnitOfWork, target_kind: str, target_id: str) -> Seats | None:
        type_ = "Slot" if target_kind == "slot" else "Event"
        stored = await self.node.store.objects.get(type_, self.node.id, target_id, tx=work.tx)
        if stored is None:
            return None
        if target_kind == "event":
            event = Event.model_validate(stored.object)
            return None if event.status == "cancelled" else Seats(event.capacity, event.starts_at, event)
        slot = Slot.model_validate(stored.object)
        if slot.status != "open":
            return None
        try:
            rules = (await terms_we_give(self.node, slot.twin)).rules
        except Problem:  # the twinning ended or is suspended: nobody of theirs can take it now
            return None
        return Seats(slot.seats, slot.starts_at - timedelta(hours=rules.min_notice_hours))

    async def _change(
        self, work: UnitOfWork, entry: WaitEntry, status: str, position: int | None = None, expires: str | None = None
    ) -> dict[str, object]:
        """Sign the entry's next WaitlistPlace, push it to its home, and keep it."""
        now = self.node.clock.now()
        old = WaitlistPlace.model_validate(entry.place["object"])
        place = WaitlistPlace.model_validate(
            {
                **old.to_wire(),
                "version": entry.version + 1,
                "status": status,
                "position": position,
                "offer_expires_at": expires,
                "issued_at": iso(now),
            }
        )
        envelope = await self.node.publish(work, place, [entry.home])
        change = StateChange(status, position, expires, place.version, self.node.to_json(envelope), iso(now))
        await self.repo.store_state(work.tx, entry.id, change)
        return envelope

    # -- a home leaves the line -------------------------------------------------------------

    async def leave(self, work: UnitOfWork, entry: WaitEntry) -> dict[str, object]:
        """The home takes its request out of the line (a held offer goes to the next in line)."""
        if entry.status not in ("waiting", "offered"):
            return entry.place  # left, lapsed or withdrawn already: the same answer again
        envelope = await self._change(work, entry, "left")
        await self.settle(work, entry.target_kind, entry.target_id)
        return envelope

    async def forget_member(self, work: UnitOfWork, home: str, member_id: str) -> int:
        """A twin's member erased at home (its MemberErasure): out of every line here, as if they had
        left (their home could not tell us, being cut off from us then). Returns how many."""
        entries = await self.repo.list_held_for(work.tx, home, member_id)
        for entry in entries:  # read again: leaving one line may have offered them seats in another
            fresh = await self.repo.get(work.tx, entry.id)
            await self.leave(work, fresh or entry)
        return len(entries)

    # -- the settling round -----------------------------------------------------------------

    async def run_once(self) -> int:
        """Settle every target with a line; returns how many entries changed."""
        changed = 0
        async with self.node.write() as work:
            for target_kind, target_id in await self.repo.list_open_targets(work.tx):
                changed += await self.settle(work, target_kind, target_id)
        return changed

    async def due(self) -> bool:
        """Whether a round is due now: an offer expired, or a target with a line changed (cancelled,
        withdrawn, more seats). Two reads, no write; a line closing at its deadline waits for the
        next full round."""
        db = self.node.store.db
        if await self.repo.has_expired(db, iso(self.node.clock.now())):
            return True
        versions = await self.repo.list_target_versions(db, self.node.id)
        changed, self._seen = versions != self._seen, versions
        return changed

    def start(self) -> None:
        self._last_round = None
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def _step(self) -> float:
        """A round when one is due (or woken), else a look again in a second."""
        loop = asyncio.get_running_loop()
        full_round = self._last_round is None or loop.time() - self._last_round >= ROUND_SECONDS
        if full_round or await self.due():
            self._last_round = loop.time()
            await self.run_once()
        return EXPIRY_CHECK_SECONDS
