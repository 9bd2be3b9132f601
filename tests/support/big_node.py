"""Two twinned nodes on SQLite, Rome holding more than 10,000 signed objects, for the move tests.

Everything is made the way a node makes it, through its own services on real nodes talking
real HTTP: Rome's and Oslo's events, the slots each offers the other, reservations both ways
(so Rome keeps receipts it signed as host and receipts Oslo signed for its members), a place
on Rome's waitlist, and events Rome published while Oslo was down (still in Rome's outbox,
not yet in Oslo's store). Both are stopped at the end; their folders are copied by each test
(`copy_twins`), so the nodes are built once per test session.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from node.assembly import AssembledNode
from node.booking.home import ReserveBody
from node.booking.members import MemberBody
from node.booking.resources import ResourceBody
from node.web.keys import ASSEMBLED
from protocol.models import Slot

from .nodes import InProcessNode, eventually, twin

# The fediverse bridge is off: what it publishes of each event is not what this data set is for.
QUIET = {"storage": {"database_url": "sqlite:///node.db"}, "log": {"level": "error"}, "activitypub": {"enabled": False}}
TERMS = {"allowances": [], "rules": {"book_ahead_days": 730, "min_notice_hours": 0, "max_seats_per_reservation": 5}}


@dataclass(frozen=True)
class Sizes:
    rome_events: int = 3500
    oslo_events: int = 3000
    slots_each: int = 1000  # offered by each to the other, and each reserved once
    while_oslo_down: int = 25  # Rome's events still in its outbox when it stops

    @property
    def rome_signed(self) -> int:
        """Signed objects Rome stores: its own and Oslo's events and slots, both sides' receipts,
        the waitlist place, the outbox, the twinning's two halves and Oslo's node document."""
        objects = self.rome_events + self.while_oslo_down + self.oslo_events + 2 * self.slots_each
        return objects + 2 * self.slots_each + 1 + self.while_oslo_down + 2 + 1


@dataclass(frozen=True)
class Twins:
    root: Path
    rome: tuple[int, str, str]  # port, operator token, URL
    oslo: tuple[int, str, str]
    sizes: Sizes


def node_of(node: InProcessNode) -> AssembledNode:
    assert node.runner is not None
    return node.runner.app[ASSEMBLED]


async def build_twins(root: Path, sizes: Sizes) -> Twins:
    rome = await InProcessNode.create(root, "Rome", "Europe/Rome", config=QUIET)
    oslo = await InProcessNode.create(root, "Oslo", "Europe/Oslo", config=QUIET)
    try:
        await twin(rome, oslo, offer=TERMS, request=TERMS)
        await _events(rome, "Rome", sizes.rome_events)
        await _events(oslo, "Oslo", sizes.oslo_events)
        rome_slots = await _slots(rome, oslo, sizes.slots_each)
        oslo_slots = await _slots(oslo, rome, sizes.slots_each)
        await _reserve_all(oslo, rome, rome_slots)
        await _reserve_all(rome, oslo, oslo_slots)
        await _join_waitlist(oslo, rome, rome_slots[0])
        await eventually(lambda: _stored(rome, oslo), sizes.oslo_events + sizes.slots_each, timeout=60)
        await eventually(lambda: _stored(oslo, rome), sizes.rome_events + sizes.slots_each, timeout=60)
        await oslo.stop()
        await _events(rome, "Rome, Oslo away", sizes.while_oslo_down)
    finally:
        for node in (rome, oslo):
            await node.stop()
            await node.close_session()
    return Twins(root, (rome.port, rome.token, rome.url), (oslo.port, oslo.token, oslo.url), sizes)


def copy_twins(built: Twins, into: Path) -> tuple[InProcessNode, InProcessNode]:
    """Fresh copies of both folders, as stopped nodes (same ports and URLs: they know each other)."""
    copies = []
    for name, (port, token, url) in (("Rome", built.rome), ("Oslo", built.oslo)):
        shutil.copytree(built.root / name.lower(), into / name.lower())
        copies.append(InProcessNode(into / name.lower(), name, port, token, url))
    return copies[0], copies[1]


async def _events(node: InProcessNode, title: str, count: int, per_transaction: int = 100) -> None:
    """`count` events, composed, signed, stored and queued for the twins by the event service
    itself, a hundred to a transaction (one each, through the API, is ten times slower)."""
    assembled = node_of(node)
    service, zone = assembled.events, ZoneInfo(assembled.settings.node.timezone)
    first = date.today() + timedelta(days=3)
    for batch in range(0, count, per_transaction):
        async with assembled.write() as work:
            for index in range(batch, min(count, batch + per_transaction)):
                day = first + timedelta(days=index % 300)
                starts = datetime(day.year, day.month, day.day, 18, tzinfo=zone)
                values = {"title": f"{title} {index}", "timezone": zone.key, "starts_at": starts}
                values |= {"ends_at": starts + timedelta(minutes=90), "rrule": None, "exdates": []}
                event_id = await service.new_id(work.tx)
                event = service.compose(values, origin=assembled.id, id=event_id, version=1, audience="all")
                await service.publish(work, event)


async def _slots(host: InProcessNode, home: InProcessNode, count: int, per_transaction: int = 100) -> list[str]:
    """`count` one-seat slots of half an hour, eight a day, offered by `host` to `home`: checked
    against the desks' capacity and published as the slot service does, a hundred at a time."""
    assembled = node_of(host)
    booking, zone = assembled.booking, ZoneInfo(assembled.settings.node.timezone)
    desks = await booking.resources.add(ResourceBody(kind="desk", name="Desks", capacity=10))
    first, ids = date.today() + timedelta(days=2), []
    for batch in range(0, count, per_transaction):
        async with assembled.write() as work:
            for index in range(batch, min(count, batch + per_transaction)):
                day = first + timedelta(days=index // 8)
                starts = datetime(day.year, day.month, day.day, 9 + index % 8, tzinfo=zone)
                slot = Slot(
                    origin=assembled.id,
                    id=str(uuid.uuid4()),
                    version=1,
                    resource=desks.to_wire(),
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=30),
                    timezone=zone.key,
                    twin=home.url,
                    seats=1,
                    remaining=1,
                )
                await booking.slots.check_capacity(work, slot)
                await assembled.publish(work, slot, [slot.twin])
                ids.append(slot.id)
    return ids


async def _reserve_all(home: InProcessNode, host: InProcessNode, slots: list[str]) -> None:
    """A member of `home` reserves each slot's one seat at `host` (ten requests at a time)."""
    booking = node_of(home).booking
    await eventually(lambda: _stored_slots(home, host), len(slots), timeout=60)
    members = [
        (await booking.members.add(MemberBody(display_name=f"Member {i}", email=f"m{i}@example.org")))["id"]
        for i in range(10)
    ]
    turns = asyncio.Semaphore(10)

    async def reserve(index: int, slot_id: str) -> None:
        async with turns:
            body = ReserveBody(slot_id=slot_id, twin_id=host.url, seats=1)
            status, _ = await booking.home.reserve(members[index % 10], str(uuid.uuid4()), body)
            assert status == 201, status

    await asyncio.gather(*(reserve(i, s) for i, s in enumerate(slots)))


async def _join_waitlist(home: InProcessNode, host: InProcessNode, full_slot: str) -> None:
    booking = node_of(home).booking
    member = await booking.members.add(MemberBody(display_name="Waiting", email="waiting@example.org"))
    body = ReserveBody(slot_id=full_slot, twin_id=host.url, seats=1, waitlist=True)
    status, _ = await booking.home.reserve(member["id"], str(uuid.uuid4()), body)
    assert status == 202, status


async def _stored(node: InProcessNode, origin: InProcessNode, type_: str | None = None) -> int:
    """How many of `origin`'s objects (of `type_`, or all) `node` stores."""
    sql = "SELECT COUNT(*) AS n FROM objects WHERE origin = ?" + (" AND type = ?" if type_ else "")
    row = await node_of(node).store.db.fetch_one(sql, [origin.url, *([type_] if type_ else [])])
    return int(row["n"]) if row else 0


async def _stored_slots(node: InProcessNode, origin: InProcessNode) -> int:
    return await _stored(node, origin, "Slot")
