"""Public events: the one list the public calendar (/calendar.ics) and the public pages share.

An event is public when the public calendar shows it: one of ours shown to every twin, or a
twin's event we re-host. Both `/calendar.ics` and `/events/{id}` read `public_events` and
link each event to `event_url`, so a page and a calendar entry can never disagree.
Their schema.org form (`event_jsonld`) is here too, for any other public reader (ActivityPub).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from node.clock import iso
from protocol.models import Event

from .profile import SpaceProfile

if TYPE_CHECKING:
    from node.core import Node

_KEPT: WeakKeyDictionary[Node, tuple[tuple[Any, ...], list[Event]]] = WeakKeyDictionary()
PAST = timedelta(days=90)  # ended events stay public this long
MAX_EVENTS = 2000
# An inline context: every document expands on its own, with no fetch of schema.org's.
SCHEMA_CONTEXT: dict[str, Any] = {"@vocab": "https://schema.org/", "url": {"@type": "@id"}}
_STATUS = {
    "scheduled": "https://schema.org/EventScheduled",
    "moved_online": "https://schema.org/EventMovedOnline",
    "postponed": "https://schema.org/EventPostponed",
    "cancelled": "https://schema.org/EventCancelled",
}


def event_url(node_id: str, event_id: str) -> str:
    """The public page of one of our events (the `url` of its calendar entry and its JSON-LD)."""
    return f"{node_id}/events/{event_id}"


async def public_events(node: Node) -> list[Event]:
    """Our public events that ended less than `PAST` ago (series: whose last occurrence did),
    by start: exactly what the public calendar holds.

    Anyone may ask for a public page as often as they like: the list is read again only when
    the calendar's version (every change of ours moves it) or the day changes."""
    repo = node.services["events"].repo
    version = (*await repo.calendar_version(), node.clock.now().date().isoformat())
    kept = _KEPT.get(node)
    if kept is not None and kept[0] == version:
        return kept[1]
    since = iso(node.clock.now() - PAST)
    events = [Event.model_validate(s.object) for s in await repo.calendar(node.id, since, MAX_EVENTS)]
    _KEPT[node] = (version, events)
    return events


async def public_event(node: Node, event_id: str) -> Event | None:
    """One public event by id, or None when it is not public (or not ours, or unknown)."""
    for event in await public_events(node):
        if event.id == event_id:
            return event
    return None


def postal_address(profile: SpaceProfile, fallback: str | None) -> dict[str, Any]:
    """schema.org PostalAddress from the profile; the configured location when it is empty."""
    address: dict[str, Any] = {"@type": "PostalAddress"}
    for key, value in (
        ("streetAddress", profile.street_address),
        ("postalCode", profile.postal_code),
        ("addressLocality", profile.locality or (fallback or "")),
        ("addressRegion", profile.region),
        ("addressCountry", profile.country),
    ):
        if value:
            address[key] = value
    return address


def event_jsonld(event: Event, node_id: str, space: str, profile: SpaceProfile, location: str | None) -> dict[str, Any]:
    """schema.org Event with what Google's event guidelines require (name, startDate with an
    offset, location with an address) and the status and attendance mode."""
    place: dict[str, Any] = {
        "@type": "Place",
        "name": ", ".join(p for p in (event.room, event.venue) if p) or space,
        "address": postal_address(profile, location),
    }
    if event.address:  # the organiser named another address: it is where the event is
        place["address"] = {"@type": "PostalAddress", "streetAddress": event.address}
    online = {"@type": "VirtualLocation", "url": event.online_url} if event.online_url else None
    if event.status == "moved_online" and online:
        mode, where = "OnlineEventAttendanceMode", [online]
    elif online:
        mode, where = "MixedEventAttendanceMode", [place, online]
    else:
        mode, where = "OfflineEventAttendanceMode", [place]
    document: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Event",
        "@id": event_url(node_id, event.id),
        "url": event_url(node_id, event.id),
        "name": event.title,
        "startDate": event.starts_at.isoformat(),
        "endDate": event.ends_at.isoformat(),
        "eventStatus": _STATUS[event.status],
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "location": where[0] if len(where) == 1 else where,
        "organizer": {"@type": "Organization", "name": space, "url": node_id},
    }
    if event.summary or event.description:
        document["description"] = event.summary or event.description[:500]
    if event.language:
        document["inLanguage"] = event.language
    if event.tags:
        document["keywords"] = ", ".join(event.tags)
    return document
