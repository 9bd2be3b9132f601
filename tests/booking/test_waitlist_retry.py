"""A refused reservation asked again under the same id, now with `waitlist`: the member asked to
join the line, so the host is asked for that (before, the stored request went again without it
and came back `slot-full`, whatever the member said)."""

from __future__ import annotations

from tests.booking.support import kind_of, new_id, reserve
from tests.booking.test_waitlist import setup


async def test_waitlist__a_refused_id_asked_again_with_waitlist_joins_the_line(nodes):
    nyc, london, slot, (ada, ben, _cleo) = await setup(nodes)
    assert (await reserve(london, ada, slot_id=slot["id"]))[0] == 201
    rid = new_id()
    status, problem = await reserve(london, ben, rid, slot_id=slot["id"])
    assert status == 409 and kind_of(problem) == "slot-full"
    status, waiting = await reserve(london, ben, rid, slot_id=slot["id"], waitlist=True)
    assert status == 202 and (waiting["status"], waiting["position"], waiting["waitlist"]) == ("waiting", 1, True)
    row = await nyc.node.store.db.fetch_one("SELECT status, position FROM hosted_waitlist WHERE id = ?", (rid,))
    assert (row["status"], row["position"]) == ("waiting", 1)
