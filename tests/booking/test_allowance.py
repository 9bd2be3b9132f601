"""Allowances from the agreement, per period in the host's time zone, given back by cancelling."""

from __future__ import annotations

from datetime import timedelta

from tests.booking.support import (
    add_member,
    add_resource,
    first_of_next_month,
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


async def test_allowance__exhausted_this_month_fine_next_month_restored_by_cancelling(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    # New York gives London's members 5 desk-days a month, up to 4 seats a reservation.
    await twin_for_booking(nyc, london, terms(("desk", "day", 5, "month"), max_seats_per_reservation=4))
    desk = await add_resource(nyc, "desk", 8)
    month = first_of_next_month(NY)
    following = first_of_next_month(NY, 2)
    last_day = following - timedelta(days=1)
    early = await offer(
        nyc, desk["id"], london.url, wall(month + timedelta(days=9), 9), wall(month + timedelta(days=9), 17), 4
    )
    # 19:00-23:00 on the month's last day in New York is already the next month in UTC and in London.
    late = await offer(nyc, desk["id"], london.url, wall(last_day, 19), wall(last_day, 23), 4)
    next_month = await offer(
        nyc,
        desk["id"],
        london.url,
        wall(following + timedelta(days=14), 9),
        wall(following + timedelta(days=14), 17),
        4,
    )
    ada = await add_member(london, "Ada")
    await wait_remaining(london, nyc, next_month["id"], ada, 4)

    two = new_id()
    status, made = await reserve(london, ada, two, slot_id=early["id"], seats=2)
    assert status == 201
    assert made["allowance"] == {
        "kind": "desk",
        "unit": "day",
        "period": "month",
        "period_start": month.isoformat(),
        "amount": 5,
        "used": 2,
        "remaining": 3,
    }

    status, problem = await reserve(london, ada, slot_id=late["id"], seats=4)
    assert status == 409 and kind_of(problem) == "allowance-exhausted"
    assert (problem["used"], problem["needed"], problem["period_start"]) == (2, 4, month.isoformat())

    status, made = await reserve(london, ada, slot_id=next_month["id"], seats=4)
    assert status == 201 and made["allowance"]["period_start"] == following.isoformat()
    assert (made["allowance"]["used"], made["allowance"]["remaining"]) == (4, 1)

    cancelled = await london.api.ok("DELETE", f"/api/v1/reservations/{two}", token=ada["token"])
    assert cancelled["status"] == "cancelled" and cancelled["receipt"]["object"]["version"] == 2
    assert (cancelled["allowance"]["used"], cancelled["allowance"]["remaining"]) == (0, 5)

    status, made = await reserve(london, ada, slot_id=late["id"], seats=4)
    assert status == 201 and made["allowance"]["period_start"] == month.isoformat()
    assert made["allowance"]["remaining"] == 1

    period = month.strftime("%Y-%m")
    for node, side in ((nyc, "given"), (london, "taken")):
        ledger = (await node.api.ok("GET", f"/api/v1/ledger?period={period}"))["twins"][0]
        assert ledger[side] == [
            {
                "kind": "desk",
                "unit": "day",
                "units": 4,
                "seats": 4,
                "reservations": 1,
                "allowance": {"amount": 5, "period": "month", "remaining": 1},
            }
        ]
        assert ledger["cancelled"][side] == 1
        following_ledger = await node.api.ok("GET", f"/api/v1/ledger?period={following.strftime('%Y-%m')}")
        assert following_ledger["twins"][0][side][0]["units"] == 4
