"""The host's side of a reservation (node/booking/host.py, hosted_store.py): the receipt answered
is the text stored, once serialised; what the decision reads is one statement, and our own slot
is parsed once per stored version."""

from __future__ import annotations

from typing import Any

from node.booking.hosted_store import HostedInTransaction, Situation
from protocol.envelope import open_envelope, read_envelope, seal
from protocol.json_text import loads
from protocol.models import Event, ReservationRequest, Slot, Target
from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    new_id,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)

NY = "America/New_York"


async def setup(nodes: Any) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
    return nyc, london, slot, await add_member(london, "Ada")


async def signed_request(london: Any, nyc: Any, slot: dict[str, Any], ada: dict[str, Any], rid: str) -> dict[str, Any]:
    members = london.node.booking.members
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
    return seal(request, london.node.keys.current).model_dump(mode="json")


async def test_host_answer__the_receipt_goes_back_as_stored_and_again_on_a_repeat(nodes):
    nyc, london, slot, ada = await setup(nodes)
    rid = new_id()
    envelope = await signed_request(london, nyc, slot, ada, rid)
    url = f"{nyc.url}/federation/v1/reservations/{rid}"
    first = await london.node.client.send("PUT", url, envelope)
    again = await london.node.client.send("PUT", url, envelope)  # a fresh HTTP signature, the same request
    assert (first.status, again.status) == (201, 200)
    assert first.headers["Content-Type"].startswith("application/json")
    stored = await nyc.node.store.db.fetch_one("SELECT receipt FROM hosted_reservations WHERE id = ?", (rid,))
    assert first.body == stored["receipt"].encode()  # the bytes answered are the text kept, serialised once
    assert loads(again.body) == loads(first.body)
    receipt = open_envelope(read_envelope(first.json()), nyc.node.keys.current.verify_key, signer=nyc.url)
    assert (receipt.id, receipt.home, receipt.seats) == (rid, london.url, 1)


async def test_hosted_store__the_decision_reads_its_situation_in_one_statement(nodes):
    nyc, london, slot, ada = await setup(nodes)
    rid = new_id()

    def seen(conn: Any, target_id: str = slot["id"]) -> Situation:
        return HostedInTransaction(conn).situation(london.url, rid, Slot, nyc.url, target_id)

    before = await nyc.node.store.db.read(seen)
    assert before.twinning_status == "active" and before.agreement is not None
    assert (before.decided, before.queued, before.taken, before.held, before.waiting) == (False, False, 0, 0, False)
    assert isinstance(before.target, Slot) and before.target.id == slot["id"]
    assert (await nyc.node.store.db.read(lambda conn: seen(conn, new_id()))).target is None
    await wait_remaining(london, nyc, slot["id"], ada, 4)  # the home knows the slot
    status, _ = await reserve(london, ada, rid, slot_id=slot["id"], seats=2)
    after = await nyc.node.store.db.read(seen)
    assert status == 201 and (after.decided, after.taken) == (True, 2)
    stranger = await nyc.node.store.db.read(
        lambda conn: HostedInTransaction(conn).situation("https://nowhere.example", rid, Slot, nyc.url, slot["id"])
    )
    assert (stranger.twinning_status, stranger.agreement) == (None, None)


async def test_hosted_store__our_slot_is_parsed_once_per_stored_version(nodes):
    nyc, london, slot, _ = await setup(nodes)

    def twice(conn: Any) -> tuple[Slot | Event | None, Slot | Event | None]:
        tx = HostedInTransaction(conn)
        return tuple(tx.situation(london.url, new_id(), Slot, nyc.url, slot["id"]).target for _ in range(2))

    first, second = await nyc.node.store.db.read(twice)
    assert isinstance(first, Slot) and first is second and first.version == slot["version"]
    # A new version (the slot withdrawn) is new text: read and parsed anew, never the old one kept.
    await nyc.api.ok("DELETE", f"/api/v1/slots/{slot['id']}")
    after, _ = await nyc.node.store.db.read(twice)
    assert isinstance(after, Slot) and after.version == slot["version"] + 1 and after.status == "withdrawn"


class Counted:
    """The decision's connection, noting each statement's first words (on PostgreSQL each is a round
    trip to the server, made while holding the write lock every worker waits for)."""

    def __init__(self, conn: Any, seen: list[str]) -> None:
        self.conn, self.seen = conn, seen

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.seen.append(" ".join(sql.split()[:3]))
        return self.conn.execute(sql, params)


async def test_host_decision__reads_once_then_draws_the_allowance_and_writes_once(nodes, monkeypatch):
    nyc, london, slot, ada = await setup(nodes)
    await wait_remaining(london, nyc, slot["id"], ada, 4)
    statements: list[str] = []
    db = nyc.node.store.db
    through = db.decide_on_loop  # the host's decision (on PostgreSQL it calls `decide`, left as it is)
    monkeypatch.setattr(db, "decide_on_loop", lambda fn: through(lambda c: fn(Counted(c, statements))))
    status, _ = await reserve(london, ada, new_id(), slot_id=slot["id"], seats=1)
    assert status == 201
    # The situation; the allowance used this month (these terms give desks by the day); the row.
    assert statements == ["SELECT t.id AS", "SELECT COALESCE(SUM(units), 0)", "INSERT INTO hosted_reservations"]
