"""Seats that come back go to someone who can take them: not to a member erased while their
host was unreachable (their home could not take them out of the line; the host learns it from
the MemberErasure that reaches it later), nor to a member of a twin no longer active. Before,
seats were offered to them and held for the whole offer time while the next in line waited."""

from __future__ import annotations

from tests.booking.support import add_member, days_ahead, eventually, new_id, reserve, terms, twin_for_booking, wall
from tests.booking.test_waitlist import NY, mine, setup, status_of


async def test_waitlist__a_member_erased_while_the_host_was_down_leaves_its_line_when_the_host_hears(nodes):
    nyc, london, slot, (ada, ben, cleo) = await setup(nodes)
    first, ben_id, cleo_id = new_id(), new_id(), new_id()
    assert (await reserve(london, ada, first, slot_id=slot["id"]))[0] == 201
    assert (await reserve(london, ben, ben_id, slot_id=slot["id"], waitlist=True))[0] == 202
    assert (await reserve(london, cleo, cleo_id, slot_id=slot["id"], waitlist=True))[0] == 202

    await nyc.stop()
    erased = await london.api.ok("DELETE", f"/api/v1/members/{ben['id']}")
    assert [entry["id"] for entry in erased["not_cancelled"]] == [ben_id]  # the host could not be told then
    await nyc.start()

    async def ben_at_the_host() -> str:
        row = await nyc.node.store.db.fetch_one("SELECT status FROM hosted_waitlist WHERE id = ?", (ben_id,))
        return str(row["status"])

    await eventually(ben_at_the_host, "left", timeout=20)  # the MemberErasure arrived through the outbox
    await eventually(lambda: mine(london, cleo, cleo_id), lambda r: r.get("position") == 1)  # moved up
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    await status_of(london, cleo, cleo_id, "offered")  # the freed seat goes to Cleo, not to Ben
    assert (await mine(london, cleo, cleo_id))["status"] == "offered"


async def event_line(nodes):
    """A one-place event at NYC taken by Cy (Milan), with Ben (London) then Dora (Milan) in line."""
    nyc, london, _slot, (_ada, ben, _cleo) = await setup(nodes)
    milan = await nodes("Milan", "Europe/Rome")
    await twin_for_booking(nyc, milan, terms())
    day = days_ahead(NY, 12)
    event = {"title": "Demo night", "starts_at": wall(day, 18), "ends_at": wall(day, 21), "capacity": 1}
    talk = await nyc.api.ok("POST", "/api/v1/events", event)
    for home in (london, milan):
        await eventually(lambda h=home: h.node.store.objects.get("Event", nyc.url, talk["id"]), lambda e: e is not None)
    cy, dora = await add_member(milan, "Cy"), await add_member(milan, "Dora")
    first, ben_id, dora_id = new_id(), new_id(), new_id()
    assert (await reserve(milan, cy, first, event_id=talk["id"], twin_id=nyc.url))[0] == 201
    assert (await reserve(london, ben, ben_id, event_id=talk["id"], twin_id=nyc.url, waitlist=True))[0] == 202
    assert (await reserve(milan, dora, dora_id, event_id=talk["id"], twin_id=nyc.url, waitlist=True))[0] == 202
    return nyc, london, milan, talk, (cy, ben, dora), (first, ben_id, dora_id)


async def test_waitlist__an_event_place_goes_past_a_twin_no_longer_active_to_the_next_in_line(nodes):
    nyc, london, milan, _talk, (cy, _ben, dora), (first, ben_id, dora_id) = await event_line(nodes)

    agreement = next(t for t in (await nyc.api.ok("GET", "/api/v1/twins"))["items"] if t["peer"] == london.url)
    await nyc.api.ok("POST", f"/api/v1/twins/{agreement['id']}/suspend")  # London can take no seat now
    await milan.api.ok("DELETE", f"/api/v1/reservations/{first}", token=cy["token"])
    # The place goes to Dora (Milan), not held for two hours for Ben, whom it could not reach.
    await status_of(milan, dora, dora_id, "offered")
    row = await nyc.node.store.db.fetch_one("SELECT status FROM hosted_waitlist WHERE id = ?", (ben_id,))
    assert row["status"] == "withdrawn"
    status, confirmed = await milan.api.call("POST", f"/api/v1/reservations/{dora_id}/confirm", token=dora["token"])
    assert status == 201 and confirmed["status"] == "confirmed"


async def test_waitlist__an_event_place_goes_past_a_twin_taken_out_of_its_audience(nodes):
    nyc, london, milan, talk, (cy, ben, dora), (first, ben_id, dora_id) = await event_line(nodes)

    await nyc.api.ok("PATCH", f"/api/v1/events/{talk['id']}", {"audience": [milan.url]})  # London may not come now
    await milan.api.ok("DELETE", f"/api/v1/reservations/{first}", token=cy["token"])
    await status_of(milan, dora, dora_id, "offered")
    await status_of(london, ben, ben_id, "cancelled")  # told: the place in line is gone
