"""The PostgreSQL backend's driver, measured: the store's own write and read paths on psycopg 3
and on SQLite, beside bare insert/select loops with psycopg 3 and asyncpg, in the same run on a
cluster this script starts (tests/support/postgres.py).

    python bench/postgresql.py [--rows 1000] [--repeats 3]

Each case inserts `rows` rows one transaction each, then selects each by key; the figure is
operations per second (median of the repeats, cases interleaved so that load from elsewhere on
the machine hits all alike). The bare asyncpg loop is the machine's limit for this work: what a
driver with nothing of ours on top does. Prints one JSON object; progress goes to stderr.

With `--booking SECONDS` it also runs bench/booking.py (reservations abroad between two node
processes, beside its bare two-hop loop) once with both nodes on SQLite and once on PostgreSQL,
one after the other in this run.

With `--nodes SECONDS` it also measures one node (bench/postgresql_workers.py) on SQLite, on
PostgreSQL with one worker and with three (`gemella run --workers 3`): reservations abroad per
second and inbox objects per second, beside the bare asyncpg loop above, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit, machine, median, progress
from node.store.db import Database
from node.store.postgres import PgDatabase
from tests.support.postgres import Cluster, create_database

TABLE = "CREATE TABLE bench (k TEXT PRIMARY KEY, v BIGINT NOT NULL)"


async def store_case(db: Any, rows: int, tag: str) -> float:
    """The store's own paths: `transaction()` for each insert, `fetch_one` for each select."""
    started = time.perf_counter()
    for i in range(rows):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bench (k, v) VALUES (?, ?)", (f"{tag}-{i}", i))
    for i in range(rows):
        await db.fetch_one("SELECT v FROM bench WHERE k = ?", (f"{tag}-{i}",))
    return 2 * rows / (time.perf_counter() - started)


async def decide_case(db: Any, rows: int, tag: str) -> float:
    """The store's one-trip paths: `decide(fn)` for each insert, `read(fn)` for each select (on
    PostgreSQL: a synchronous psycopg connection on a worker thread)."""
    started = time.perf_counter()
    for i in range(rows):
        key = f"{tag}-{i}"
        await db.decide(lambda conn, key=key, i=i: conn.execute("INSERT INTO bench (k, v) VALUES (?, ?)", (key, i)))
    for i in range(rows):
        key = f"{tag}-{i}"
        await db.read(lambda conn, key=key: conn.execute("SELECT v FROM bench WHERE k = ?", (key,)).fetchone())
    return 2 * rows / (time.perf_counter() - started)


async def psycopg_case(url: str, rows: int, tag: str) -> float:
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:  # as asyncpg's
        started = time.perf_counter()
        for i in range(rows):
            async with conn.transaction():
                await conn.execute("INSERT INTO bench (k, v) VALUES (%s, %s)", (f"{tag}-{i}", i))
        for i in range(rows):
            await (await conn.execute("SELECT v FROM bench WHERE k = %s", (f"{tag}-{i}",))).fetchone()
        return 2 * rows / (time.perf_counter() - started)


async def asyncpg_case(url: str, rows: int, tag: str) -> float:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        for i in range(rows):
            async with conn.transaction():
                await conn.execute("INSERT INTO bench (k, v) VALUES ($1, $2)", f"{tag}-{i}", i)
        for i in range(rows):
            await conn.fetchrow("SELECT v FROM bench WHERE k = $1", f"{tag}-{i}")
        return 2 * rows / (time.perf_counter() - started)
    finally:
        await conn.close()


async def run(rows: int, repeats: int) -> dict[str, Any]:
    cluster = Cluster().start()
    folder = Path(tempfile.mkdtemp(prefix="gemella-bench-"))
    try:
        url = create_database(cluster.admin_url, "bench")
        pg_store, lite_store = PgDatabase(url), Database(folder / "bench.db")
        await pg_store.open()
        await lite_store.open()
        async with pg_store.transaction() as tx:
            await tx.execute(TABLE)
        async with lite_store.transaction() as tx:
            await tx.execute(TABLE)
        cases: dict[str, Callable[[str], Awaitable[float]]] = {
            "store_on_sqlite": lambda tag: store_case(lite_store, rows, tag),
            "store_on_postgresql_psycopg": lambda tag: store_case(pg_store, rows, tag),
            "decide_on_sqlite": lambda tag: decide_case(lite_store, rows, tag),
            "decide_on_postgresql_psycopg_sync": lambda tag: decide_case(pg_store, rows, tag),
            "bare_psycopg_async": lambda tag: psycopg_case(url, rows, tag),
            "bare_asyncpg": lambda tag: asyncpg_case(url, rows, tag),
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for round_ in range(repeats):
            progress(f"round {round_ + 1}/{repeats}")
            for name, case in cases.items():
                samples[name].append(await case(f"{name}-{round_}"))
        await pg_store.close()
        await lite_store.close()
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    figures = {name: round(median(values), 1) for name, values in samples.items()}
    return {
        "benchmark": "postgresql drivers: one-row insert transactions and key selects",
        "rows": rows,
        "operations_per_second": figures,
        "store_on_postgresql_vs_bare_asyncpg": round(
            figures["store_on_postgresql_psycopg"] / figures["bare_asyncpg"], 2
        ),
        "bare_psycopg_vs_bare_asyncpg": round(figures["bare_psycopg_async"] / figures["bare_asyncpg"], 2),
        "machine": machine(),
    }


def booking(seconds: float) -> dict[str, Any]:
    """bench/booking.py's figures with both nodes on each database (tests/support/postgres.py
    gives each node a database on a cluster of its own when GEMELLA_TEST_BACKEND says so)."""
    wanted = ("reservations_per_s", "latency_p50_ms", "latency_p99_ms", "cpu_ms_per_reservation", "bare_two_hop_per_s")
    found = {}
    for backend in ("sqlite", "postgresql"):
        progress(f"bench/booking.py with both nodes on {backend}")
        env = {**os.environ, "GEMELLA_TEST_BACKEND": backend}
        script = Path(__file__).with_name("booking.py")
        command = [sys.executable, str(script), "--seconds", str(seconds), "--repeats", "1"]
        result = json.loads(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)
        found[backend] = {key: result[key] for key in wanted}
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--booking", type=float, default=0, help="seconds per bench/booking.py phase (0: skip)")
    parser.add_argument("--nodes", type=float, default=0, help="seconds of reservations per node case (0: skip)")
    parser.add_argument("--objects", type=int, default=3000, help="objects pushed to the inbox per node case")
    args = parser.parse_args()
    result = asyncio.run(run(args.rows, args.repeats))
    if args.booking:
        result["reservations_abroad_one_process"] = booking(args.booking)
    if args.nodes:
        from bench.postgresql_workers import nodes_phase

        result["one_node_by_backend_and_workers"] = asyncio.run(nodes_phase(args.nodes, args.objects, args.repeats))
        result["cores"] = os.cpu_count()
    emit(result)


if __name__ == "__main__":
    main()
