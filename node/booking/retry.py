"""The home node's retrier: asks hosts again about reservations that are still pending.

Each attempt re-signs the request with a fresh member pass and nonce under the same
reservation id, so a host that had already decided answers with the receipt it stored:
however often a request is delivered, there is one reservation and one receipt.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from node.clock import iso, parse_iso

from .home import HomeDesk

log = structlog.get_logger("node.booking")
IDLE_RECHECK_SECONDS = 30.0


class Retrier:
    def __init__(self, desk: HomeDesk) -> None:
        self.desk = desk
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="booking-retrier")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> int:
        """Ask again about every pending reservation that is due; returns how many."""
        due = await self.desk.repo.due(iso(self.desk.node.clock.now()))
        await asyncio.gather(*(self.desk.retry(r) for r in due))
        return len(due)

    async def _loop(self) -> None:
        wake = self.desk.wake_retrier
        while True:
            try:
                await self.run_once()
                delay = await self._until_next()
            except Exception:  # a bug must not stop the retries for good; log it and look again later
                log.exception("retrier_error")
                delay = IDLE_RECHECK_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
            wake.clear()

    async def _until_next(self) -> float:
        next_try = await self.desk.repo.next_due()
        if next_try is None:
            return IDLE_RECHECK_SECONDS
        seconds = (parse_iso(next_try) - self.desk.node.clock.now()).total_seconds()
        # The clock has whole seconds: look again a little after the due second begins.
        return min(IDLE_RECHECK_SECONDS, max(0.25, seconds + 0.05))
