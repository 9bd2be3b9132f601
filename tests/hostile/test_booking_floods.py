"""A twin asking a host for places again and again: it mints its members' ids, so each request
is a new row the host keeps. A full slot's line holds at most MAX_WAITING requests (each
newcomer's position costs a count of the line); an event without a capacity takes at most
UNCAPPED_EVENT_SEATS places. Past either a request is refused as full, nothing kept."""

from __future__ import annotations

import asyncio
from typing import Any

from node.booking.host import UNCAPPED_EVENT_SEATS
from node.booking.waitlist_decide import MAX_WAITING
from protocol.envelope import seal
from protocol.models import ReservationRequest, Target
from tests.booking.support import add_member, add_resource, days_ahead, new_id, offer, terms, twin_for_booking, wall

NY = "America/New_York"


async def request_for(
    london: Any, nyc: Any, slot_id: str, member: dict[str, Any], kind: str = "slot", seats: int = 1
) -> tuple[str, dict[str, Any]]:
    members = london.node.booking.members
    rid = new_id()
    request = ReservationRequest(
        origin=london.url,
        id=rid,
        version=1,
        host=nyc.url,
        target=Target(kind=kind, id=slot_id),  # type: ignore[arg-type]
        seats=seats,
        member_pass=members.issue_pass(await members.get(member["id"])),
        requested_at=london.node.clock.now(),
        waitlist=True if kind == "slot" else None,
    )
    return rid, seal(request, london.node.keys.current).model_dump(mode="json")


async def test_booking_floods__a_full_slots_line_holds_at_most_max_waiting(nodes: Any) -> None:
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 1)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 1)
    ada = await add_member(london, "Ada")
    statuses = []
    for _ in range(MAX_WAITING + 6):
        rid, envelope = await request_for(london, nyc, slot["id"], ada)
        statuses.append(await london.node.client.send("PUT", f"{nyc.url}/federation/v1/reservations/{rid}", envelope))
        await asyncio.sleep(0)
    codes = [answer.status for answer in statuses]
    assert codes[0] == 201 and codes[1 : MAX_WAITING + 1] == [202] * MAX_WAITING, codes
    assert codes[MAX_WAITING + 1 :] == [409] * 5, codes[MAX_WAITING + 1 :]
    assert statuses[-1].json()["type"].endswith("/slot-full"), statuses[-1].json()
    line = await nyc.node.store.db.fetch_one(
        "SELECT COUNT(*) AS n FROM hosted_waitlist WHERE target_id = ?", (slot["id"],)
    )
    assert line is not None and line["n"] == MAX_WAITING


async def test_booking_floods__an_event_without_capacity_takes_at_most_uncapped_event_seats(nodes: Any) -> None:
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(max_seats_per_reservation=100))
    day = days_ahead(NY, 10)
    event = await nyc.api.ok(
        "POST", "/api/v1/events", {"title": "Open talk", "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00"}
    )
    ada = await add_member(london, "Ada")
    codes = []
    for _ in range(UNCAPPED_EVENT_SEATS // 100 + 2):
        rid, envelope = await request_for(london, nyc, event["id"], ada, kind="event", seats=100)
        answer = await london.node.client.send("PUT", f"{nyc.url}/federation/v1/reservations/{rid}", envelope)
        codes.append(answer.status)
    full = UNCAPPED_EVENT_SEATS // 100
    assert codes == [201] * full + [409, 409], codes
    rows = await nyc.node.store.db.fetch_one(
        "SELECT COUNT(*) AS n FROM hosted_reservations WHERE target_id = ?", (event["id"],)
    )
    assert rows is not None and rows["n"] == full
