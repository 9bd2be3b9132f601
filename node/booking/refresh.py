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

from .store import SlotRepository

# At most one round of versions per this many seconds: a burst of reservations becomes one
# version per slot, and the twin still hears of the seats left within a blink.
ROUND_SECONDS = 0.05


async def republish_slot(node: Node, work: UnitOfWork, slot: Slot, **changes: Any) -> Slot:
    """Publish the next version of one of our slots to its twin (coalesced in the outbox)."""
    updated = Slot.model_validate({**slot.to_wire(), **changes, "version": slot.version + 1})
    await node.publish(work, updated, [slot.twin])
    return updated


class SlotRefresher:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.queries = SlotRepository()
        self._dirty: set[str] | None = None  # None: every open slot (on start)
        # A failed round is tried again a second later: a bug must not freeze availability for good.
        self.worker = Worker("booking-slot-refresher", self._step, after_error=1.0, settle=ROUND_SECONDS)

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
            ids = sorted(slot_ids) if slot_ids is not None else None
            # One query for all of them: a round's reads no longer grow the write lock's hold by a
            # trip per slot (three, before).
            for obj, held in await self.queries.list_open_with_seats_held(work.tx, self.node.id, ids):
                remaining = max(0, obj["seats"] - held)
                if remaining != obj["remaining"]:
                    await republish_slot(self.node, work, Slot.model_validate(obj), remaining=remaining)
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
