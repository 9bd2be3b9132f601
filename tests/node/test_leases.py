"""Leases and outbox claims (node/store/leases.py, node/store/outbox.py) with three workers on one
PostgreSQL database, each a `Store` with its own connections as each `gemella run` worker has."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp import web

from node.store import Store
from node.store.leases import Leases
from node.store.outbox import Claim
from node.worker import Worker
from tests.support.nodes import eventually, twin
from tests.support.objects import make_event, publish
from tests.support.proxy import ForwardingProxy

WORKERS = 3


@pytest.fixture
async def stores(postgres_url: str) -> AsyncIterator[list[Store]]:
    opened = [await Store(postgres_url).open() for _ in range(WORKERS)]
    yield opened
    for store in opened:
        await store.close()


async def test_lease__one_worker_holds_a_job_and_another_takes_it_over_once_it_lapses(stores: list[Store]) -> None:
    leases = [Leases(store.db, seconds=1.0).job("reminders") for store in stores]
    assert all(lease is not None for lease in leases)
    held = [await lease.held() for lease in leases if lease is not None]
    assert held == [True, False, False]
    # The holder dies (stops renewing); once the lease lapses the next worker to look takes it.
    await asyncio.sleep(1.1)
    taken = [await lease.held() for lease in leases[1:] if lease is not None]
    assert taken == [True, False]


async def test_lease__released_on_stop_is_taken_at_once(stores: list[Store]) -> None:
    first, second = (Leases(store.db, seconds=30.0).job("mail") for store in stores[:2])
    assert first is not None and second is not None
    assert await first.held() and not await second.held()
    await first.release()
    second._next_try = 0.0  # look again now rather than in half a lease
    assert await second.held()


async def test_worker__a_wake_where_the_job_is_not_held_runs_it_in_the_holder(stores: list[Store]) -> None:
    runs = {0: 0, 1: 0}

    def counting(number: int) -> Worker:
        async def step() -> None:
            runs[number] += 1

        return Worker(f"mail-{number}", step, lease=Leases(stores[number].db, seconds=4.0).job("mail"))

    holder, other = counting(0), counting(1)
    holder.start()
    await eventually(lambda: asyncio.sleep(0, runs[0]), 1)
    other.start()
    await asyncio.sleep(0.3)
    other.wake()  # a mail was queued by a request this worker answered
    await eventually(lambda: asyncio.sleep(0, runs[0]), 2, timeout=5)
    await holder.stop()
    await other.stop()
    assert runs[1] == 0  # the job ran only where its lease is held


async def test_outbox__rows_claimed_by_one_worker_are_skipped_by_the_others_until_the_claim_lapses(
    stores: list[Store],
) -> None:
    a, b = stores[:2]
    async with a.db.transaction() as tx:
        for i in range(3):
            await a.outbox.store(
                tx, ["https://twin.example"], "inbox", ("Event", "https://here", f"e{i}"), 1, "{}", "t"
            )
    now = time.time()
    async with a.db.transaction() as tx:
        first = await a.outbox.store_claims(tx, Claim("a", now, now + 30), "https://twin.example", "inbox", 2)
    async with b.db.transaction() as tx:
        second = await b.outbox.store_claims(tx, Claim("b", now, now + 30), "https://twin.example", "inbox", 10)
    assert [i.id for i in first] == ["e0", "e1"] and [i.id for i in second] == ["e2"]
    later = now + 31  # a's claims have lapsed (a died mid-delivery): b takes its rows
    async with b.db.transaction() as tx:
        taken = await b.outbox.store_claims(tx, Claim("b", later, later + 30), "https://twin.example", "inbox", 10)
    assert sorted(i.id for i in taken) == ["e0", "e1", "e2"]


async def test_leases__a_node_on_sqlite_runs_every_job_without_asking(tmp_path: Path) -> None:
    store = await Store(tmp_path / "node.db").open()
    try:
        assert Leases(store.db, seconds=30.0).job("mail") is None
    finally:
        await store.close()


async def test_worker__a_holder_sleeping_between_steps_keeps_its_job(stores: list[Store]) -> None:
    runs = {0: 0, 1: 0}

    def hourly(number: int) -> Worker:
        async def step() -> float:
            runs[number] += 1
            return 3600.0  # the next step in an hour: the lease (1 s) must be renewed meanwhile

        return Worker(f"offers-{number}", step, lease=Leases(stores[number].db, seconds=1.0).job("offers"))

    holder, other = hourly(0), hourly(1)
    holder.start()
    await eventually(lambda: asyncio.sleep(0, runs[0]), 1)
    other.start()
    await asyncio.sleep(2.5)  # more than two leases
    await holder.stop()
    await other.stop()
    assert runs == {0: 1, 1: 0}


class _HeldInbox(ForwardingProxy):
    """At the twin's URL: keeps every push to its inbox waiting until `let_go` is set, so a
    delivery is under way."""

    def __init__(self) -> None:
        super().__init__()
        self.let_go = asyncio.Event()

    async def intercept(self, request: web.Request, body: bytes) -> web.StreamResponse | None:
        if request.path.endswith("/inbox"):
            await self.let_go.wait()
        return None


async def test_peer_link__a_node_stopped_mid_delivery_releases_its_claims(nodes: Any, postgres_url: str) -> None:
    proxy = _HeldInbox()
    await proxy.start()
    try:
        london = await nodes("London", url=proxy.url)
        proxy.target = london.local
        nyc = await nodes("NYC", config={"storage": {"database_url": postgres_url}})
        await twin(nyc, london)
        await publish(nyc, make_event(nyc.url, "launch"))

        async def claimed() -> int:
            row = await nyc.node.store.db.fetch_one("SELECT COUNT(*) AS n FROM outbox WHERE claimed_by IS NOT NULL")
            return int(row["n"]) if row else 0

        await eventually(claimed, 1)
        await nyc.stop()  # the round waiting on London is cancelled
        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute("SELECT id, claimed_by FROM outbox").fetchall()
        assert rows == [("launch", None)]  # still to deliver, and free for the next process at once
    finally:
        proxy.let_go.set()
        await proxy.stop()
