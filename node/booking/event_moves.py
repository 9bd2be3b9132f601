"""Places at one of our events follow the event when it moves.

A receipt says when its reservation is: the home's calendar feed, its mails and reminders, our
front desk and the cancellation deadline all read it. An event moved after twins' members took
places kept their receipts at the old time, so their calendars showed the wrong hour (or day)
and the front desk expected them on the wrong day. Each confirmed place whose times the event
no longer has gets a new version of its receipt with the event's times (nothing else changes),
pushed to its home only, in the transaction that publishes the event.
"""

from __future__ import annotations

from node.clock import iso, parse_iso
from node.core import Node, UnitOfWork
from protocol.models import Event, ReservationReceipt

from .hosted_store import HostedRepository
from .periods import month_of


class EventMoves:
    def __init__(self, node: Node, hosted: HostedRepository) -> None:
        self.node = node
        self.hosted = hosted

    async def follow(self, work: UnitOfWork, event: Event) -> int:
        """Called as one of our events is published: new receipts for the places it moved; how many."""
        moved = 0
        for hosted in await self.hosted.list_confirmed_on(work.tx, "event", event.id):
            if (parse_iso(hosted.starts_at), parse_iso(hosted.ends_at)) == (event.starts_at, event.ends_at):
                continue
            old = ReservationReceipt.model_validate(hosted.receipt["object"])
            now = self.node.clock.now()
            times = {"starts_at": event.starts_at, "ends_at": event.ends_at, "timezone": event.timezone}
            receipt = ReservationReceipt.model_validate(
                {**old.to_wire(), **times, "version": old.version + 1, "issued_at": now}
            )
            envelope = await self.node.publish(work, receipt, [hosted.home])
            await self.hosted.store_moved(
                work.tx,
                hosted.id,
                receipt.version,
                self.node.to_json(envelope),
                (iso(event.starts_at), iso(event.ends_at), month_of(event.starts_at, event.timezone)),
                iso(now),
            )
            moved += 1
        return moved
