"""The front desk: the host sees its guests by name on the day, checks them in or records a
no-show, and the home learns it from a new version of the receipt."""

from __future__ import annotations

from node.booking.periods import month_of
from node.clock import parse_iso
from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    eventually,
    kind_of,
    new_id,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)

NY = "America/New_York"


async def booked(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 10, name="Hot desks")
    day = days_ahead(NY, 3)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
    ada, bo = await add_member(london, "Ada Lovelace"), await add_member(london, "Bo")
    await wait_remaining(london, nyc, slot["id"], ada, 4)
    ids = [new_id(), new_id()]
    for member, rid in zip((ada, bo), ids, strict=True):
        status, _ = await reserve(london, member, rid, slot_id=slot["id"], seats=1)
        assert status == 201
    return nyc, london, day, ids, (ada, bo)


def travel_to(nodes_, day, hour):
    """Both clocks (signatures must agree) to `hour` New York time on `day`."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    target = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(NY))
    for n in nodes_:
        n.clock.offset_seconds = 0
        n.clock.offset_seconds = (target - n.clock.now()).total_seconds()


async def test_frontdesk__lists_guests_by_name_and_home_in_the_hosts_time(nodes):
    nyc, london, day, _ids, _ = await booked(nodes)
    listing = await nyc.api.ok("GET", f"/api/v1/guests?date={day.isoformat()}")
    assert [(g["display_name"], g["home_name"], g["target"]["name"]) for g in listing["items"]] == [
        ("Ada Lovelace", "London", "Hot desks"),
        ("Bo", "London", "Hot desks"),
    ]
    first = listing["items"][0]
    assert first["starts_at"].startswith(f"{day.isoformat()}T09:00:00-0")
    assert first["attendance"] == "expected" and first["seats"] == 1 and first["home"] == london.url
    assert (await nyc.api.ok("GET", "/api/v1/guests"))["items"] == []  # today: nobody


async def test_frontdesk__check_in_and_no_show_reach_the_home_and_the_ledger(nodes):
    nyc, london, day, (ada_rid, bo_rid), (ada, bo) = await booked(nodes)
    travel_to((nyc.node, london.node), day, 10)
    checked = await nyc.api.ok("POST", f"/api/v1/guests/{ada_rid}/check-in")
    assert checked["attendance"] == "checked_in"
    assert (await nyc.api.ok("POST", f"/api/v1/guests/{ada_rid}/check-in"))["attendance"] == "checked_in"
    assert (await nyc.api.ok("POST", f"/api/v1/guests/{bo_rid}/no-show"))["attendance"] == "no_show"

    async def attendance_at_home(member, rid):
        mine = await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=member["token"])
        return mine.get("attendance")

    await eventually(lambda: attendance_at_home(ada, ada_rid), "checked_in")
    await eventually(lambda: attendance_at_home(bo, bo_rid), "no_show")
    mine = await london.api.ok("GET", f"/api/v1/reservations/{bo_rid}", token=bo["token"])
    assert mine["receipt"]["object"]["version"] == 2 and mine["status"] == "confirmed"

    period = month_of(parse_iso(mine["starts_at"]), NY)
    given = (await nyc.api.ok("GET", f"/api/v1/ledger?period={period}"))["twins"][0]
    taken = (await london.api.ok("GET", f"/api/v1/ledger?period={period}"))["twins"][0]
    assert given["attendance"]["given"] == {"reserved": 2, "attended": 1, "no_show": 1}
    assert taken["attendance"]["taken"] == {"reserved": 2, "attended": 1, "no_show": 1}
    assert given["given"][0]["reservations"] == 2  # attendance changes no count of what was given


async def test_frontdesk__bad_requests_are_problems_and_change_nothing(nodes):
    nyc, london, day, (ada_rid, _bo_rid), (ada, _) = await booked(nodes)
    for bad in ("tomorrow", "2026-13-01", "20261201"):
        status, problem = await nyc.api.call("GET", f"/api/v1/guests?date={bad}")
        assert status == 422 and kind_of(problem) == "validation-error"
    status, problem = await nyc.api.call("POST", f"/api/v1/guests/{new_id()}/check-in")
    assert status == 404 and kind_of(problem) == "not-found"
    status, problem = await nyc.api.call("POST", f"/api/v1/guests/{ada_rid}/check-in")  # days before
    assert status == 409 and "check-in opens that day" in problem["detail"]
    travel_to((nyc.node, london.node), day, 8)
    status, problem = await nyc.api.call("POST", f"/api/v1/guests/{ada_rid}/no-show")  # not started yet
    assert status == 409 and kind_of(problem) == "conflict"
    status, problem = await london.api.call("GET", "/api/v1/guests", token=ada["token"])  # operator only
    assert status in (401, 403)
    listing = await nyc.api.ok("GET", f"/api/v1/guests?date={day.isoformat()}")
    assert {g["attendance"] for g in listing["items"]} == {"expected"}


async def test_frontdesk__the_cli_lists_checks_in_and_refuses_in_a_sentence(nodes):
    from tests.booking.test_cli import gemella

    nyc, london, day, (ada_rid, _bo_rid), _ = await booked(nodes)
    code, out = await gemella(nyc, "guests", "list", "--date", day.isoformat())
    assert code == 0 and "09:00-17:00  Ada Lovelace from London: Hot desks, 1 seat, expected" in out
    code, out = await gemella(nyc, "guests", "check-in", ada_rid)
    assert code != 0 and "check-in opens that day" in out and "Traceback" not in out
    travel_to((nyc.node, london.node), day, 9)
    code, out = await gemella(nyc, "guests", "check-in", ada_rid)
    assert code == 0 and out.strip() == "Ada Lovelace (London) is checked in."
