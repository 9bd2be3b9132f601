"""`gemella run --workers N`'s supervisor (node/cli/supervise.py): refused on SQLite, workers
restarted when they die, all stopped together, and a worker that cannot start stops the command.

The workers here are small Python processes standing in for nodes; tests/node/test_workers.py
runs real nodes on PostgreSQL under the same supervisor."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from click.testing import CliRunner

from node.cli.main import cli
from node.cli.supervise import Supervisor
from tests.support.nodes import eventually, make_node_dir


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def test_run__several_workers_on_sqlite_are_refused_with_a_sentence(tmp_path: Path) -> None:
    directory, *_ = await make_node_dir(tmp_path, "Solo", config={"storage": {"database_url": "sqlite:///node.db"}})
    result = CliRunner().invoke(cli, ["run", str(directory), "--workers", "3"])
    assert result.exit_code == 2
    assert "Cannot run 3 workers on SQLite" in result.output and "PostgreSQL" in result.output
    assert "Traceback" not in result.output


async def test_supervisor__restarts_a_worker_that_dies_and_stops_all_on_request() -> None:
    supervisor = Supervisor(_python("import time; time.sleep(0.3)"), 2, failed_start=0)
    running = asyncio.create_task(supervisor.run())
    await eventually(lambda: asyncio.sleep(0, supervisor.restarts), lambda n: n >= 3, timeout=30)
    supervisor.stopping.set()
    assert await running == 0
    assert supervisor.processes == {}


async def test_supervisor__stops_every_worker_with_sigterm() -> None:
    supervisor = Supervisor(_python("import time; time.sleep(120)"), 3)
    running = asyncio.create_task(supervisor.run())
    await eventually(lambda: asyncio.sleep(0, len(supervisor.processes)), 3, timeout=30)
    processes = list(supervisor.processes.values())
    supervisor.stopping.set()
    assert await running == 0
    assert [p.returncode for p in processes] == [-15, -15, -15]  # each ended by SIGTERM, none killed


async def test_supervisor__a_worker_that_cannot_start_stops_the_command() -> None:
    supervisor = Supervisor(_python("raise SystemExit(3)"), 2)
    assert await supervisor.run() == 1
    assert supervisor.failed is not None and "exit code 3" in supervisor.failed
    assert supervisor.processes == {}


async def test_supervisor__a_worker_killed_right_after_its_start_is_restarted_not_taken_for_a_failed_start() -> None:
    supervisor = Supervisor(_python("import time; time.sleep(120)"), 2)
    running = asyncio.create_task(supervisor.run())
    await eventually(lambda: asyncio.sleep(0, len(supervisor.processes)), 2, timeout=30)
    supervisor.processes[1].kill()  # SIGKILL within the first seconds
    await eventually(lambda: asyncio.sleep(0, supervisor.restarts), 1, timeout=30)
    assert supervisor.failed is None and not supervisor.stopping.is_set()
    await eventually(lambda: asyncio.sleep(0, len(supervisor.processes)), 2, timeout=30)
    supervisor.stopping.set()
    assert await running == 0
