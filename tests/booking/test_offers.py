"""Standing offers: a weekly schedule becomes ordinary slots within a bounded horizon, DST-correct;
capacity holds across single slots and series; bad input is a problem and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from tests.booking.support import add_member, add_resource, kind_of, new_id, reserve, terms, today_in, twin_for_booking
from tests.support.nodes import eventually

NY, LONDON = "America/New_York", "Europe/London"
LONG = {"hosting": {"offer_horizon_days": 400}}


async def spaces(nodes, config=None):
    nyc = await nodes("NYC", NY, config=config or {})
    london = await nodes("London", LONDON)
    await twin_for_booking(nyc, london, terms(book_ahead_days=730))
    desk = await add_resource(nyc, "desk", 3, name="Hot desks")
    return nyc, london, desk


def workday(year: int, month: int, day: int) -> str:
    """The date, or the Monday after it when it falls on a weekend."""
    found = date(year, month, day)
    while found.weekday() > 4:
        found += timedelta(days=1)
    return found.isoformat()


def next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7)


def offer_body(desk, london, start: date, end: date | None, **extra):
    return {
        "resource_id": desk["id"],
        "twin": london.url,
        "seats": 2,
        "weekdays": ["MO", "TU", "WE", "TH", "FR"],
        "from_time": "09:00",
        "to_time": "18:00",
        "start_date": start.isoformat(),
        "end_date": end.isoformat() if end else None,
        "exceptions": [],
        **extra,
    } | ({} if end else {"end_date": None})


async def twin_sees(london, nyc, member):
    data = await london.api.ok("GET", f"/api/v1/twins/{nyc.url}/slots", token=member["token"])
    return sorted(s["host_time"]["starts_at"] for s in data["items"] if s["status"] == "open")


async def test_offers__weekdays_become_slots_without_the_exceptions_and_are_booked_as_usual(nodes):
    nyc, london, desk = await spaces(nodes)
    monday = next_weekday(today_in(NY), 0)
    friday = monday + timedelta(days=11)  # two working weeks
    skip = (monday + timedelta(days=2)).isoformat()
    made = await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, monday, friday, exceptions=[skip]))
    assert made["published"] == made["occurrences"] == 9 and made["status"] == "active"
    ada = await add_member(london, "Ada")
    starts = await eventually(lambda: twin_sees(london, nyc, ada), lambda s: len(s) == 9)
    assert all(s[11:16] == "09:00" for s in starts) and not any(s.startswith(skip) for s in starts)
    slot_id = (await london.api.ok("GET", f"/api/v1/twins/{nyc.url}/slots", token=ada["token"]))["items"][0]["id"]
    status, booked = await reserve(london, ada, slot_id=slot_id)
    assert status == 201 and booked["status"] == "confirmed"
    assert [o["id"] for o in (await nyc.api.ok("GET", "/api/v1/offers"))["items"]] == [made["id"]]


async def test_offers__occurrences_keep_local_hours_across_both_dst_changes(nodes):
    nyc, london, desk = await spaces(nodes, LONG)
    year = today_in(NY).year + 1
    body = offer_body(desk, london, date(year, 3, 8), date(year, 11, 12))
    made = await nyc.api.ok("POST", "/api/v1/offers", body)
    slots = [s for s in (await nyc.api.ok("GET", "/api/v1/slots"))["items"]]
    assert len(slots) == made["occurrences"] > 150
    assert {s["starts_at"][11:] for s in slots} == {"09:00:00-05:00", "09:00:00-04:00"}
    ada = await add_member(london, "Ada")
    await eventually(lambda: twin_sees(london, nyc, ada), lambda s: len(s) == len(slots))
    data = await london.api.ok("GET", f"/api/v1/twins/{nyc.url}/slots", token=ada["token"])
    london_time = {s["host_time"]["starts_at"][:10]: s["our_time"]["starts_at"][11:16] for s in data["items"]}
    # New York moves on the second Sunday of March and the first of November; London on the
    # last Sundays of March and October: between them the two are four hours apart, else five.
    assert london_time[workday(year, 3, 9)] == "14:00"  # both on winter time
    assert london_time[workday(year, 3, 16)] == "13:00"  # New York on summer time, London not yet
    assert london_time[workday(year, 3, 31)] == "14:00"  # both on summer time
    assert london_time[workday(year, 10, 29)] == "14:00"  # both still on summer time
    assert london_time[workday(year, 11, 2)] == "13:00"  # London back on winter time, New York not yet
    assert london_time[workday(year, 11, 10)] == "14:00"  # both on winter time


async def test_offers__only_the_horizon_is_published(nodes):
    nyc, london, desk = await spaces(nodes)
    start = next_weekday(today_in(NY), 0)
    made = await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, start, None))
    horizon = today_in(NY) + timedelta(days=56)
    slots = (await nyc.api.ok("GET", "/api/v1/slots"))["items"]
    assert made["end_date"] is None and 0 < len(slots) <= 41
    assert max(s["starts_at"][:10] for s in slots) <= horizon.isoformat()


async def test_offers__capacity_holds_across_single_slots_and_series(nodes):
    nyc, london, desk = await spaces(nodes)
    monday = next_weekday(today_in(NY), 0)
    await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, monday, None))  # 2 of 3 seats, open-ended
    far = monday + timedelta(days=7 * 30)  # beyond the horizon: not a slot yet, still counted
    single = {"resource_id": desk["id"], "twin_id": london.url, "seats": 2}
    status, problem = await nyc.api.call(
        "POST", "/api/v1/slots", {**single, "starts_at": f"{far}T10:00", "ends_at": f"{far}T12:00"}
    )
    assert status == 409 and kind_of(problem) == "conflict"
    status, _ = await nyc.api.call(
        "POST", "/api/v1/slots", {**single, "seats": 1, "starts_at": f"{far}T10:00", "ends_at": f"{far}T12:00"}
    )
    assert status == 201
    status, problem = await nyc.api.call("POST", "/api/v1/offers", offer_body(desk, london, monday, monday))
    assert status == 409 and "on " + monday.isoformat() in problem["detail"]


async def test_offers__an_overlap_beyond_the_horizon_is_caught_when_the_offer_is_made(nodes):
    nyc, london, desk = await spaces(nodes)  # 3 seats; horizon 56 days
    far = next_weekday(today_in(NY) + timedelta(days=100), 0)  # a Monday no slot reaches yet
    first = await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, far, far + timedelta(days=30)))
    assert first["occurrences"] == 0
    # Another series of 2 seats overlapping it only on days beyond the horizon: refused, nothing stored.
    later = offer_body(desk, london, far + timedelta(days=14), far + timedelta(days=60))
    status, problem = await nyc.api.call("POST", "/api/v1/offers", later)
    assert status == 409 and kind_of(problem) == "conflict", problem
    assert f"on {far + timedelta(days=14)}" in problem["detail"] and problem["offered"] == 2
    # A single slot there, made before a series: the series is refused on that day.
    single = {"resource_id": desk["id"], "twin_id": london.url, "seats": 1}
    beyond = far + timedelta(days=45)  # a Wednesday after the first series ended
    await nyc.api.ok("POST", "/api/v1/slots", {**single, "starts_at": f"{beyond}T10:00", "ends_at": f"{beyond}T11:00"})
    body = offer_body(desk, london, far + timedelta(days=35), far + timedelta(days=60), seats=3)
    status, problem = await nyc.api.call("POST", "/api/v1/offers", body)
    assert status == 409 and f"on {beyond}" in problem["detail"], problem
    assert [o["id"] for o in (await nyc.api.ok("GET", "/api/v1/offers"))["items"]] == [first["id"]]
    # What fits is accepted: 1 seat beside the first series.
    await nyc.api.ok("POST", "/api/v1/offers", {**later, "seats": 1})


async def test_offers__withdrawing_from_a_date_cancels_those_occurrences_and_tells_the_home(nodes):
    nyc, london, desk = await spaces(nodes)
    monday = next_weekday(today_in(NY), 0)
    made = await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, monday, monday + timedelta(days=11)))
    ada = await add_member(london, "Ada")
    await eventually(lambda: twin_sees(london, nyc, ada), lambda s: len(s) == 10)
    items = (await london.api.ok("GET", f"/api/v1/twins/{nyc.url}/slots", token=ada["token"]))["items"]
    last = max(items, key=lambda s: s["starts_at"])
    rid = new_id()
    assert (await reserve(london, ada, rid, slot_id=last["id"]))[0] == 201
    cut = monday + timedelta(days=7)
    done = await nyc.api.ok("DELETE", f"/api/v1/offers/{made['id']}?from={cut}")
    assert (
        done["withdrawn"] == 5 and done["notified"] == [london.url] and done["end_date"] == str(cut - timedelta(days=1))
    )
    await eventually(lambda: twin_sees(london, nyc, ada), lambda s: len(s) == 5)

    async def status_at_home():
        return (await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ada["token"]))["status"]

    await eventually(status_at_home, "cancelled")
    everything = await nyc.api.ok("DELETE", f"/api/v1/offers/{made['id']}?from={monday}")
    assert everything["status"] == "withdrawn"


async def test_offers__bad_input_is_a_problem_and_changes_nothing(nodes):
    nyc, london, desk = await spaces(nodes)
    monday = next_weekday(today_in(NY), 0)
    saturday = monday + timedelta(days=5)
    cases = [
        (offer_body(desk, london, saturday, saturday + timedelta(days=1)), "weekdays"),  # a weekend: no weekday
        (
            offer_body(desk, london, monday, monday + timedelta(days=4), exceptions=[str(monday + timedelta(days=9))]),
            "exceptions.0",
        ),
        (offer_body(desk, london, monday, monday, from_time="18:00", to_time="09:00"), "to_time"),
        (offer_body(desk, london, monday, monday, from_time="9am"), "from_time"),
        (offer_body(desk, london, today_in(NY) - timedelta(days=3), monday), "start_date"),
        (offer_body(desk, london, monday, monday - timedelta(days=1)), "end_date"),
        (offer_body(desk, london, monday, monday, weekdays=["XX"]), None),
    ]
    for body, field in cases:
        status, problem = await nyc.api.call("POST", "/api/v1/offers", body)
        assert status == 422 and kind_of(problem) == "validation-error", (body, problem)
        if field:
            assert problem["errors"][0]["field"] == field, problem
    status, problem = await nyc.api.call("DELETE", f"/api/v1/offers/{new_id()}")
    assert status == 404
    made = await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, monday, monday))
    for bad_from in (str(today_in(NY) - timedelta(days=1)), "soon"):
        status, problem = await nyc.api.call("DELETE", f"/api/v1/offers/{made['id']}?from={bad_from}")
        assert status == 422 and problem["errors"][0]["field"] == "from"
    assert (await nyc.api.ok("GET", "/api/v1/offers"))["items"][0]["status"] == "active"
    await nyc.api.ok("DELETE", f"/api/v1/offers/{made['id']}?from={monday}")
    assert [o["status"] for o in (await nyc.api.ok("GET", "/api/v1/offers"))["items"]] == ["withdrawn"]
    assert [s["status"] for s in (await nyc.api.ok("GET", "/api/v1/slots"))["items"]] == ["withdrawn"]


async def test_offers__100_concurrent_attempts_on_a_3_seat_occurrence_confirm_exactly_3(nodes):
    import asyncio
    from collections import Counter

    nyc, london, _desk = await spaces(nodes)
    hall = await add_resource(nyc, "desk", 3, name="Hall")
    monday = next_weekday(today_in(NY), 0)
    body = offer_body(hall, london, monday, monday, seats=3)
    await nyc.api.ok("POST", "/api/v1/offers", body)
    members = [await add_member(london, f"Member {i}") for i in range(50)]
    [occurrence] = await eventually(
        lambda: _open_slots(london, nyc, members[0]), lambda items: len(items) == 1 and items[0]["remaining"] == 3
    )
    attempts = [reserve(london, m, slot_id=occurrence["id"]) for _ in range(2) for m in members]
    results = await asyncio.gather(*attempts)
    outcomes = Counter(status if status < 300 else kind_of(answer) for status, answer in results)
    assert outcomes == {201: 3, "slot-full": 97}
    rows = await nyc.node.store.db.fetch_all(
        "SELECT SUM(seats) AS seats FROM hosted_reservations WHERE target_id = ? AND status = 'confirmed'",
        (occurrence["id"],),
    )
    assert rows[0]["seats"] == 3


async def _open_slots(london, nyc, member):
    data = await london.api.ok("GET", f"/api/v1/twins/{nyc.url}/slots", token=member["token"])
    return [s for s in data["items"] if s["status"] == "open"]


async def test_offers__a_night_series_across_the_dst_changes_is_offered_every_night(nodes):
    nyc, london, desk = await spaces(nodes, LONG)
    year = today_in(NY).year + 1
    nights = offer_body(desk, london, date(year, 3, 1), date(year, 11, 30), weekdays=["SU"])
    made = await nyc.api.ok("POST", "/api/v1/offers", nights | {"from_time": "01:30", "to_time": "06:00"})
    slots = {s["starts_at"][:10]: s for s in (await nyc.api.ok("GET", "/api/v1/slots"))["items"]}
    assert made["occurrences"] == len(slots) > 30  # every Sunday, the two DST Sundays included
    # The second Sunday of March loses its 02:00-03:00; the first of November repeats 01:00-02:00.
    spring = next(d for d in sorted(slots) if d.startswith(f"{year}-03") and int(d[8:]) > 7)
    autumn = next(d for d in sorted(slots) if d.startswith(f"{year}-11"))
    assert (slots[spring]["starts_at"][11:], slots[spring]["ends_at"][11:]) == ("01:30:00-05:00", "06:00:00-04:00")
    assert (slots[autumn]["starts_at"][11:], slots[autumn]["ends_at"][11:]) == ("01:30:00-04:00", "06:00:00-05:00")


async def test_offers__a_series_for_a_twin_whose_agreement_ended_stops_holding_the_resource(nodes):
    nyc, london, desk = await spaces(nodes)  # 3 desks
    milan = await nodes("Milan", "Europe/Rome")
    await twin_for_booking(nyc, milan, terms(book_ahead_days=730))
    monday = next_weekday(today_in(NY), 0)
    made = await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, monday, None))  # 2 of 3, open-ended
    far = monday + timedelta(days=7 * 30)  # beyond the horizon: no slot yet, the series holds it
    single = {"resource_id": desk["id"], "twin_id": milan.url, "seats": 2}
    times = {"starts_at": f"{far}T10:00", "ends_at": f"{far}T12:00"}
    status, problem = await nyc.api.call("POST", "/api/v1/slots", single | times)
    assert status == 409 and kind_of(problem) == "conflict"

    agreement = next(t for t in (await nyc.api.ok("GET", "/api/v1/twins"))["items"] if t["peer"] == london.url)
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement['id']}/end")
    assert await nyc.node.booking.offers.extend_all() == 0  # the hourly round: nothing more for London
    ended = next(o for o in (await nyc.api.ok("GET", "/api/v1/offers"))["items"] if o["id"] == made["id"])
    assert ended["end_date"] == ended["published_to"] and ended["occurrences"] > 0
    assert (await nyc.api.call("POST", "/api/v1/slots", single | times))[0] == 201
