"""What the state every worker shares costs per request: storing a signed request's nonce
(`NonceRepository.store`) and taking from a database token bucket (`BucketRepository.take`), on
SQLite and on PostgreSQL (a cluster this script starts), beside the machine's limit for one such
trip measured in the same run: the store's bare `fetch_one("SELECT 1")`.

    python bench/shared_state.py [--calls 2000] [--repeats 3]

Figures are microseconds per call, wall and this process's CPU (median of the repeats, cases
interleaved). A SQLite node pays for the nonce only (its buckets are in memory); a node on
PostgreSQL pays for both, about one nonce and two bucket trips per signed request. Prints one
JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit, machine, median, progress
from node.store import Store
from tests.support.postgres import Cluster, create_database

Case = Callable[[Store, int], Awaitable[object]]
CASES: dict[str, Case] = {
    "bare_select_trip": lambda store, i: store.db.fetch_one("SELECT 1"),
    "nonce_store": lambda store, i: store.nonces.store("https://rome.example#k", f"n{time.time_ns()}-{i}", i),
    "bucket_take": lambda store, i: store.buckets.claim_tokens("peer", "rome", 1e6, 1e9, 1.0, float(i)),
}


async def timed(store: Store, case: Case, calls: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(calls):
        await case(store, i)
    return (time.perf_counter() - wall) / calls * 1e6, (time.process_time() - cpu) / calls * 1e6


async def backend(url: str, calls: int, repeats: int) -> dict[str, Any]:
    store = await Store(url).open()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in CASES}
    try:
        for _ in range(repeats):
            for name, case in CASES.items():
                samples[name].append(await timed(store, case, calls))
    finally:
        await store.close()
    result: dict[str, Any] = {}
    for name, values in samples.items():
        result[f"{name}_us"] = round(median([w for w, _ in values]), 1)
        result[f"{name}_cpu_us"] = round(median([c for _, c in values]), 1)
    return result


async def run(calls: int, repeats: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="gemella-bench-"))
    cluster = Cluster().start()
    try:
        progress("SQLite")
        sqlite = await backend(f"sqlite:///{folder / 'node.db'}", calls, repeats)
        progress("PostgreSQL")
        postgresql = await backend(create_database(cluster.admin_url, "bench"), calls, repeats)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return {"sqlite": sqlite, "postgresql": postgresql}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    figures = asyncio.run(run(args.calls, args.repeats))
    emit({"benchmark": "shared_state", "machine": machine(), "calls": args.calls, **figures})


if __name__ == "__main__":
    main()
