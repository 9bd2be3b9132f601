"""Our public events: the one list the public calendar (/calendar.ics), the public pages and
the ActivityPub bridge share.

An event is public when the public calendar shows it: one of ours shown to every twin, or a
twin's event we re-host. Every public reader takes the list from `PublicEvents` and links each
event to `event_url`, so a page, a calendar entry and a fediverse post can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from node.clock import Clock, iso
from protocol.models import Event

from . import recurrence
from .repository import EventRepository

PAST = timedelta(days=90)  # ended events stay public this long
MAX_EVENTS = 2000
AHEAD = timedelta(days=800)  # how far a series is followed for its next occurrence


def event_url(node_id: str, event_id: str) -> str:
    """The public page of one of our events (the `url` of its calendar entry and its JSON-LD)."""
    return f"{node_id}/events/{event_id}"


class PublicEvents:
    def __init__(self, repo: EventRepository, node_id: str, clock: Clock) -> None:
        self.repo = repo
        self.node_id = node_id
        self.clock = clock
        self._kept: tuple[tuple[Any, ...], list[Event]] | None = None
        self._upcoming: tuple[tuple[Any, ...], Sequence[Event]] | None = None

    async def list(self) -> list[Event]:
        """Our public events that ended less than `PAST` ago (series: whose last occurrence did),
        by start: exactly what the public calendar holds.

        Anyone may ask for a public page as often as they like: the list is read again only when
        the calendar's version (every change of ours moves it) or the day changes."""
        version = (*await self.repo.get_calendar_version(), self.clock.now().date().isoformat())
        if self._kept is not None and self._kept[0] == version:
            return self._kept[1]
        since = iso(self.clock.now() - PAST)
        events = [
            Event.model_validate(s.object) for s in await self.repo.list_calendar(self.node_id, since, MAX_EVENTS)
        ]
        self._kept = (version, events)
        return events

    async def upcoming(self) -> Sequence[Event]:
        """The public events not cancelled that have an occurrence still to end, by that
        occurrence's start; a series as its next occurrence (the event with that occurrence's
        times), however long ago it began. Worked out again once a minute at most."""
        events, now = await self.list(), self.clock.now()
        assert self._kept is not None
        key = (self._kept[0], now.replace(second=0, microsecond=0).isoformat())  # the list's version, the minute
        if self._upcoming is None or self._upcoming[0] != key:
            self._upcoming = (key, sorted(_next_occurrences(events, now), key=lambda e: (e.starts_at, e.id)))
        return self._upcoming[1]

    async def find(self, event_id: str) -> Event | None:
        """One public event by id, or None when it is not public (or not ours, or unknown)."""
        for event in await self.list():
            if event.id == event_id:
                return event
        return None


def _next_occurrences(events: list[Event], now: datetime) -> list[Event]:
    found = []
    for event in events:
        if event.status == "cancelled":
            continue
        if not event.rrule:
            if event.ends_at > now:
                found.append(event)
            continue
        occurrences = recurrence.each_occurrence(
            event.starts_at, event.ends_at, event.timezone, event.rrule, event.exdates, now, now + AHEAD
        )
        following = next(occurrences, None)
        if following is not None:
            found.append(event.model_copy(update={"starts_at": following[0], "ends_at": following[1]}))
    return found
