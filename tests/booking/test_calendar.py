"""A member's reservations abroad as a calendar feed apps can subscribe to."""

from __future__ import annotations

from icalendar import Calendar

from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    new_id,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)

NY = "America/New_York"


async def test_calendar__a_members_feed_holds_their_reservations_in_the_host_zone(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms())
    room = await add_resource(nyc, "meeting_room", 6, name="Hudson room")
    day = days_ahead(NY, 9)
    slot = await offer(nyc, room["id"], london.url, wall(day, 14), wall(day, 16), 4)
    ada, bob = await add_member(london, "Ada"), await add_member(london, "Bob")
    await wait_remaining(london, nyc, slot["id"], ada, 4)
    kept, dropped, other = new_id(), new_id(), new_id()
    for rid, member in ((kept, ada), (dropped, ada), (other, bob)):
        assert (await reserve(london, member, rid, slot_id=slot["id"]))[0] == 201
    await london.api.ok("DELETE", f"/api/v1/reservations/{dropped}", token=ada["token"])

    path = ada["calendar_url"].removeprefix(london.url)
    async with london.api.session.get(london.local + path) as resp:
        assert resp.status == 200 and resp.content_type == "text/calendar"
        body, etag = await resp.read(), resp.headers["ETag"]
    events = {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    assert set(events) == {f"{kept}@gemellaggio", f"{dropped}@gemellaggio"}
    confirmed, cancelled = events[f"{kept}@gemellaggio"], events[f"{dropped}@gemellaggio"]
    assert (str(confirmed["STATUS"]), int(confirmed["SEQUENCE"])) == ("CONFIRMED", 0)
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 1)
    assert str(confirmed["SUMMARY"]) == "Hudson room at NYC"
    start = confirmed["DTSTART"]
    assert start.params["TZID"] == NY and start.dt.hour == 14 and start.dt.date() == day

    async with london.api.session.get(london.local + path, headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
    status, _ = await london.api.call("GET", "/api/v1/reservations.ics?secret=wrong")
    assert status == 401
    status, _ = await london.api.call("GET", "/api/v1/reservations.ics")  # the operator is not a member
    assert status == 403
    status, by_token = await london.api.call("GET", "/api/v1/reservations.ics", token=bob["token"])
    assert status == 200 and other in by_token and kept not in by_token
    await london.api.ok("DELETE", f"/api/v1/members/{ada['id']}")
    async with london.api.session.get(london.local + path) as resp:
        assert resp.status == 401
