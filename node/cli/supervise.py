"""`gemella run DIR --workers N`: N worker processes serving one address, kept running.

Each worker is `gemella run DIR` with a hidden `--reuse-port`: the whole node on the configured
host:port, its socket bound with SO_REUSEPORT, so the kernel spreads new connections over the
N listening sockets (an operator may instead start N processes on N ports behind a reverse
proxy: docs/OPERATING.md). The workers share one PostgreSQL database; which of them runs each
background job is decided there (node/store/leases.py).

The parent holds no database connection and serves nothing. It starts the workers, restarts one
that dies (after a pause that grows while workers keep dying young), and on SIGTERM or SIGINT
passes SIGTERM on to every worker and waits while they drain their requests.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import structlog

from node.retry import Backoff

log = structlog.get_logger("node.supervise")

RESTART_BASE_SECONDS = 0.5
RESTART_CAP_SECONDS = 30.0
# A worker that ran this long before it died is restarted after the shortest pause again.
STEADY_SECONDS = 60.0
# A worker whose first start ends by itself, with an error, this soon could not start (a taken
# port, a database that refuses us): restarting it would fail the same way, so the whole command
# stops. One killed by a signal (the OOM killer, an operator's kill -9) did start: it is restarted.
FAILED_START_SECONDS = 5.0
STOP_GRACE_SECONDS = 20.0  # the workers drain for up to 10 s (node/web/server.py)


def several_writers_refusal(database_url: str, workers: int) -> str | None:
    """Why `workers` processes cannot share this database, in a sentence (None: they can)."""
    if workers > 1 and not database_url.startswith(("postgresql://", "postgres://")):
        return (
            f"Cannot run {workers} workers on SQLite: several worker processes write at once, and that needs "
            "PostgreSQL. Set storage.database_url to a postgresql:// URL (gemella db migrate moves a node "
            "there), or run one worker."
        )
    return None


def worker_command(directory: Path) -> list[str]:
    return [sys.executable, "-m", "node.cli", "run", str(directory), "--reuse-port"]


class Supervisor:
    """Keeps `workers` copies of `command` running until told to stop."""

    def __init__(self, command: list[str], workers: int, *, failed_start: float = FAILED_START_SECONDS) -> None:
        self.command = command
        self.workers = workers
        self.failed_start = failed_start
        self.stopping = asyncio.Event()
        self.failed: str | None = None  # why the command gave up, if it did
        self.restarts = 0
        self.processes: dict[int, asyncio.subprocess.Process] = {}  # by worker number: the running ones

    async def run(self) -> int:
        """Until SIGTERM or SIGINT (or a worker that cannot start); returns the exit code."""
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT)
        for signum in signals:
            loop.add_signal_handler(signum, self.stopping.set)
        try:
            await asyncio.gather(*(self._keep(number) for number in range(1, self.workers + 1)))
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
        return 1 if self.failed else 0

    async def _keep(self, number: int) -> None:
        """Worker `number`: started, restarted when it dies, stopped with the others."""
        backoff, deaths, first = Backoff(RESTART_BASE_SECONDS, RESTART_CAP_SECONDS), 0, True
        while not self.stopping.is_set():
            process = self.processes[number] = await asyncio.create_subprocess_exec(*self.command)
            started = time.monotonic()
            log.info("worker_started", worker=number, pid=process.pid)
            code = await self._until_exit_or_stop(process)
            del self.processes[number]
            if self.stopping.is_set():
                return
            lived = time.monotonic() - started
            if first and code > 0 and lived < self.failed_start:
                self.failed = f"worker {number} could not start (exit code {code}); its message is above"
                log.error("worker_could_not_start", worker=number, pid=process.pid, exit_code=code)
                self.stopping.set()
                return
            first = False
            deaths = 0 if lived >= STEADY_SECONDS else deaths + 1
            pause = backoff.delay(deaths - 1) if deaths else RESTART_BASE_SECONDS
            log.warning("worker_died", worker=number, pid=process.pid, exit_code=code, restart_in=round(pause, 2))
            self.restarts += 1
            try:
                async with asyncio.timeout(pause):
                    await self.stopping.wait()
            except TimeoutError:
                pass

    async def _until_exit_or_stop(self, process: asyncio.subprocess.Process) -> int:
        """The worker's exit code: when it ended by itself, or after it was told to stop."""
        exited = asyncio.ensure_future(process.wait())
        stopping = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait([exited, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not exited.done():
            await _stop(process)
        return await exited


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM (the worker drains and closes), then SIGKILL if it does not end in time."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_GRACE_SECONDS):
            await process.wait()
    except TimeoutError:
        log.warning("worker_did_not_stop", pid=process.pid, waited=STOP_GRACE_SECONDS)
        process.kill()
        await process.wait()


def supervise(directory: Path, workers: int) -> int:
    """Run `workers` workers of the node in `directory` until SIGTERM or SIGINT; the exit code."""
    supervisor = Supervisor(worker_command(directory), workers)
    code = asyncio.run(supervisor.run())
    if supervisor.failed:
        print(f"Stopped: {supervisor.failed}.", file=sys.stderr)
    return code
