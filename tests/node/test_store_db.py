"""The database's write transactions under cancellation: the writer is never left inside one."""

from __future__ import annotations

import asyncio
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
