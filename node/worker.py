"""One small background worker for every loop the node runs: delivery and feed reads per twin,
reservation retries, slot refresh, standing offers, reminders, mail, the fediverse bridge,
people's chores.

A `Worker` runs its `step` at once when started, then again when woken or when the delay the
step returned has passed. A step that raises is logged and tried again after `after_error`
seconds: a bug must not stop a loop for good. `stop()` cancels a running step (a step holds
no state that a later start cannot rebuild: everything it decides is in the store) and
returns promptly; `wake()` before `start()` or after `stop()` is harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger("node.worker")
# How long stop() waits for a cancelled step to end. Our steps end at once when cancelled; one
# that does not (a library swallowing the cancellation) must not hang the node's shutdown.
STOP_GRACE_SECONDS = 10.0

# What a step returns: seconds until it should run again, or None for "until woken" (or until
# the worker's `idle` seconds pass, if it has them).
Step = Callable[[], Awaitable[float | None]]


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
    ) -> None:
        """`idle`: the longest sleep when a step returns None (None: until woken).
        `settle`: after a wake, wait this long before the step, so a burst of wakes is one step.
        `event`: an event others set to wake this worker (else its own; `wake()` sets either).
        `grace`: how long `stop()` waits for a cancelled step that does not end."""
        self.name = name
        self._step = step
        self._idle = idle
        self._after_error = after_error
        self._settle = settle
        self._grace = grace
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

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # a wake during the step runs it again afterwards
            try:
                delay = await self._step()
            except Exception:
                log.exception("worker_step_failed", worker=self.name)
                delay = self._after_error
            self.steps += 1
            if self._stopping:
                return
            await self._sleep(self._idle if delay is None else delay)

    async def _sleep(self, seconds: float | None) -> None:
        """Until woken or `seconds` pass (None: until woken); a step asking for 0 yields once."""
        if seconds is not None and seconds <= 0:
            await asyncio.sleep(0)
            return
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            return
        if self._settle:
            await asyncio.sleep(self._settle)
