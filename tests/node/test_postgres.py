"""What SQLite's single writer gives for free, made explicit on PostgreSQL and proven with several
workers (each a `Store` with its own connections, as each `gemella run` process has).

- A feed reader never skips a change: numbers are taken and committed in order.
- Decisions that count before they write cannot overbook.
- Nothing is left of a transaction on its connection (PgBouncer in transaction mode).
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.pq import Trace

from node.store import Store
from node.store.objects import ObjectRow
from node.store.postgres import POOL_SIZE

WORKERS = 3


async def _workers(url: str) -> list[Store]:
    return list(await asyncio.gather(*(Store(url).open() for _ in range(WORKERS))))


async def _publish(store: Store, name: str, pause: float) -> None:
    async with store.db.transaction() as tx:
        row = ObjectRow("Event", "https://here.example", name, 1, None, None, None, '{"e": 1}')
        await store.objects.store_local(tx, row, None, "2027-01-01T00:00:00Z")
        await asyncio.sleep(pause)  # commit late: a later writer must not commit a lower number first


async def _read_while_writing(url: str, pauses: list[float]) -> tuple[dict[int, str], list[str]]:
    """Writers on every worker publish (each pausing before its commit) while a reader follows the
    feed as a twin does: everything after its cursor, then the cursor moves to the last number."""
    stores = await _workers(url)
    written = [f"ev-{i}" for i in range(len(pauses))]
    seen: dict[int, str] = {}
    cursor, done = 0, asyncio.Event()

    async def read() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            rows = await stores[0].db.fetch_all("SELECT seq, id FROM objects WHERE seq > ? ORDER BY seq", (cursor,))
            for row in rows:
                seen[row["seq"]] = row["id"]
                cursor = row["seq"]
            if finished:
                return
            await asyncio.sleep(0)

    reading = asyncio.create_task(read())
    await asyncio.gather(
        *(_publish(stores[i % WORKERS], n, p) for i, (n, p) in enumerate(zip(written, pauses, strict=True)))
    )
    done.set()
    await reading
    for store in stores:
        await store.close()
    return seen, written


async def test_feed__a_reader_never_skips_a_change_under_concurrent_writers_on_several_workers(
    postgres_url: str,
) -> None:
    rng = random.Random(17)
    seen, written = await _read_while_writing(postgres_url, [rng.random() / 100 for _ in range(60)])
    assert sorted(seen.values()) == sorted(written), "the reader, moving its cursor past each number, missed none"
    assert sorted(seen) == list(range(1, len(written) + 1))


@settings(max_examples=5, deadline=None)
@given(pauses=st.lists(st.floats(min_value=0, max_value=0.005), min_size=2, max_size=20))
def test_feed__a_reader_never_skips_a_change_whatever_the_timing(pauses: list[float]) -> None:
    from tests.support.postgres import new_database_url

    seen, written = asyncio.run(_read_while_writing(new_database_url(), pauses))
    assert sorted(seen.values()) == sorted(written)


async def test_decide__two_hundred_requests_for_five_seats_across_workers_take_exactly_five(
    postgres_url: str,
) -> None:
    stores = await _workers(postgres_url)
    async with stores[0].db.transaction() as tx:
        await tx.execute("INSERT INTO counters (name, value) VALUES ('seats', 5)")

    def take_a_seat(conn: Any) -> bool:
        (free,) = conn.execute("SELECT value FROM counters WHERE name = 'seats'").fetchone()
        if free < 1:
            return False
        conn.execute("UPDATE counters SET value = ? WHERE name = 'seats'", (free - 1,))  # read, decide, write
        return True

    results = await asyncio.gather(*(stores[i % WORKERS].db.decide(take_a_seat) for i in range(200)))
    left = await stores[0].db.fetch_one("SELECT value FROM counters WHERE name = 'seats'")
    for store in stores:
        await store.close()
    assert sum(results) == 5 and left is not None and left["value"] == 0


async def test_transaction__leaves_no_session_state_on_its_connection(postgres_url: str) -> None:
    """Behind PgBouncer in transaction mode the next transaction may get another server
    connection: nothing may carry over (no prepared statements, settings or locks)."""
    store = await Store(postgres_url).open()
    for _ in range(10):  # psycopg would prepare a statement after its fifth run
        async with store.db.transaction() as tx:
            await tx.execute("UPDATE counters SET value = value WHERE name = 'feed_seq'")
    await store.db.read(lambda conn: conn.execute("SELECT 1").fetchone())
    state = await store.db.fetch_one(
        "SELECT (SELECT COUNT(*) FROM pg_prepared_statements) AS prepared, "
        "(SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks"
    )
    await store.close()
    assert state is not None and (state["prepared"], state["locks"]) == (0, 0)


async def test_transaction__cancelled_or_raising_leaves_nothing_written_and_no_transaction_open(
    postgres_url: str,
) -> None:
    """Transactions say BEGIN and COMMIT themselves (autocommit connections): a block that raises
    or is cancelled mid-statement is rolled back, and its connection goes back to the pool idle."""
    store = await Store(postgres_url).open()

    async def slow_write() -> None:
        async with store.db.transaction() as tx:
            await tx.execute("UPDATE counters SET value = 1000 WHERE name = 'feed_seq'")
            await tx.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(slow_write())
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    def failing(conn: Any) -> None:
        conn.execute("UPDATE counters SET value = 2000 WHERE name = 'feed_seq'")
        raise RuntimeError("the decision failed")

    with pytest.raises(RuntimeError):
        await store.db.decide(failing)
    for _ in range(POOL_SIZE):  # every connection of both pools, each idle and at the old value
        async with store.db.transaction() as tx:
            row = await (await tx.execute("SELECT value FROM counters WHERE name = 'feed_seq'")).fetchone()
            assert row is not None and row[0] < 1000
        assert await store.db.decide(lambda conn: conn.execute("SELECT COUNT(*) FROM counters").fetchone()[0])
    open_ = await store.db.fetch_one(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in%'"
    )
    await store.close()
    assert open_ is not None and open_["n"] == 0


async def test_round_trips__a_lone_query_is_one_and_a_transaction_adds_two(postgres_url: str, tmp_path: Path) -> None:
    """What a request waits for on PostgreSQL is mostly round trips, so they are counted: libpq's
    trace of every pooled connection, each Query or Sync message sent being one wait for the server."""
    store = await Store(postgres_url).open()
    trace = (tmp_path / "trace").open("w")
    await _trace_every_pooled_connection(store, trace.fileno())

    def trips() -> int:
        trace.flush()
        text = (tmp_path / "trace").read_text()
        return sum(1 for line in text.splitlines() if line.startswith("F") and line.split("\t")[2] in ("Query", "Sync"))

    async def counted(operation: Any) -> int:
        before = trips()
        await operation()
        return trips() - before

    async def write() -> None:
        async with store.db.transaction() as tx:
            await tx.execute("UPDATE counters SET value = value WHERE name = 'feed_seq'")

    select = "SELECT value FROM counters WHERE name = 'feed_seq'"
    assert await counted(lambda: store.db.fetch_one(select)) == 1
    assert await counted(write) == 3  # BEGIN with the write lock, the statement, COMMIT
    assert await counted(lambda: store.db.decide(lambda conn: conn.execute(select).fetchone())) == 3
    assert await counted(lambda: store.db.read(lambda conn: conn.execute(select).fetchone())) == 3
    await store.close()
    trace.close()


async def _trace_every_pooled_connection(store: Store, fileno: int) -> None:
    db: Any = store.db
    held = [await db._async.getconn() for _ in range(POOL_SIZE)]
    for conn in held:
        conn.pgconn.trace(fileno)
        conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        await db._async.putconn(conn)
    synced = [await asyncio.to_thread(db._sync.getconn) for _ in range(POOL_SIZE)]
    for conn in synced:
        conn.pgconn.trace(fileno)
        conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        db._sync.putconn(conn)
