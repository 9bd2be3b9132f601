"""One small background worker for every loop the node runs: delivery and feed reads per twin,
reservation retries, slot refresh, standing offers, reminders, mail, the fediverse bridge,
people's chores.

A `Worker` runs its `step` at once when started, then again when woken or when the delay the
step returned has passed. A step that raises is logged and tried again after `after_error`
seconds: a bug must not stop a loop for good. `stop()` cancels a running step (a step holds
no state that a later start cannot rebuild: everything it decides is in the store) and
returns promptly; `wake()` before `start()` or after `stop()` is harmless.

A worker given a `lease` (node/store/leases.py) runs its steps only while this process holds
the job's lease, so that with several worker processes on one database each job runs in one of
them; woken without the lease, it asks the holder to run the job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

import structlog

log = structlog.get_logger("node.worker")
# How long stop() waits for a cancelled step to end. Our steps end at once when cancelled; one
# that does not (a library swallowing the cancellation) must not hang the node's shutdown.
STOP_GRACE_SECONDS = 10.0

# What a step returns: seconds until it should run again, or None for "until woken" (or until
# the worker's `idle` seconds pass, if it has them).
Step = Callable[[], Awaitable[float | None]]


class Lease(Protocol):
    """A job's lease as node/store/leases.py's `JobLease` keeps it (named here, not imported:
    the store is a layer above)."""

    poll: float  # how often a sleeping worker asks `due()`

    async def held(self) -> bool: ...
    async def due(self) -> bool: ...
    async def want(self) -> None: ...
    async def release(self) -> None: ...
    def kept(self) -> AbstractAsyncContextManager[None]: ...


class Worker:
    """A named task that runs `step` again and again, sleeping between steps until woken."""

    def __init__(
        self,
        name: str,
        step: Step,
        *,
        idle: float | None = None,
        after_error: float = 30.0,
        settle: float = 0.0,
        event: asyncio.Event | None = None,
        grace: float = STOP_GRACE_SECONDS,
        lease: Lease | None = None,
    ) -> None:
        """`idle`: the longest sleep when a step returns None (None: until woken).
        `settle`: after a wake, wait this long before the step, so a burst of wakes is one step.
        `event`: an event others set to wake this worker (else its own; `wake()` sets either).
        `grace`: how long `stop()` waits for a cancelled step that does not end.
        `lease`: steps run only while this process holds it (several workers, one database)."""
        self.name = name
        self._step = step
        self._idle = idle
        self._after_error = after_error
        self._settle = settle
        self._grace = grace
        self._lease = lease
        self._wake = event if event is not None else asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.steps = 0  # steps finished (or failed) since start: what a test may wait on

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Cancel the worker (its step too, if one is running) and wait until it has ended."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None or task.done():
            return
        task.cancel()
        if task is asyncio.current_task():  # stopped from inside its own step: it ends on return
            return
        # `wait` neither raises the task's CancelledError into us nor swallows our own
        # cancellation (as `suppress(CancelledError)` around `await task` would).
        await asyncio.wait([task], timeout=self._grace)
        if not task.done():
            log.warning("worker_did_not_stop", worker=self.name, waited=self._grace)
        elif not task.cancelled() and task.exception() is not None:
            log.warning("worker_ended_with_error", worker=self.name, error=repr(task.exception()))
        await self._release()

    async def _release(self) -> None:
        """Hand the job to another worker at once rather than after the lease lapses."""
        if self._lease is None:
            return
        try:
            await self._lease.release()
        except Exception:
            log.warning("lease_not_released", worker=self.name, exc_info=True)

    async def _run(self) -> None:
        while not self._stopping:
            woken = self._wake.is_set()
            self._wake.clear()  # a wake during the step runs it again afterwards
            try:
                delay = await self._turn(woken)
            except Exception:
                log.exception("worker_step_failed", worker=self.name)
                delay = self._after_error
            if self._stopping:
                return
            await self._sleep(self._idle if delay is None else delay)

    async def _turn(self, woken: bool) -> float | None:
        """Run the step if this worker may; returns the delay until the next turn."""
        if self._lease is None:
            return await self._counted()
        if not await self._lease.held():
            if woken:
                await self._lease.want()
            return None  # `_sleep` asks the lease when to try again
        async with self._lease.kept():
            return await self._counted()

    async def _counted(self) -> float | None:
        try:
            return await self._step()
        finally:
            self.steps += 1

    async def _sleep(self, seconds: float | None) -> None:
        """Until woken or `seconds` pass (None: until woken); a step asking for 0 yields once.
        With a lease, also until the lease says the job is due here (asked every `poll`)."""
        if seconds is not None and seconds <= 0:
            await asyncio.sleep(0)
            return
        if self._lease is not None:
            seconds = await self._sleep_leased(self._lease, seconds)
            if seconds == 0:
                return
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            return
        if self._settle:
            await asyncio.sleep(self._settle)

    async def _sleep_leased(self, lease: Lease, seconds: float | None) -> float | None:
        """Sleep in steps of `poll` while the lease may call the job in; returns what is left of
        `seconds` (0: the job is due now; None: until woken)."""
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while deadline is None or deadline - loop.time() > lease.poll:
            try:
                async with asyncio.timeout(lease.poll):
                    await self._wake.wait()
                return None if deadline is None else max(0.0, deadline - loop.time())
            except TimeoutError:
                pass
            try:
                if await lease.due():
                    return 0
            except Exception:
                log.warning("lease_look_failed", worker=self.name, exc_info=True)
        return None if deadline is None else max(0.0, deadline - loop.time())
