"""Reservations abroad: member -> home -> host -> signed receipt -> home -> member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.booking.periods import month_of
from protocol.envelope import open_envelope, read_envelope, seal, seal_raw
from protocol.keys import SigningKey
from protocol.models import MemberPass, ReservationReceipt, ReservationRequest, Target
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
from tests.support.nodes import twin

NY = "America/New_York"


async def setup(nodes, seats=4, **rules):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month"), **rules))
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), seats)
    ada = await add_member(london, "Ada")
    await wait_remaining(london, nyc, slot["id"], ada, seats)
    return nyc, london, slot, ada


async def test_reservation__the_receipt_is_signed_by_the_host_and_kept_at_both_sides(nodes):
    nyc, london, slot, ada = await setup(nodes)
    rid = new_id()
    status, made = await reserve(london, ada, rid, slot_id=slot["id"], seats=2)
    assert status == 201 and made["status"] == "confirmed"
    receipt = open_envelope(read_envelope(made["receipt"]), nyc.node.keys.current.verify_key, signer=nyc.url)
    assert isinstance(receipt, ReservationReceipt)
    assert (receipt.id, receipt.home, receipt.member_id, receipt.seats) == (rid, london.url, ada["id"], 2)
    assert (receipt.units, receipt.unit, receipt.kind) == (2, "day", "desk")
    assert receipt.allowance is not None and (receipt.allowance.used, receipt.allowance.remaining) == (2, 18)
    await wait_remaining(london, nyc, slot["id"], ada, 2)
    assert (await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ada["token"]))["receipt"] == made["receipt"]

    period = month_of(receipt.starts_at, NY)  # type: ignore[arg-type]
    given = await nyc.api.ok("GET", f"/api/v1/ledger?period={period}&receipts=1")
    taken = await london.api.ok("GET", f"/api/v1/ledger?period={period}&receipts=1&twin={nyc.url}")
    assert given["twins"][0]["receipts"]["given"] == [made["receipt"]]
    assert taken["twins"][0]["receipts"]["taken"] == [made["receipt"]]
    assert given["twins"][0]["given"][0]["units"] == taken["twins"][0]["taken"][0]["units"] == 2
    # London can prove its figure to New York: New York verifies the receipt London shows.
    shown = taken["twins"][0]["receipts"]["taken"][0]
    assert open_envelope(read_envelope(shown), nyc.node.keys.current.verify_key, signer=nyc.url).id == rid


async def test_reservation__the_same_uuid_returns_the_same_receipt_other_content_is_a_conflict(nodes):
    nyc, london, slot, ada = await setup(nodes)
    bob = await add_member(london, "Bob")
    rid = new_id()
    first = await reserve(london, ada, rid, slot_id=slot["id"], seats=1)
    again = await reserve(london, ada, rid, slot_id=slot["id"], seats=1)
    assert first[0] == again[0] == 201 and first[1]["receipt"] == again[1]["receipt"]
    for member, body in ((ada, {"seats": 2}), (bob, {"seats": 1})):
        status, problem = await reserve(london, member, rid, slot_id=slot["id"], **body)
        assert status == 409 and kind_of(problem) == "conflict"
        assert "other content" in problem["detail"]
    # At the host too: the same id from the home with other content is a conflict.
    request = ReservationRequest(
        origin=london.url,
        id=rid,
        version=1,
        host=nyc.url,
        target=Target(kind="slot", id=slot["id"]),
        seats=3,
        member_pass=london.node.booking.members.issue_pass(await london.node.booking.members.get(ada["id"])),
        requested_at=london.node.clock.now(),
    )
    envelope = seal(request, london.node.keys.current).model_dump(mode="json")
    resp = await london.node.client.send("PUT", f"{nyc.url}/federation/v1/reservations/{rid}", envelope)
    assert resp.status == 409 and kind_of(resp.json()) == "conflict"
    await wait_remaining(london, nyc, slot["id"], ada, 3)  # one seat taken, once


async def test_reservation__a_member_cannot_see_or_cancel_another_members_reservation(nodes):
    _, london, slot, ada = await setup(nodes)
    eve = await add_member(london, "Eve")
    rid = new_id()
    assert (await reserve(london, ada, rid, slot_id=slot["id"]))[0] == 201
    assert (await london.api.ok("GET", "/api/v1/reservations", token=eve["token"]))["items"] == []
    for method in ("GET", "DELETE"):
        status, problem = await london.api.call(method, f"/api/v1/reservations/{rid}", token=eve["token"])
        assert status == 404 and kind_of(problem) == "not-found"
        status, unknown = await london.api.call(method, f"/api/v1/reservations/{new_id()}", token=eve["token"])
        assert (status, unknown["detail"].split()[:2]) == (404, problem["detail"].split()[:2])
    mine = (await london.api.ok("GET", "/api/v1/reservations", token=ada["token"]))["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(rid, "confirmed")]
    status, problem = await london.api.call("GET", "/api/v1/reservations")  # the operator is not a member
    assert status == 403


async def test_reservation__booking_rules_notice_book_ahead_and_seats(nodes):
    nyc, london, slot, ada = await setup(nodes, book_ahead_days=30, min_notice_hours=2, max_seats_per_reservation=2)
    desk = (await nyc.api.ok("GET", "/api/v1/resources"))["items"][0]
    soon = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    near = await offer(nyc, desk["id"], london.url, soon.isoformat(), (soon + timedelta(hours=2)).isoformat(), 2)
    far_day = days_ahead(NY, 40)
    far = await offer(nyc, desk["id"], london.url, wall(far_day, 9), wall(far_day, 17), 2)
    for slot_id in (near["id"], far["id"]):
        status, problem = await reserve(london, ada, slot_id=slot_id, twin_id=nyc.url)
        assert status == 422 and kind_of(problem) == "outside-booking-window"
    status, problem = await reserve(london, ada, slot_id=slot["id"], seats=3)
    assert status == 422 and problem["errors"][0]["field"] == "seats"
    status, problem = await reserve(london, ada, slot_id=slot["id"], seats=1, event_id="x")
    assert status == 422 and kind_of(problem) == "validation-error"
    status, problem = await london.api.call(
        "PUT", "/api/v1/reservations/not-a-uuid", {"slot_id": slot["id"]}, token=ada["token"]
    )
    assert status == 422 and problem["errors"][0]["field"] == "id"
    refused = (await london.api.ok("GET", "/api/v1/reservations", token=ada["token"]))["items"]
    assert {r["problem"] for r in refused} == {"outside-booking-window", "validation-error"}
    await wait_remaining(london, nyc, slot["id"], ada, 4)  # nothing was taken


async def test_reservation__cancelling_after_the_deadline_is_refused_and_keeps_the_seat(nodes):
    nyc, london, _, ada = await setup(nodes, cancel_until_hours=24, min_notice_hours=0)
    desk = (await nyc.api.ok("GET", "/api/v1/resources"))["items"][0]
    soon = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    slot = await offer(nyc, desk["id"], london.url, soon.isoformat(), (soon + timedelta(hours=4)).isoformat(), 2)
    rid = new_id()
    assert (await reserve(london, ada, rid, slot_id=slot["id"], twin_id=nyc.url))[0] == 201
    status, problem = await london.api.call("DELETE", f"/api/v1/reservations/{rid}", token=ada["token"])
    assert status == 409 and kind_of(problem) == "cancellation-window-closed" and "deadline" in problem
    held = await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ada["token"])
    assert held["status"] == "confirmed" and held["receipt"]["object"]["version"] == 1
    await wait_remaining(london, nyc, slot["id"], ada, 1)


async def test_reservation__a_forged_member_pass_is_refused(nodes):
    nyc, london, slot, ada = await setup(nodes)
    milan = await nodes("Milan", "Europe/Rome")
    await twin_for_booking(nyc, milan, terms())
    members = london.node.booking.members
    genuine = members.issue_pass(await members.get(ada["id"]))

    def request_with(member_pass: dict) -> dict:
        request = ReservationRequest(
            origin=london.url,
            id=new_id(),
            version=1,
            host=nyc.url,
            target=Target(kind="slot", id=slot["id"]),
            seats=1,
            member_pass=member_pass,
            requested_at=london.node.clock.now(),
        )
        return seal(request, london.node.keys.current).model_dump(mode="json")

    # Signed by another key under London's key id: the signature does not verify.
    impostor = seal_raw(genuine["object"], SigningKey.generate()).model_dump(mode="json")
    impostor["signature"]["kid"] = genuine["signature"]["kid"]
    # A pass from Milan (genuinely signed by Milan) inside London's request.
    now = milan.node.clock.now()
    milan_pass = seal(
        MemberPass(
            origin=milan.url,
            id=new_id(),
            version=1,
            member_id="someone",
            display_name="Someone",
            home=milan.url,
            issued_at=now,
            expires_at=now + timedelta(minutes=5),
        ),
        milan.node.keys.current,
    ).model_dump(mode="json")
    # An expired pass, genuinely signed by London.
    old = london.node.clock.now() - timedelta(hours=1)
    expired = seal(
        MemberPass(
            origin=london.url,
            id=new_id(),
            version=1,
            member_id=ada["id"],
            display_name="Ada",
            home=london.url,
            issued_at=old,
            expires_at=old + timedelta(minutes=10),
        ),
        london.node.keys.current,
    ).model_dump(mode="json")
    for member_pass, expected in (
        (impostor, "signature-invalid"),
        (milan_pass, "forbidden"),
        (expired, "signature-expired"),
    ):
        envelope = request_with(member_pass)
        url = f"{nyc.url}/federation/v1/reservations/{envelope['object']['id']}"
        resp = await london.node.client.send("PUT", url, envelope)
        assert kind_of(resp.json()) == expected, resp.json()
    await wait_remaining(london, nyc, slot["id"], ada, 4)
    # A request London did not sign, sent by Milan, is refused before any pass is read.
    envelope = request_with(genuine)
    resp = await milan.node.client.send(
        "PUT", f"{nyc.url}/federation/v1/reservations/{envelope['object']['id']}", envelope
    )
    assert resp.status == 403 and kind_of(resp.json()) == "forbidden"


async def test_receipt__one_pushed_by_another_twin_for_our_reservation_is_refused(nodes):
    nyc, london, slot, ada = await setup(nodes)
    milan = await nodes("Milan", "Europe/Rome")
    await twin(milan, london)
    rid = new_id()
    status, made = await reserve(london, ada, rid, slot_id=slot["id"])
    assert status == 201
    forged = {**made["receipt"]["object"], "origin": milan.url, "version": 2, "status": "cancelled"}
    envelope = seal_raw(forged, milan.node.keys.current).model_dump(mode="json")
    resp = await milan.node.client.send("POST", f"{london.url}/federation/v1/inbox", {"items": [envelope]})
    result = resp.json()["results"][0]
    assert result["status"] == "rejected" and kind_of(result["problem"]) == "forbidden"
    # The same receipt claiming New York as origin but signed by Milan is not even Milan's to send.
    envelope = seal_raw({**forged, "origin": nyc.url}, milan.node.keys.current).model_dump(mode="json")
    resp = await milan.node.client.send("POST", f"{london.url}/federation/v1/inbox", {"items": [envelope]})
    assert resp.json()["results"][0]["status"] == "rejected"
    held = await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=ada["token"])
    assert held["status"] == "confirmed" and held["receipt"] == made["receipt"]


async def test_reservation__a_suspended_twinning_refuses_new_reservations(nodes):
    nyc, london, slot, ada = await setup(nodes)
    agreement = (await london.api.ok("GET", "/api/v1/twins"))["items"][0]["id"]
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement}/suspend")

    async def london_status() -> str:
        return str((await london.api.ok("GET", f"/api/v1/twins/{agreement}"))["status"])

    await eventually(london_status, "suspended")
    status, problem = await reserve(london, ada, slot_id=slot["id"], twin_id=nyc.url)
    assert status == 403 and kind_of(problem) == "not-twinned"
    status, problem = await reserve(london, ada, slot_id="unknown-slot")
    assert status == 404 and problem["errors"][0]["field"] == "slot_id"
