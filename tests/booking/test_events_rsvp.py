"""Places at a twin's event (RSVP abroad): the same flow, limited by the event's capacity."""

from __future__ import annotations

from tests.booking.support import (
    add_member,
    days_ahead,
    kind_of,
    new_id,
    reserve,
    terms,
    twin_for_booking,
    wall,
)

NY = "America/New_York"


async def test_rsvp__places_at_a_host_event_are_capped_by_its_capacity_and_draw_no_allowance(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    milan = await nodes("Milan", "Europe/Rome")
    await twin_for_booking(nyc, london, terms(("desk", "day", 5, "month")))
    await twin_for_booking(nyc, milan, terms())
    day = days_ahead(NY, 14)
    event = {"title": "Demo night", "starts_at": wall(day, 18), "ends_at": wall(day, 21), "capacity": 2}
    talk = await nyc.api.ok("POST", "/api/v1/events", event)
    ada, bob, cy = [await add_member(london, name) for name in ("Ada", "Bob", "Cy")]

    first = new_id()
    status, made = await reserve(london, ada, first, event_id=talk["id"], twin_id=nyc.url)
    assert status == 201
    assert (made["units"], made["unit"], made["allowance"]) == (1, "seat", None)
    assert made["target"] == {"kind": "event", "id": talk["id"]}
    assert (await reserve(london, bob, event_id=talk["id"], twin_id=nyc.url))[0] == 201
    status, problem = await reserve(london, cy, event_id=talk["id"], twin_id=nyc.url)
    assert status == 409 and kind_of(problem) == "slot-full" and problem["remaining"] == 0

    # A place given back (until the event starts) is a place for someone else.
    assert (await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"]))["status"] == "cancelled"
    assert (await reserve(london, cy, event_id=talk["id"], twin_id=nyc.url))[0] == 201

    # An event shared with Milan only is not London's to reserve; a cancelled event takes no one.
    private = await nyc.api.ok("POST", "/api/v1/events", {**event, "title": "Milan only", "audience": [milan.url]})
    status, problem = await reserve(london, ada, event_id=private["id"], twin_id=nyc.url)
    assert status == 404 and kind_of(problem) == "not-found"
    await nyc.api.ok("DELETE", f"/api/v1/events/{talk['id']}")
    status, problem = await reserve(london, ada, event_id=talk["id"], twin_id=nyc.url)
    assert status == 409 and "cancelled" in problem["detail"]

    period = day.strftime("%Y-%m")
    for node, side, twin_url in ((nyc, "given", london.url), (london, "taken", nyc.url)):
        ledger = await node.api.ok("GET", f"/api/v1/ledger?period={period}&twin={twin_url}")
        lines = {line["kind"]: line for line in ledger["twins"][0][side]}
        assert (lines["event"]["units"], lines["event"]["unit"], "allowance" in lines["event"]) == (2, "seat", False)
        assert lines["desk"]["units"] == 0 and lines["desk"]["allowance"]["remaining"] == 5
