"""This space's events: publish, update, cancel; and accepting twins' events into our store.

An event is a signed `Event` object whose only writer is its origin. Every change is a new
version published to the twins in its audience (and to no one else: the outbox and the feed
both filter by audience). Cancelling is a status change, so a cancelled event stays visible.
"""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

from aiosqlite import Connection

from node.clock import iso
from node.core import Node
from node.federation.inbox import Acceptor
from node.retraction import guard, retract
from node.times import invalid, not_past, parse_local, zone_named
from protocol.models import Event, FederatedObject
from protocol.problems import Problem, ProblemType

from . import recurrence
from .bodies import PLAIN_FIELDS, Audience, EventCreate, EventPatch
from .exports import Exports, watched
from .ics import PublicCalendar
from .public import PublicEvents
from .repository import EventRepository
from .writer import EventWriter


class EventService(EventWriter):
    def __init__(self, node: Node) -> None:
        super().__init__(node, EventRepository(node.store.db), node.store.objects, node.store.twinnings)
        self.exports = Exports(self)
        self.public = PublicEvents(self.repo, node.id, node.clock)
        self.public_calendar = PublicCalendar(node, self.repo, self.public)

    def start(self) -> None:
        # Replaces the default Event rule (visibility only) with one that also indexes and flags;
        # versions a twin retracted from us stay out (node/retraction.py).
        self.node.inbox.accept("Event", guard(self.node.store, self.acceptor()))

    def acceptor(self) -> Acceptor:
        """The inbox rule for twins' events: only what we may see, and well-formed series."""
        return Acceptor(check=self._check_incoming, after_apply_batch=self._after_apply_batch, on_retract=self._forget)

    # -- this space's events ----------------------------------------------------------------

    async def create(self, body: EventCreate) -> Event:
        zone = zone_named(body.timezone or self.node.settings.node.timezone)
        start = parse_local(body.starts_at, zone, "starts_at")
        end = parse_local(body.ends_at, zone, "ends_at")
        now = self.node.clock.now()
        if not body.record_past and not body.rrule:
            not_past(start, now, "starts_at")
        values: dict[str, Any] = {k: getattr(body, k) for k in PLAIN_FIELDS if getattr(body, k) is not None}
        values.update(timezone=zone.key, starts_at=start, ends_at=end)
        rule_text = recurrence.normalize_rule(body.rrule) if body.rrule else None
        values.update(self.series(rule_text, self.exdates(body.exdates, zone), start))
        audience = await self.audience(body.audience if body.audience is not None else "all")
        async with self.node.write() as work:
            event_id = await self.new_id(work.tx)
            event = self.compose(values, origin=self.node.id, id=event_id, version=1, audience=audience)
            await self.publish(work, event)
            if body.record_past and start < now:
                await self.repo.store_recorded_late(work.tx, event_id, iso(now))
        return event

    async def update(self, event_id: str, patch: EventPatch) -> Event:
        async with self.node.write() as work:
            current = await self.own(event_id, work.tx)
            values = self.merge(current, patch)
            if "audience" in patch.model_fields_set:
                values["audience"] = await self.audience(patch.audience or "all", keep=_source_origin(current))
            event = self.compose(values, origin=current.origin, id=current.id, version=current.version + 1)
            if _same(current, event):
                return current
            await self.publish(work, event)
            # Twins taken out of the audience delete their copy (docs/PROTOCOL.md, Retraction).
            kept = await self.peers_of(event.audience)
            removed = await self.peers_of(current.audience) - kept
            await retract(self.node, work, event.key, event.version, removed, kept=kept)
            if current.exported_from is not None and watched(current) != watched(event):
                await self.exports.edited(work.tx, event)  # the operator decided about a flag by editing
        return event

    async def cancel(self, event_id: str) -> Event:
        """Cancel (a tombstone that stays visible); cancelling again changes nothing."""
        async with self.node.write() as work:
            current = await self.own(event_id, work.tx)
            if current.status == "cancelled":
                return current
            values = current.model_dump(exclude_none=True) | {"status": "cancelled"}
            event = self.compose(values, origin=current.origin, id=current.id, version=current.version + 1)
            await self.publish(work, event)
            if current.exported_from is not None:
                await self.exports.edited(work.tx, event)
        return event

    # -- building events ----------------------------------------------------------------------

    def merge(self, current: Event, patch: EventPatch) -> dict[str, Any]:
        """The current event's fields with the patch applied (times read in the resulting zone)."""
        given = patch.model_fields_set
        values = current.model_dump(exclude_none=True, exclude={"version", "updated_at", "rrule"})
        for name in (*PLAIN_FIELDS, "status"):
            if name in given:
                value = getattr(patch, name)
                if value is None:
                    values.pop(name, None)
                else:
                    values[name] = value
        for name in ("starts_at", "ends_at", "timezone"):
            if name in given and not getattr(patch, name):
                raise invalid(name, "an event always has one; send the new value or leave the field out")
        zone = zone_named(patch.timezone or current.timezone)
        start = parse_local(patch.starts_at, zone, "starts_at") if patch.starts_at else current.starts_at
        if patch.ends_at:
            end = parse_local(patch.ends_at, zone, "ends_at")
        else:  # moving the start alone keeps the duration
            end = start.astimezone(UTC) + (current.ends_at - current.starts_at)
        values.update(timezone=zone.key, starts_at=start.astimezone(zone), ends_at=end.astimezone(zone))
        if "rrule" in given:
            rule_text = recurrence.normalize_rule(patch.rrule) if patch.rrule else None
        else:
            rule_text = current.rrule
        if "exdates" in given:
            exdates = self.exdates(patch.exdates, zone)
        else:  # removing the rule removes its exceptions
            exdates = [d.astimezone(zone) for d in current.exdates] if rule_text else []
        values.update(self.series(rule_text, exdates, values["starts_at"]))
        return values

    async def peers_of(self, audience: Audience) -> set[str]:
        """The twins an audience reaches or reached: every sharing twin (a suspended one still
        holds what it was sent) for "all", else the listed ones."""
        return set(await self.twinnings.list_sharing_peers()) if audience == "all" else set(audience)

    # -- twins' events --------------------------------------------------------------------------

    async def _check_incoming(self, peer_id: str, obj: FederatedObject) -> None:
        # A twin's recurrence is taken as it comes (the wire model checked its form); a rule we
        # cannot expand shows the event once rather than losing it.
        if not isinstance(obj, Event):
            raise Problem(ProblemType.VALIDATION_ERROR, f"expected an Event, got {obj.type}")
        if not obj.visible_to(self.node.id):
            raise Problem(ProblemType.FORBIDDEN, f"event {obj.id} is not shared with {self.node.id}")
        if obj.rrule and "COUNT" in obj.rrule:
            # Finding a COUNT series' last occurrence is pure CPU (up to a few milliseconds); it is
            # done here on a worker thread, and the index inside the transaction finds it cached.
            start = obj.starts_at.astimezone(zone_named(obj.timezone))
            await asyncio.to_thread(recurrence.last_occurrence, obj.rrule, start)

    async def _forget(self, tx: Connection, origin: str, event_id: str) -> None:
        """The origin took us out of the event's audience: its series entry goes with it, and
        our copies of it are cancelled (what they re-host is no longer shared with us)."""
        await self.repo.delete_series(tx, origin, event_id)
        await self.exports.source_retracted(tx, (origin, event_id))

    async def _after_apply_batch(self, tx: Connection, peer_id: str, objects: list[FederatedObject]) -> None:
        """Index a batch of twins' events and flag our copies of any that changed.

        Set-based: a catch-up of thousands of events costs a few statements, not a few per event.
        """
        events = [obj for obj in objects if isinstance(obj, Event)]
        plain = [e for e in events if not e.rrule]
        await self.repo.delete_series_many(tx, [(e.origin, e.id) for e in plain])
        for event in events:
            if event.rrule or event.exported_from is not None:
                await self.index(tx, event)
        copied = await self.repo.list_sources_with_copies(tx, self.node.id, [(e.origin, e.id) for e in events])
        for event in events:
            if (event.origin, event.id) in copied:
                await self.exports.source_changed(tx, event)


def _same(a: Event, b: Event) -> bool:
    skip = {"version", "updated_at"}
    return a.model_dump(mode="json", exclude=skip) == b.model_dump(mode="json", exclude=skip)


def _source_origin(event: Event) -> str | None:
    return event.exported_from.origin if event.exported_from is not None else None
