"""What every worker on one database shares: the nonces of signed requests and the rate buckets.

Two `Store`s on one database stand for two worker processes (each has its own connections and
pools, as a process does); each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.ratelimit import Limit
from node.store import Store
from node.store.nonces import Seen
from node.store.postgres import POOL_SIZE


@pytest.fixture(params=["sqlite", "postgresql"])
async def workers(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[list[Store]]:
    sqlite = f"sqlite:///{tmp_path / 'node.db'}"
    url = sqlite if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    stores = [await Store(url).open(), await Store(url).open()]
    yield stores
    for store in stores:
        await store.close()


async def test_nonces__a_nonce_taken_at_one_worker_is_a_replay_at_the_other(workers: list[Store]) -> None:
    one, other = workers
    assert await one.nonces.store("https://rome.example#k1", "n-1", 1000) is Seen.NEW
    assert await other.nonces.store("https://rome.example#k1", "n-1", 1000) is Seen.REPLAY
    assert await other.nonces.store("https://oslo.example#k1", "n-1", 1000) is Seen.NEW, "nonces are per key"


async def test_nonces__the_same_request_at_two_workers_at_once_is_taken_once(workers: list[Store]) -> None:
    seen = await asyncio.gather(*(workers[i % 2].nonces.store("k", "same", 1000) for i in range(20)))
    assert seen.count(Seen.NEW) == 1 and seen.count(Seen.REPLAY) == 19


async def test_nonces__a_long_nonce_is_kept_in_a_bounded_row_and_still_refused_again(workers: list[Store]) -> None:
    one, other = workers
    long = "x" * 8000
    assert await one.nonces.store("k", long, 1000) is Seen.NEW
    assert await other.nonces.store("k", long, 1000) is Seen.REPLAY
    assert await other.nonces.store("k", long + "y", 1000) is Seen.NEW, "another long nonce is another row"
    rows = await one.db.fetch_all("SELECT nonce FROM request_nonces")
    assert max(len(row["nonce"]) for row in rows) < 64


async def test_nonces__past_the_cap_the_oldest_go_and_the_floor_refuses_their_replays(workers: list[Store]) -> None:
    one, other = workers
    for created in range(100, 110):
        assert await one.nonces.store("k", f"n{created}", created) is Seen.NEW
    floor = await one.nonces.delete_old(older_than=0, max_entries=4)
    assert floor == 106, "the four newest stay; the floor rises just past the newest forgotten"
    assert len(await one.db.fetch_all("SELECT nonce FROM request_nonces")) == 4
    assert await other.nonces.store("k", "n100", 100) is Seen.TOO_OLD, "forgotten, yet not taken again"
    assert await other.nonces.store("k", "n109", 109) is Seen.REPLAY
    assert await other.nonces.store("k", "fresh", 110) is Seen.NEW


async def test_nonces__those_out_of_the_window_are_purged(workers: list[Store]) -> None:
    one, _ = workers
    for created in (10, 20, 30):
        await one.nonces.store("k", f"n{created}", created)
    assert await one.nonces.delete_old(older_than=25, max_entries=100) == 0
    rows = await one.db.fetch_all("SELECT created FROM request_nonces")
    assert [row["created"] for row in rows] == [30]


async def test_buckets__a_budget_spent_at_one_worker_is_spent_at_the_other(workers: list[Store]) -> None:
    now = 1_000_000.0
    one, other = (Limit("peer", 1.0, 3, store.buckets, clock=lambda: now) for store in workers)
    assert [await one.take("rome") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await other.take("rome") == pytest.approx(1.0), "the other worker sees the bucket empty"
    assert await other.pending("rome") == pytest.approx(1.0)
    assert await other.take("oslo") == 0.0, "each key has its own bucket"
    now += 1.0
    assert await other.take("rome") == 0.0, "a token came back after a second, for both"
    assert await one.take("rome") == pytest.approx(1.0)


async def test_buckets__concurrent_takes_at_two_workers_never_pass_the_burst(workers: list[Store]) -> None:
    limits = [Limit("peer_items", 0.001, 10, store.buckets, clock=lambda: 5000.0) for store in workers]
    waits = await asyncio.gather(*(limits[i % 2].take("rome", cost=2) for i in range(30)))
    assert waits.count(0.0) == 5, "ten tokens pay for five takes of two, whichever worker takes"


async def test_buckets__a_refused_cost_takes_nothing_and_refilled_buckets_are_purged(workers: list[Store]) -> None:
    one, _ = workers
    assert await one.buckets.claim_tokens("peer", "rome", 1.0, 5.0, 4.0, now=100.0) == 0.0
    assert await one.buckets.claim_tokens("peer", "rome", 1.0, 5.0, 3.0, now=100.0) == pytest.approx(2.0)
    assert await one.buckets.claim_tokens("peer", "rome", 1.0, 5.0, 1.0, now=100.0) == 0.0, (
        "the refused take took nothing"
    )
    await one.buckets.delete_full("peer", now=104.0)
    assert await one.db.fetch_all("SELECT subject FROM rate_buckets") != [], "not yet full again"
    await one.buckets.delete_full("peer", now=105.0)
    assert await one.db.fetch_all("SELECT subject FROM rate_buckets") == []


async def test_write_one__gives_its_connection_back_in_autocommit_as_the_pool_lent_it(postgres_url: str) -> None:
    """The pools' connections are in autocommit (a lone query is one round trip, a transaction
    says BEGIN itself); one given back otherwise would put later lone queries in transactions."""
    store = await Store(postgres_url).open()
    pool = store.db._async  # type: ignore[attr-defined]  # the PostgreSQL pool itself: what it lends
    try:
        for i in range(8):  # more than the pool holds: every connection lent once at least
            await store.nonces.store("k", f"n{i}", 1000)
        lent = [await pool.getconn() for _ in range(POOL_SIZE)]
        modes = [conn.autocommit for conn in lent]
        for conn in lent:
            await pool.putconn(conn)
    finally:
        await store.close()
    assert modes == [True] * POOL_SIZE
