"""Answers lost after the host committed: a cancellation or a confirmation from a waitlist that
the host decided, but whose answer never reached the home in time. The home told its member
"the host did not answer", so the host's word must still reach it (pushed to its inbox):
else the member believes in a seat that was given back (and perhaps to someone else), or
never learns of the seat they took, and the two ledgers disagree for good."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.booking.proxy import FaultProxy
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
OFFER_MINUTES = 120


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    running = FaultProxy()
    await running.start()
    yield running
    await running.stop()


async def setup(nodes, proxy: FaultProxy, seats: int) -> tuple[Any, Any, dict[str, Any], list[dict[str, Any]]]:
    """New York, behind the proxy, offers London a desk slot; London's members wait 0.4 s for it."""
    nyc = await nodes("NYC", NY, url=proxy.url, config={"hosting": {"waitlist_offer_minutes": OFFER_MINUTES}})
    proxy.target_port = nyc.port
    london = await nodes("London", "Europe/London", config={"booking": {"host_timeout_seconds": 0.4}})
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), seats)
    members = [await add_member(london, name) for name in ("Ada", "Ben")]
    await wait_remaining(london, nyc, slot["id"], members[0], seats)
    return nyc, london, slot, members


async def mine(london: Any, member: dict[str, Any], rid: str) -> dict[str, Any]:
    return dict(await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=member["token"]))


async def hosted_status(nyc: Any, rid: str) -> str | None:
    row = await nyc.node.store.db.fetch_one("SELECT status FROM hosted_reservations WHERE id = ?", (rid,))
    return row["status"] if row else None


async def test_lost_answers__a_cancellation_the_host_made_reaches_the_home_though_its_answer_was_lost(nodes, proxy):
    nyc, london, slot, (ada, _ben) = await setup(nodes, proxy, seats=2)
    rid = new_id()
    assert (await reserve(london, ada, rid, slot_id=slot["id"]))[0] == 201
    proxy.late_methods, proxy.late_answers, proxy.late_seconds = {"DELETE"}, 1, 1.5

    status, problem = await london.api.call("DELETE", f"/api/v1/reservations/{rid}", token=ada["token"])
    assert status == 502 and kind_of(problem) == "peer-unreachable"
    assert await hosted_status(nyc, rid) == "cancelled"  # the host did cancel: the seat is free there
    # The member does not ask again; the host's cancelled receipt still reaches London.
    cancelled = await eventually(lambda: mine(london, ada, rid), lambda r: r["status"] == "cancelled")
    assert cancelled["receipt"]["object"]["version"] == 2
    period = cancelled["receipt"]["object"]["starts_at"][:7]
    for node, side in ((nyc, "given"), (london, "taken")):  # both ledgers agree: nothing held
        ledger = await node.api.ok("GET", f"/api/v1/ledger?period={period}")
        assert ledger["twins"][0][side][0]["reservations"] == 0
        assert ledger["twins"][0]["cancelled"][side] == 1


async def test_lost_answers__seats_confirmed_from_a_waitlist_reach_the_home_though_the_answer_was_lost(nodes, proxy):
    nyc, london, slot, (ada, ben) = await setup(nodes, proxy, seats=1)
    first, waiting = new_id(), new_id()
    assert (await reserve(london, ada, first, slot_id=slot["id"]))[0] == 201
    assert (await reserve(london, ben, waiting, slot_id=slot["id"], waitlist=True))[0] == 202
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    await eventually(lambda: mine(london, ben, waiting), lambda r: r["status"] == "offered")
    proxy.late_methods, proxy.late_answers, proxy.late_seconds = {"POST"}, 1, 1.5

    confirm = f"/api/v1/reservations/{waiting}/confirm"
    status, problem = await london.api.call("POST", confirm, token=ben["token"])
    assert status == 502 and kind_of(problem) == "peer-unreachable"
    assert await hosted_status(nyc, waiting) == "confirmed"  # the host gave Ben the seat
    # Ben does not ask again before the offer's time runs out: the receipt reaches London anyway.
    confirmed = await eventually(lambda: mine(london, ben, waiting), lambda r: r["status"] == "confirmed")
    assert confirmed["receipt"]["object"]["status"] == "confirmed"
    london.node.clock.offset_seconds += (OFFER_MINUTES + 1) * 60
    again = await london.api.call("POST", confirm, token=ben["token"])
    assert again[0] == 200 and again[1]["status"] == "confirmed"
