"""The slot refresher (node/booking/refresh.py): the twin hears of the seats left, and a slot
reserved again while it is busy (published less than half a second ago) is published later,
never forgotten."""

from __future__ import annotations

from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)

NY = "America/New_York"


async def test_refresh__a_slot_reserved_again_while_busy_still_has_its_last_seats_published(nodes):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms())
    desks = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 6)
    slot = await offer(nyc, desks["id"], london.url, wall(day, 9), wall(day, 17), 10)
    ada, bob = await add_member(london, "Ada"), await add_member(london, "Bob")
    await wait_remaining(london, nyc, slot["id"], ada, 10)

    assert (await reserve(london, ada, slot_id=slot["id"]))[0] == 201
    await wait_remaining(london, nyc, slot["id"], ada, 9)  # published: the slot is busy now
    assert (await reserve(london, bob, slot_id=slot["id"], seats=2))[0] == 201
    assert (await reserve(london, bob, slot_id=slot["id"]))[0] == 201

    await wait_remaining(london, nyc, slot["id"], ada, 6)
    assert nyc.node.booking.refresher.worker.running
