"""Resource limits: does the node keep answering its members under hostile or heavy load?

    python bench/limits.py [--samples 200] [--loads impostor_flood,recurrence_flood] [--series 2000] ...

The node under test runs as `gemella run` (its own interpreter, production settings for rate
limits). While each load runs, a member reads GET /api/v1/events (with 60 events to list) over
and over; its latency is compared with the same read on the idle node. Loads:

- slow clients: connections that send a request's headers a few bytes at a time and never
  finish (slowloris), and connections that send headers and then trickle a 1 MiB body to the
  federation inbox; also how long the node lets a never-finished request hold a connection;
- a flood of twinning proposals from strangers (many keys, many claimed node URLs), signed;
- a twin pushing 10,000 events in batches of 500, as its outbox would;
- the hostile twin's loads (bench/limits_loads.py, the twin of tests/hostile): recurrence
  flood, oversize answers, impostor flood, trickling bodies, quota filler.

Slow clients and strangers speak from other loopback addresses (127.0.0.2, 127.0.0.3) than the
member (127.0.0.1), as they would from the internet. Each load reports the member's p95 beside
the idle p95 measured just before it in the same run (the machine is shared: its idle drifts),
their ratio (goal: within 3x), and how much the node process's resident memory grew while it
lasted (goal: < 50 MB). Prints one JSON object (progress on stderr), with the machine's own
limit measured in the same run: the node process's open-file limit, which bounds how many
connections it can hold.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from bench._common import emit, machine, progress
from bench.limits_loads import (
    flood,
    header_deadline,
    impostor_flood,
    oversize_answers,
    quota_batches,
    quota_filler,
    recurrence_flood,
    slow_bodies,
    slow_headers,
    trickling_bodies,
)
from node.logs import configure_logging
from protocol.envelope import seal
from tests.hostile.twin import HostileTwin
from tests.hostile.watch import rss_mb
from tests.support.nodes import InProcessNode, ProcessNode, twin
from tests.support.objects import make_event

# Production rate limits (the test harness raises them), quiet logs, no background pulls.
PRODUCTION = {
    "log": {"level": "warning"},
    "delivery": {"pull_interval_seconds": 3600.0},
    "limits": {
        "peer_requests_per_second": 50.0,
        "peer_burst": 200,
        "peer_items_per_second": 1000.0,
        "peer_item_burst": 5000,
        "stranger_proposals_per_minute": 6.0,
        "unverified_requests_per_minute": 60.0,
        "sign_ins_per_minute": 10.0,
        "connections_per_address": 32,
    },
}
QUIET = {"log": {"level": "warning"}, "delivery": {"pull_interval_seconds": 3600.0}}
MEMBER_SCRIPT = Path(__file__).resolve().parent / "limits_member.py"


class Member:
    """A member reading the events list, timed in a process of its own (bench/limits_member.py),
    so that the loads' own client work (signing, flooding) in this process cannot slow the reads."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    async def ready(self, count: int) -> Reads:
        """A reader process, started and waiting for `Reads.go`."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(MEMBER_SCRIPT), self.base, self.token, str(count),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        await process.stdout.readline()  # "ready": imported and connected
        return Reads(process)

    async def sample(self, count: int) -> dict[str, Any]:
        """`count` reads, one after another."""
        return await (await self.ready(count)).go()


class Reads:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def go(self, until: asyncio.Task[Any] | None = None) -> dict[str, Any]:
        """Read now, until done (or until `until` finishes); the figures."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(b"go\n")
        if until is not None:
            done = asyncio.create_task(self.process.wait())
            await asyncio.wait([done, until], return_when=asyncio.FIRST_COMPLETED)
            stdin.close()  # the load is over: stop reading (if not done yet)
        figures: dict[str, Any] = json.loads(await stdout.read())
        stdin.close()
        await self.process.wait()
        return figures


Load = Callable[[asyncio.Event], Awaitable[Any]]


async def while_loaded(member: Member, samples: int, load: Load, pid: int, *, finite: bool = False) -> dict[str, Any]:
    """The member's figures while `load` runs, what the load reports, and the node's RSS growth.

    A continuous load runs until the member has its samples; a `finite` one (a push of N items)
    ends on its own, and the member reads only while it lasts.
    """
    stop = asyncio.Event()
    if finite:
        stop.set()
    reads = await member.ready(samples)
    rss = RssPeak(pid)
    task = asyncio.create_task(load(stop))
    await asyncio.sleep(0.05 if finite else 0.5)  # let the load build up
    figures = await reads.go(until=task if finite else None)
    stop.set()
    reported = await task
    return {"member": figures, "load": reported, "rss_growth_mb": await rss.growth()}


class RssPeak:
    """The node process's resident memory, sampled every 50 ms from now until `growth()`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = self.peak = rss_mb(pid)
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid))
            await asyncio.sleep(0.05)

    async def growth(self) -> float:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return round(self.peak - self.start, 1)


# -- a twin pushing many items ----------------------------------------------------------------------


async def push(
    twin_node: InProcessNode, target: str, batches: list[dict[str, Any]], stop: asyncio.Event
) -> dict[str, Any]:
    started = time.perf_counter()
    applied, statuses = 0, Counter[int]()
    for batch in batches:
        resp = await twin_node.node.client.send("POST", target + "/federation/v1/inbox", batch)
        statuses[resp.status] += 1
        if resp.status == 202:
            applied += sum(r["status"] == "applied" for r in resp.json()["results"])
    elapsed = time.perf_counter() - started
    await stop.wait()
    return {
        "items_applied": applied,
        "seconds": round(elapsed, 2),
        "items_per_second": round(applied / elapsed, 1),
        "batch_statuses": dict(statuses),
    }


# -- the run --------------------------------------------------------------------------------------


def open_file_limit(pid: int) -> int | None:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    return None


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")  # stdout is for the JSON result
    with tempfile.TemporaryDirectory(prefix="gemella-limits-") as tmp:
        root = Path(tmp)
        home = await ProcessNode.create(root, "Home", config=PRODUCTION)
        pusher = await InProcessNode.create(root, "Twin", config=QUIET)
        mallory = HostileTwin()
        await mallory.start()
        try:
            result = await run_loads(args, home, pusher, mallory)
        finally:
            await mallory.stop()
            await pusher.stop()
            await home.stop()
            await home.close_session()
            await pusher.close_session()
    emit(result)


async def run_loads(
    args: argparse.Namespace, home: ProcessNode, pusher: InProcessNode, mallory: HostileTwin
) -> dict[str, Any]:
    await twin(pusher, home)
    await mallory.twin_with(home)
    for n in range(60):
        day = date.today() + timedelta(days=1 + n % 90)
        body = {"title": f"Event {n}", "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00"}
        await home.api.ok("POST", "/api/v1/events", body)
    token = (await home.api.ok("POST", "/api/v1/members", {"display_name": "M", "email": "m@example.org"}))["token"]
    member = Member(home.local, token)
    assert home.process is not None
    pid = home.process.pid
    result: dict[str, Any] = {"benchmark": "limits", "machine": machine(), "node_open_file_limit": open_file_limit(pid)}
    progress("idle")
    result["idle"] = await member.sample(args.samples)
    loads = load_table(args, home, pusher, mallory)
    for name in args.loads.split(","):
        if name == "unfinished_headers":
            progress("how long a never-finished request may hold a connection")
            result["unfinished_headers_closed_after_s"] = await header_deadline(home.port, args.deadline)
            continue
        describe, load, finite = loads[name]
        progress(f"idle, then {describe}")
        idle = await member.sample(args.samples)  # just before: the machine is shared, its idle drifts
        samples = 100_000 if finite else args.samples
        result[name] = await while_loaded(member, samples, load, pid, finite=finite)
        p95, idle_p95 = result[name]["member"]["p95_ms"], idle["p95_ms"]
        result[name]["idle_p95_ms"] = idle_p95
        result[name]["member"]["p95_vs_idle"] = round(p95 / idle_p95, 2) if p95 and idle_p95 else None
    return result


def load_table(
    args: argparse.Namespace, home: ProcessNode, pusher: InProcessNode, mallory: HostileTwin
) -> dict[str, tuple[str, Load, bool]]:
    """name: (what it is, the load, whether it ends on its own), in the order they run by default."""
    batches = signed_batches(pusher, args.items)
    quota = quota_batches(mallory, args.quota_batches) if "quota_filler" in args.loads.split(",") else []
    return {
        "slow_headers": (
            f"{args.slow} slow-header connections",
            lambda stop: slow_headers(home.port, args.slow, stop),
            False,
        ),
        "slow_bodies": (
            f"{args.slow // 4} slow-body connections to the federation inbox",
            lambda stop: slow_bodies(home.port, args.slow // 4, stop),
            False,
        ),
        "stranger_flood": (
            f"a flood of {args.flood} stranger proposals",
            lambda stop: flood(home.url, args.flood, 20, stop),
            False,
        ),
        "twin_push": (f"a twin pushing {args.items} items", lambda stop: push(pusher, home.url, batches, stop), True),
        "impostor_flood": (
            "a stranger's junk under the real twin's key id, the real twin sending too",
            lambda stop: impostor_flood(home, mallory, stop),
            False,
        ),
        "trickling_bodies": (
            f"{args.trickle} connections trickling bodies from one address",
            lambda stop: trickling_bodies(home, args.trickle, stop),
            False,
        ),
        "oversize_answers": (
            "receipts that never end, an inbox answer of 100 MB",
            lambda stop: oversize_answers(home, mallory, stop),
            False,
        ),
        "quota_filler": (
            f"the hostile twin filling its quota ({args.quota_batches} batches at most)",
            lambda stop: quota_filler(home, mallory, quota, stop),
            True,
        ),
        "recurrence_flood": (
            f"{args.series} daily series since 1970",
            lambda stop: recurrence_flood(home, mallory, args.series, stop),
            False,
        ),
    }


LOADS = (
    "slow_headers,slow_bodies,unfinished_headers,stranger_flood,twin_push,"
    "impostor_flood,trickling_bodies,oversize_answers,quota_filler,recurrence_flood"
)


def signed_batches(pusher: InProcessNode, items: int) -> list[dict[str, Any]]:
    """Events a year and more ahead: the member's listing (next 180 days) stays the same size."""
    key = pusher.node.keys.current
    envelopes = [
        seal(make_event(pusher.url, f"push{i}", days=400 + i % 300, description="x" * 400), key).model_dump(mode="json")
        for i in range(items)
    ]
    return [{"items": envelopes[i : i + 500]} for i in range(0, items, 500)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slow", type=int, default=200, help="slow-header connections (a quarter as many slow bodies)")
    parser.add_argument("--flood", type=int, default=2000, help="distinct stranger proposals (sent round and round)")
    parser.add_argument("--items", type=int, default=10_000, help="items the twin pushes")
    parser.add_argument("--samples", type=int, default=200, help="member reads per measurement")
    parser.add_argument("--deadline", type=float, default=90.0, help="how long to wait for the header deadline")
    parser.add_argument("--series", type=int, default=2000, help="daily series since 1970 (recurrence flood)")
    parser.add_argument("--trickle", type=int, default=100, help="connections trickling bodies from one address")
    parser.add_argument(
        "--quota-batches",
        type=int,
        default=41,
        help="batches of 500 the quota filler may push (the default quota is 40)",
    )
    parser.add_argument("--loads", default=LOADS, help="which loads, comma-separated, in order (recurrence last)")
    asyncio.run(main(parser.parse_args()))
