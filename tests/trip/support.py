"""What New York offers London around 3-7 December (next December), for the trip view's tests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.introductions.support import NYC_ZONE, People, add_member, publish_card


def next_december() -> date:
    """3 December of a year still ahead, so every slot and event on the days can be offered."""
    today = datetime.now(ZoneInfo(NYC_ZONE)).date()
    return date(today.year + (1 if today >= date(today.year, 12, 1) else 0), 12, 3)


async def offer(pair: People, resource: str, starts: str, ends: str, seats: int = 2) -> dict[str, Any]:
    body = {"resource_id": resource, "twin_id": pair.london.url, "starts_at": starts, "ends_at": ends, "seats": seats}
    return dict(await pair.nyc.api.ok("POST", "/api/v1/slots", body))


async def event(pair: Any, title: str, starts: str, ends: str) -> dict[str, Any]:
    return dict(await pair.nyc.api.ok("POST", "/api/v1/events", {"title": title, "starts_at": starts, "ends_at": ends}))


async def new_york_in_december(pair: People) -> dict[str, Any]:
    """Slots and events in and around NYC's 3-7 December, and three NYC members with cards."""
    first = next_december()
    year = first.year
    desk = await pair.nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 10})
    inside = [
        await offer(pair, desk["id"], f"{year}-12-03T09:00", f"{year}-12-03T18:00"),
        # 20:00 in New York on the 7th is already the 8th in London: still NYC's 7th.
        await offer(pair, desk["id"], f"{year}-12-07T20:00", f"{year}-12-07T23:00"),
    ]
    outside = [
        # 22:00 on the 2nd in New York is the 3rd in London: not one of NYC's days of the trip.
        await offer(pair, desk["id"], f"{year}-12-02T22:00", f"{year}-12-02T23:30"),
        await offer(pair, desk["id"], f"{year}-12-08T09:00", f"{year}-12-08T18:00"),
    ]
    events_inside = [
        await event(pair, "Design night", f"{year}-12-05T18:00", f"{year}-12-05T21:00"),
        await event(pair, "Night owls", f"{year}-12-07T21:00", f"{year}-12-07T23:00"),  # London's 8th
    ]
    events_outside = [
        await event(pair, "Late show", f"{year}-12-02T22:00", f"{year}-12-02T23:00"),  # London's 3rd
        await event(pair, "New year party", f"{year}-12-31T21:00", f"{year + 1}-01-01T01:00"),
    ]
    people = {}
    for name, audience, open_to_visitors in (
        ("Dana Reyes", [pair.london.url], True),
        ("Eli Stone", "twins", False),
        ("Fay Moss", "space", True),
    ):
        member = await add_member(pair.nyc, pair, name)
        people[name] = await publish_card(
            pair.nyc, member["token"], audience, display_name=name, skills=["law"], open_to_visitors=open_to_visitors
        )
    return {
        "first": first,
        "slots_inside": inside,
        "slots_outside": outside,
        "events_inside": events_inside,
        "events_outside": events_outside,
        "people": people,
    }
