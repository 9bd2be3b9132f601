"""Event fan-out latency: from POST /api/v1/events at the origin to the event being readable
in the store of each of N twins, beside bare aiohttp round trips on the same loopback (one
request; and one POST of the same size to each of N trivial servers at once).

    python bench/events.py [--twins 10] [--events 50]

Prints one JSON object (progress on stderr). All nodes run in this process, on real loopback
ports with real signatures, as the integration tests run them; pulls are switched off so the
figure is the push path: publish -> outbox -> signed POST to each inbox -> verify -> commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web

from bench._common import emit, machine, percentile, progress
from node.logs import configure_logging
from tests.support.nodes import InProcessNode, free_port, twin

QUIET = {"log": {"level": "warning"}, "delivery": {"pull_interval_seconds": 3600.0}}
GOAL_P99_MS = 100.0
POLL_SECONDS = 0.002  # coarse enough that polling 10 stores does not slow what it measures


def event_body(n: int) -> dict[str, Any]:
    """An announcement of the usual size (about 1 KB signed)."""
    day = 1 + n % 28
    return {
        "title": f"Watch party #{n}: the twin cities' hackathon finals",
        "summary": "Join TheCube London live on the big screen, vote with their audience, meet the winners.",
        "description": "Twelve teams present what they built in 48 hours. " * 6,
        "starts_at": f"2027-05-{day:02d}T18:00",
        "ends_at": f"2027-05-{day:02d}T21:00",
        "venue": "WeCreate NYC",
        "room": "Main hall, 2nd floor",
        "online_url": "https://live.nyc.example/rooms/finals",
        "capacity": 80,
        "language": "en",
        "tags": ["hackathon", "watch-party", "twinning"],
    }


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": ms(percentile(samples, 50)),
        "p99_ms": ms(percentile(samples, 99)),
        "max_ms": ms(max(samples)),
    }


async def bare_round_trips(count: int, servers: int) -> tuple[list[float], list[float]]:
    """Trivial aiohttp handlers on loopback, over keep-alive: one GET at a time, and one POST of
    an event-sized body to each of `servers` servers at once (the fan-out's shape, nothing else)."""

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    runners, ports = [], []
    for _ in range(servers):
        app = web.Application()
        app.router.add_route("*", "/", ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        ports.append(free_port())
        await web.TCPSite(runner, "127.0.0.1", ports[-1]).start()
        runners.append(runner)
    payload = json.dumps(event_body(0)).encode() * 2  # about the size of a signed inbox batch of one

    async def post(session: aiohttp.ClientSession, port: int) -> None:
        async with session.post(f"http://127.0.0.1:{port}/", data=payload) as resp:
            await resp.read()

    single, fanned = [], []
    try:
        async with aiohttp.ClientSession() as session:
            for i in range(count + 20):
                started = time.perf_counter()
                async with session.get(f"http://127.0.0.1:{ports[0]}/") as resp:
                    await resp.read()
                if i >= 20:  # the first calls open the connection and warm up
                    single.append(time.perf_counter() - started)
            for i in range(count // 5 + 5):
                started = time.perf_counter()
                await asyncio.gather(*(post(session, port) for port in ports))
                if i >= 5:
                    fanned.append(time.perf_counter() - started)
    finally:
        for runner in runners:
            await runner.cleanup()
    return single, fanned


async def readable_everywhere(origin: InProcessNode, twins: list[InProcessNode], n: int) -> tuple[float, list[float]]:
    """Publish one event; seconds until the POST answered, and until each twin stores it."""
    started = time.perf_counter()
    created = await origin.api.ok("POST", "/api/v1/events", event_body(n))
    posted = time.perf_counter() - started
    pending = dict(enumerate(twins))
    seen: list[float] = []
    while pending:
        for index, peer in list(pending.items()):
            if await peer.node.store.objects.get("Event", origin.url, created["id"]) is not None:
                seen.append(time.perf_counter() - started)
                del pending[index]
        if pending:
            await asyncio.sleep(POLL_SECONDS)
    return posted, seen


async def fanout(root: Path, twin_count: int, events: int) -> dict[str, Any]:
    progress(f"starting an origin and {twin_count} twins")
    origin = await InProcessNode.create(root, "Origin", "America/New_York", config=QUIET)
    twins = [await InProcessNode.create(root, f"Twin{i}", "Europe/London", config=QUIET) for i in range(twin_count)]
    everyone = [origin, *twins]
    try:
        for peer in twins:
            await twin(origin, peer)
        progress("twinned; warming up")
        for n in range(3):
            await readable_everywhere(origin, twins, n)
        posts, each, slowest = [], [], []
        for n in range(events):
            posted, seen = await readable_everywhere(origin, twins, n + 3)
            posts.append(posted)
            each += seen
            slowest.append(max(seen))
            if (n + 1) % 10 == 0:
                progress(f"{n + 1}/{events} events: last reached all twins in {ms(max(seen))} ms")
        return {"post": posts, "each": each, "all": slowest}
    finally:
        for node in everyone:
            await node.stop()
            await node.close_session()


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")  # stdout is for the JSON result
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gemella-bench-") as tmp:
        measured = await fanout(Path(tmp), args.twins, args.events)
    progress("bare aiohttp round trips")
    bare, bare_fanout = await bare_round_trips(args.bare, args.twins)
    each = summary(measured["each"])
    emit(
        {
            "benchmark": "events",
            "machine": machine(),
            "twins": args.twins,
            "events": args.events,
            "readable_at_each_twin": each,
            "readable_at_all_twins": summary(measured["all"]),
            "post_answered": summary(measured["post"]),
            "bare_aiohttp_round_trip": summary(bare),
            "bare_aiohttp_fanout_to_all": summary(bare_fanout),
            "p99_over_bare_round_trip_p50": round(each["p99_ms"] / max(ms(percentile(bare, 50)), 0.001), 1),
            "goal_p99_ms": GOAL_P99_MS,
            "goal_met": each["p99_ms"] < GOAL_P99_MS,
            "seconds": round(time.perf_counter() - started, 1),
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--twins", type=int, default=10)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--bare", type=int, default=500, help="bare round trips to time")
    asyncio.run(main(parser.parse_args()))
