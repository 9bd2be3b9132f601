"""The building blocks every change of our events is made of: read one of ours, compose the
wire event, check its audience and series, publish and index it.

`EventService` (the operator's actions) and `Exports` (re-hosting a twin's event) both build on
`EventWriter`, so an event is composed and published one way whoever changes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiosqlite import Connection
from pydantic import ValidationError

from node.clock import iso
from node.core import Node, UnitOfWork
from node.plain import validation_problem
from node.store import ObjectRepository, TwinningRepository
from node.times import invalid, parse_local, zone_named
from protocol.models import Event
from protocol.problems import Problem, ProblemType

from . import recurrence
from .bodies import Audience
from .repository import CopyLink, EventRepository


class EventWriter:
    def __init__(
        self, node: Node, repo: EventRepository, objects: ObjectRepository, twinnings: TwinningRepository
    ) -> None:
        self.node = node
        self.repo = repo
        self.objects = objects
        self.twinnings = twinnings
        # Other features' part in publishing one of our events, in its transaction (the places
        # twins' members took at it follow a move: node/booking/event_moves.py).
        self.on_publish: list[Callable[[UnitOfWork, Event], Awaitable[object]]] = []

    async def own(self, event_id: str, tx: Connection | None = None) -> Event:
        """One of our events; 404 for an id we do not originate (a twin's event is theirs to change)."""
        stored = await self.objects.get("Event", self.node.id, event_id, tx=tx)
        if stored is None:
            raise Problem(ProblemType.NOT_FOUND, f"this space has no event {event_id!r}")
        return Event.model_validate(stored.object)

    async def publish(self, work: UnitOfWork, event: Event) -> None:
        """Store and send a new version to the twins in its audience; index it in the same transaction."""
        audience = None if event.audience == "all" else list(event.audience)
        await self.node.publish(work, event, audience)
        await self.index(work.tx, event)
        for hook in self.on_publish:
            await hook(work, event)

    async def index(self, tx: Connection, event: Event) -> None:
        """The event's entries in the events' own tables (series end, copy link)."""
        zone = zone_named(event.timezone)
        start = event.starts_at.astimezone(zone)
        rule = recurrence.read_rule(event.rrule, start) if event.rrule else None
        if rule is not None and event.rrule:
            last = recurrence.series_end(event.rrule, start, event.ends_at - event.starts_at)
            await self.repo.store_series(tx, event.origin, event.id, iso(last) if last else None)
        else:
            await self.repo.delete_series(tx, event.origin, event.id)
        if event.exported_from is not None:
            source = event.exported_from
            await self.repo.store_copy(tx, CopyLink(event.origin, event.id, source.origin, source.id))

    def exdates(self, texts: list[str] | None, zone: ZoneInfo) -> list[datetime]:
        return [parse_local(text, zone, f"exdates.{i}") for i, text in enumerate(texts or [])]

    def series(self, rule_text: str | None, exdates: list[datetime], start: datetime) -> dict[str, Any]:
        """rrule and exdates, checked against the first occurrence."""
        rule = recurrence.parse_rule(rule_text, start) if rule_text else None
        recurrence.check_exdates(rule, exdates)
        return {"rrule": rule_text, "exdates": exdates}

    def compose(self, values: dict[str, Any], **identity: Any) -> Event:
        """The wire event; a field the wire refuses is a validation error naming it."""
        start, end = values["starts_at"], values["ends_at"]
        if end <= start:
            raise invalid("ends_at", f"must be after starts_at ({start.isoformat()})")
        if values.get("status") == "moved_online" and not values.get("online_url"):
            raise invalid("online_url", "an event moved online needs its online_url")
        fields = {k: v for k, v in values.items() if v is not None} | identity
        fields["updated_at"] = self.node.clock.now()
        try:
            return Event(**fields)
        except ValidationError as exc:
            raise validation_problem(exc) from exc

    async def audience(self, value: Audience, *, keep: str | None = None) -> Audience:
        """'all', or the listed twins as node ids; anything but an active twin is refused.

        `keep`: a node that stays in a listed audience (the origin of an event we re-host).
        """
        if value == "all":
            return "all"
        if not value:
            raise invalid("audience", "name at least one twin, or 'all'")
        active = set(await self.twinnings.list_active_peers())
        peers: list[str] = []
        for index, entry in enumerate(value):
            twinning = await self.twinnings.get(entry)
            peer = twinning.peer_id if twinning is not None else entry.rstrip("/")
            if peer not in active:
                raise invalid(f"audience.{index}", f"{entry!r} is not an active twin of this space")
            peers.append(peer)
        if keep is not None:
            peers.append(keep)
        return sorted(set(peers))

    async def new_id(self, tx: Connection) -> str:
        while True:
            event_id = f"ev-{uuid.uuid4().hex[:12]}"
            if await self.objects.get("Event", self.node.id, event_id, tx=tx) is None:
                return event_id
