"""A batch's signatures verified while the batch is still being read, in a process of its own.

One Ed25519 verification per object is the floor of the inbox's cost, and in one process it
cannot overlap the rest: the verifying threads need the GIL between two signatures, so they ran
after the event loop had read and checked the whole batch. Here, the loop hands each CHUNK of
prepared objects to a verifier process (node/federation/verify_worker.py) as soon as they are
ready and goes on preparing the next, so the two cores work at once; when the whole batch is
prepared, the chunks the process has not taken yet are verified on a thread here, from the back
while the process takes them from the front, and both finish together.

The process starts at the first batch large enough to use it (an idle node does not pay its
memory), answers in order on a pipe, and ends when its input closes. If it dies, times out or
cannot start, its chunks are verified here instead, never lost, and it is started again at most
every RESTART_SECONDS. Small batches, and nodes configured with `federation.verifier: threads`,
verify here as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import structlog

from protocol.envelope import SignatureCheck

from .verify_worker import HEADER, MESSAGE_LENGTH

log = structlog.get_logger("node.verifier")

PARALLEL_BATCH = 32  # below this, handing work to threads or a process costs more than it saves
CHUNK = 32  # objects a hand-over: 1.3 ms of verifying, against about 50 µs of passing them
IN_FLIGHT = 2  # chunks the process holds at once, so it never waits for the loop between two
VERIFY_THREADS = 2  # without the process, verification's threads here
RESTART_SECONDS = 5.0  # a process that died is started again at most this often
ANSWER_SECONDS = 10.0  # a process that takes longer over one chunk is taken for stuck and killed
# The directory holding the `node` package: the worker runs the very code this process runs.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
WORKER = (sys.executable, "-m", "node.federation.verify_worker")


class VerifierGone(Exception):
    """The verifier process ended or stalled before answering: verify here instead."""


class VerifierProcess:
    """The verifier process: started at first need, restarted (at most every RESTART_SECONDS) after it ends."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None
        # The current process's requests, oldest first; each process has its own, so that a late
        # end of an old one can never fail (or answer) a new one's.
        self._waiting: deque[asyncio.Future[bytes]] = deque()
        self._last_start = -RESTART_SECONDS
        self._stopped = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def ready(self) -> bool:
        """Whether the process takes work now; if it does not run, start it for later batches."""
        if self._process is not None:
            return True
        if not self._stopped and self._starting is None and time.monotonic() - self._last_start >= RESTART_SECONDS:
            self._last_start = time.monotonic()
            self._starting = asyncio.create_task(self._start())
        return False

    async def started(self) -> bool:
        """Start the process now if it may be (for tests and benchmarks); whether it runs."""
        self.ready()
        if self._starting is not None:
            await self._starting
        return self._process is not None

    async def verify(self, checks: Sequence[SignatureCheck]) -> list[bool]:
        """The checks' verdicts from the process; VerifierGone if it cannot give them."""
        process = self._process
        if process is None or process.stdin is None or process.stdin.is_closing():
            raise VerifierGone
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        waiting = self._waiting
        waiting.append(answer)
        process.stdin.write(frame(checks))
        # One timer, not wait_for's task and futures: this runs once a chunk.
        timer = loop.call_later(ANSWER_SECONDS, self._stuck, process, waiting)
        try:
            verdicts = await answer
        finally:
            timer.cancel()
        return [verdict == 1 for verdict in verdicts]

    async def stop(self) -> None:
        self._stopped = True
        if self._starting is not None:
            await self._starting
        process, reader = self._process, self._reader
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the worker ends at the end of its input
        try:
            await asyncio.wait_for(process.wait(), 5.0)
        except TimeoutError:
            self._end(process, self._waiting, kill=True)
            await process.wait()
        if reader is not None:
            await reader

    async def _start(self) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *WORKER, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=SOURCE_ROOT
            )
        except (OSError, ValueError) as exc:  # no interpreter to run, no process left to us...
            log.warning("verifier_not_started", error=str(exc))
            return
        finally:
            self._starting = None
        self._process, self._waiting = process, deque()
        self._reader = asyncio.create_task(self._read(process, self._waiting))
        log.info("verifier_started", pid=process.pid)

    async def _read(self, process: asyncio.subprocess.Process, waiting: deque[asyncio.Future[bytes]]) -> None:
        """Hand each answer to the oldest waiting request (the worker answers in order)."""
        assert process.stdout is not None
        confused = False
        try:
            while True:
                count, _ = HEADER.unpack(await process.stdout.readexactly(HEADER.size))
                verdicts = await process.stdout.readexactly(count)
                answer = waiting.popleft()
                if not answer.done():
                    answer.set_result(verdicts)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # it ended: its output closes only then
        except IndexError:
            confused = True  # it answered what nobody asked
        finally:
            self._end(process, waiting, kill=confused)

    def _stuck(self, process: asyncio.subprocess.Process, waiting: deque[asyncio.Future[bytes]]) -> None:
        log.warning("verifier_stuck", pid=process.pid, seconds=ANSWER_SECONDS)
        self._end(process, waiting, kill=True)

    def _end(
        self, process: asyncio.subprocess.Process, waiting: deque[asyncio.Future[bytes]], *, kill: bool = False
    ) -> None:
        """Forget the process (killed if `kill`: it is stuck or confused); whoever waits verifies here.
        A process that ended is not signalled: asyncio's watcher reaps it and reads its code."""
        if self._process is process:
            self._process = None
            if not self._stopped:
                log.warning("verifier_ended", pid=process.pid)
        if kill and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        while waiting:
            answer = waiting.popleft()
            if not answer.done():
                answer.set_exception(VerifierGone())


def frame(checks: Sequence[SignatureCheck]) -> bytes:
    """The worker's frame for these checks (signatures that are not 64 bytes are sent as zeros,
    which never verify, as `SignatureCheck.signature_valid` says of them)."""
    parts: list[bytes] = []
    for check in checks:
        signature = check.signature if len(check.signature) == 64 else bytes(64)
        parts += (check.key.raw, signature, MESSAGE_LENGTH.pack(len(check.message)), check.message)
    payload = b"".join(parts)
    return HEADER.pack(len(checks), len(payload)) + payload


def verify_here(checks: Sequence[SignatureCheck]) -> list[bool]:
    return [check.signature_valid() for check in checks]


class BatchVerification:
    """The verdicts of one batch's signatures, handed in as they are prepared (`add`), in order."""

    def __init__(self, process: VerifierProcess | None, pool: ThreadPoolExecutor | None, expected: int) -> None:
        large = expected >= PARALLEL_BATCH
        self._process = process if large and process is not None and process.ready() else None
        self._pool = pool if large else None
        self._checks: list[SignatureCheck] = []
        self._found: dict[int, list[bool]] = {}  # verdicts by the position of their chunk's first check
        self._cut_at = 0  # checks before this are in a chunk
        self._queue: deque[tuple[int, list[SignatureCheck]]] = deque()  # chunks nobody took yet
        self._remote: list[asyncio.Task[None]] = []

    async def add(self, check: SignatureCheck) -> None:
        self._checks.append(check)
        if self._process is not None and len(self._checks) - self._cut_at >= CHUNK:
            self._cut()
            # The loop passes once a chunk: the process's answers are read and its next chunks
            # written only then (preparing an object whose key is known never waits).
            await asyncio.sleep(0)

    async def verdicts(self) -> list[bool]:
        """Every check's verdict, in the order they were added."""
        if self._pool is None or not self._checks:  # none: a large batch whose every item was refused
            return verify_here(self._checks)
        if self._process is None:  # threads alone, as many as VERIFY_THREADS, each a part
            size = -(-len(self._checks) // VERIFY_THREADS)
            self._queue.extend((at, self._checks[at : at + size]) for at in range(0, len(self._checks), size))
        else:
            self._cut()
        here = 1 if self._process is not None else VERIFY_THREADS
        await asyncio.gather(*self._remote, *(self._verify_queue_here() for _ in range(here)))
        return [verdict for _, found in sorted(self._found.items()) for verdict in found]

    def _cut(self) -> None:
        """The checks not yet in a chunk become one: to the process if it holds fewer than
        IN_FLIGHT, otherwise queued for whoever is free first."""
        if self._cut_at < len(self._checks):
            chunk = (self._cut_at, self._checks[self._cut_at :])
            self._cut_at = len(self._checks)
            self._remote = [task for task in self._remote if not task.done()]
            if len(self._remote) < IN_FLIGHT:
                self._remote.append(asyncio.create_task(self._verify_remotely(chunk)))
            else:
                self._queue.append(chunk)

    async def _verify_remotely(self, chunk: tuple[int, list[SignatureCheck]] | None) -> None:
        """This chunk, then the queue's oldest, in the process; here if it is gone."""
        while chunk is not None:
            at, checks = chunk
            try:
                assert self._process is not None
                found = await self._process.verify(checks)
            except Exception as exc:  # gone, or anything else about it: a chunk's verdicts are never lost
                if not isinstance(exc, VerifierGone):
                    log.warning("verifier_failed", error=repr(exc))
                found = await self._verify_here(checks)
            self._found[at] = found
            chunk = self._queue.popleft() if self._queue else None

    async def _verify_queue_here(self) -> None:
        """The queue's newest chunks on a thread here, until none is left."""
        while self._queue:
            at, checks = self._queue.pop()
            self._found[at] = await self._verify_here(checks)

    async def _verify_here(self, checks: list[SignatureCheck]) -> list[bool]:
        if self._pool is None:
            return verify_here(checks)
        return await asyncio.get_running_loop().run_in_executor(self._pool, verify_here, checks)
