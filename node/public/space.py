"""The space as the public sees it: profile, resources, twins, and its schema.org form.

`space_view` gathers what the public pages (and any other public reader, such as the
ActivityPub actor) may show; `space_jsonld` is its schema.org `CoworkingSpace` (a
`LocalBusiness`, hence a `Place`) with `OpeningHoursSpecification`. Nothing here reads members.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.booking import Booking
from node.core import Node

from .events import SCHEMA_CONTEXT, postal_address
from .profile import SpaceProfile, load_profile


@dataclass(frozen=True)
class Twin:
    id: str  # its node id: its public page is {id}/space
    name: str


@dataclass(frozen=True)
class SpaceView:
    id: str
    name: str
    url: str  # the public page
    timezone: str
    location: str | None
    language: str
    profile: SpaceProfile
    resources: list[dict[str, Any]]  # kind, name, capacity
    twins: list[Twin]


async def space_view(node: Node, booking: Booking) -> SpaceView:
    settings = node.settings.node
    resources = [{"kind": r.kind, "name": r.name, "capacity": r.capacity} for r in await booking.resources.repo.list()]
    twins = []
    for peer_id in await node.store.twinnings.list_active_peers():
        row = await node.store.peers.get(peer_id)
        twins.append(Twin(peer_id, row.name if row is not None else peer_id))
    return SpaceView(
        id=node.id,
        name=settings.name,
        url=space_url(node.id),
        timezone=settings.timezone,
        location=settings.location,
        language=settings.language,
        profile=load_profile(node.settings.directory),
        resources=resources,
        twins=sorted(twins, key=lambda t: t.name.casefold()),
    )


def space_url(node_id: str) -> str:
    return f"{node_id}/space"


def space_jsonld(space: SpaceView) -> dict[str, Any]:
    """schema.org CoworkingSpace (a LocalBusiness and a Place): address, opening hours, resources."""
    profile = space.profile
    document: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": ["CoworkingSpace", "LocalBusiness", "Place"],
        "@id": space.url,
        "url": space.url,
        "name": space.name,
        "address": postal_address(profile, space.location),
    }
    if profile.description:
        document["description"] = profile.description
    if profile.email:
        document["email"] = profile.email
    if profile.telephone:
        document["telephone"] = profile.telephone
    hours = profile.opening_hours_specification()
    if hours:
        document["openingHoursSpecification"] = hours
    if space.resources:
        document["amenityFeature"] = [
            {"@type": "LocationFeatureSpecification", "name": r["name"], "value": r["capacity"]}
            for r in space.resources
        ]
    return document
