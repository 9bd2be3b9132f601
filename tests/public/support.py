"""Three real twinned spaces for the public pages and open data: Milan hosts Madrid's and
Lisbon's members; Madrid hosts Milan's. Profiles, public and private events, members with
names that must never be public, and enough receipts to publish some figures and suppress others."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from node.public.profile import SpaceProfile, save_profile
from tests.support.nodes import InProcessNode, eventually, twin

TERMS = {
    "allowances": [{"kind": "desk", "unit": "day", "amount": 40, "period": "month"}],
    "rules": {"book_ahead_days": 30, "min_notice_hours": 2, "cancel_until_hours": 24, "max_seats_per_reservation": 2},
}
MILAN_PROFILE = SpaceProfile(
    description="A coworking in a restored tram depot, run with the Municipality of Milan.",
    street_address="Via Messina 38",
    postal_code="20154",
    locality="Milano",
    region="MI",
    country="IT",
    email="info@spazio.example",
    opening_hours={"mon": ["09:00-19:00"], "tue": ["09:00-19:00"], "sat": ["10:00-13:00", "14:00-18:00"]},
)
PUBLIC_TITLE, PRIVATE_TITLE = "Open day at the depot", "Board dinner with Madrid"
SECRET_PLACE = "Sala Riservata 7"


@dataclass
class City:
    milan: InProcessNode
    madrid: InProcessNode
    lisbon: InProcessNode
    public_event: dict[str, Any]
    private_event: dict[str, Any]
    members: list[str] = field(default_factory=list)  # every member's name, on every node
    reservations: list[str] = field(default_factory=list)  # every reservation id


async def city(
    nodes: Any, *, madrid_guests: int = 6, lisbon_guests: int = 2, milan_guests: int = 5, **milan: Any
) -> City:
    """The three spaces; `milan` holds keyword arguments for Milan's node (`config=...`)."""
    return await _city(nodes, madrid_guests, lisbon_guests, milan_guests, milan)


async def _city(nodes: Any, madrid_guests: int, lisbon_guests: int, milan_guests: int, options: Any) -> City:
    milan = await nodes("Spazio Milano", "Europe/Rome", **options)
    madrid = await nodes("Espacio Madrid", "Europe/Madrid")
    lisbon = await nodes("Lisboa Cowork", "Europe/Lisbon")
    save_profile(milan.directory, MILAN_PROFILE)
    save_profile(madrid.directory, SpaceProfile(locality="Madrid", country="ES", description="Coworking en Lavapiés."))
    save_profile(lisbon.directory, SpaceProfile(locality="Lisboa", country="PT"))
    await twin(milan, madrid, offer=TERMS, request=TERMS)
    await twin(milan, lisbon, offer=TERMS, request=TERMS)
    public = await milan.api.ok("POST", "/api/v1/events", _event(PUBLIC_TITLE, summary="Come and see the space."))
    private = await milan.api.ok(
        "POST", "/api/v1/events", _event(PRIVATE_TITLE, room=SECRET_PLACE, audience=[madrid.url])
    )
    result = City(milan, madrid, lisbon, public, private)
    await _guests(result, milan, madrid, madrid_guests, "Madrid")
    await _guests(result, milan, lisbon, lisbon_guests, "Lisboa")
    await _guests(result, madrid, milan, milan_guests, "Milano")
    return result


def _event(title: str, **fields: Any) -> dict[str, Any]:
    day = datetime.now(ZoneInfo("Europe/Rome")).date() + timedelta(days=3)
    return {"title": title, "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00"} | fields


async def _guests(city: City, host: InProcessNode, home: InProcessNode, count: int, surname: str) -> None:
    """`count` members of `home` each reserve one seat at `host`, one at a time."""
    if count == 0:
        return
    resource = await host.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Open desks", "capacity": 40})
    day = datetime.now(ZoneInfo(host.node.settings.node.timezone)).date() + timedelta(days=2)
    body = {"resource_id": resource["id"], "twin_id": home.url, "starts_at": f"{day}T09:00", "ends_at": f"{day}T18:00"}
    slot = await host.api.ok("POST", "/api/v1/slots", body | {"seats": 30})

    async def replicated() -> bool:
        return await home.node.store.objects.get("Slot", host.url, slot["id"]) is not None

    await eventually(replicated, True)
    for number in range(count):
        name = f"Persona{number} {surname}"
        email = f"persona{number}.{surname.lower()}@example.org"
        member = await home.api.ok("POST", "/api/v1/members", {"display_name": name, "email": email})
        city.members.append(name)
        reservation_id = str(uuid.uuid4())
        wanted = {"slot_id": slot["id"], "twin_id": host.url, "seats": 1}
        status, answer = await home.api.call(
            "PUT", f"/api/v1/reservations/{reservation_id}", wanted, token=member["token"]
        )
        assert status in (200, 201), answer
        assert answer["status"] == "confirmed", answer
        city.reservations.append(reservation_id)
