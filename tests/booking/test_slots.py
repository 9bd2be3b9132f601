"""Resources and slots: offered to one twin, visible to that twin only, withdrawn with notice."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from node.booking.slots import peak_seats
from protocol.models import Resource, Slot
from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    eventually,
    kind_of,
    new_id,
    offer,
    replica,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)

NY = "America/New_York"


async def test_resources__operator_adds_and_lists_them_members_may_not(nodes):
    nyc = await nodes("NYC", NY)
    room = await add_resource(
        nyc, "meeting_room", 8, name="Hudson", opening_hours={"mon": ["09:00-18:00"], "tue": ["09:00-12:00"]}
    )
    assert room["kind"] == "meeting_room" and room["capacity"] == 8
    listed = await nyc.api.ok("GET", "/api/v1/resources")
    assert [r["id"] for r in listed["items"]] == [room["id"]]
    ada = await add_member(nyc)
    status, problem = await nyc.api.call("GET", "/api/v1/resources", token=ada["token"])
    assert status == 403 and kind_of(problem) == "forbidden"
    status, problem = await nyc.api.call(
        "POST", "/api/v1/resources", {"kind": "desk", "name": "x", "capacity": 1, "opening_hours": {"mon": ["18-9"]}}
    )
    assert status == 422 and problem["errors"][0]["field"].startswith("opening_hours")
    status, problem = await nyc.api.call("POST", "/api/v1/resources", {"kind": "sofa", "name": "x", "capacity": 1})
    assert status == 422 and problem["errors"][0]["field"] == "kind"


async def test_slot_offer__wall_time_in_the_space_zone_reaches_the_twin_in_both_zones(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms())
    desk = await add_resource(nyc, "desk", 6)
    day = days_ahead(NY, 20)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
    assert slot["timezone"] == NY and slot["starts_at"].startswith(f"{day.isoformat()}T09:00:00-0")
    ada = await add_member(london)
    await wait_remaining(london, nyc, slot["id"], ada, 4)
    seen = await replica(london, nyc, slot["id"], ada)
    assert seen is not None
    assert seen["host_time"]["starts_at"] == slot["starts_at"]
    assert seen["our_time"]["timezone"] == "Europe/London"
    ours = datetime.fromisoformat(seen["our_time"]["starts_at"])
    assert ours == datetime.fromisoformat(slot["starts_at"])
    assert ours.utcoffset() == ours.astimezone(ZoneInfo("Europe/London")).utcoffset()
    by_id = await london.api.ok(
        "GET",
        f"/api/v1/twins/{(await london.api.ok('GET', '/api/v1/twins'))['items'][0]['id']}/slots",
        token=ada["token"],
    )
    assert [s["id"] for s in by_id["items"]] == [slot["id"]]


async def test_slot_offer__skipped_or_repeated_local_times_are_refused_naming_the_field(nodes):
    london = await nodes("London", "Europe/London")
    nyc = await nodes("NYC", NY)
    await twin_for_booking(london, nyc, terms())
    room = await add_resource(london, "meeting_room", 4)
    body = {"resource_id": room["id"], "twin_id": nyc.url, "seats": 1}
    status, problem = await london.api.call(
        "POST", "/api/v1/slots", {**body, "starts_at": "2027-03-28T01:30", "ends_at": "2027-03-28T04:00"}
    )
    assert status == 422 and problem["errors"][0]["field"] == "starts_at"
    status, problem = await london.api.call(
        "POST", "/api/v1/slots", {**body, "starts_at": "2027-10-31T00:00", "ends_at": "2027-10-31T01:30"}
    )
    assert status == 422 and problem["errors"][0]["field"] == "ends_at"
    ok = await london.api.ok(
        "POST", "/api/v1/slots", {**body, "starts_at": "2027-10-31T00:00", "ends_at": "2027-10-31T01:30+00:00"}
    )
    assert ok["ends_at"] == "2027-10-31T01:30:00+00:00"
    assert (await london.api.ok("GET", "/api/v1/slots"))["items"][0]["id"] == ok["id"]


async def test_slot_offer__seats_of_a_resource_at_one_time_never_exceed_its_capacity_across_twins(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    milan = await nodes("Milan", "Europe/Rome")
    await twin_for_booking(nyc, london, terms())
    await twin_for_booking(nyc, milan, terms())
    room = await add_resource(nyc, "desk", 5)
    day = days_ahead(NY, 9)
    await offer(nyc, room["id"], london.url, wall(day, 9), wall(day, 13), 3)
    await offer(nyc, room["id"], milan.url, wall(day, 12), wall(day, 17), 2)
    body = {"resource_id": room["id"], "twin_id": milan.url, "seats": 1}
    status, problem = await nyc.api.call(
        "POST", "/api/v1/slots", {**body, "starts_at": wall(day, 12, 30), "ends_at": wall(day, 14)}
    )
    assert status == 409 and kind_of(problem) == "conflict" and problem["capacity"] == 5
    # After the London slot ends (13:00) there is room again.
    await offer(nyc, room["id"], milan.url, wall(day, 13), wall(day, 14), 3)
    status, problem = await nyc.api.call(
        "POST", "/api/v1/slots", {**body, "seats": 6, "starts_at": wall(day, 18), "ends_at": wall(day, 19)}
    )
    assert status == 422 and problem["errors"][0]["field"] == "seats"


async def test_slot_offer__outside_opening_hours_or_to_a_stranger_is_refused(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    rome = await nodes("Rome", "Europe/Rome")
    await twin_for_booking(nyc, london, terms())
    monday = days_ahead(NY, 7)
    monday -= timedelta(days=monday.weekday())
    monday += timedelta(days=7)
    room = await add_resource(nyc, "meeting_room", 4, opening_hours={"mon": ["09:00-18:00"]})
    body = {"resource_id": room["id"], "twin_id": london.url, "seats": 1}
    status, problem = await nyc.api.call(
        "POST", "/api/v1/slots", {**body, "starts_at": wall(monday, 17), "ends_at": wall(monday, 19)}
    )
    assert status == 422 and problem["errors"][0]["field"] == "starts_at" and "09:00-18:00" in problem["detail"]
    await offer(nyc, room["id"], london.url, wall(monday, 9), wall(monday, 18), 2)
    status, problem = await nyc.api.call(
        "POST",
        "/api/v1/slots",
        {**body, "twin_id": rome.url, "starts_at": wall(monday, 9), "ends_at": wall(monday, 10)},
    )
    assert status == 403 and kind_of(problem) == "not-twinned"
    status, problem = await nyc.api.call(
        "POST",
        "/api/v1/slots",
        {**body, "resource_id": "nope", "starts_at": wall(monday, 9), "ends_at": wall(monday, 10)},
    )
    assert status == 404 and problem["errors"][0]["field"] == "resource_id"


async def test_slots__a_twin_cannot_read_or_reserve_slots_offered_to_another_twin(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    milan = await nodes("Milan", "Europe/Rome")
    await twin_for_booking(nyc, london, terms())
    await twin_for_booking(nyc, milan, terms())
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 12)
    for_london = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
    for_milan = await offer(nyc, desk["id"], milan.url, wall(day, 9), wall(day, 17), 3)
    ada, bea = await add_member(london, "Ada"), await add_member(milan, "Bea")
    await wait_remaining(milan, nyc, for_milan["id"], bea, 3)
    await wait_remaining(london, nyc, for_london["id"], ada, 4)
    # The API: Milan's members see Milan's slot only.
    seen = await milan.api.ok("GET", f"/api/v1/twins/{nyc.url}/slots", token=bea["token"])
    assert [s["id"] for s in seen["items"]] == [for_milan["id"]]
    # The feed, read with Milan's own signature: London's slot is not in it.
    resp = await milan.node.client.get(f"{nyc.url}/federation/v1/feed?after=0&limit=1000")
    slot_ids = {
        i["envelope"]["object"]["id"] for i in resp.json()["items"] if i["envelope"]["object"]["type"] == "Slot"
    }
    assert slot_ids == {for_milan["id"]}
    assert await milan.node.store.objects.get("Slot", nyc.url, for_london["id"]) is None
    # Reserving London's slot from Milan: the host does not know it for Milan.
    status, problem = await reserve(milan, bea, slot_id=for_london["id"], twin_id=nyc.url)
    assert status == 404 and kind_of(problem) == "not-found"


async def test_slot_withdraw__cancels_its_reservations_and_tells_each_home_node(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 10, "month")))
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 15)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
    ada, cy = await add_member(london, "Ada"), await add_member(london, "Cy")
    await wait_remaining(london, nyc, slot["id"], ada, 4)
    first, second = new_id(), new_id()
    assert (await reserve(london, ada, first, slot_id=slot["id"], seats=2))[0] == 201
    assert (await reserve(london, cy, second, slot_id=slot["id"], seats=1))[0] == 201

    withdrawn = await nyc.api.ok("DELETE", f"/api/v1/slots/{slot['id']}")
    assert withdrawn["status"] == "withdrawn" and withdrawn["notified"] == [london.url]
    assert withdrawn["reserved"] == 0

    async def statuses() -> list[tuple[str, str | None, str | None]]:
        mine = (await london.api.ok("GET", "/api/v1/reservations", token=ada["token"]))["items"]
        theirs = (await london.api.ok("GET", "/api/v1/reservations", token=cy["token"]))["items"]
        return [(r["status"], r.get("cancelled_by"), r.get("reason")) for r in mine + theirs]

    await eventually(statuses, [("cancelled", "host", "not-found")] * 2)
    seen = await eventually(lambda: replica(london, nyc, slot["id"], ada), lambda s: s and s["status"] == "withdrawn")
    assert seen["status"] == "withdrawn"
    again = await nyc.api.ok("DELETE", f"/api/v1/slots/{slot['id']}")
    assert again["version"] == withdrawn["version"]  # withdrawing twice changes nothing
    status, problem = await reserve(london, ada, slot_id=slot["id"])
    assert status == 409 and "withdrawn" in problem["detail"]
    ledger = await nyc.api.ok("GET", f"/api/v1/ledger?period={day.strftime('%Y-%m')}")
    assert ledger["twins"][0]["given"][0]["units"] == 0 and ledger["twins"][0]["cancelled"]["given"] == 2


# -- seat arithmetic, without a node (node/booking/slots.py: peak_seats) ---------------------


def a_slot(start: str, end: str, seats: int, zone: str = "Europe/London") -> Slot:
    return Slot(
        origin="https://london.example",
        id=new_id(),
        version=1,
        resource=Resource(id="r1", kind="desk", name="Desks", capacity=100),
        starts_at=datetime.fromisoformat(start),
        ends_at=datetime.fromisoformat(end),
        timezone=zone,
        twin="https://nyc.example",
        seats=seats,
        remaining=seats,
    )


WINDOW = (datetime.fromisoformat("2027-07-01T00:00+01:00"), datetime.fromisoformat("2027-07-02T00:00+01:00"))


def test_peak_seats__overlapping_slots_add_up() -> None:
    slots = [
        a_slot("2027-07-01T09:00+01:00", "2027-07-01T13:00+01:00", 3),
        a_slot("2027-07-01T12:00+01:00", "2027-07-01T18:00+01:00", 4),
    ]
    assert peak_seats(slots, *WINDOW) == 7


def test_peak_seats__a_slot_ending_when_another_starts_does_not_overlap_it() -> None:
    slots = [
        a_slot("2027-07-01T09:00+01:00", "2027-07-01T12:00+01:00", 3),
        a_slot("2027-07-01T12:00+01:00", "2027-07-01T18:00+01:00", 4),
    ]
    assert peak_seats(slots, *WINDOW) == 4


def test_peak_seats__only_the_window_counts() -> None:
    slots = [
        a_slot("2027-07-01T09:00+01:00", "2027-07-01T12:00+01:00", 3),
        a_slot("2027-07-01T14:00+01:00", "2027-07-01T18:00+01:00", 5),
    ]
    morning = (WINDOW[0], datetime.fromisoformat("2027-07-01T13:00+01:00"))
    assert peak_seats(slots, *morning) == 3
    assert peak_seats([], *WINDOW) == 0


def test_peak_seats__slots_in_other_zones_compare_as_instants() -> None:
    london = a_slot("2027-07-01T14:00+01:00", "2027-07-01T16:00+01:00", 2)
    new_york = a_slot("2027-07-01T09:30-04:00", "2027-07-01T10:30-04:00", 3, "America/New_York")  # 14:30 London
    assert peak_seats([london, new_york], *WINDOW) == 5
