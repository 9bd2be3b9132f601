"""What members and the operator read: events here and at the twins, in both time zones.

Each item carries its times in the event's own zone and in this space's zone ("here": a
member's own zone is their home space's), the spaces that also host it ("also at"), and, for
a copy whose origin changed it, the open flag with a notice for members.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from node.clock import iso, parse_iso
from node.times import in_zone, invalid, parse_bound
from protocol.models import Event
from protocol.problems import Problem, ProblemType

from . import window
from .public import event_url
from .repository import Flag, SourceKey
from .service import EventService
from .texts import notice

DEFAULT_SPAN = timedelta(days=180)
MAX_SPAN = timedelta(days=800)
MAX_EVENTS = 2000
MAX_ITEMS = 2000
MAX_READ_BYTES = 4 * 1024 * 1024  # of events read for one listing, shared between origins like the items
MAX_ALSO_AT = 20  # spaces named as also hosting one event
# A listing carries the start of each description (the whole is one event's: GET /api/v1/events/{id}),
# and at most this many bytes of items, shared fairly between the origins like the item count.
LISTED_DESCRIPTION = 300


@dataclass
class Context:
    """What the items of one answer share: names, "also at" groups, open flags."""

    visible: set[str]
    names: dict[str, str] = field(default_factory=dict)
    groups: dict[SourceKey, list[Event]] = field(default_factory=dict)
    flags: dict[str, Flag] = field(default_factory=dict)
    recorded_late: set[str] = field(default_factory=set)  # our events recorded after they began


def group_key(event: Event) -> SourceKey:
    """The original event that this one is, or re-hosts."""
    ref = event.exported_from
    return (ref.origin, ref.id) if ref is not None else (event.origin, event.id)


class EventViews:
    def __init__(self, service: EventService) -> None:
        self.service = service
        self.node = service.node
        self.here = service.node.settings.node.timezone

    async def listing(self, origin: str | None, start: str | None, end: str | None) -> dict[str, Any]:
        """Occurrences overlapping [from, to) (default: the next 180 days), by start time.

        Bounded by what it returns: at most MAX_EVENTS events are read and MAX_ITEMS occurrences
        kept, shared fairly between the origins (see `window`), before any item is built.
        """
        zone = ZoneInfo(self.here)
        window_from = parse_bound(start, zone, "from") if start else self.node.clock.now()
        window_to = parse_bound(end, zone, "to") if end else window_from + DEFAULT_SPAN
        if window_to <= window_from:
            raise invalid("to", "must be after from")
        if window_to - window_from > MAX_SPAN:
            raise invalid("to", f"ask for at most {MAX_SPAN.days} days at a time")
        context = await self._context_base()
        origins = await self._origins(origin, context.visible)
        after, before = iso(window_from), iso(window_to)
        counts, rows = await self.service.repo.list_in_window(
            origins, after, before, MAX_EVENTS, MAX_READ_BYTES, LISTED_DESCRIPTION + 1
        )
        per_origin, cut = {}, any(len(found) < counts[name] for name, found in rows.items())
        for name, found in rows.items():
            events = await window.events_of([envelope for envelope, _ in found])
            ends = {(e.origin, e.id): parse_iso(end) for e, (_, end) in zip(events, found, strict=True) if end}
            per_origin[name] = await window.earliest(events, window_from, window_to, MAX_ITEMS + 1, ends)
        chosen, left_out = window.fair(per_origin, MAX_ITEMS)
        await self._fill(context, list({(o.origin, o.id): o.event for o in chosen}.values()))
        items, over = await _within_bytes(
            await self._items(chosen, context), self.node.settings.limits.listing_max_bytes
        )
        return {
            "from": in_zone(window_from, self.here),
            "to": in_zone(window_to, self.here),
            "timezone": self.here,
            "items": items,
            "truncated": cut or left_out or over,
        }

    async def _items(self, chosen: list[window.Occurrence], context: Context) -> list[dict[str, Any]]:
        """The answer's items, a few dozen between turns of the event loop; each event's wire
        form is made once however many of its occurrences are listed."""
        items, wires = [], {}
        for index, found in enumerate(chosen):
            key = (found.origin, found.id)
            if key not in wires:
                wires[key] = _listed(_wire(found.event))
            items.append(self.item(found.event, context, found.begins, found.ends, dict(wires[key])))
            if index % window.YIELD_EVERY == window.YIELD_EVERY - 1:
                await asyncio.sleep(0)
        return items

    async def one(self, event: Event) -> dict[str, Any]:
        """One event as a series (its first occurrence's times)."""
        context = await self._context_base()
        await self._fill(context, [event])
        return self.item(event, context, event.starts_at, event.ends_at)

    async def find(self, event_id: str, origin: str | None) -> Event:
        """An event here or at a twin by id; `origin` decides when ids collide (ours first)."""
        context = await self._context_base()
        origins = await self._origins(origin, context.visible)
        found = await self.service.repo.list_with_id(event_id, origins)
        found.sort(key=lambda s: s.origin != self.node.id)
        if not found:
            raise Problem(ProblemType.NOT_FOUND, f"no event {event_id!r} here or at the twins")
        return Event.model_validate(found[0].object)

    async def flags(self) -> dict[str, Any]:
        """Every open flag, with the copy and the origin's event it concerns."""
        context = await self._context_base()
        items = []
        for flag in await self.service.repo.list_open_flags():
            event = await self.service.own(flag.event_id)
            await self._fill(context, [event])
            items.append(self.item(event, context, event.starts_at, event.ends_at))
        return {"items": items}

    def item(
        self, event: Event, context: Context, begins: datetime, ends: datetime, wire: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        wire = wire if wire is not None else _wire(event)
        local = event.origin == self.node.id
        item: dict[str, Any] = {
            **wire,
            "origin_name": context.names.get(event.origin, event.origin),
            "local": local,
            "starts_at": in_zone(begins, event.timezone),
            "ends_at": in_zone(ends, event.timezone),
            "here": {
                "timezone": self.here,
                "starts_at": in_zone(begins, self.here),
                "ends_at": in_zone(ends, self.here),
            },
            "recurring": bool(event.rrule),
            "url": page_url(event),
            "also_at": self._also_at(event, context),
            "flags": [],
        }
        if event.rrule:
            item["series_starts_at"] = in_zone(event.starts_at, event.timezone)
        if local:  # whom we share it with is ours to know, not a twin's other twins
            item["audience"] = event.audience
            flag = context.flags.get(event.id)
            if flag is not None:
                item["flags"] = [self._flag_view(flag, context)]
            if event.id in context.recorded_late:
                item["recorded_after_the_fact"] = True
        if event.exported_from is not None:
            item["exported_from"]["name"] = context.names.get(event.exported_from.origin, event.exported_from.origin)
        return item

    def _also_at(self, event: Event, context: Context) -> list[dict[str, Any]]:
        return [
            {
                "origin": other.origin,
                "name": context.names.get(other.origin, other.origin),
                "id": other.id,
                "status": other.status,
                "starts_at": in_zone(other.starts_at, other.timezone),
                "timezone": other.timezone,
                "here_starts_at": in_zone(other.starts_at, self.here),
            }
            for other in context.groups.get(group_key(event), [])
            if (other.origin, other.id) != (event.origin, event.id)
        ]

    def _flag_view(self, flag: Flag, context: Context) -> dict[str, Any]:
        source_name = context.names.get(flag.source_origin, flag.source_origin)
        return {
            "raised_at": flag.raised_at,
            "source": {"origin": flag.source_origin, "id": flag.source_id},
            "source_version": flag.source_version,
            "changes": flag.changes,
            "notice": notice(flag, source_name, self.node.settings.node.name, self.here),
        }

    # -- shared context ---------------------------------------------------------------------------

    async def _context_base(self) -> Context:
        visible = {self.node.id, *await self.node.store.twinnings.list_active_peers()}
        context = Context(visible=visible, names={self.node.id: self.node.settings.node.name})
        for peer in visible - {self.node.id}:
            row = await self.node.store.peers.get(peer)
            context.names[peer] = row.name if row is not None else peer
        context.flags = {f.event_id: f for f in await self.service.repo.list_open_flags()}
        context.recorded_late = await self.service.repo.list_recorded_late()
        return context

    async def _fill(self, context: Context, events: list[Event]) -> None:
        """Load the "also at" groups of these events: the original and one copy from each of at
        most MAX_ALSO_AT visible spaces, in a few queries however many copies twins sent."""
        known = {(e.origin, e.id): e for e in events}
        keys = {group_key(e) for e in events} - set(context.groups)
        members: dict[SourceKey, dict[SourceKey, Event]] = {key: {} for key in keys}
        visible = sorted(context.visible)
        for key, stored in await self.service.repo.list_also_at(keys, visible, MAX_ALSO_AT):
            members[key][(stored.origin, stored.id)] = Event.model_validate(stored.object)
        originals = {key for key in keys if key[0] in context.visible}
        for stored in await self.service.repo.list_events(originals - set(known)):
            members[(stored.origin, stored.id)][(stored.origin, stored.id)] = Event.model_validate(stored.object)
        for key in originals & set(known):
            members[key][key] = known[key]
        for key, group in members.items():
            context.groups[key] = [group[k] for k in sorted(group)]

    async def _origins(self, origin: str | None, visible: set[str]) -> list[str]:
        if origin in (None, "", "all"):
            return sorted(visible)
        if origin == "local":
            return [self.node.id]
        assert origin is not None
        twinning = await self.node.store.twinnings.get(origin)
        named = twinning.peer_id if twinning is not None else origin.rstrip("/")
        if named not in visible:
            raise invalid("origin", f"{origin!r} is neither 'all', 'local', this space nor an active twin")
        return [named]


def _wire(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude_none=True, exclude={"type", "starts_at", "ends_at", "audience"})


def _listed(wire: dict[str, Any]) -> dict[str, Any]:
    """An event's wire form as a listing carries it: the description's start only."""
    text = wire.get("description", "")
    if len(text) > LISTED_DESCRIPTION:
        wire["description"] = text[:LISTED_DESCRIPTION].rstrip() + "…"
        wire["description_cut"] = True
    return wire


async def _within_bytes(items: list[dict[str, Any]], budget: int) -> tuple[list[dict[str, Any]], bool]:
    """The items that fit in `budget` bytes of JSON, each origin's earliest within its fair
    share (see `window.fair_bytes`); and whether any were left out."""
    sizes: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        sizes.setdefault(item["origin"], []).append(len(json.dumps(item, ensure_ascii=False).encode()))
        if index % window.YIELD_EVERY == window.YIELD_EVERY - 1:
            await asyncio.sleep(0)
    if sum(map(sum, sizes.values())) <= budget:
        return items, False
    allowed, taken = window.fair_bytes(sizes, budget), dict.fromkeys(sizes, 0)
    kept = []
    for item in items:
        if taken[item["origin"]] < allowed[item["origin"]]:
            kept.append(item)
            taken[item["origin"]] += 1
    return kept, True


def page_url(event: Event) -> str:
    """The event's public page at its origin when it has one (shown to every twin, or a
    re-hosted copy: what the origin's public calendar lists), else its place in the members' week."""
    if event.audience == "all" or event.exported_from is not None:
        return event_url(event.origin, event.id)
    return f"{event.origin}/#event-{event.id}"
