"""The trip view: "I'm in London 3-7 December" on one page.

What one twin offers on those days, read from what we already hold of it (its slots for us and
its events, in the twin's own days), the people there open to meet visitors (their cards), and,
for members who chose to share their trips, who else from this space has a reservation there.
Nothing is asked of the twin: the answer costs one read of our own replicas.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from node.clock import iso, parse_iso
from node.core import Node
from node.events import EventService, EventViews
from node.introductions import CardLookup
from node.store.twinnings import Twinning
from node.times import invalid
from protocol.models import Slot
from protocol.problems import Problem, ProblemType

from .store import TripRepository

MAX_DAYS = 31
MAX_SLOTS = 2000
MAX_COMPANIONS = 200


class TripView:
    def __init__(self, node: Node, cards: CardLookup, events: EventService) -> None:
        self.node = node
        self.cards = cards
        self.events = events
        self.repo = TripRepository(node.store.db)

    async def plan(self, member_id: str, origin: str, first: str, last: str) -> dict[str, Any]:
        start_day, end_day = _day(first, "from"), _day(last, "to")
        if end_day < start_day:
            raise invalid("to", "the last day of the trip comes on or after the first")
        if (end_day - start_day).days + 1 > MAX_DAYS:
            raise invalid("to", f"a trip view covers at most {MAX_DAYS} days")
        twinning = await self._twinning(origin)
        peer = await self.node.store.peers.get(twinning.peer_id)
        zone = peer.timezone if peer is not None else "UTC"
        begins = datetime.combine(start_day, time(), ZoneInfo(zone))
        ends = datetime.combine(end_day + timedelta(days=1), time(), ZoneInfo(zone))
        return {
            "origin": twinning.peer_id,
            "name": peer.name if peer is not None else twinning.peer_id,
            "timezone": zone,
            "from": start_day.isoformat(),
            "to": end_day.isoformat(),
            "slots": await self._slots(twinning.peer_id, begins, ends, zone),
            "events": await self._events(twinning.peer_id, begins, ends),
            "people": await self._people(twinning.peer_id),
            "companions": await self._companions(member_id, twinning.peer_id, begins, ends),
        }

    async def _slots(self, peer: str, begins: datetime, ends: datetime, zone: str) -> list[dict[str, Any]]:
        if peer not in await self.node.store.twinnings.list_active_peers():
            return []  # a twinning that ended or is suspended offers nothing now
        stored = await self.node.store.objects.list(
            "Slot", origin=peer, ends_after=iso(begins), starts_before=iso(ends), limit=MAX_SLOTS
        )
        items = []
        for row in stored:
            slot = Slot.model_validate(row.object)
            if slot.twin == self.node.id and slot.status == "open":
                items.append(_slot_view(slot, zone))
        return items

    async def _events(self, peer: str, begins: datetime, ends: datetime) -> list[dict[str, Any]]:
        if peer not in await self.node.store.twinnings.list_active_peers():
            return []  # a twinning that ended or is suspended: its events are not listed any more
        listing = await EventViews(self.events).listing(peer, begins.isoformat(), ends.isoformat())
        return [item for item in listing["items"] if item.get("status") != "cancelled"]

    async def _people(self, peer: str) -> list[dict[str, Any]]:
        if peer not in await self.node.store.twinnings.list_active_peers():
            return []  # as in the directory: a suspension stops sharing, the cards come back with the twinning
        return [card.view() for card in await self.cards.list_open_to_visitors(peer)]

    async def _twinning(self, ref: str) -> Twinning:
        """The twinning named by the twin's node URL (the live one) or by its id."""
        twinnings = self.node.store.twinnings
        found = await (
            twinnings.get_live(ref.rstrip("/")) if ref.startswith(("http://", "https://")) else twinnings.get(ref)
        )
        if found is None:
            raise Problem(
                ProblemType.NOT_TWINNED,
                f"origin: {ref} is not a twin of {self.node.id}",
                errors=[{"field": "origin", "message": "no such twin"}],
            )
        return found

    async def _companions(self, member_id: str, peer: str, begins: datetime, ends: datetime) -> list[dict[str, Any]]:
        """Members of this space who share their trips and hold a confirmed reservation there then."""
        found: dict[str, dict[str, Any]] = {}
        for c in await self.repo.list_companions(peer, member_id, iso(begins), iso(ends), MAX_COMPANIONS):
            starts = parse_iso(c.starts_at)
            if starts < ends and parse_iso(c.ends_at) > begins:
                found.setdefault(c.member_id, {"display_name": c.display_name, "days": set()})
                found[c.member_id]["days"].add(starts.astimezone(begins.tzinfo).date().isoformat())
        return [{"display_name": f["display_name"], "days": sorted(f["days"])} for f in found.values()]

    async def sharing(self, member_id: str) -> dict[str, bool]:
        return {"share": await self.repo.is_sharing(member_id)}

    async def set_sharing(self, member_id: str, share: bool) -> dict[str, bool]:
        async with self.node.write() as work:
            if share:
                await self.repo.store_sharing(work.tx, member_id, iso(self.node.clock.now()))
            else:
                await self.repo.delete_sharing(work.tx, member_id)
        return {"share": share}


def _day(value: str, field: str) -> date:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2199:
        raise invalid(field, f"{value!r} is not a date like 2026-12-03 (years 2000 to 2199)")
    return day


def _slot_view(slot: Slot, zone: str) -> dict[str, Any]:
    starts, ends = slot.starts_at.astimezone(ZoneInfo(zone)), slot.ends_at.astimezone(ZoneInfo(zone))
    return {
        "id": slot.id,
        "resource": slot.resource.model_dump(),
        "day": starts.date().isoformat(),
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "timezone": zone,
        "seats": slot.seats,
        "remaining": slot.remaining,
    }
