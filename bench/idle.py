"""Idle memory: the resident set of a node that started and serves nothing, beside a bare aiohttp
server's (the same interpreter, a trivial app: the floor of any aiohttp process) measured in the
same run.

    python bench/idle.py [--starts 3] [--settle 3]

The node runs as `gemella run` does (`python -m node.cli.main run DIR`, its own process, the
settings of a fresh `gemella init`), answers one /healthz, then idles `--settle` seconds before its
VmRSS is read. Each figure is the median over `--starts` fresh processes. Goal: under 70 MB.

structlog would load `rich` (and with it pygments) when it is installed: the development install
has it (a test tool needs it), a production install does not. node/logs.py keeps it out of a
node; the output still says whether this run's environment had it.
Prints one JSON object; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit, machine, median, progress
from node.logs import configure_logging
from tests.support.nodes import ProcessNode, free_port, wait_until_up

GOAL_MB = 70
BARE = """
import sys
from aiohttp import web
app = web.Application()
app.router.add_get("/healthz", lambda r: web.json_response({"ok": True}))
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def node_rss(root: Path, settle: float) -> float:
    node = await ProcessNode.create(root, "Idle", config={"log": {"level": "warning"}})
    try:
        await asyncio.sleep(settle)
        assert node.process is not None
        return rss_mb(node.process.pid)
    finally:
        await node.stop()
        await node.close_session()


async def bare_rss(settle: float) -> float:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE, str(port)])
    try:
        await wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        await asyncio.sleep(settle)
        return rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(10)


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")
    nodes, bares = [], []
    with tempfile.TemporaryDirectory(prefix="gemella-bench-") as tmp:
        for start in range(1, args.starts + 1):
            progress(f"start {start}/{args.starts}: a node, then a bare aiohttp server")
            nodes.append(await node_rss(Path(tmp) / f"run{start}", args.settle))
            bares.append(await bare_rss(args.settle))
    node, bare = median(nodes), median(bares)
    emit(
        {
            "benchmark": "idle",
            "machine": machine(),
            "starts": args.starts,
            "statistic": "median",
            "node_idle_rss_mb": round(node, 1),
            "bare_aiohttp_rss_mb": round(bare, 1),
            "node_over_bare_mb": round(node - bare, 1),
            "ratio_to_bare_aiohttp": round(node / bare, 2),
            "goal_node_idle_rss_mb": GOAL_MB,
            "within_goal": node < GOAL_MB,
            "rich_installed": importlib.util.find_spec("rich") is not None,
            "samples_mb": {"node": [round(v, 1) for v in nodes], "bare": [round(v, 1) for v in bares]},
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0)
    asyncio.run(main(parser.parse_args()))
