"""A network of fifty spaces on one machine: exact audiences, fan-out latency, CPU per delivered
object, memory, and convergence after ten nodes were stopped for a while.

    python bench/network.py [--nodes 50] [--per-process 5] [--events 3] [--slots 2] [--down 15]

Nodes run several to a worker process (`--per-process`, said in the output): fifty `gemella
run` processes would hold fifty copies of the interpreter and its libraries. Each worker runs
its nodes' aiohttp applications in one event loop, as `gemella run` runs one. The twinning
graph is random with degrees from 5 to 49 (node 0 is twinned with all, the fan-out case);
every node publishes events for all its twins or a random few, a slot for one random twin,
and updates some events. Every node's database must then hold exactly the others' objects
meant for it, at their latest versions, no more, no less (read from the files, read-only).

Figures: fan-out latency (node 0 publishes to its 49 twins; time until each holds it), CPU
seconds of all workers per delivered object, with the machine's raw Ed25519 verification
measured in the same run as the limit (a delivery costs at least one verification), total
RSS, and the time to converge after ten nodes (two workers) were stopped, the others kept
publishing, and the ten were started again. Prints one JSON object; progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit, machine, measure, median, per_second, percentile, progress
from tests.support.network import (
    NETWORK_CONFIG,
    Published,
    differences,
    holds,
    offer_slot,
    publish_event,
    twin_all,
    twinning_graph,
    twins_of,
    update_event,
)
from tests.support.nodes import BaseNode, make_node_dir, wait_until_up

# Production-like delivery: pushes carry the traffic, the feed is the safety net.
CONFIG: dict[str, Any] = {
    **NETWORK_CONFIG,
    "log": {"level": "warning"},
    "delivery": {
        "backoff_base_seconds": 0.5,
        "backoff_cap_seconds": 5.0,
        "pull_interval_seconds": 120.0,
        "request_timeout_seconds": 10.0,
        "document_refetch_seconds": 0.0,
    },
}
SEED = 50


async def serve(directories: list[str]) -> None:
    """Worker mode: run these nodes in this process until SIGTERM."""
    from aiohttp import web

    from node.config import load_settings
    from node.logs import configure_logging
    from node.web.app import KEEPALIVE_SECONDS, create_app

    configure_logging("warning", "json")
    runners = []
    for directory in directories:
        settings = load_settings(Path(directory), {})
        runner = web.AppRunner(
            create_app(settings), handle_signals=False, access_log=None, keepalive_timeout=KEEPALIVE_SECONDS
        )
        await runner.setup()
        await web.TCPSite(runner, settings.listen.host, settings.listen.port, reuse_address=True).start()
        runners.append(runner)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for runner in runners:
        await runner.cleanup()


class Worker:
    """One worker process and the nodes it runs."""

    def __init__(self, nodes: list[BaseNode]) -> None:
        self.nodes = nodes
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        log = open(self.nodes[0].directory.parent / f"worker-{self.nodes[0].port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", *(str(n.directory) for n in self.nodes)], stdout=log, stderr=log
        )
        for node in self.nodes:
            await wait_until_up(node.local + "/healthz", self.process, timeout=120)

    async def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(self.process.wait, 60)
        self.process = None

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


async def make_nodes(root: Path, count: int) -> list[BaseNode]:
    nodes = []
    for index in range(count):
        directory, port, token, url = await make_node_dir(root, f"Space {index}", config=CONFIG)
        nodes.append(BaseNode(directory, f"Space {index}", port, token, url))
    return nodes


async def converge(nodes: list[BaseNode], published: Published, timeout: float) -> float:
    """Seconds until every node holds exactly what it should (raises after `timeout`)."""
    started = last_report = time.perf_counter()
    while found := differences(nodes, published):
        now = time.perf_counter()
        if now - started > timeout:
            raise AssertionError(f"not converged after {timeout} s: {json.dumps(found)[:2000]}")
        if now - last_report > 10:
            progress(f"  {len(found)} nodes not exact yet, e.g. {json.dumps(next(iter(found.items())))[:300]}")
            last_report = now
        await asyncio.sleep(0.25)
    return time.perf_counter() - started


async def publish_round(
    nodes: list[BaseNode], published: Published, rng: random.Random, events: int, slots: int, resources: list[str]
) -> None:
    async def one(index: int) -> None:
        for _ in range(events):
            event_id = await publish_event(nodes[index], published, index, rng)
            if rng.random() < 0.3:
                await update_event(nodes[index], published, index, event_id)
        for _ in range(slots):
            await offer_slot(nodes[index], published, index, rng, resources[index])

    await asyncio.gather(*(one(i) for i in range(len(nodes))))


async def fan_out(
    hub: BaseNode, twins: list[BaseNode], published: Published, rng: random.Random, rounds: int
) -> list[float]:
    """Node 0 publishes to all its twins; per twin, the time until its database holds the event."""
    latencies: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        event_id = await publish_event(hub, published, 0, rng, to_all=True)
        waiting = set(range(len(twins)))
        while waiting:
            for index in list(waiting):
                if holds(twins[index], "Event", hub.url, event_id):
                    latencies.append(time.perf_counter() - started)
                    waiting.discard(index)
            if time.perf_counter() - started > 60:
                raise AssertionError(f"{len(waiting)} twins still lack {event_id} after 60 s")
            await asyncio.sleep(0.005)
    return latencies


async def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    rng = random.Random(SEED)
    progress(f"creating {args.nodes} nodes")
    nodes = await make_nodes(root, args.nodes)
    workers = [Worker(nodes[i : i + args.per_process]) for i in range(0, args.nodes, args.per_process)]
    await asyncio.gather(*(w.start() for w in workers))
    try:
        return await scenario(args, rng, nodes, workers)
    finally:
        for worker in workers:
            if worker.process is not None:
                await worker.stop()
        for node in nodes:
            await node.close_session()


async def scenario(
    args: argparse.Namespace, rng: random.Random, nodes: list[BaseNode], workers: list[Worker]
) -> dict[str, Any]:
    edges = twinning_graph(rng, args.nodes, 5, args.nodes - 1)
    twins = twins_of(edges, args.nodes)
    degrees = sorted(len(t) for t in twins)
    progress(f"twinning {len(edges)} pairs (degrees {degrees[0]} to {degrees[-1]})")
    started = time.perf_counter()
    await twin_all(nodes, edges, concurrency=16)
    twinning_seconds = time.perf_counter() - started
    published = Published([n.url for n in nodes], twins)
    resources = [
        (await n.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Desks", "capacity": 10000}))["id"]
        for n in nodes
    ]
    await asyncio.sleep(2)  # let the twinning's own traffic settle before counting CPU
    progress("publishing events and slots with random audiences")
    cpu_before, started = sum(w.cpu_seconds() for w in workers), time.perf_counter()
    await publish_round(nodes, published, rng, args.events, args.slots, resources)
    first_converged = await converge(nodes, published, timeout=300)
    publish_seconds = time.perf_counter() - started
    cpu = sum(w.cpu_seconds() for w in workers) - cpu_before
    deliveries = published.deliveries()
    progress(f"{deliveries} deliveries exact after {publish_seconds:.1f} s; fan-out from node 0")
    hub_twins = [nodes[i] for i in twins[0]]
    latencies = await fan_out(nodes[0], hub_twins, published, rng, args.fanout_rounds)
    rss = [w.rss_mb() for w in workers]

    down = workers[1:][-2:]  # two workers away from the hub's: ten nodes
    down_nodes = [n for w in down for n in w.nodes]
    progress(f"stopping {len(down_nodes)} nodes for {args.down} s while the others publish")
    for worker in down:
        await worker.stop()
    await publish_while_down(nodes, down_nodes, published, rng, resources)
    await asyncio.sleep(args.down)
    progress("starting them again")
    restarted = time.perf_counter()
    await asyncio.gather(*(w.start() for w in down))
    convergence = await converge(nodes, published, timeout=600)
    since_restart = time.perf_counter() - restarted
    return {
        "nodes": args.nodes,
        "nodes_per_process": args.per_process,
        "processes": len(workers),
        "layout": f"{len(workers)} worker processes of {args.per_process} nodes, their nodes in one event loop each",
        "twinnings": len(edges),
        "degree_min": degrees[0],
        "degree_median": median(degrees),
        "degree_max": degrees[-1],
        "twinning_seconds": round(twinning_seconds, 1),
        "objects_published": len(published.objects),
        "deliveries": deliveries,
        "exact_audiences": True,
        "first_round_seconds_to_exact": round(publish_seconds, 2),
        "first_round_check_seconds": round(first_converged, 2),
        "cpu_seconds_per_delivery": round(cpu / deliveries, 5),
        "fan_out_twins": len(hub_twins),
        "fan_out_samples": len(latencies),
        "fan_out_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "fan_out_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "fan_out_max_ms": round(max(latencies) * 1000, 1),
        "fan_out_goal_p99_ms": 1000,
        "rss_total_mb": round(sum(rss), 1),
        "rss_per_process_mb": round(median(rss), 1),
        "rss_per_node_mb": round(sum(rss) / args.nodes, 1),
        "stopped_nodes": len(down_nodes),
        "stopped_seconds": args.down,
        "converged_seconds_after_restart": round(since_restart, 2),
        "convergence_check_seconds": round(convergence, 2),
    }


async def publish_while_down(
    nodes: list[BaseNode], down: list[BaseNode], published: Published, rng: random.Random, resources: list[str]
) -> None:
    """The nodes still up publish and update, much of it for the stopped ones."""
    up = [i for i, n in enumerate(nodes) if n not in down]
    for index in up:
        await publish_event(nodes[index], published, index, rng, to_all=True)
        mine = [object_id for (type_, origin, object_id) in published.objects if type_ == "Event" and origin == index]
        await update_event(nodes[index], published, index, rng.choice(mine))
        await offer_slot(nodes[index], published, index, rng, resources[index])


def raw_verify_rate() -> float:
    from protocol.canonical import canonical_json
    from protocol.keys import SigningKey

    key = SigningKey.generate()
    message = canonical_json({"type": "Event", "title": "x" * 400})
    signature = key.sign(message)
    public = key.verify_key.public_key()
    samples = measure({"verify": lambda: public.verify(signature, message)}, seconds=0.2)
    return per_second(median(samples["verify"]))


async def main(args: argparse.Namespace) -> None:
    from node.logs import configure_logging

    configure_logging("warning", "console")
    verify_per_s = raw_verify_rate()
    with tempfile.TemporaryDirectory(prefix="gemella-network-") as tmp:
        result = await run(args, Path(tmp))
    cpu_per_delivery = result["cpu_seconds_per_delivery"]
    emit(
        {
            "benchmark": "network",
            "machine": machine(),
            **result,
            "raw_ed25519_verify_per_s": verify_per_s,
            "cpu_per_delivery_in_raw_verifies": round(cpu_per_delivery * verify_per_s, 1),
        }
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        asyncio.run(serve(sys.argv[2:]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--per-process", type=int, default=5)
    parser.add_argument("--events", type=int, default=3)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--fanout-rounds", type=int, default=10)
    parser.add_argument("--down", type=float, default=15.0)
    asyncio.run(main(parser.parse_args()))
