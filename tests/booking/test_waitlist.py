"""Waitlists: a full slot or event puts a member in line at the host; seats that come back are
offered to the first in line for a while, confirmed (allowance checked then) or lapsed; one
strict order under contention; bad answers are clear problems that change nothing."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from node.clock import parse_iso
from protocol.envelope import open_envelope, read_envelope
from protocol.models import WaitlistPlace
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
from tests.booking.test_offers import _open_slots, next_weekday, offer_body, today_in

NY, LONDON = "America/New_York", "Europe/London"
OFFER_MINUTES = 120


async def setup(nodes, seats=1, allowance=20, **rules):
    config = {"hosting": {"waitlist_offer_minutes": OFFER_MINUTES}}
    nyc = await nodes("NYC", NY, config=config)
    london = await nodes("London", LONDON)
    await twin_for_booking(nyc, london, terms(("desk", "day", allowance, "month"), **rules))
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), seats)
    members = [await add_member(london, name) for name in ("Ada", "Ben", "Cleo")]
    await wait_remaining(london, nyc, slot["id"], members[0], seats)
    return nyc, london, slot, members


async def mine(london, member, rid):
    return await london.api.ok("GET", f"/api/v1/reservations/{rid}", token=member["token"])


async def status_of(london, member, rid, wanted):
    return await eventually(lambda: mine(london, member, rid), lambda r: r["status"] == wanted)


async def test_waitlist__a_cancelled_seat_is_offered_to_the_first_in_line_who_confirms(nodes):
    nyc, london, slot, (ada, ben, cleo) = await setup(nodes)
    first = new_id()
    assert (await reserve(london, ada, first, slot_id=slot["id"]))[0] == 201
    ben_id, cleo_id = new_id(), new_id()
    status, waiting = await reserve(london, ben, ben_id, slot_id=slot["id"], waitlist=True)
    assert status == 202 and (waiting["status"], waiting["position"]) == ("waiting", 1)
    status, waiting = await reserve(london, cleo, cleo_id, slot_id=slot["id"], waitlist=True)
    assert status == 202 and (waiting["status"], waiting["position"]) == ("waiting", 2)
    # Without `waitlist` a full slot is refused, as before.
    status, problem = await reserve(london, ada, slot_id=slot["id"])
    assert status == 409 and kind_of(problem) == "slot-full"
    # More seats than the slot ever has would block the line: refused, not put in it.
    status, problem = await reserve(london, ada, slot_id=slot["id"], seats=2, waitlist=True)
    assert status == 409 and kind_of(problem) == "slot-full"

    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    offered = await status_of(london, ben, ben_id, "offered")
    expires = offered["offer_expires_at"]
    assert expires is not None and "position" not in offered
    assert (await status_of(london, cleo, cleo_id, "waiting"))["position"] == 1  # moved up
    # The held seat is nobody else's: the twin sees none left, a newcomer joins the line behind Cleo.
    await wait_remaining(london, nyc, slot["id"], ada, 0)
    status, late = await reserve(london, ada, slot_id=slot["id"], waitlist=True)
    assert status == 202 and late["position"] == 2

    status, confirmed = await london.api.call("POST", f"/api/v1/reservations/{ben_id}/confirm", token=ben["token"])
    assert status == 201 and confirmed["status"] == "confirmed", confirmed
    receipt = open_envelope(read_envelope(confirmed["receipt"]), nyc.node.keys.current.verify_key, signer=nyc.url)
    assert (receipt.id, receipt.member_id, receipt.status) == (ben_id, ben["id"], "confirmed")
    again = await london.api.call("POST", f"/api/v1/reservations/{ben_id}/confirm", token=ben["token"])
    assert again[0] == 200 and again[1]["receipt"] == confirmed["receipt"]
    # The ledger counts confirmed reservations only: Ben's (Ada's was cancelled, the others wait).
    period = receipt.starts_at.strftime("%Y-%m")  # type: ignore[union-attr]
    ledger = await nyc.api.ok("GET", f"/api/v1/ledger?period={period}")
    assert ledger["twins"][0]["given"][0]["reservations"] == 1


async def test_waitlist__an_offer_lapses_at_expiry_and_goes_to_the_next_in_line(nodes):
    nyc, london, slot, (ada, ben, cleo) = await setup(nodes)
    first = new_id()
    await reserve(london, ada, first, slot_id=slot["id"])
    ben_id, cleo_id = new_id(), new_id()
    await reserve(london, ben, ben_id, slot_id=slot["id"], waitlist=True)
    await reserve(london, cleo, cleo_id, slot_id=slot["id"], waitlist=True)
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    await status_of(london, ben, ben_id, "offered")

    for node in (nyc.node, london.node):  # the offer's time passes
        node.clock.offset_seconds += (OFFER_MINUTES + 1) * 60
    before = await nyc.node.store.db.fetch_all("SELECT id, status FROM hosted_reservations ORDER BY id")
    status, problem = await london.api.call("POST", f"/api/v1/reservations/{ben_id}/confirm", token=ben["token"])
    assert status == 409 and kind_of(problem) == "offer-expired", problem
    assert await nyc.node.store.db.fetch_all("SELECT id, status FROM hosted_reservations ORDER BY id") == before

    assert (await status_of(london, ben, ben_id, "lapsed"))["status"] == "lapsed"
    await status_of(london, cleo, cleo_id, "offered")
    status, problem = await london.api.call("POST", f"/api/v1/reservations/{ben_id}/confirm", token=ben["token"])
    assert status == 409 and kind_of(problem) == "conflict"
    status, confirmed = await london.api.call("POST", f"/api/v1/reservations/{cleo_id}/confirm", token=cleo["token"])
    assert status == 201 and confirmed["status"] == "confirmed"


async def test_waitlist__bad_answers_are_clear_problems_and_change_nothing(nodes):
    nyc, london, slot, (ada, ben, _cleo) = await setup(nodes, seats=2)
    # Waitlist asked on a slot with seats left: booked directly (the member wanted a seat).
    direct = new_id()
    status, made = await reserve(london, ada, direct, slot_id=slot["id"], waitlist=True)
    assert status == 201 and made["status"] == "confirmed"
    # Confirming what is not offered: confirmed already is harmless (200), waiting is a conflict.
    assert (await london.api.call("POST", f"/api/v1/reservations/{direct}/confirm", token=ada["token"]))[0] == 200
    await reserve(london, ben, slot_id=slot["id"])
    waiting = new_id()
    status, _ = await reserve(london, ada, waiting, slot_id=slot["id"], waitlist=True)
    assert status == 202
    status, problem = await london.api.call("POST", f"/api/v1/reservations/{waiting}/confirm", token=ada["token"])
    assert status == 409 and kind_of(problem) == "conflict"
    # Someone else's reservation, or none: not found.
    status, problem = await london.api.call("POST", f"/api/v1/reservations/{waiting}/confirm", token=ben["token"])
    assert status == 404
    # Leaving the line: the host hears it, and nothing is offered to a request that left.
    left = await london.api.ok("DELETE", f"/api/v1/reservations/{waiting}", token=ada["token"])
    assert left["status"] == "cancelled"
    rows = await nyc.node.store.db.fetch_all("SELECT status FROM hosted_waitlist WHERE id = ?", (waiting,))
    assert [r["status"] for r in rows] == ["left"]
    await london.api.ok("DELETE", f"/api/v1/reservations/{direct}", token=ada["token"])
    assert (await mine(london, ada, waiting))["status"] == "cancelled"


async def test_waitlist__100_concurrent_attempts_on_a_3_seat_occurrence_keep_one_order(nodes):
    nyc = await nodes("NYC", NY, config={"hosting": {"waitlist_offer_minutes": OFFER_MINUTES}})
    london = await nodes("London", LONDON)
    await twin_for_booking(nyc, london, terms(book_ahead_days=730))
    hall = await add_resource(nyc, "desk", 3, name="Hall")
    monday = next_weekday(today_in(NY), 0)
    await nyc.api.ok("POST", "/api/v1/offers", offer_body(hall, london, monday, monday, seats=3))
    members = [await add_member(london, f"Member {i}") for i in range(50)]
    [occurrence] = await eventually(
        lambda: _open_slots(london, nyc, members[0]), lambda items: len(items) == 1 and items[0]["remaining"] == 3
    )
    # 100 attempts: every member twice, half of them asking for the waitlist.
    attempts = [(m, new_id(), i % 2 == 0) for i in range(2) for m in members]
    results = await asyncio.gather(
        *(reserve(london, m, rid, slot_id=occurrence["id"], waitlist=wl) for m, rid, wl in attempts)
    )
    outcomes = Counter(status if status < 300 else kind_of(answer) for status, answer in results)
    assert outcomes[201] == 3 and outcomes[202] + outcomes["slot-full"] == 97 and outcomes[202] >= 47
    positions = sorted(answer["position"] for status, answer in results if status == 202)
    assert positions == list(range(1, len(positions) + 1))  # one order: no gaps, no duplicates
    line = await nyc.node.store.db.fetch_all(
        "SELECT id, position FROM hosted_waitlist WHERE target_id = ? ORDER BY seq", (occurrence["id"],)
    )
    assert [r["position"] for r in line] == positions
    by_id = {rid: (m, answer) for (m, rid, _), (_, answer) in zip(attempts, results, strict=True)}
    assert all(by_id[r["id"]][1]["position"] == r["position"] for r in line)

    # Two confirmed guests cancel: exactly the first two in line are offered, and confirm.
    confirmed = [rid for (m, rid, _), (status, _) in zip(attempts, results, strict=True) if status == 201]
    for rid in confirmed[:2]:
        await london.api.ok("DELETE", f"/api/v1/reservations/{rid}", token=by_id[rid][0]["token"])
    first_two = [r["id"] for r in line[:2]]
    for rid in first_two:
        await status_of(london, by_id[rid][0], rid, "offered")
    offered = await nyc.node.store.db.fetch_all(
        "SELECT id FROM hosted_waitlist WHERE target_id = ? AND status = 'offered' ORDER BY seq", (occurrence["id"],)
    )
    assert [r["id"] for r in offered] == first_two
    for rid in first_two:
        status, answer = await london.api.call(
            "POST", f"/api/v1/reservations/{rid}/confirm", token=by_id[rid][0]["token"]
        )
        assert status == 201, answer
    rows = await nyc.node.store.db.fetch_all(
        "SELECT id FROM hosted_reservations WHERE target_id = ? AND status = 'confirmed'", (occurrence["id"],)
    )
    assert sorted(r["id"] for r in rows) == sorted([confirmed[2], *first_two])
    assert (await status_of(london, by_id[line[2]["id"]][0], line[2]["id"], "waiting"))["position"] == 1


async def test_waitlist__the_host_signs_each_place_and_the_home_keeps_only_the_hosts(nodes):
    nyc, london, slot, (ada, ben, _cleo) = await setup(nodes)
    await reserve(london, ada, slot_id=slot["id"])
    rid = new_id()
    status, waiting = await reserve(london, ben, rid, slot_id=slot["id"], waitlist=True)
    assert status == 202 and waiting["waitlist"] is True
    row = await nyc.node.store.db.fetch_one("SELECT place FROM hosted_waitlist WHERE id = ?", (rid,))
    place = open_envelope(read_envelope(json.loads(row["place"])), nyc.node.keys.current.verify_key, signer=nyc.url)
    assert isinstance(place, WaitlistPlace)
    assert (place.status, place.position, place.home, place.member_id) == ("waiting", 1, london.url, ben["id"])
    # The same request again (a retry) is the same place, not a second one in line.
    status, again = await reserve(london, ben, rid, slot_id=slot["id"], waitlist=True)
    assert status == 202 and again["position"] == 1
    count = await nyc.node.store.db.fetch_one("SELECT COUNT(*) AS n FROM hosted_waitlist")
    assert count["n"] == 1


async def test_waitlist__an_event_place_given_back_goes_to_the_first_in_line(nodes):
    nyc, london, _slot, (ada, ben, cleo) = await setup(nodes)
    day = days_ahead(NY, 12)
    event = {"title": "Demo night", "starts_at": wall(day, 18), "ends_at": wall(day, 21), "capacity": 1}
    talk = await nyc.api.ok("POST", "/api/v1/events", event)
    await eventually(lambda: london.node.store.objects.get("Event", nyc.url, talk["id"]), lambda e: e is not None)
    first, waiting = new_id(), new_id()
    assert (await reserve(london, ada, first, event_id=talk["id"], twin_id=nyc.url))[0] == 201
    status, answer = await reserve(london, ben, waiting, event_id=talk["id"], twin_id=nyc.url, waitlist=True)
    assert status == 202 and answer["position"] == 1
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    offered = await status_of(london, ben, waiting, "offered")
    # An offer never runs past the event's start.
    assert parse_iso(offered["offer_expires_at"]) <= parse_iso(talk["starts_at"])
    status, confirmed = await london.api.call("POST", f"/api/v1/reservations/{waiting}/confirm", token=ben["token"])
    assert status == 201 and confirmed["unit"] == "seat"
    # Cancelling the event tells whoever still waits: their request ends.
    third = new_id()
    assert (await reserve(london, cleo, third, event_id=talk["id"], twin_id=nyc.url, waitlist=True))[0] == 202
    await nyc.api.ok("DELETE", f"/api/v1/events/{talk['id']}")
    assert (await status_of(london, cleo, third, "cancelled"))["status"] == "cancelled"


async def test_waitlist__withdrawing_the_slot_ends_the_line_and_tells_the_homes(nodes):
    nyc, london, slot, (ada, ben, _cleo) = await setup(nodes)
    await reserve(london, ada, slot_id=slot["id"])
    waiting = new_id()
    assert (await reserve(london, ben, waiting, slot_id=slot["id"], waitlist=True))[0] == 202
    await nyc.api.ok("DELETE", f"/api/v1/slots/{slot['id']}")
    gone = await status_of(london, ben, waiting, "cancelled")
    assert gone["reason"] == "not-found"  # the target is gone
    rows = await nyc.node.store.db.fetch_all("SELECT status FROM hosted_waitlist")
    assert [r["status"] for r in rows] == ["withdrawn"]


async def test_waitlist__allowances_are_checked_at_confirmation(nodes):
    # 1 desk-day a month: Ada holds one on another slot when a seat is offered to her from the line.
    nyc, london, slot, (ada, ben, _cleo) = await setup(nodes, allowance=1)
    desk = await add_resource(nyc, "desk", 5, name="Other desks")
    day = days_ahead(NY, 10)
    other = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 1)
    await wait_remaining(london, nyc, other["id"], ada, 1)
    first, waiting = new_id(), new_id()
    assert (await reserve(london, ben, first, slot_id=slot["id"]))[0] == 201
    assert (await reserve(london, ada, waiting, slot_id=slot["id"], waitlist=True))[0] == 202
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ben["token"])
    await status_of(london, ada, waiting, "offered")
    # Joining the line drew nothing; now Ada uses the month's allowance elsewhere.
    assert (await reserve(london, ada, slot_id=other["id"]))[0] == 201
    status, problem = await london.api.call("POST", f"/api/v1/reservations/{waiting}/confirm", token=ada["token"])
    assert status == 409 and kind_of(problem) == "allowance-exhausted", problem
    assert (await mine(london, ada, waiting))["status"] == "offered"  # nothing changed
    # Refused at home before the host was asked: the host holds no reservation for it.
    hosted = await nyc.node.store.db.fetch_all("SELECT id FROM hosted_reservations WHERE id = ?", (waiting,))
    assert hosted == []


async def test_waitlist__the_offer_is_mailed_in_the_members_language(nodes):
    from node.mail.sink import MailSink
    from tests.support.mail import mail_config, parse, wait_for_mail

    sink = MailSink()
    await sink.start()
    try:
        nyc = await nodes("NYC", NY)
        london = await nodes("London", LONDON, config=mail_config(sink.port))
        await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
        desk = await add_resource(nyc, "desk", 10)
        day = days_ahead(NY, 10)
        slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 1)
        ada = await add_member(london, "Ada")
        chiara = await london.api.ok(
            "POST",
            "/api/v1/members",
            {"display_name": "Chiara", "email": "chiara@example.org", "language": "it"},
        )
        await wait_remaining(london, nyc, slot["id"], ada, 1)
        first, waiting = new_id(), new_id()
        await reserve(london, ada, first, slot_id=slot["id"])
        await reserve(london, chiara, waiting, slot_id=slot["id"], waitlist=True)
        await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
        [mail] = await wait_for_mail(sink, "chiara@example.org")
        text = mail.text()
        assert parse(mail)["Subject"].startswith("Un posto per te da NYC")
        assert "lista d'attesa" in text and "/reservations" in text, text
    finally:
        await sink.stop()


async def test_waitlist__a_place_from_another_twin_or_after_the_receipt_changes_nothing(nodes):
    from protocol.envelope import seal_raw
    from tests.support.nodes import twin

    nyc, london, slot, (ada, ben, _cleo) = await setup(nodes)
    milan = await nodes("Milan", "Europe/Rome")
    await twin(milan, london)
    first, rid = new_id(), new_id()
    await reserve(london, ada, first, slot_id=slot["id"])
    await reserve(london, ben, rid, slot_id=slot["id"], waitlist=True)
    row = await nyc.node.store.db.fetch_one("SELECT place FROM hosted_waitlist WHERE id = ?", (rid,))
    genuine = json.loads(row["place"])["object"]
    offered = {
        **genuine,
        "version": 5,
        "status": "offered",
        "position": None,
        "offer_expires_at": "2099-01-01T00:00:00Z",
    }
    offered = {k: v for k, v in offered.items() if v is not None}
    # Milan offers Ben a seat at New York: not Milan's to say.
    forged = seal_raw({**offered, "origin": milan.url}, milan.node.keys.current).model_dump(mode="json")
    resp = await milan.node.client.send("POST", f"{london.url}/federation/v1/inbox", {"items": [forged]})
    result = resp.json()["results"][0]
    assert result["status"] == "rejected" and kind_of(result["problem"]) == "forbidden"
    # New York's own place, for other seats than Ben asked: refused as not matching.
    other = seal_raw({**offered, "seats": 2}, nyc.node.keys.current).model_dump(mode="json")
    resp = await nyc.node.client.send("POST", f"{london.url}/federation/v1/inbox", {"items": [other]})
    assert resp.json()["results"][0]["status"] == "rejected"
    assert (await mine(london, ben, rid))["status"] == "waiting"

    # Once Ben's seat is confirmed, a late place (a stale push) does not undo the receipt.
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    await status_of(london, ben, rid, "offered")
    await london.api.ok("POST", f"/api/v1/reservations/{rid}/confirm", token=ben["token"])
    lapsed = {k: v for k, v in {**offered, "version": 9, "status": "lapsed"}.items() if k != "offer_expires_at"}
    late = seal_raw(lapsed, nyc.node.keys.current).model_dump(mode="json")
    resp = await nyc.node.client.send("POST", f"{london.url}/federation/v1/inbox", {"items": [late]})
    assert resp.json()["results"][0]["status"] == "applied"
    assert (await mine(london, ben, rid))["status"] == "confirmed"


async def test_waitlist__an_erased_member_leaves_the_line_and_the_host_keeps_no_name(nodes):
    nyc, london, slot, (ada, ben, _cleo) = await setup(nodes)
    await reserve(london, ada, slot_id=slot["id"])
    rid = new_id()
    assert (await reserve(london, ben, rid, slot_id=slot["id"], waitlist=True))[0] == 202
    columns_sql = "SELECT name FROM pragma_table_info('hosted_waitlist')"  # SQLite; then PostgreSQL's
    if nyc.node.store.db.dialect == "postgresql":
        columns_sql = "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'hosted_waitlist'"
    columns = [r["name"] for r in await nyc.node.store.db.fetch_all(columns_sql)]
    assert "display_name" not in columns  # in line, a member is an opaque id
    await london.api.ok("DELETE", f"/api/v1/members/{ben['id']}")
    rows = await nyc.node.store.db.fetch_all("SELECT status FROM hosted_waitlist WHERE id = ?", (rid,))
    assert [r["status"] for r in rows] == ["left"]


async def test_waitlist__more_places_at_an_event_go_to_the_line(nodes):
    nyc, london, _slot, (ada, ben, cleo) = await setup(nodes)
    day = days_ahead(NY, 12)
    event = {"title": "Demo night", "starts_at": wall(day, 18), "ends_at": wall(day, 21), "capacity": 1}
    talk = await nyc.api.ok("POST", "/api/v1/events", event)
    await eventually(lambda: london.node.store.objects.get("Event", nyc.url, talk["id"]), lambda e: e is not None)
    await reserve(london, ada, event_id=talk["id"], twin_id=nyc.url)
    ben_id, cleo_id = new_id(), new_id()
    await reserve(london, ben, ben_id, event_id=talk["id"], twin_id=nyc.url, waitlist=True)
    await reserve(london, cleo, cleo_id, event_id=talk["id"], twin_id=nyc.url, waitlist=True)
    await nyc.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"capacity": 2})  # one more place
    await status_of(london, ben, ben_id, "offered")
    assert (await status_of(london, cleo, cleo_id, "waiting"))["position"] == 1
