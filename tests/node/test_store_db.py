"""The database's write transactions under cancellation: the writer is never left inside one."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from node.store.db import Database


async def test_transaction__cancelled_while_beginning_leaves_no_open_transaction(tmp_path: Path) -> None:
    db = Database(tmp_path / "node.db")
    await db.open()
    try:
        entered = []

        async def write() -> None:
            async with db.transaction() as tx:
                entered.append(True)
                await tx.execute("INSERT INTO counters (name, value) VALUES ('cancelled', 1)")

        for _ in range(20):  # cancel at each early point: before BEGIN ran, while it ran, just after
            task = asyncio.create_task(write())
            await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        async with db.transaction() as tx:  # "cannot start a transaction within a transaction" before the fix
            await tx.execute("INSERT INTO counters (name, value) VALUES ('after', 2)")
        rows = await db.fetch_all("SELECT name FROM counters WHERE name IN ('cancelled', 'after')")
        assert [row["name"] for row in rows] == ["after"]
    finally:
        await db.close()


def test_migrations__each_number_is_used_once() -> None:
    from node.store.db import _migrations

    numbers = [number for number, _ in _migrations()]
    assert numbers == sorted(set(numbers))


# The migrations of the last release, as a node running it has applied them. The database records
# only the highest number, so a new migration numbered below it would never run on such a node.
RELEASED_MIGRATIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 30, 31, 32, 33, 40, 41, 45, 50, 60, 65, 66, 70, 100)


def _schema(path: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return sorted(conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


async def test_migrations__a_node_of_the_last_release_upgrades_to_the_same_schema(tmp_path: Path) -> None:
    folder = Path(__file__).parents[2] / "node" / "store" / "migrations"
    released = sorted(p for p in folder.glob("*.sql") if int(p.name.split("_")[0]) in RELEASED_MIGRATIONS)
    released = [p for p in released if not p.name.endswith(".postgresql.sql")]
    with contextlib.closing(sqlite3.connect(tmp_path / "old.db", isolation_level=None)) as conn:
        for path in released:
            conn.executescript(path.read_text("utf-8"))
        conn.execute(f"PRAGMA user_version = {max(RELEASED_MIGRATIONS)}")
    for name in ("old.db", "fresh.db"):
        db = Database(tmp_path / name)
        await db.open()
        await db.close()
    assert _schema(tmp_path / "old.db") == _schema(tmp_path / "fresh.db")
