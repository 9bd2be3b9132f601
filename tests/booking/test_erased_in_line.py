"""A member erased while their host was unreachable: their home could not take them out of the
host's waitlist, so the host learns it from the MemberErasure that reaches it later. Until
then seats that came free were offered to nobody (held for the erased member for the whole
offer time, while the next in line waited)."""

from __future__ import annotations

from tests.booking.support import eventually, new_id, reserve
from tests.booking.test_waitlist import mine, setup, status_of


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
    assert (await status_of(london, cleo, cleo_id, "waiting"))["position"] == 1
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    await status_of(london, cleo, cleo_id, "offered")  # the freed seat goes to Cleo, not to Ben
    assert (await mine(london, cleo, cleo_id))["status"] == "offered"
