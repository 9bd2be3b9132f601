"""Moving a node from SQLite to PostgreSQL: seconds to copy, and to verify, a node holding more
than 10,000 signed objects (tests/support/big_node.py builds it with two real twinned nodes),
beside the machine's limits measured in the same run on the same rows:

- copy: one bare psycopg COPY of every row of every table, in a single transaction, into the
  same schema (what `gemella db migrate` does without its batches, progress marks and rowid
  order, which make it resumable);
- verify: a bare libsodium Ed25519 verification of as many signatures as the node stores
  (the move also reads both databases, compares every row and re-canonicalises each object).

    python bench/move.py [--repeats 3]

The PostgreSQL cluster is the tests' own (tests/support/postgres.py: fsync off), on this machine.
Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bench._common import emit, loops_for, machine, median, progress, raw_ed25519_verifiers, seconds_per_call
from node.config import load_settings
from node.keystore import KeyStore
from node.logs import configure_logging
from node.store.move import move
from node.store.move_verify import copied_tables, read_only
from node.store.schema import migrate_postgres
from tests.support.big_node import Sizes, build_twins
from tests.support.postgres import Cluster, create_database


def timed_move(database: Path, directory: Path, url: str) -> tuple[float, float]:
    """(seconds copying, seconds verifying) of one `gemella db migrate`."""
    settings, keys = load_settings(directory, {}), KeyStore.load(directory / "keys")
    marks: dict[str, float] = {}

    def say(line: str) -> None:
        if line.startswith("Verifying"):
            marks["verifying"] = time.perf_counter()

    started = time.perf_counter()
    move(database, url, say, node_id=settings.node_id, own_key=keys.verify_key)
    ended = time.perf_counter()
    return marks["verifying"] - started, ended - marks["verifying"]


def bare_copy(database: Path, url: str) -> float:
    """Seconds for one COPY per table of all its rows, in one transaction, into an empty schema."""
    with psycopg.connect(url, autocommit=True) as pg, read_only(database) as lite:
        migrate_postgres(pg)
        for (table,) in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall():
            if table != "gemella_schema":
                pg.execute(f'DELETE FROM "{table}"')
        started = time.perf_counter()
        with pg.transaction():
            for table in copied_tables(lite):
                names = ", ".join(f'"{c[1]}"' for c in lite.execute(f'PRAGMA table_info("{table}")'))
                with pg.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in lite.execute(f'SELECT {names} FROM "{table}"'):
                        copy.write_row(row)
        return time.perf_counter() - started


def bare_verifications(count: int) -> float:
    """Seconds for `count` bare Ed25519 verifications (libsodium, one signature over 400 bytes)."""
    from protocol.keys import SigningKey

    key, message = SigningKey.generate(), b"x" * 400
    verify = raw_ed25519_verifiers(key.verify_key.raw, key.sign(message), message)["libsodium"]
    return count * seconds_per_call(verify, loops_for(verify, 0.5))


def run(repeats: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="gemella-bench-move-"))
    cluster = Cluster().start()
    sizes = Sizes()
    samples: dict[str, list[float]] = {"copy": [], "verify": [], "bare_copy": [], "bare_verify": []}
    try:
        progress(f"building two twinned nodes, Rome with {sizes.rome_signed:,} signed objects")
        asyncio.run(build_twins(folder, sizes))
        database = folder / "rome" / "node.db"
        with read_only(database) as lite:
            rows = sum(lite.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in copied_tables(lite))
        for round_ in range(repeats):
            progress(f"round {round_ + 1}/{repeats}: the move, then a bare COPY of the same rows")
            copying, verifying = timed_move(database, folder / "rome", create_database(cluster.admin_url, f"m{round_}"))
            samples["copy"].append(copying)
            samples["verify"].append(verifying)
            samples["bare_copy"].append(bare_copy(database, create_database(cluster.admin_url, f"b{round_}")))
            samples["bare_verify"].append(bare_verifications(sizes.rome_signed))
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    figures = {name: round(median(values), 2) for name, values in samples.items()}
    return {
        "benchmark": "gemella db migrate: a stopped node from SQLite into PostgreSQL, copied then verified",
        "signed_objects": sizes.rome_signed,
        "rows": rows,
        "seconds": {"copy": figures["copy"], "verify": figures["verify"]},
        "seconds_total": round(figures["copy"] + figures["verify"], 2),
        "limit_seconds": {"bare_copy_psycopg": figures["bare_copy"], "bare_ed25519_libsodium": figures["bare_verify"]},
        "copy_vs_bare_copy": round(figures["copy"] / figures["bare_copy"], 2),
        "verify_vs_bare_verifications": round(figures["verify"] / figures["bare_verify"], 2),
        "repeats": repeats,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    configure_logging("error", "console")  # the two nodes' lines would mix with the result on stdout
    emit(run(parser.parse_args().repeats))


if __name__ == "__main__":
    main()
