"""The one background worker (node/worker.py): start, wake, sleep, survive, stop."""

from __future__ import annotations

import asyncio

import pytest

from node.worker import Worker

# Long enough that a test never reaches it by waiting: anything that happens was woken.
FOREVER = 3600.0


class Steps:
    """A step that counts its runs and tells the test each time it ran."""

    def __init__(self, delay: float | None = FOREVER, fail: int = 0) -> None:
        self.runs = 0
        self.delay = delay
        self.fail = fail
        self.ran = asyncio.Event()

    async def __call__(self) -> float | None:
        self.runs += 1
        self.ran.set()
        if self.runs <= self.fail:
            raise RuntimeError("a bug in the step")
        return self.delay

    async def next_run(self) -> None:
        await asyncio.wait_for(self.ran.wait(), 10)
        self.ran.clear()


async def test_worker__runs_its_step_once_at_start() -> None:
    step = Steps()
    worker = Worker("test", step)
    worker.start()
    await step.next_run()
    await asyncio.sleep(0.05)
    assert step.runs == 1 and worker.running
    await worker.stop()
    assert not worker.running


async def test_worker__wake_runs_the_step_again() -> None:
    step = Steps()
    worker = Worker("test", step)
    worker.start()
    await step.next_run()
    worker.wake()
    await step.next_run()
    assert step.runs == 2
    await worker.stop()


async def test_worker__a_step_asking_for_no_wait_runs_again_without_a_wake() -> None:
    step = Steps(delay=0.0)
    worker = Worker("test", step)
    worker.start()
    for _ in range(3):
        await step.next_run()
    await worker.stop()
    assert step.runs >= 3


async def test_worker__a_short_delay_runs_the_step_again_by_itself() -> None:
    step = Steps(delay=0.01)
    worker = Worker("test", step)
    worker.start()
    await step.next_run()
    await step.next_run()
    await worker.stop()
    assert step.runs >= 2


async def test_worker__none_sleeps_until_woken_or_idle() -> None:
    step = Steps(delay=None)
    worker = Worker("test", step, idle=0.01)
    worker.start()
    await step.next_run()
    await step.next_run()  # idle elapsed, nobody woke it
    await worker.stop()


async def test_worker__a_failing_step_is_logged_and_tried_again() -> None:
    step = Steps(fail=2)
    worker = Worker("test", step, after_error=0.01)
    worker.start()
    for _ in range(3):
        await step.next_run()
    assert step.runs == 3 and worker.running and worker.steps >= 2
    await worker.stop()


async def test_worker__wake_before_start_is_harmless() -> None:
    step = Steps()
    worker = Worker("test", step)
    worker.wake()
    worker.start()
    await step.next_run()
    await worker.stop()
    assert step.runs == 1


async def test_worker__stop_before_start_and_twice_is_harmless() -> None:
    worker = Worker("test", Steps())
    await worker.stop()
    worker.start()
    await worker.stop()
    await worker.stop()
    assert not worker.running


async def test_worker__stop_during_a_step_ends_it_promptly() -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def stuck() -> float:
        entered.set()
        await release.wait()  # never set: only cancellation ends it
        return FOREVER

    worker = Worker("test", stuck)
    worker.start()
    await asyncio.wait_for(entered.wait(), 10)
    await asyncio.wait_for(worker.stop(), 10)
    assert not worker.running


async def test_worker__stop_from_inside_its_own_step_ends_it() -> None:
    worker: Worker

    async def stopping() -> float:
        await worker.stop()
        return 0.0

    worker = Worker("test", stopping)
    worker.start()
    for _ in range(100):
        if not worker.running:
            break
        await asyncio.sleep(0.01)
    assert not worker.running


async def test_worker__cancelling_the_caller_of_stop_is_not_swallowed() -> None:
    release = asyncio.Event()

    async def deaf() -> float:
        try:
            await release.wait()
        except asyncio.CancelledError:
            await asyncio.sleep(FOREVER)  # a step that does not end when asked
        return FOREVER

    worker = Worker("test", deaf)
    worker.start()
    await asyncio.sleep(0.01)
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0.01)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    for task in asyncio.all_tasks():
        if task.get_name() == "test":
            task.cancel()


async def test_worker__can_start_again_after_stop() -> None:
    step = Steps()
    worker = Worker("test", step)
    worker.start()
    await step.next_run()
    await worker.stop()
    worker.start()
    await step.next_run()
    await worker.stop()
    assert step.runs == 2


async def test_worker__settle_turns_a_burst_of_wakes_into_one_step() -> None:
    step = Steps()
    worker = Worker("test", step, settle=0.05)
    worker.start()
    await step.next_run()
    for _ in range(5):
        worker.wake()
        await asyncio.sleep(0)
    await step.next_run()
    await asyncio.sleep(0.1)
    assert step.runs == 2
    await worker.stop()


async def test_worker__a_shared_event_wakes_it() -> None:
    event = asyncio.Event()
    step = Steps()
    worker = Worker("test", step, event=event)
    worker.start()
    await step.next_run()
    event.set()
    await step.next_run()
    assert step.runs == 2
    await worker.stop()


async def test_worker__stop_gives_up_on_a_step_that_ignores_cancellation() -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def deaf() -> float:
        entered.set()
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # swallowed: the worst a library could do
        return FOREVER

    worker = Worker("deaf", deaf, grace=0.05)
    worker.start()
    await asyncio.wait_for(entered.wait(), 10)
    await asyncio.wait_for(worker.stop(), 10)  # returns although the step goes on
    assert not worker.running
    release.set()
    await asyncio.sleep(0.01)
