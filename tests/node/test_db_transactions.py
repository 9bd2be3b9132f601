"""The writer's transactions survive their callers being cancelled (as when a node stops)."""

from __future__ import annotations

import asyncio

from node.store.db import Database


async def test_transaction__cancelled_while_beginning_leaves_no_transaction_open(tmp_path):
    db = Database(tmp_path / "node.db")
    await db.open()
    try:
        started = asyncio.Event()

        async def writer() -> None:
            started.set()
            async with db.transaction():
                await asyncio.sleep(10)

        task = asyncio.create_task(writer())
        await started.wait()  # the task now awaits its BEGIN, which the connection's thread runs anyway
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        async with db.transaction() as tx:  # refused with "cannot start a transaction within a transaction"
            await tx.execute("INSERT INTO counters (name, value) VALUES ('after', 1)")
        assert (await db.fetch_one("SELECT value FROM counters WHERE name = 'after'"))[0] == 1
    finally:
        await db.close()
