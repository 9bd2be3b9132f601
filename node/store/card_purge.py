"""Deleted cards leave the database's bytes: one rewrite per burst of deletions (a twin's card
replaced by a newer version counts: the text it no longer carries is deleted too).

On SQLite, FTS5 records a deletion as a marker and keeps the deleted card's words in older
segments until they are merged: merging the whole index (`optimize`) drops them, `secure_delete`
zeroes the freed pages, and a WAL checkpoint empties the -wal file. On PostgreSQL a deleted
row stays in its page until VACUUM, which frees the space without overwriting it, and the GIN
index keeps the words as keys: VACUUM FULL writes the table and its indexes anew
(`Database.reclaim_deleted` does each database's part). Either rewrites the index (about
0.2 s for 20,000 cards on SQLite), so it runs after the deleting transaction committed, once for
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
        await self._db.reclaim_deleted("cards", fts_index="cards_fts")
        self._last = time.monotonic()

    async def _run(self) -> None:
        wait = max(DELAY_SECONDS, self._last + MIN_INTERVAL_SECONDS - time.monotonic())
        await asyncio.sleep(wait)
        try:
            await self.purge()
        except Exception:  # the next deletion asks again; say so rather than lose the task's error
            log.exception("cards_index_purge_failed")
