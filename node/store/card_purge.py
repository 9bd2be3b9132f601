"""Deleted cards leave the full-text index's bytes: one merge per burst of deletions.

FTS5 records a deletion as a marker and keeps the deleted card's words in older segments until
they are merged. Merging the whole index (`optimize`) drops them, and `secure_delete` zeroes
the freed pages; a WAL checkpoint then empties the -wal file. A merge rewrites the index
(about 0.2 s for 20,000 cards), so it runs after the deleting transaction committed, once for
all deletions that came meanwhile, and at most once per `MIN_INTERVAL_SECONDS`: a twin
withdrawing cards one by one cannot keep the writer busy. Pending work is done at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog

from .db import Database

log = structlog.get_logger("node.profiles")
DELAY_SECONDS = 0.1
MIN_INTERVAL_SECONDS = 2.0


class IndexPurge:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0

    def soon(self) -> None:
        """Merge the index and empty the WAL shortly (once, however often it is asked meanwhile)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="cards-index-purge")

    async def flush(self) -> None:
        """Do pending work now (the node is stopping)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self.purge()

    async def purge(self) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("INSERT INTO cards_fts (cards_fts) VALUES ('optimize')")
        await self._db.checkpoint()
        self._last = time.monotonic()

    async def _run(self) -> None:
        wait = max(DELAY_SECONDS, self._last + MIN_INTERVAL_SECONDS - time.monotonic())
        await asyncio.sleep(wait)
        try:
            await self.purge()
        except Exception:  # the next deletion asks again; say so rather than lose the task's error
            log.exception("cards_index_purge_failed")
