"""Public events in schema.org form (`event_jsonld`), for the public pages and any other public
reader (ActivityPub). Which events are public is the events feature's (`node.events.PublicEvents`).
"""

from __future__ import annotations

from typing import Any

from node.events import event_url
from protocol.models import Event

from .profile import SpaceProfile

# An inline context: every document expands on its own, with no fetch of schema.org's.
SCHEMA_CONTEXT: dict[str, Any] = {"@vocab": "https://schema.org/", "url": {"@type": "@id"}}
_STATUS = {
    "scheduled": "https://schema.org/EventScheduled",
    "moved_online": "https://schema.org/EventMovedOnline",
    "postponed": "https://schema.org/EventPostponed",
    "cancelled": "https://schema.org/EventCancelled",
}


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
