"""Slots: space-time this space offers ONE twin, and the slots our twins offer us.

Capacity rule: a slot's seats belong to the twin it is offered to. The host never offers
more seats of a resource at any moment than the resource holds: when a slot is offered, the
peak of seats over the open slots of that resource overlapping it, plus its own, must fit
the capacity (checked in the same transaction that publishes it). So each slot is decided
on its own and no mix of reservations can overbook the resource.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from node.clock import iso
from node.core import Node, UnitOfWork
from node.store import StoredObject
from node.times import in_zone, invalid
from protocol.models import Slot
from protocol.models.common import Ident
from protocol.problems import Problem, ProblemType

from .agreement import active_twin, find_twinning
from .host import HostDesk
from .offer_capacity import peak_seats as peak_seats  # kept importable from here (its tests)
from .offer_capacity import unpublished_series_seats
from .offer_store import OfferRepository
from .periods import local_instant
from .refresh import republish_slot
from .resources import ResourceService, check_open
from .store import SlotRepository

# A twin's slots read for one answer (the member's week reads every twin's): bounded by what a
# page can show, not by what a twin stored.
MAX_TWIN_SLOTS = 2000


class SlotBody(BaseModel):
    """POST /api/v1/slots. Times are wall times in the space's zone, or instants with an offset."""

    model_config = ConfigDict(extra="forbid")
    resource_id: Ident
    twin_id: Annotated[str, Field(min_length=1, max_length=200)]
    starts_at: Annotated[str, Field(min_length=10, max_length=40)]
    ends_at: Annotated[str, Field(min_length=10, max_length=40)]
    seats: Annotated[int, Field(ge=1, le=10_000)]


class SlotService:
    def __init__(self, node: Node, resources: ResourceService, host: HostDesk) -> None:
        self.node = node
        self.resources = resources
        self.host = host
        self.queries = SlotRepository()
        self.offers = OfferRepository(node.store.db)

    @property
    def zone(self) -> str:
        return self.node.settings.node.timezone

    async def offer(self, body: SlotBody) -> dict[str, Any]:
        resource = await self.resources.get(body.resource_id)
        twinning = await active_twin(self.node, body.twin_id, "twin_id")
        starts = local_instant(body.starts_at, self.zone, "starts_at")
        ends = local_instant(body.ends_at, self.zone, "ends_at")
        if ends.astimezone(UTC) <= starts.astimezone(UTC):
            raise invalid("ends_at", "must be after starts_at")
        now = self.node.clock.now()
        if starts < now:
            here = now.astimezone(starts.tzinfo)
            raise invalid(
                "starts_at", f"{starts:%Y-%m-%d %H:%M} has already passed (it is {here:%Y-%m-%d %H:%M} here now)"
            )
        if body.seats > resource.capacity:
            raise invalid("seats", f"{resource.name} holds {resource.capacity}")
        check_open(resource, starts, ends, self.zone)
        slot = Slot(
            origin=self.node.id,
            id=str(uuid.uuid4()),
            version=1,
            resource=resource.to_wire(),
            starts_at=starts,
            ends_at=ends,
            timezone=self.zone,
            twin=twinning.peer_id,
            seats=body.seats,
            remaining=body.seats,
        )
        async with self.node.write() as work:
            await self.check_capacity(work, slot)
            await self.node.publish(work, slot, [slot.twin])
        return own_view(slot, 0)

    async def check_capacity(self, work: UnitOfWork, slot: Slot, skip_offer: str | None = None) -> None:
        span = (self.node.id, iso(slot.starts_at), iso(slot.ends_at))
        open_slots = await self.holding(work, await self.queries.list_open_overlapping(work.tx, *span))
        # A slot withdrawn once under way kept its guests: their seats are still taken.
        kept = [
            s.model_copy(update={"seats": held})
            for s, held in await self.queries.list_withdrawn_still_held(work.tx, *span)
        ]
        others = [o for o in open_slots + kept if o.resource.id == slot.resource.id]
        active = await self.offers.list_active(work.tx, slot.resource.id)
        series = unpublished_series_seats(active, slot, skip_offer)  # standing offers' occurrences not yet slots
        peak = peak_seats(others, slot.starts_at, slot.ends_at) + series + slot.seats
        if peak > slot.resource.capacity:
            raise Problem(
                ProblemType.CONFLICT,
                f"{slot.resource.name} holds {slot.resource.capacity}; with the slots already offered at that "
                f"time this makes {peak}",
                capacity=slot.resource.capacity,
                offered=peak - slot.seats,
            )

    async def holding(self, work: UnitOfWork, slots: list[Slot]) -> list[Slot]:
        """Open slots as the seats they hold. A slot offered to a twin whose agreement is over
        (ended, and no new one) can take no one more: it is closed here at the seats its guests
        hold (withdrawn when none; nobody to cancel), in the caller's transaction, so that seats
        given to another twin cannot come back to it should the two twin again."""
        twinnings = self.node.store.twinnings
        over = {twin for twin in {s.twin for s in slots} if await twinnings.get_live(twin) is None}
        if not over:
            return slots
        kept = []
        for slot in slots:
            held = await self.host.hosted.count_seats_taken(work.tx, "slot", slot.id) if slot.twin in over else None
            if held == 0:
                await republish_slot(self.node, work, slot, status="withdrawn")
            elif held is not None and (slot.seats, slot.remaining) != (held, 0):
                slot = await republish_slot(self.node, work, slot, seats=held, remaining=0)
            if held is not None:
                await self.host.waitlist.settle(work, "slot", slot.id)  # its line ends (the twin is gone)
            if held != 0:
                kept.append(slot)
        return kept

    async def withdraw(self, slot_id: str) -> dict[str, Any]:
        """Withdraw one of our slots; reservations on it are cancelled and their homes told."""
        async with self.node.write() as work:
            slot, notified = await self.withdraw_in(work, slot_id)
        taken = (await self.host.hosted.count_seats_by_target("slot")).get(slot.id, 0)
        return {**own_view(slot, taken), "notified": sorted(set(notified))}

    async def withdraw_in(self, work: UnitOfWork, slot_id: str) -> tuple[Slot, list[str]]:
        """Withdraw a slot inside `work`: the slot as it now is, and the homes told. A slot that has
        started only closes: what happened stays (its reservations are not cancelled)."""
        stored = await self.node.store.objects.get("Slot", self.node.id, slot_id, tx=work.tx)
        if stored is None:
            raise Problem(ProblemType.NOT_FOUND, f"no slot {slot_id}")
        slot = Slot.model_validate(stored.object)
        notified: list[str] = []
        if slot.status == "open":
            slot = await republish_slot(self.node, work, slot, status="withdrawn")
            if slot.starts_at > self.node.clock.now():
                notified = await self.host.cancel_for_withdrawal(work, slot)
            else:  # under way or over: its guests came (the ledger and the front desk keep them); no new ones
                await self.host.waitlist.settle(work, "slot", slot.id)
        return slot, notified

    async def list_own(self, start: str | None, end: str | None) -> list[dict[str, Any]]:
        stored = await self.node.store.objects.list(
            "Slot", origin=self.node.id, **self._range(start, end), limit=10_000
        )
        taken = await self.host.hosted.count_seats_by_target("slot")
        return [own_view(Slot.model_validate(s.object), taken.get(s.id, 0)) for s in stored]

    async def twin_slots(self, twin_ref: str, start: str | None, end: str | None) -> dict[str, Any]:
        """What a twin offers us (our replicas of its slots), in its zone and ours."""
        twinning = await find_twinning(self.node, twin_ref, "id")
        stored = await self.node.store.objects.list(
            "Slot", origin=twinning.peer_id, **self._range(start, end), limit=MAX_TWIN_SLOTS
        )
        items = []
        for index, row in enumerate(stored):
            if row.object.get("twin") == self.node.id:
                items.append(self.replica_view(row))
            if index % 200 == 199:
                await asyncio.sleep(0)  # a twin's thousands of slots: let other requests in meanwhile
        return {
            "twin": twinning.peer_id,
            "twinning_id": twinning.id,
            "status": twinning.status,
            "items": items,
        }

    def replica_view(self, stored: StoredObject) -> dict[str, Any]:
        slot = Slot.model_validate(stored.object)
        return {
            **own_view(slot, slot.seats - slot.remaining),
            "host": slot.origin,
            "host_time": _times(slot.starts_at, slot.ends_at, slot.timezone),
            "our_time": _times(slot.starts_at, slot.ends_at, self.zone),
        }

    def _range(self, start: str | None, end: str | None) -> dict[str, str]:
        bounds = {}
        if start:
            bounds["ends_after"] = iso(local_instant(start, self.zone, "from"))
        if end:
            bounds["starts_before"] = iso(local_instant(end, self.zone, "to"))
        return bounds


def own_view(slot: Slot, taken: int) -> dict[str, Any]:
    return {
        "id": slot.id,
        "version": slot.version,
        "status": slot.status,
        "resource": slot.resource.model_dump(),
        "twin": slot.twin,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "timezone": slot.timezone,
        "seats": slot.seats,
        "remaining": slot.remaining,
        "reserved": taken,
    }


def _times(starts_at: datetime, ends_at: datetime, tz: str) -> dict[str, str]:
    return {"starts_at": in_zone(starts_at, tz), "ends_at": in_zone(ends_at, tz), "timezone": tz}
