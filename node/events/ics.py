"""GET /calendar.ics: this space's public events and the twins' events it re-hosts.

Anyone may ask for it, as often as they like, so it is built once per version of what it
shows (our events, the open flags on our copies, the twins' names, and the day, since ended
events leave it after 90 days) and served from memory in between. Building turns up to 2000
events into text: that runs on a worker thread, one build at a time.

A public feed has no reader to ask: its words (and each event's title, where the origin gave
it in more languages) are in the space's configured language.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from node.calendar import CalendarEntry, CalendarStatus, build_calendar
from node.core import Node
from node.i18n import N_, _, catalogs, reading
from protocol.models import Event

from .public import PublicEvents, event_url
from .repository import EventRepository, Flag
from .texts import event_text, notice

_STATUS: dict[str, CalendarStatus] = {
    "scheduled": "CONFIRMED",
    "moved_online": "CONFIRMED",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}
_PREFIX = {"postponed": N_("Postponed: %(title)s"), "cancelled": N_("Cancelled: %(title)s")}


def uid(event: Event) -> str:
    """Stable across versions: the event's id at its origin's host."""
    return f"{event.id}@{urlsplit(event.origin).netloc}"


@dataclass(frozen=True)
class Built:
    version: tuple[Any, ...]
    body: bytes
    etag: str


class PublicCalendar:
    """The public calendar, rebuilt only when its version changes."""

    def __init__(self, node: Node, repo: EventRepository, public: PublicEvents) -> None:
        self.node = node
        self.repo = repo
        self.public = public
        self.builds = 0
        self._built: Built | None = None
        self._lock = asyncio.Lock()

    async def current(self) -> Built:
        version = (*await self.repo.get_calendar_version(), self.node.clock.now().date().isoformat())
        async with self._lock:  # a crowd arriving together waits for one build, then shares it
            if self._built is None or self._built.version != version:
                body = await public_calendar(self.node, self.repo, self.public)
                self._built = Built(version, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
                self.builds += 1
            return self._built


async def public_calendar(node: Node, repo: EventRepository, public: PublicEvents) -> bytes:
    events = await public.list()  # the public pages read the same list
    flags = {f.event_id: f for f in await repo.list_open_flags()}
    names = {node.id: node.settings.node.name}
    for event in events:
        source = event.exported_from
        if source is not None and source.origin not in names:
            row = await node.store.peers.get(source.origin)
            names[source.origin] = row.name if row is not None else source.origin
    with reading(catalogs().reader(node.settings.node.language)):
        entries = [entry(event, names, flags.get(event.id)) for event in events]
        name = _("%(space)s: events", space=node.settings.node.name)
    return await asyncio.to_thread(build_calendar, name, entries, now=node.clock.now())


def entry(event: Event, names: dict[str, str], flag: Flag | None) -> CalendarEntry:
    """One of our events as a VEVENT."""
    text = event_text(event.model_dump(mode="json", include={"title", "summary", "language", "translations"}))
    lines = [text.summary] if text.summary else []
    if event.exported_from is not None:
        origin = names.get(event.exported_from.origin, event.exported_from.origin)
        lines.append(_("Also at %(space)s: re-hosted here from %(url)s.", space=origin, url=event.exported_from.origin))
        if flag is not None:
            zone = event.timezone
            lines.append(_("Notice: %(notice)s", notice=notice(flag, origin, names[event.origin], zone)))
    if event.description:
        lines.append(event.description)
    online = event.status == "moved_online"
    place = _("Online") if online else ", ".join(p for p in (event.room, event.venue, event.address) if p)
    return CalendarEntry(
        uid=uid(event),
        sequence=event.version - 1,
        summary=_(_PREFIX[event.status], title=text.title) if event.status in _PREFIX else text.title,
        description="\n\n".join(lines),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        status=_STATUS[event.status],
        url=event_url(event.origin, event.id),
        location=place or None,
        conference_url=event.online_url,
        rrule=event.rrule,
        exdates=tuple(event.exdates),
        categories=tuple(event.tags),
        stamp=event.updated_at,
    )
