"""Running `gemella` in the test's own process, against an in-process node's local API.

A person runs the CLI as its own process: its answer is on stdout, its errors and its logs on
stderr, and a node's logs never reach it. In a test the CLI shares the process with the nodes,
and its start (`configure_logging`) points the process's structlog at the stderr that Click's
runner captures: the nodes' log lines (a delivery retried while the CLI runs) would land in the
CLI's output, and after it in a stream nobody reads. So an answer is read from stdout alone, and
the logging the nodes had is put back after each run.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from click.testing import CliRunner

from node.cli.main import cli


async def run_cli(node: Any, *args: str, token: str | None = None) -> tuple[int, str]:
    """(exit code, what a person reads): stdout when the command succeeded; stdout and stderr
    (where the sentence of an error goes) when it failed. Runs in a thread: it blocks on HTTP."""
    argv = ["--node", node.local, "--token", token or node.token, *args]
    saved = structlog.get_config()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, cli, argv, catch_exceptions=False)
    finally:
        structlog.configure(**saved)
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output
