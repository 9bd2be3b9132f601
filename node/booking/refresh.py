"""Keeping the twin's view of `remaining` current, out of the deciding transaction.

A reservation (or a cancellation) marks its slot; this task then publishes one new version
of each marked slot with the seats left at that moment. A burst of reservations on a slot
becomes one version (and the outbox coalesces further, one pending row per slot and twin),
and the transaction that decides a reservation stays short. The host's decision never reads
the published `remaining`: it counts confirmed seats, so a version that lags cannot overbook.
On start every open slot is checked once, in case the node stopped between the two.

A slot that keeps being reserved gets a version at most every `BUSY_SECONDS`: under a stream
of reservations, one version per round per slot was most of the host's writes and most of its
pushes to the twin (bench/booking.py), for a number that changed again within the round.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from node.core import Node, UnitOfWork
from node.worker import Worker
from protocol.models import Slot

from .store import SlotRepository

# At most one round of versions per this many seconds: a burst of reservations becomes one
# version per slot, and the twin still hears of the seats left within a blink.
ROUND_SECONDS = 0.05
# A slot published less than this long ago waits for its next version: a slot reserved now and
# then is published within a round, one under a stream of reservations twice a second.
BUSY_SECONDS = 0.5


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
        self._published: dict[str, float] = {}  # slot id -> when (monotonic) its last version was
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

    async def refresh(self, slot_ids: Iterable[str] | None = None) -> list[str]:
        """Publish the seats left of these slots (all open ones if None); returns the slots published."""
        published = []
        async with self.node.write() as work:
            ids = sorted(slot_ids) if slot_ids is not None else None
            # One query for all of them: a round's reads no longer grow the write lock's hold by a
            # trip per slot (three, before).
            for slot, held in await self.queries.list_open_with_seats_held(work.tx, self.node.id, ids):
                remaining = max(0, slot.seats - held)
                if remaining != slot.remaining:
                    await republish_slot(self.node, work, slot, remaining=remaining)
                    published.append(slot.id)
        return published

    async def _step(self) -> float | None:
        """One round over the slots marked since the last that are not busy; returns when the
        first busy one is due (None: nothing waits, until marked again)."""
        now = time.monotonic()
        self._published = {s: at for s, at in self._published.items() if now - at < BUSY_SECONDS}
        marked, self._dirty = self._dirty, set()
        busy = {s for s in marked if s in self._published} if marked is not None else set()
        due = None if marked is None else marked - busy
        self._dirty |= busy
        if due is None or due:
            try:
                published = await self.refresh(due)
            except Exception:
                self._dirty = None if due is None else due | self._dirty  # the same again
                raise
            self._published.update(dict.fromkeys(published, time.monotonic()))
        return min((self._published[s] + BUSY_SECONDS - now for s in busy), default=None)
