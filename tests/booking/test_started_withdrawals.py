"""Withdrawing a slot (or a standing offer from today) once it has started closes it to new
reservations, but what happened stays: its guests keep their reservations, the front desk
still lists them, and neither ledger forgets the seats given. Cancelling them rewrote the
ledger of a day already spent (and told a checked-in guest that their seat was gone)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from node.clock import utcnow
from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    eventually,
    new_id,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)
from tests.booking.test_offers import next_weekday, offer_body, today_in

NY = "America/New_York"


def move_clocks_to(day: date, hour: int, *spaces: Any) -> None:
    """Both nodes' clocks at `hour` on `day` in New York (together: signatures stay current)."""
    offset = (datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(NY)) - utcnow()).total_seconds()
    for space in spaces:
        space.node.clock.offset_seconds = offset


async def given_and_taken(nyc: Any, london: Any, day: date) -> list[int]:
    counts = []
    for node, side in ((nyc, "given"), (london, "taken")):
        ledger = await node.api.ok("GET", f"/api/v1/ledger?period={day:%Y-%m}")
        counts.append(sum(line["reservations"] for line in ledger["twins"][0][side]))
    return counts


async def test_slot_withdraw__a_started_slot_closes_but_keeps_its_guests_and_the_ledger(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 4)
    day = days_ahead(NY, 3)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 2)
    ada = await add_member(london, "Ada")
    await wait_remaining(london, nyc, slot["id"], ada, 2)
    rid = new_id()
    assert (await reserve(london, ada, rid, slot_id=slot["id"]))[0] == 201

    move_clocks_to(day, 11, nyc, london)  # the day has come: Ada is at her desk
    await nyc.api.ok("POST", f"/api/v1/guests/{rid}/check-in")
    withdrawn = await nyc.api.ok("DELETE", f"/api/v1/slots/{slot['id']}")
    assert (withdrawn["status"], withdrawn["notified"], withdrawn["reserved"]) == ("withdrawn", [], 1)
    row = await nyc.node.store.db.fetch_one("SELECT status, attendance FROM hosted_reservations WHERE id = ?", (rid,))
    assert (row["status"], row["attendance"]) == ("confirmed", "checked_in")
    assert [g["reservation"] for g in (await nyc.api.ok("GET", "/api/v1/guests"))["items"]] == [rid]
    assert await given_and_taken(nyc, london, day) == [1, 1]
    # Ada's seat still counts against the desks' capacity: 3 of the 4 are free for another slot.
    later = {"resource_id": desk["id"], "twin_id": london.url, "starts_at": wall(day, 12), "ends_at": wall(day, 16)}
    status, problem = await nyc.api.call("POST", "/api/v1/slots", later | {"seats": 4})
    assert status == 409 and (problem["capacity"], problem["offered"]) == (4, 1), problem
    assert (await nyc.api.call("POST", "/api/v1/slots", later | {"seats": 3}))[0] == 201
    # Closed to new reservations all the same.
    ben = await add_member(london, "Ben")
    status, _problem = await reserve(london, ben, slot_id=slot["id"], twin_id=nyc.url)
    assert status == 409


async def test_offer_withdraw__from_today_keeps_the_occurrence_under_way(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(book_ahead_days=730))
    desk = await add_resource(nyc, "desk", 3, name="Hot desks")
    monday = next_weekday(today_in(NY), 0)
    made = await nyc.api.ok("POST", "/api/v1/offers", offer_body(desk, london, monday, monday + timedelta(days=4)))
    ada = await add_member(london, "Ada")
    items = (await nyc.api.ok("GET", "/api/v1/slots"))["items"]
    today, tomorrow = sorted(items, key=lambda s: s["starts_at"])[:2]
    await wait_remaining(london, nyc, today["id"], ada, 2)
    await wait_remaining(london, nyc, tomorrow["id"], ada, 2)
    now_id, later_id = new_id(), new_id()
    assert (await reserve(london, ada, now_id, slot_id=today["id"]))[0] == 201
    assert (await reserve(london, ada, later_id, slot_id=tomorrow["id"]))[0] == 201

    move_clocks_to(monday, 10, nyc, london)
    done = await nyc.api.ok("DELETE", f"/api/v1/offers/{made['id']}")  # from today (Monday), the default
    assert (done["withdrawn"], done["notified"]) == (5, [london.url])  # Tuesday's guest is told
    rows = await nyc.node.store.db.fetch_all("SELECT id, status FROM hosted_reservations ORDER BY starts_at")
    assert [(r["id"], r["status"]) for r in rows] == [(now_id, "confirmed"), (later_id, "cancelled")]
    await eventually(
        lambda: london.api.ok("GET", f"/api/v1/reservations/{later_id}", token=ada["token"]),
        lambda r: r["status"] == "cancelled",
    )
    assert (await london.api.ok("GET", f"/api/v1/reservations/{now_id}", token=ada["token"]))["status"] == "confirmed"
    assert await given_and_taken(nyc, london, monday) == [1, 1]


async def test_slot_offer__a_slot_for_a_twin_whose_agreement_ended_holds_only_its_guests_seats(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    milan = await nodes("Milan", "Europe/Rome")
    await twin_for_booking(nyc, london, terms())
    await twin_for_booking(nyc, milan, terms())
    desk = await add_resource(nyc, "desk", 4)
    day = days_ahead(NY, 5)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 3)
    ada = await add_member(london, "Ada")
    await wait_remaining(london, nyc, slot["id"], ada, 3)
    assert (await reserve(london, ada, slot_id=slot["id"]))[0] == 201
    for_milan = {"resource_id": desk["id"], "twin_id": milan.url, "starts_at": wall(day, 10), "ends_at": wall(day, 12)}
    status, _problem = await nyc.api.call("POST", "/api/v1/slots", for_milan | {"seats": 2})
    assert status == 409  # 3 of the 4 desks are London's

    agreement = next(t for t in (await nyc.api.ok("GET", "/api/v1/twins"))["items"] if t["peer"] == london.url)
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement['id']}/end")
    # London can take no one more there; Ada's seat (a signed receipt) still stands.
    status, problem = await nyc.api.call("POST", "/api/v1/slots", for_milan | {"seats": 4})
    assert status == 409 and problem["offered"] == 1, problem
    assert (await nyc.api.call("POST", "/api/v1/slots", for_milan | {"seats": 3}))[0] == 201
    # Closed at Ada's seat, so that it cannot take the desks back should London twin again.
    ours = next(s for s in (await nyc.api.ok("GET", "/api/v1/slots"))["items"] if s["id"] == slot["id"])
    assert (ours["status"], ours["seats"], ours["remaining"], ours["reserved"]) == ("open", 1, 0, 1)
