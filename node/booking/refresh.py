"""Keeping the twin's view of `remaining` current, out of the deciding transaction.

A reservation (or a cancellation) marks its slot; this task then publishes one new version
of each marked slot with the seats left at that moment. A burst of reservations on a slot
becomes one version (and the outbox coalesces further, one pending row per slot and twin),
and the transaction that decides a reservation stays short. The host's decision never reads
the published `remaining`: it counts confirmed seats, so a version that lags cannot overbook.
On start every open slot is checked once, in case the node stopped between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from node.core import Node, UnitOfWork
from node.worker import Worker
from protocol.models import Slot

from .hosted_store import HostedRepository
from .store import SlotRepository
from .waitlist_store import WaitlistRepository

# At most one round of versions per this many seconds: a burst of reservations becomes one
# version per slot, and the twin still hears of the seats left within a blink.
ROUND_SECONDS = 0.05


async def republish_slot(node: Node, work: UnitOfWork, slot: Slot, **changes: Any) -> Slot:
    """Publish the next version of one of our slots to its twin (coalesced in the outbox)."""
    updated = Slot.model_validate({**slot.to_wire(), **changes, "version": slot.version + 1})
    await node.publish(work, updated, [slot.twin])
    return updated


class SlotRefresher:
    def __init__(self, node: Node, hosted: HostedRepository) -> None:
        self.node = node
        self.hosted = hosted
        self.queries = SlotRepository()
        self._dirty: set[str] | None = None  # None: every open slot (on start)
        # A failed round is tried again a second later: a bug must not freeze availability for good.
        self.worker = Worker("booking-slot-refresher", self._step, after_error=1.0, settle=ROUND_SECONDS)
        self.waitlist = WaitlistRepository()

    def mark(self, slot_id: str) -> None:
        if self._dirty is not None:
            self._dirty.add(slot_id)
        self.worker.wake()

    def start(self) -> None:
        self._dirty = None
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def refresh(self, slot_ids: Iterable[str] | None = None) -> int:
        """Publish the seats left of these slots (all open ones if None); returns versions published."""
        published = 0
        async with self.node.write() as work:
            ids = sorted(slot_ids) if slot_ids is not None else await self.queries.list_open_ids(work.tx, self.node.id)
            for slot_id in ids:
                slot = await self.queries.get_own(work.tx, self.node.id, slot_id)
                if slot is None or slot.status != "open":
                    continue
                taken = await self.hosted.count_seats_taken(work.tx, "slot", slot_id)
                held = await self.waitlist.count_held(work.tx, "slot", slot_id)  # offered to someone in line
                remaining = max(0, slot.seats - taken - held)
                if remaining != slot.remaining:
                    await republish_slot(self.node, work, slot, remaining=remaining)
                    published += 1
        return published

    async def _step(self) -> None:
        """One round over the slots marked since the last; until marked again, nothing to do."""
        pending, self._dirty = self._dirty, set()
        if pending is not None and not pending:
            return
        try:
            await self.refresh(pending)
        except Exception:
            self._dirty = None if pending is None else pending | self._dirty  # the same again
            raise
