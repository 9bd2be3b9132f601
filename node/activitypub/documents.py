"""The bridge's ActivityStreams documents: the actor, WebFinger and NodeInfo answers, and the
Event objects and activities followers receive.

Events take the shape Mobilizon publishes (startTime/endTime with offsets, a Place with a
schema.org PostalAddress, `ical:status`, `mz:` join fields) so Mobilizon shows them as events,
and Mastodon, which turns any non-Note object into a post with its name and url, links the
public page. The context is inline past ActivityStreams, so every document expands on its own.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from node.events import event_url
from node.public import SpaceProfile, postal_address
from protocol.models import Event

if TYPE_CHECKING:
    from node.config import Settings

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = AS + "#Public"
CONTENT_TYPE = "application/activity+json"
CONTEXT: list[Any] = [
    AS,
    {
        "sec": "https://w3id.org/security#",
        "publicKey": {"@id": "sec:publicKey", "@type": "@id"},
        "publicKeyPem": "sec:publicKeyPem",
        "owner": {"@id": "sec:owner", "@type": "@id"},
        "schema": "http://schema.org#",
        "PostalAddress": "schema:PostalAddress",
        "address": {"@id": "schema:address", "@type": "@id"},
        "streetAddress": "schema:streetAddress",
        "postalCode": "schema:postalCode",
        "addressLocality": "schema:addressLocality",
        "addressRegion": "schema:addressRegion",
        "addressCountry": "schema:addressCountry",
        "maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
        "ical": "http://www.w3.org/2002/12/cal/ical#",
        "mz": "https://joinmobilizon.org/ns#",
        "timezone": {"@id": "mz:timezone", "@type": "schema:Text"},
        "isOnline": {"@id": "mz:isOnline", "@type": "schema:Boolean"},
        "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
        "externalParticipationUrl": {"@id": "mz:externalParticipationUrl", "@type": "schema:URL"},
        "anonymousParticipationEnabled": {"@id": "mz:anonymousParticipationEnabled", "@type": "schema:Boolean"},
        "commentsEnabled": {"@id": "pt:commentsEnabled", "@type": "schema:Boolean"},
        "pt": "https://joinpeertube.org/ns#",
        "Hashtag": "as:Hashtag",
        "discoverable": "http://joinmastodon.org/ns#discoverable",
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    },
]
_ICAL_STATUS = {
    "scheduled": "CONFIRMED",
    "postponed": "TENTATIVE",
    "moved_online": "CONFIRMED",
    "cancelled": "CANCELLED",
}


class Urls:
    """Where the bridge's documents live, from the node's URL."""

    def __init__(self, settings: Settings) -> None:
        self.base = settings.node_id
        self.host = urlsplit(self.base).netloc
        self.username = settings.activitypub.username
        self.actor = f"{self.base}/ap/actor"
        self.key_id = f"{self.actor}#main-key"
        self.inbox = f"{self.base}/ap/inbox"
        self.outbox = f"{self.base}/ap/outbox"
        self.followers = f"{self.base}/ap/followers"
        self.icon = f"{self.base}/ap/icon.svg"

    def event(self, event_id: str) -> str:
        return f"{self.base}/ap/events/{event_id}"

    def activity(self, kind: str, event_id: str, digest: str) -> str:
        return f"{self.base}/ap/activities/{kind.lower()}-{event_id}-{digest[:16]}"


def webfinger(urls: Urls) -> dict[str, Any]:
    return {
        "subject": f"acct:{urls.username}@{urls.host}",
        "aliases": [urls.actor, f"{urls.base}/space"],
        "links": [
            {"rel": "self", "type": CONTENT_TYPE, "href": urls.actor},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": f"{urls.base}/space"},
        ],
    }


def nodeinfo(followers: int, posts: int) -> dict[str, Any]:
    return {
        "version": "2.1",
        "software": {"name": "gemellaggio", "version": "0.1.0", "homepage": "https://github.com/gemellaggio"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {"users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1}, "localPosts": posts},
        "metadata": {"followers": followers},
    }


def actor(urls: Urls, name: str, profile: SpaceProfile, public_pem: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": urls.actor,
        "type": "Organization",
        "preferredUsername": urls.username,
        "name": name,
        "summary": f"<p>{html.escape(profile.description)}</p>" if profile.description else "",
        "url": f"{urls.base}/space",
        "icon": {"type": "Image", "mediaType": "image/svg+xml", "url": urls.icon},
        "inbox": urls.inbox,
        "outbox": urls.outbox,
        "followers": urls.followers,
        "endpoints": {"sharedInbox": urls.inbox},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "publicKey": {"id": urls.key_id, "owner": urls.actor, "publicKeyPem": public_pem},
    }


def icon_svg(name: str) -> str:
    letter = html.escape((name.strip() or "?")[0].upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" fill="#2b5d8a"/>'
        f'<text x="50" y="66" font-size="56" text-anchor="middle" fill="#fff" font-family="sans-serif">{letter}</text>'
        "</svg>"
    )


def event_object(urls: Urls, event: Event, space: str, profile: SpaceProfile, location: str | None) -> dict[str, Any]:
    """The Event as followers see it: only what the public page shows."""
    page = event_url(urls.base, event.id)
    place: dict[str, Any] = {"type": "Place", "name": ", ".join(p for p in (event.room, event.venue) if p) or space}
    address = postal_address(profile, location)
    if event.address:
        address = {"@type": "PostalAddress", "streetAddress": event.address}
    place["address"] = {"type": "PostalAddress", **{k: v for k, v in address.items() if k != "@type"}}
    text = event.summary or event.description[:500]
    obj: dict[str, Any] = {
        "id": urls.event(event.id),
        "type": "Event",
        "name": event.title,
        "content": f"<p>{html.escape(text)}</p>" if text else "",
        "mediaType": "text/html",
        "url": page,
        "attributedTo": urls.actor,
        "to": [PUBLIC],
        "cc": [urls.followers],
        "startTime": event.starts_at.isoformat(),
        "endTime": event.ends_at.isoformat(),
        "timezone": event.timezone,
        "location": place,
        "ical:status": _ICAL_STATUS[event.status],
        "isOnline": event.status == "moved_online",
        "joinMode": "external",
        "externalParticipationUrl": page,
        "anonymousParticipationEnabled": False,
        "commentsEnabled": False,
        "tag": [{"type": "Hashtag", "name": f"#{tag}", "href": f"{urls.base}/space"} for tag in event.tags],
    }
    if event.online_url:  # where Mobilizon looks for an event's online address
        obj["attachment"] = [{"type": "Link", "name": "Website", "mediaType": "text/html", "href": event.online_url}]
    if event.capacity is not None:
        obj["maximumAttendeeCapacity"] = event.capacity
    if event.language and event.translations:
        obj["nameMap"] = {event.language: event.title} | {lang: t.title for lang, t in event.translations.items()}
        obj["contentMap"] = {event.language: obj["content"]} | {
            lang: f"<p>{html.escape(t.summary)}</p>" for lang, t in event.translations.items() if t.summary
        }
    return obj


def digest(obj: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def activity(urls: Urls, kind: str, obj: dict[str, Any], published: str, updated: str) -> dict[str, Any]:
    """Create or Update of an Event, stamped with when it was first and last sent."""
    body = obj | {"published": published, "updated": updated}
    return {
        "@context": CONTEXT,
        "id": urls.activity(kind, obj["id"].rsplit("/", 1)[-1], digest(body)),
        "type": kind,
        "actor": urls.actor,
        "published": updated,
        "to": [PUBLIC],
        "cc": [urls.followers],
        "object": body,
    }


def delete(urls: Urls, event_id: str, now: str) -> dict[str, Any]:
    tombstone = {"id": urls.event(event_id), "type": "Tombstone", "formerType": "Event", "deleted": now}
    return {
        "@context": CONTEXT,
        "id": urls.activity("Delete", event_id, digest(tombstone)),
        "type": "Delete",
        "actor": urls.actor,
        "to": [PUBLIC],
        "cc": [urls.followers],
        "object": tombstone,
    }


def accept(urls: Urls, follow: dict[str, Any]) -> dict[str, Any]:
    follow_id = str(follow.get("id", ""))
    return {
        "@context": CONTEXT,
        "id": f"{urls.base}/ap/activities/accept-{hashlib.sha256(follow_id.encode()).hexdigest()[:16]}",
        "type": "Accept",
        "actor": urls.actor,
        "to": [follow.get("actor")],
        "object": {k: follow[k] for k in ("id", "type", "actor", "object") if k in follow},
    }
