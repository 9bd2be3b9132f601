"""Re-hosting a twin's event here ("export"), and telling our operator when its origin changes it.

An exported copy is our own event with `exported_from` naming the original; it is published
to our twins, the origin included, so both spaces show "also at". We keep a baseline: the
original's times and status as our operator last agreed with them. When the origin's new
version differs from the baseline, the copy is flagged; the operator follows (our copy takes
the same change) or keeps it as it is, or edits the copy, and the flag closes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiosqlite import Connection

from node.clock import iso, parse_iso
from node.core import UnitOfWork
from node.times import zone_named
from protocol.models import Event, ObjectRef
from protocol.problems import Problem, ProblemType

from . import recurrence
from .bodies import PLAIN_FIELDS, ExportBody
from .rehost_times import rehost_times
from .repository import SourceKey
from .writer import EventWriter

# Fields the origin decides and a copy takes by default; ours (venue, room, capacity...) are not copied.
WAKE_DELAY_SECONDS = 0.2  # our twins' senders look again once the inbox's transaction is committed
COPIED = ("title", "summary", "description", "language", "translations", "tags", "online_url")


def watched(event: Event) -> dict[str, Any]:
    """What a copy follows of its origin, instants in UTC so that only real changes differ."""
    return {
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "status": event.status,
        "rrule": event.rrule,
        "exdates": [iso(d) for d in event.exdates],
        "online_url": event.online_url,  # where a watch party joins the original's stream
    }


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    # A baseline stored before a field was watched does not name it: it changes nothing until agreed again.
    return [{"field": k, "was": before[k], "now": after.get(k)} for k in after if k in before and before[k] != after[k]]


class Exports:
    def __init__(self, writer: EventWriter) -> None:
        self.writer = writer
        self.node = writer.node
        self.repo = writer.repo
        self.objects = writer.objects
        self.twinnings = writer.twinnings

    async def export(self, source_id: str, body: ExportBody) -> Event:
        """A new local event re-hosting a twin's event, published to our twins (the origin included)."""
        source = await self.twin_event(source_id, body.origin)
        if source.status == "cancelled":
            raise Problem(ProblemType.CONFLICT, f"{source.origin} cancelled event {source.id}; it cannot be re-hosted")
        values = self._copy_values(source, body)
        if body.audience is None:  # what the origin shared with all its twins we share likewise
            audience: Any = "all" if source.audience == "all" else [source.origin]
        else:
            audience = await self.writer.audience(body.audience, keep=source.origin)
        async with self.node.write() as work:
            taken = [
                copy
                for copy in await self.repo.list_local_copies(work.tx, self.node.id, (source.origin, source.id))
                if (await self.writer.own(copy, work.tx)).status != "cancelled"
            ]
            if taken:
                raise Problem(
                    ProblemType.CONFLICT, f"this space already hosts {source.id} as {taken[0]}", event_id=taken[0]
                )
            event = self.writer.compose(
                values,
                origin=self.node.id,
                id=await self.writer.new_id(work.tx),
                version=1,
                audience=audience,
                exported_from=ObjectRef(origin=source.origin, id=source.id),
            )
            await self.writer.publish(work, event)
            await self.repo.store_baseline(
                work.tx, event.id, source.version, watched(source), iso(self.node.clock.now())
            )
        return event

    def _copy_values(self, source: Event, body: ExportBody) -> dict[str, Any]:
        given = body.model_fields_set
        zone = zone_named(body.timezone or self.node.settings.node.timezone)
        values: dict[str, Any] = {k: getattr(source, k) for k in COPIED if getattr(source, k) is not None}
        values["venue"] = self.node.settings.node.name
        if given & {"title", "summary", "language"}:
            values.pop("translations", None)  # they translate the original's words, not ours
        values.update({k: getattr(body, k) for k in PLAIN_FIELDS if k in given})
        first = self._next_occurrence(source)
        start, end = rehost_times(first, source.timezone, zone, body.starts_at, body.ends_at, body.same_moment)
        values.update(timezone=zone.key, starts_at=start, ends_at=end)
        # A copy is one event unless the operator gives it its own rule: the origin's rule is
        # written for the origin's wall clock, which ours does not follow across DST changes.
        rule_text = recurrence.normalize_rule(body.rrule) if body.rrule else None
        values.update(self.writer.series(rule_text, self.writer.exdates(body.exdates, zone), values["starts_at"]))
        return values

    def _next_occurrence(self, source: Event) -> tuple[datetime, datetime]:
        """The source's next occurrence (for a series), else its only one."""
        if source.rrule:
            now = self.node.clock.now()
            upcoming = recurrence.each_occurrence(
                source.starts_at,
                source.ends_at,
                source.timezone,
                source.rrule,
                source.exdates,
                now,
                now + timedelta(days=800),
            )
            found = next(upcoming, None)  # the first alone: a daily series would build 800
            if found is not None:
                return found
        return source.starts_at, source.ends_at

    async def twin_event(self, event_id: str, origin: str | None) -> Event:
        """A twin's event by id; `origin` says whose when ids collide."""
        twins = await self.twinnings.list_active_peers()
        found = await self.repo.list_with_id(event_id, [origin.rstrip("/")] if origin else twins)
        found = [f for f in found if f.origin in twins]
        if not found:
            raise Problem(ProblemType.NOT_FOUND, f"no twin's event {event_id!r} is known here")
        if len(found) > 1:
            raise Problem(
                ProblemType.VALIDATION_ERROR,
                f"several twins have an event {event_id!r}: say which in 'origin'",
                errors=[{"field": "origin", "message": "required: " + ", ".join(f.origin for f in found)}],
            )
        return Event.model_validate(found[0].object)

    # -- flags ------------------------------------------------------------------------------------

    async def source_changed(self, tx: Connection, source: Event) -> None:
        """A twin's event changed (inside the inbox transaction): flag our copies whose baseline it left."""
        now = iso(self.node.clock.now())
        for copy_id in await self.repo.list_local_copies(tx, self.node.id, (source.origin, source.id)):
            baseline = await self.repo.get_baseline(tx, copy_id)
            copy = await self.objects.get("Event", self.node.id, copy_id, tx=tx)
            if baseline is None or copy is None or copy.status == "cancelled":
                continue
            diff = changes(baseline.watched, watched(source))
            if diff:
                await self.repo.store_flag(tx, copy_id, (source.origin, source.id), source.version, diff, now)
            else:  # the origin went back to what we agreed with
                await self.repo.store_flag_resolution(tx, copy_id, "reverted", now)

    async def source_retracted(self, tx: Connection, source: SourceKey) -> None:
        """The origin took us out of its event's audience (inside the inbox transaction): our
        copies of it are cancelled, published to our twins, and their open flags closed."""
        work = UnitOfWork(tx)
        now = iso(self.node.clock.now())
        for copy_id in await self.repo.list_local_copies(tx, self.node.id, source):
            copy = await self.writer.own(copy_id, tx)
            if copy.status == "cancelled":
                continue
            values = copy.model_dump(exclude_none=True) | {"status": "cancelled"}
            event = self.writer.compose(values, origin=copy.origin, id=copy.id, version=copy.version + 1)
            await self.writer.publish(work, event)
            await self.repo.store_flag_resolution(tx, copy_id, "edited", now)
        if work.wake:  # once the inbox's transaction is committed
            asyncio.get_running_loop().call_later(WAKE_DELAY_SECONDS, self.node.federation.wake, work.wake)

    async def edited(self, tx: Connection, copy: Event) -> None:
        """Our operator changed a copy's times or status: that answers its open flag."""
        if await self.repo.get_open_flag(tx, copy.id) is not None:
            await self._agree(tx, copy, "edited")

    async def resolve(self, event_id: str, action: str) -> Event:
        """Close the copy's open flag: 'follow' applies the origin's change to our copy, 'keep' does not."""
        async with self.node.write() as work:
            copy = await self.writer.own(event_id, work.tx)
            if await self.repo.get_open_flag(work.tx, event_id) is None:
                raise Problem(ProblemType.NOT_FOUND, f"event {event_id} has no open flag")
            if action == "follow":
                copy = await self._follow(work, copy)
            await self._agree(work.tx, copy, "followed" if action == "follow" else "kept")
        return copy

    async def _agree(self, tx: Connection, copy: Event, resolution: str) -> None:
        source = await self._source(copy, tx)
        await self.repo.store_baseline(tx, copy.id, source.version, watched(source), iso(self.node.clock.now()))
        await self.repo.store_flag_resolution(tx, copy.id, resolution, iso(self.node.clock.now()))

    async def _follow(self, work: UnitOfWork, copy: Event) -> Event:
        source = await self._source(copy, work.tx)
        baseline = await self.repo.get_baseline(work.tx, copy.id)
        assert baseline is not None
        values = followed(copy, baseline.watched, source)
        try:
            values.update(self.writer.series(values.pop("rrule"), values.pop("exdates"), values["starts_at"]))
            event = self.writer.compose(values, origin=copy.origin, id=copy.id, version=copy.version + 1)
        except Problem as problem:
            raise Problem(
                ProblemType.CONFLICT,
                f"the origin's change cannot be applied to this copy as it is ({problem.detail}); "
                "edit it with PATCH instead",
            ) from problem
        await self.writer.publish(work, event)
        return event

    async def _source(self, copy: Event, tx: Connection) -> Event:
        assert copy.exported_from is not None
        ref = copy.exported_from
        stored = await self.objects.get("Event", ref.origin, ref.id, tx=tx)
        if stored is None:
            raise Problem(ProblemType.NOT_FOUND, f"the original event {ref.id} at {ref.origin} is not known here")
        return Event.model_validate(stored.object)


def followed(copy: Event, baseline: dict[str, Any], source: Event) -> dict[str, Any]:
    """The copy's fields after taking the origin's change since the baseline.

    Times move by the same elapsed amounts as the origin's (a watch party stays live, a
    session the next day stays the next day); status follows; a new rule is taken as it is.
    """
    values = copy.model_dump(exclude_none=True, exclude={"version", "updated_at"})
    zone = zone_named(copy.timezone)
    now = watched(source)
    for name in ("starts_at", "ends_at"):
        if now[name] != baseline[name]:
            delta = parse_iso(now[name]) - parse_iso(baseline[name])
            values[name] = (getattr(copy, name).astimezone(UTC) + delta).astimezone(zone)
    if now["status"] != baseline["status"]:
        values["status"] = source.status
        if source.status == "moved_online" and source.online_url:
            values["online_url"] = source.online_url
    if "online_url" in baseline and now["online_url"] != baseline["online_url"]:
        values.pop("online_url", None)
        if source.online_url:
            values["online_url"] = source.online_url
    values["rrule"], values["exdates"] = copy.rrule, list(copy.exdates)
    if now["rrule"] != baseline["rrule"] or now["exdates"] != baseline["exdates"]:
        offset = values["starts_at"] - source.starts_at
        values["rrule"] = source.rrule
        values["exdates"] = [(d.astimezone(UTC) + offset).astimezone(zone) for d in source.exdates]
    return values
