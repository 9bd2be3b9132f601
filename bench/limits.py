"""Resource limits: does the node keep answering its members under hostile or heavy load?

    python bench/limits.py [--slow 200] [--flood 2000] [--items 10000] [--samples 200]

The node under test runs as `gemella run` (its own interpreter, production settings for rate
limits). While each load runs, a member reads GET /api/v1/events (with 60 events to list) over
and over; its latency is compared with the same read on the idle node. Loads:

- slow clients: connections that send a request's headers a few bytes at a time and never
  finish (slowloris), and connections that send headers and then trickle a 1 MiB body to the
  federation inbox; also how long the node lets a never-finished request hold a connection;
- a flood of twinning proposals from strangers (many keys, many claimed node URLs), signed;
- a twin pushing 10,000 events in batches of 500, as its outbox would.

Prints one JSON object (progress on stderr), with the machine's own limit measured in the same
run: the node process's open-file limit, which bounds how many connections it can hold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._common import emit, machine, percentile, progress
from node.logs import configure_logging
from protocol.envelope import seal
from protocol.httpsig import sign_request
from protocol.keys import SigningKey
from protocol.models import Terms, TwinningProposal
from tests.support.nodes import InProcessNode, ProcessNode, twin
from tests.support.objects import make_event

# Production rate limits (the test harness raises them), quiet logs, no background pulls.
PRODUCTION = {
    "log": {"level": "warning"},
    "delivery": {"pull_interval_seconds": 3600.0},
    "limits": {"peer_requests_per_second": 50.0, "peer_burst": 200, "stranger_proposals_per_minute": 6.0},
}
QUIET = {"log": {"level": "warning"}, "delivery": {"pull_interval_seconds": 3600.0}}
READ_TIMEOUT = 10.0


class Member:
    """A member reading the events list, timing each answer."""

    def __init__(self, base: str, token: str) -> None:
        self.url = base + "/api/v1/events"
        self.headers = {"Authorization": f"Bearer {token}"}

    async def sample(self, count: int, until: asyncio.Task[Any] | None = None) -> dict[str, Any]:
        """`count` reads, one after another (fewer if `until` finishes first)."""
        latencies, failures = [], Counter[str]()
        async with aiohttp.ClientSession() as session:
            for _ in range(count):
                if until is not None and until.done():
                    break
                started = time.perf_counter()
                outcome = await self._read(session)
                if outcome is None:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures[outcome] += 1
                await asyncio.sleep(0.005)
        return summary(latencies, failures)

    async def _read(self, session: aiohttp.ClientSession) -> str | None:
        try:
            timeout = aiohttp.ClientTimeout(total=READ_TIMEOUT)
            async with session.get(self.url, headers=self.headers, timeout=timeout) as resp:
                await resp.read()
                return None if resp.status == 200 else f"HTTP {resp.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return type(exc).__name__


def summary(latencies: list[float], failures: Counter[str]) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies]
    return {
        "answered": len(ms),
        "failures": dict(failures),
        "p50_ms": round(percentile(ms, 50), 2) if ms else None,
        "p95_ms": round(percentile(ms, 95), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
    }


Load = Callable[[asyncio.Event], Awaitable[Any]]


async def while_loaded(member: Member, samples: int, load: Load, *, finite: bool = False) -> dict[str, Any]:
    """The member's figures while `load` runs, and what the load reports.

    A continuous load runs until the member has its samples; a `finite` one (a push of N items)
    ends on its own, and the member reads only while it lasts.
    """
    stop = asyncio.Event()
    if finite:
        stop.set()
    task = asyncio.create_task(load(stop))
    await asyncio.sleep(0.2 if finite else 0.5)  # let the load build up
    figures = await member.sample(samples, until=task if finite else None)
    stop.set()
    return {"member": figures, "load": await task}


# -- slow clients ---------------------------------------------------------------------------------


async def slow_headers(port: int, count: int, stop: asyncio.Event) -> dict[str, Any]:
    """`count` connections sending a never-ending header block, one short line a second."""
    streams = []
    for _ in range(count):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            break
        writer.write(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        streams.append((reader, writer))
    opened = len(streams)
    while not stop.is_set():
        for _, writer in streams:
            if not writer.is_closing():
                writer.write(b"X-Slow: 1\r\n")
        await asyncio.sleep(1.0)
    open_at_end = sum(1 for reader, _ in streams if not reader.at_eof())
    for _, writer in streams:
        writer.close()
    return {"connections_opened": opened, "still_open_at_end": open_at_end}


async def slow_bodies(port: int, count: int, stop: asyncio.Event) -> dict[str, Any]:
    """`count` POSTs to the federation inbox announcing 1 MiB and sending a byte a second."""
    writers = []
    for _ in range(count):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /federation/v1/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1048576\r\n\r\n{"
        )
        writers.append(writer)
    while not stop.is_set():
        for writer in writers:
            if not writer.is_closing():
                writer.write(b" ")
        await asyncio.sleep(1.0)
    for writer in writers:
        writer.close()
    return {"connections_opened": len(writers)}


async def header_deadline(port: int, limit: float) -> float | None:
    """Seconds until the node closes a connection whose headers never end (None: not within `limit`)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    try:
        while time.monotonic() - started < limit:
            writer.write(b"X-Slow: 1\r\n")
            try:
                if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                    return round(time.monotonic() - started, 1)
            except TimeoutError:
                continue
        return None
    finally:
        writer.close()


# -- a flood of proposals from strangers ------------------------------------------------------------


def stranger_proposal(target: str, n: int) -> tuple[bytes, dict[str, str]]:
    """A signed proposal from a made-up node (its URL answers nothing), as a flood would send."""
    key = SigningKey.generate()
    origin = f"http://127.0.0.1:{9 + n % 50}"  # closed ports: the document fetch fails at once
    proposal = TwinningProposal(
        origin=origin,
        id=f"00000000-0000-4000-8000-{n:012d}",
        version=1,
        proposer=origin,
        acceptor=target,
        offer=Terms(),
        request=Terms(),
        valid_from=datetime.now(UTC).replace(microsecond=0),
    )
    body = json.dumps(seal(proposal, key).model_dump(mode="json")).encode()
    headers = {"Content-Type": "application/json"}
    url = target + "/federation/v1/twinning"
    headers |= sign_request("POST", url, headers, body, key, f"{origin}#{key.kid}")
    return body, headers


async def answer_kind(resp: aiohttp.ClientResponse) -> str:
    """`429 rate-limited`: the status and, for a problem, its type."""
    if resp.content_type == "application/problem+json":
        return f"{resp.status} {(await resp.json())['type'].rsplit('/', 1)[-1]}"
    await resp.read()
    return str(resp.status)


async def flood(target: str, total: int, concurrency: int, stop: asyncio.Event) -> dict[str, Any]:
    prepared = [stranger_proposal(target, n) for n in range(total)]
    statuses: Counter[str] = Counter()
    started = time.perf_counter()
    queue = list(reversed(prepared))

    async def sender(session: aiohttp.ClientSession) -> None:
        while queue and not stop.is_set():
            body, headers = queue.pop()
            try:
                async with session.post(target + "/federation/v1/twinning", data=body, headers=headers) as resp:
                    statuses[await answer_kind(resp)] += 1
            except aiohttp.ClientError as exc:
                statuses[type(exc).__name__] += 1

    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            await asyncio.gather(*(sender(session) for _ in range(concurrency)))
            if not queue:
                queue.extend(reversed(prepared))  # keep flooding until the member is done
    elapsed = time.perf_counter() - started
    sent = sum(statuses.values())
    return {"requests": sent, "per_second": round(sent / elapsed, 1), "answers": dict(statuses)}


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
        try:
            result = await run_loads(args, home, pusher)
        finally:
            await pusher.stop()
            await home.stop()
            await home.close_session()
            await pusher.close_session()
    emit(result)


async def run_loads(args: argparse.Namespace, home: ProcessNode, pusher: InProcessNode) -> dict[str, Any]:
    await twin(pusher, home)
    for n in range(60):
        day = date.today() + timedelta(days=1 + n % 90)
        body = {"title": f"Event {n}", "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00"}
        await home.api.ok("POST", "/api/v1/events", body)
    token = (await home.api.ok("POST", "/api/v1/members", {"display_name": "M", "email": "m@example.org"}))["token"]
    member = Member(home.local, token)
    assert home.process is not None
    result: dict[str, Any] = {
        "benchmark": "limits",
        "machine": machine(),
        "node_open_file_limit": open_file_limit(home.process.pid),
    }
    progress("idle")
    result["idle"] = await member.sample(args.samples)
    progress(f"{args.slow} slow-header connections")
    result["slow_headers"] = await while_loaded(
        member, args.samples, lambda stop: slow_headers(home.port, args.slow, stop)
    )
    progress(f"{args.slow // 4} slow-body connections to the federation inbox")
    result["slow_bodies"] = await while_loaded(
        member, args.samples, lambda stop: slow_bodies(home.port, args.slow // 4, stop)
    )
    progress("how long a never-finished request may hold a connection")
    result["unfinished_headers_closed_after_s"] = await header_deadline(home.port, args.deadline)
    progress(f"a flood of {args.flood} stranger proposals")
    result["stranger_flood"] = await while_loaded(
        member, args.samples, lambda stop: flood(home.url, args.flood, 20, stop)
    )
    progress(f"a twin pushing {args.items} items")
    batches = signed_batches(pusher, args.items)
    result["twin_push"] = await while_loaded(
        member, 100_000, lambda stop: push(pusher, home.url, batches, stop), finite=True
    )
    idle_p95 = result["idle"]["p95_ms"]
    for name in ("slow_headers", "slow_bodies", "stranger_flood", "twin_push"):
        p95 = result[name]["member"]["p95_ms"]
        result[name]["member"]["p95_vs_idle"] = round(p95 / idle_p95, 2) if p95 and idle_p95 else None
    return result


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
    asyncio.run(main(parser.parse_args()))
