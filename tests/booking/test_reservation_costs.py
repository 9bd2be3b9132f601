"""What one reservation abroad costs the two nodes, counted in a real exchange: Ed25519
signatures and verifications at each node, HTTP exchanges between them, SQLite statements at
each. bench/booking.py's floor makes the same Ed25519 operations on each hop of a bare loop
(HOME_SIGNS ... HOST_VERIFIES); this test keeps those figures true. The slot's new `remaining`
is left out (its refresher is stopped while counting): it is published at most twice a second
per busy slot, not per reservation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from bench.booking import HOME_SIGNS, HOME_VERIFIES, HOST_SIGNS, HOST_VERIFIES
from node.federation.client import FederationClient, Response
from protocol.keys import SigningKey, VerifyKey
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
from tests.support.counts import record

NY = "America/New_York"
COUNTED = 20


class Costs:
    """Counts of one node's work, by what it is."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def per(self, reservations: int) -> dict[str, float]:
        return {what: count / reservations for what, count in sorted(self.counts.items())}


def traced(node: Any, costs: Costs) -> list[Callable[[], Any]]:
    """Every statement of the node's SQLite connections counted (by its first word): the loop's
    own connection here, aiosqlite's on their threads. Returns what sets each one up (nothing on
    PostgreSQL, whose statements are counted by tests/booking/test_host_decision.py)."""
    db = node.store.db
    if db.dialect != "sqlite":
        return []

    def trace(statement: str) -> None:
        costs.counts["sql " + statement.split(None, 1)[0].upper()] += 1

    db._loop_writer.set_trace_callback(trace)
    threaded = [conn for conn in (db._writer, db._reader) if conn is not None]
    return [lambda c=conn: c._execute(lambda: c._conn.set_trace_callback(trace)) for conn in threaded]


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, Any], tuple[Costs, Costs]]:
    """Ed25519 operations and federation requests counted at the home and at the host, told apart
    by the key: each node signs with its own and verifies the other's."""

    def install(home: Any, host: Any) -> tuple[Costs, Costs]:
        at_home, at_host = Costs(), Costs()
        costs = {home.node.keys.current.kid: at_home, host.node.keys.current.kid: at_host}
        other = {home.node.keys.current.kid: at_host, host.node.keys.current.kid: at_home}
        sign, verify, send = SigningKey.sign, VerifyKey.verify, FederationClient.send

        def counted_sign(self: SigningKey, message: bytes) -> bytes:
            costs[self.kid].counts["ed25519 sign"] += 1
            return sign(self, message)

        def counted_verify(self: VerifyKey, signature: bytes, message: bytes) -> bool:
            other[self.kid].counts["ed25519 verify"] += 1
            return verify(self, signature, message)

        async def counted_send(self: FederationClient, method: str, url: str, *args: Any, **kw: Any) -> Response:
            who = at_home if self.keyid.startswith(home.url + "#") else at_host
            who.counts[f"http {method} {url.split('/federation/v1/')[-1].split('/')[0]}"] += 1
            return await send(self, method, url, *args, **kw)

        monkeypatch.setattr(SigningKey, "sign", counted_sign)
        monkeypatch.setattr(VerifyKey, "verify", counted_verify)
        monkeypatch.setattr(FederationClient, "send", counted_send)
        return at_home, at_host

    return install


async def test_reservation_costs__each_node_signs_and_verifies_what_the_benchmark_floor_counts(nodes, counting):
    nyc = await nodes("NYC", NY)
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms())
    desk = await add_resource(nyc, "desk", 1000)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 1000)
    ada = await add_member(london, "Ada")
    assert (await reserve(london, ada, slot_id=slot["id"], twin_id=nyc.url))[0] == 201  # the pass, once
    await wait_remaining(london, nyc, slot["id"], ada, 999)  # its push has arrived: not counted below
    await nyc.node.booking.host.refresher.stop()  # the slot's `remaining`: not per reservation

    at_home, at_host = counting(london, nyc)
    for setup in [*traced(london.node, at_home), *traced(nyc.node, at_host)]:
        await setup()
    for _ in range(COUNTED):
        status, _ = await reserve(london, ada, slot_id=slot["id"], twin_id=nyc.url)
        assert status == 201

    home, host = at_home.per(COUNTED), at_host.per(COUNTED)
    record("one reservation abroad, at the home", **home)
    record("one reservation abroad, at the host", **host)
    assert (home["ed25519 sign"], home["ed25519 verify"]) == (HOME_SIGNS, HOME_VERIFIES)
    assert (host["ed25519 sign"], host["ed25519 verify"]) == (HOST_SIGNS, HOST_VERIFIES)
    assert home["http PUT reservations"] == 1 and not [k for k in host if k.startswith("http")]
    # By key at home: the member's token, the member, the twinning; at the host: the twinning, the
    # decision's one statement (the calling node's row is not read again once its key is known).
    # Background rounds (delivery) add a few statements now and then.
    if london.node.store.db.dialect == "sqlite":
        assert home["sql SELECT"] < 3.5 and host["sql SELECT"] < 2.5
