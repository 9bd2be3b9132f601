"""Leases: which worker runs each background job when several share one database.

`gemella run --workers N` starts N processes on one PostgreSQL database. Each would run every
periodic job (a twin's feed pull, the mail sender, reminders...): run N times, a job is at best
wasted work and at worst a mail sent twice. So a job runs in the one worker that holds its lease,
a row of `job_leases`: the holder renews it well before it lapses (also while a long step runs),
and when the holder dies the lease lapses and the next worker to look takes the job over.

A worker that is not the holder but learns of new work for the job (a mail queued by a request
it answered) leaves `wanted` on the row; the holder looks at the row every `poll` seconds and
runs the job at once, so local events are not held back a whole period.

On SQLite there is one process (several writers need PostgreSQL): every lease is held without
asking the database. Lease times are the machine's wall clock (seconds since the epoch), not the
node's `Clock`, which tests move about: a lease measures how long a worker has been silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from aiosqlite import Connection

from .db import Database

log = structlog.get_logger("node.leases")
# How often a holder looks whether another worker asked for its job, at most.
POLL_SECONDS = 1.0


class LeaseRepository:
    """The `job_leases` rows. Every write runs under the database's one-writer lock, so a claim's
    read of the row it just wrote is the truth."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def store_claim(self, tx: Connection, name: str, holder: str, now: float, until: float) -> bool:
        """Take or renew the lease of `name` until `until`, unless another holder's has not lapsed."""
        await tx.execute(
            "INSERT INTO job_leases (name, holder, held_until) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until "
            "WHERE job_leases.holder = excluded.holder OR job_leases.held_until <= ?",
            (name, holder, until, now),
        )
        async with tx.execute("SELECT holder FROM job_leases WHERE name = ?", (name,)) as cursor:
            row = await cursor.fetchone()
        return row is not None and row["holder"] == holder

    async def delete_claim(self, tx: Connection, name: str, holder: str) -> None:
        await tx.execute("DELETE FROM job_leases WHERE name = ? AND holder = ?", (name, holder))

    async def store_wanted(self, tx: Connection, name: str) -> None:
        await tx.execute("UPDATE job_leases SET wanted = 1 WHERE name = ? AND wanted = 0", (name,))

    async def is_wanted(self, name: str) -> bool:
        row = await self._db.fetch_one("SELECT wanted FROM job_leases WHERE name = ?", (name,))
        return row is not None and bool(row["wanted"])

    async def delete_wanted(self, tx: Connection, name: str) -> None:
        await tx.execute("UPDATE job_leases SET wanted = 0 WHERE name = ?", (name,))


class Leases:
    """This worker's side of the leases: its name as a holder, and one `JobLease` per job."""

    def __init__(self, db: Database, seconds: float) -> None:
        self.repo = LeaseRepository(db)
        self.db = db
        self.seconds = seconds
        # Shared only where several processes may write: one SQLite file has one (docs/OPERATING.md).
        self.shared = db.dialect != "sqlite"
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.poll = min(POLL_SECONDS, seconds / 4)

    def job(self, name: str) -> JobLease | None:
        """The lease of the job `name`, or None where leases are not needed (one SQLite writer)."""
        return JobLease(self, name) if self.shared else None


class JobLease:
    """One job's lease as this worker sees it, remembered between looks so that a holder asks
    the database only to renew (every third of the lease) and a non-holder only to try again
    (every half). Made only where leases are shared (`Leases.job`)."""

    def __init__(self, leases: Leases, name: str) -> None:
        self._leases = leases
        self.name = name
        self.poll = leases.poll
        self._held_until = 0.0  # while this is ahead, the lease is ours
        self._renew_at = 0.0
        self._next_try = 0.0

    @property
    def mine(self) -> bool:
        return self._held_until > time.time()

    async def held(self) -> bool:
        """Whether this worker holds the lease now (taking or renewing it when it is time)."""
        now = time.time()
        if now < self._renew_at:
            return True
        if self._held_until <= now < self._next_try:
            return False
        return await self._claim(now)

    async def _claim(self, now: float) -> bool:
        leases, until = self._leases, now + self._leases.seconds
        async with leases.db.transaction() as tx:
            taken = await leases.repo.store_claim(tx, self.name, leases.holder, now, until)
        if taken:
            self._held_until, self._renew_at = until, now + leases.seconds / 3
        else:
            self._held_until, self._renew_at, self._next_try = 0.0, 0.0, now + leases.seconds / 2
        return taken

    async def due(self) -> bool:
        """Whether to look again before the job's own time: the holder when another worker asked
        for the job (the request is cleared first, so one made during the step is not lost); a
        non-holder when it may try to take a lapsed lease over. A holder sleeping between steps
        renews here, so that its job does not move to another worker (and run there early)."""
        if not self.mine:
            return time.time() >= self._next_try
        if time.time() >= self._renew_at and not await self.held():
            return False
        leases = self._leases
        if not await leases.repo.is_wanted(self.name):
            return False
        async with leases.db.transaction() as tx:
            await leases.repo.delete_wanted(tx, self.name)
        return True

    async def want(self) -> None:
        """Ask the holder to run the job soon (this worker was woken for it but does not hold it)."""
        async with self._leases.db.transaction() as tx:
            await self._leases.repo.store_wanted(tx, self.name)

    @asynccontextmanager
    async def kept(self) -> AsyncIterator[None]:
        """Renew the lease while the block runs (a step longer than a lease keeps its job)."""
        renewing = asyncio.create_task(self._renew_forever(), name=f"lease:{self.name}")
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _renew_forever(self) -> None:
        while True:
            # At least `poll` apart: a lease lost meanwhile (this worker stalled) must not spin.
            await asyncio.sleep(max(self.poll, self._renew_at - time.time()))
            try:
                await self.held()
            except Exception:
                log.exception("lease_renewal_failed", job=self.name)
                await asyncio.sleep(self.poll)

    async def release(self) -> None:
        """Give the lease up (a worker stopping), so another takes the job over at once."""
        if not self.mine:
            return
        self._held_until = self._renew_at = 0.0
        async with self._leases.db.transaction() as tx:
            await self._leases.repo.delete_claim(tx, self.name, self._leases.holder)
