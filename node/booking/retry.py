"""The home node's retrier: asks hosts again about reservations that are still pending.

Each attempt re-signs the request with a fresh member pass and nonce under the same
reservation id, so a host that had already decided answers with the receipt it stored:
however often a request is delivered, there is one reservation and one receipt.
"""

from __future__ import annotations

import asyncio

from node.clock import iso, parse_iso
from node.worker import Worker

from .home import HomeDesk


class Retrier:
    def __init__(self, desk: HomeDesk) -> None:
        self.desk = desk
        # The desk sets its event when a reservation goes pending, so the first retry is timed.
        self.idle = desk.node.settings.delivery.idle_recheck_seconds
        lease = desk.node.leases.job("booking-retrier")
        self.worker = Worker("booking-retrier", self._step, after_error=self.idle, event=desk.wake_retrier, lease=lease)

    def start(self) -> None:
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()

    async def run_once(self) -> int:
        """Ask again about every pending reservation that is due; returns how many."""
        due = await self.desk.repo.list_due(iso(self.desk.node.clock.now()))
        await asyncio.gather(*(self.desk.retry(r) for r in due))
        return len(due)

    async def _step(self) -> float:
        await self.run_once()
        return await self._until_next()

    async def _until_next(self) -> float:
        next_try = await self.desk.repo.get_next_due()
        if next_try is None:
            return self.idle
        seconds = (parse_iso(next_try) - self.desk.node.clock.now()).total_seconds()
        # The clock has whole seconds: look again a little after the due second begins.
        return min(self.idle, max(0.25, seconds + 0.05))
