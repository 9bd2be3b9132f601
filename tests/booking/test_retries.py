"""Lost answers, retries and unreachable hosts: the member gets an answer at once, the host
never books twice, and a receipt that does not verify is never kept."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from protocol.envelope import open_envelope, read_envelope, seal, seal_raw
from protocol.models import ReservationRequest, Target
from tests.booking.proxy import FaultProxy
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

NY = "America/New_York"


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    running = FaultProxy()
    await running.start()
    yield running
    await running.stop()


def waiting(seconds: float) -> dict[str, Any]:
    """London's configuration: its members wait this long for the host."""
    return {"booking": {"host_timeout_seconds": seconds}}


async def setup(nodes, proxy: FaultProxy | None = None, london_config: dict[str, Any] | None = None):
    """New York (behind the proxy when given) offers London a 4-seat desk slot."""
    nyc = await nodes("NYC", NY, url=proxy.url) if proxy else await nodes("NYC", NY)
    if proxy:
        proxy.target_port = nyc.port
    london = await nodes("London", "Europe/London", config=london_config)
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
    ada = await add_member(london, "Ada")
    await wait_remaining(london, nyc, slot["id"], ada, 4)
    return nyc, london, slot, ada


async def hosted(nyc: Any, rid: str) -> list[Any]:
    return await nyc.node.store.db.fetch_all("SELECT id, version, status FROM hosted_reservations WHERE id = ?", (rid,))


async def status_of(london: Any, ada: dict[str, Any], rid: str) -> str:
    return str((await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ada["token"]))["status"])


async def test_retries__three_deliveries_with_answers_lost_after_commit_make_one_reservation(nodes, proxy):
    nyc, london, slot, ada = await setup(nodes, proxy, waiting(0.4))
    await london.node.booking.retrier.stop()  # this test drives the retry path itself
    desk = london.node.booking.home
    proxy.late_answers, proxy.late_seconds = 2, 1.0
    rid = new_id()

    status, answer = await reserve(london, ada, rid, slot_id=slot["id"], seats=2)
    # The answer was lost; the member hears "pending", or "confirmed" if the host's push was quicker.
    assert (status, answer["status"]) in ((202, "pending"), (201, "confirmed"))
    member = await london.node.booking.members.get(ada["id"])
    second = await desk.ask_host(await desk.repo.get(rid), member)  # the retry path, answer lost again
    third = await desk.ask_host(await desk.repo.get(rid), member)  # and once more, answered in time
    assert second[0] in (201, 202) and third[0] == 201
    assert proxy.puts == 3

    assert [tuple(r) for r in await hosted(nyc, rid)] == [(rid, 1, "confirmed")]
    stored = await nyc.node.store.db.fetch_one("SELECT receipt FROM hosted_reservations WHERE id = ?", (rid,))
    assert third[1]["receipt"] == json.loads(stored["receipt"])
    await wait_remaining(london, nyc, slot["id"], ada, 2)  # two seats taken, once
    rows = await london.node.store.db.fetch_all("SELECT status, version FROM home_reservations")
    assert [tuple(r) for r in rows] == [("confirmed", 1)]


async def test_retries__the_retrier_completes_a_reservation_whose_answers_were_lost(nodes, proxy):
    # London sits behind its own proxy too, so that neither the host's push nor its feed can
    # tell London the outcome: only the home node's retries can.
    london_proxy = FaultProxy()
    await london_proxy.start()
    try:
        nyc = await nodes("NYC", NY, url=proxy.url)
        proxy.target_port = nyc.port
        london = await nodes("London", "Europe/London", url=london_proxy.url, config=waiting(0.4))
        london_proxy.target_port = london.port
        await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
        desk = await add_resource(nyc, "desk", 10)
        day = days_ahead(NY, 10)
        slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
        ada = await add_member(london, "Ada")
        await wait_remaining(london, nyc, slot["id"], ada, 4)

        proxy.late_answers, proxy.late_seconds = 2, 1.0
        proxy.blocked.add(("GET", "/federation/v1/feed"))
        london_proxy.blocked.add(("POST", "/federation/v1/inbox"))
        rid = new_id()
        status, answer = await reserve(london, ada, rid, slot_id=slot["id"], seats=1)
        assert (status, answer["status"]) == (202, "pending")
        await eventually(lambda: status_of(london, ada, rid), "confirmed", timeout=20)
        assert proxy.puts == 3  # the first delivery and two retries: the last answer came through
        assert [tuple(r) for r in await hosted(nyc, rid)] == [(rid, 1, "confirmed")]
        proxy.blocked.clear()
        london_proxy.blocked.clear()
        await wait_remaining(london, nyc, slot["id"], ada, 3)
    finally:
        await london_proxy.stop()


async def test_retries__freshly_signed_repeats_of_the_same_request_return_the_same_receipt(nodes):
    nyc, london, slot, ada = await setup(nodes)
    members = london.node.booking.members
    rid = new_id()
    answers = []
    for _ in range(3):
        request = ReservationRequest(
            origin=london.url,
            id=rid,
            version=1,
            host=nyc.url,
            target=Target(kind="slot", id=slot["id"]),
            seats=1,
            member_pass=members.issue_pass(await members.get(ada["id"])),
            requested_at=london.node.clock.now(),
        )
        envelope = seal(request, london.node.keys.current).model_dump(mode="json")
        resp = await london.node.client.send("PUT", f"{nyc.url}/federation/v1/reservations/{rid}", envelope)
        answers.append((resp.status, resp.json()))
    assert [status for status, _ in answers] == [201, 200, 200]
    assert answers[0][1] == answers[1][1] == answers[2][1]
    assert [tuple(r) for r in await hosted(nyc, rid)] == [(rid, 1, "confirmed")]


async def test_unreachable__a_host_that_is_down_gives_pending_at_once_and_the_retrier_books_once(nodes):
    nyc, london, slot, ada = await setup(nodes)
    await nyc.stop()
    rid = new_id()
    started = time.monotonic()
    status, answer = await reserve(london, ada, rid, slot_id=slot["id"], seats=1, twin_id=nyc.url)
    assert time.monotonic() - started < 2
    assert status == 202 and answer["status"] == "pending" and answer["tries"] == 1
    again = await reserve(london, ada, rid, slot_id=slot["id"], seats=1, twin_id=nyc.url)  # the member insists
    assert again[0] == 202
    await nyc.start()
    await eventually(lambda: status_of(london, ada, rid), "confirmed", timeout=20)
    assert [tuple(r) for r in await hosted(nyc, rid)] == [(rid, 1, "confirmed")]
    await wait_remaining(london, nyc, slot["id"], ada, 3)


async def test_unreachable__a_host_that_never_answers_gives_pending_within_the_timeout(nodes, proxy):
    nyc, london, slot, ada = await setup(nodes, proxy, waiting(1.0))
    proxy.released.clear()
    rid = new_id()
    started = time.monotonic()
    status, answer = await reserve(london, ada, rid, slot_id=slot["id"], seats=1)
    assert time.monotonic() - started < 2.5
    assert status == 202 and answer["status"] == "pending"
    status, problem = await london.api.call("DELETE", f"/api/v1/reservations/{rid}", token=ada["token"])
    assert status == 409 and "not answered" in problem["detail"]
    proxy.released.set()
    await eventually(lambda: status_of(london, ada, rid), "confirmed", timeout=20)
    assert [tuple(r) for r in await hosted(nyc, rid)] == [(rid, 1, "confirmed")]


async def test_receipt__signed_by_the_wrong_node_is_refused_and_never_kept(nodes, proxy):
    nyc, london, slot, ada = await setup(nodes, proxy)
    milan = await nodes("Milan", "Europe/Rome")
    proxy.rewrite = lambda envelope: seal_raw(envelope["object"], milan.node.keys.current).model_dump(mode="json")
    rid = new_id()
    status, answer = await reserve(london, ada, rid, slot_id=slot["id"], seats=1)
    assert status == 202 and "receipt was refused" in answer["last_error"]
    assert "receipt" not in answer
    # The genuine receipt reaches London later (the host's push, its feed, or a retry): that one is kept.
    proxy.rewrite = None
    await eventually(lambda: status_of(london, ada, rid), "confirmed", timeout=20)
    held = await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ada["token"])
    assert held["receipt"]["signature"]["kid"] == nyc.node.keys.current.kid
    open_envelope(read_envelope(held["receipt"]), nyc.node.keys.current.verify_key, signer=nyc.url)
