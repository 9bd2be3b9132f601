"""Reservations abroad: member-to-receipt latency and reservations per second over two nodes,
beside a bare two-hop aiohttp request loop (client -> server A -> server B) measured in the
same run, with the same topology (A and B are child processes, as the two nodes are).

    python bench/booking.py [--seconds 8] [--members 50]

Each reservation is: member -> home (token, pending row, member pass, signed request) ->
host (request signature, two object signatures, one transaction, signed receipt and slot
version) -> home (receipt verified and stored) -> member. Prints one JSON object; progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._common import emit, machine, percentile, progress
from node.logs import configure_logging
from tests.support.nodes import ProcessNode, free_port, twin, wait_until_up

QUIET = {"log": {"level": "warning"}, "delivery": {"pull_interval_seconds": 3600.0}}
TERMS = {"allowances": [], "rules": {"book_ahead_days": 730, "min_notice_hours": 0, "max_seats_per_reservation": 10}}
SLOTS = 8
SEATS_PER_SLOT = 10_000

# A trivial aiohttp server: B answers a small JSON document; A asks B, then answers the same.
TWO_HOP = """
import sys, aiohttp
from aiohttp import web
role, port, upstream = sys.argv[1], int(sys.argv[2]), sys.argv[3]
async def b(request):
    await request.read()
    return web.json_response({"ok": True, "id": request.match_info["id"]})
async def a(request):
    body = await request.read()
    url = upstream + "/hop/" + request.match_info["id"]
    async with request.app["session"].put(url, data=body, headers={"Content-Type": "application/json"}) as r:
        return web.json_response(await r.json(), status=201)
async def session(app):
    app["session"] = aiohttp.ClientSession()
    yield
    await app["session"].close()
app = web.Application()
app.router.add_put("/hop/{id}", a if role == "a" else b)
app.router.add_get("/healthz", lambda r: web.json_response({"ok": True}))
app.cleanup_ctx.append(session)
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
"""


async def closed_loop(
    session: aiohttp.ClientSession, workers: list[Any], seconds: float, call: Any
) -> tuple[int, list[float], int]:
    """Each worker calls `call(session, worker)` back to back for `seconds`: (done, latencies, errors)."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = 0

    async def run(worker: Any) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            ok = await call(session, worker)
            latencies.append(time.perf_counter() - started)
            errors += not ok

    await asyncio.gather(*(run(w) for w in workers))
    return len(latencies), latencies, errors


async def two_hop_rate(concurrency: int, seconds: float) -> dict[str, float]:
    b_port, a_port = free_port(), free_port()
    procs = [
        subprocess.Popen([sys.executable, "-c", TWO_HOP, "b", str(b_port), "-"]),
        subprocess.Popen([sys.executable, "-c", TWO_HOP, "a", str(a_port), f"http://127.0.0.1:{b_port}"]),
    ]
    try:
        for port, proc in ((b_port, procs[0]), (a_port, procs[1])):
            await wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
        payload = {"slot_id": "s", "seats": 1, "padding": "x" * 200}

        async def call(session: aiohttp.ClientSession, _: int) -> bool:
            async with session.put(f"http://127.0.0.1:{a_port}/hop/{uuid.uuid4()}", json=payload) as resp:
                await resp.read()
                return resp.status == 201

        async with aiohttp.ClientSession() as session:
            await closed_loop(session, [0] * concurrency, 0.5, call)  # warm up connections
            progress(f"bare two-hop: {concurrency} concurrent for {seconds} s")
            started = time.perf_counter()
            done, _, errors = await closed_loop(session, list(range(concurrency)), seconds, call)
            elapsed = time.perf_counter() - started
            _, single, _ = await closed_loop(session, [0], 1.0, call)
        assert errors == 0
        return {
            "bare_two_hop_per_s": round(done / elapsed, 1),
            "bare_two_hop_p50_ms": round(percentile(single, 50) * 1000, 2),
            "bare_two_hop_p99_ms": round(percentile(single, 99) * 1000, 2),
        }
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


async def setup_nodes(root: Path, members: int) -> tuple[ProcessNode, ProcessNode, list[str], list[dict[str, Any]]]:
    host = await ProcessNode.create(root, "Host", "America/New_York", config=QUIET)
    home = await ProcessNode.create(root, "Home", "Europe/London", config=QUIET)
    await twin(host, home, offer=TERMS, request=TERMS)
    slots = []
    day = date.today() + timedelta(days=20)
    for index in range(SLOTS):
        resource = await host.api.ok(
            "POST", "/api/v1/resources", {"kind": "desk", "name": f"Desks {index}", "capacity": SEATS_PER_SLOT}
        )
        start = (day + timedelta(days=index)).isoformat()
        body = {
            "resource_id": resource["id"],
            "twin_id": home.url,
            "starts_at": f"{start}T09:00",
            "ends_at": f"{start}T17:00",
            "seats": SEATS_PER_SLOT,
        }
        slots.append((await host.api.ok("POST", "/api/v1/slots", body))["id"])
    people = [
        await home.api.ok("POST", "/api/v1/members", {"display_name": f"Member {i}", "email": f"m{i}@example.org"})
        for i in range(members)
    ]
    return host, home, slots, people


async def reservations(root: Path, concurrency: int, seconds: float) -> dict[str, Any]:
    host, home, slots, people = await setup_nodes(root, concurrency)
    try:
        refused: dict[int, int] = {}

        async def call(session: aiohttp.ClientSession, worker: int) -> bool:
            body = {"slot_id": slots[worker % len(slots)], "twin_id": host.url, "seats": 1}
            headers = {"Authorization": f"Bearer {people[worker]['token']}"}
            async with session.put(
                f"{home.local}/api/v1/reservations/{uuid.uuid4()}", json=body, headers=headers
            ) as resp:
                await resp.read()
                if resp.status != 201:
                    refused[resp.status] = refused.get(resp.status, 0) + 1
                return resp.status == 201

        connector = aiohttp.TCPConnector(limit=concurrency + 10)
        async with aiohttp.ClientSession(connector=connector) as session:
            await closed_loop(session, [0], 1.0, call)  # warm up
            progress("latency: one member at a time for 3 s")
            _, single, _ = await closed_loop(session, [0], 3.0, call)
            progress(f"throughput: {concurrency} members for {seconds} s")
            started = time.perf_counter()
            done, loaded, errors = await closed_loop(session, list(range(concurrency)), seconds, call)
            elapsed = time.perf_counter() - started
        confirmed = await host_count(host)
        progress(f"{done} reservations in {elapsed:.1f} s; the host holds {confirmed} confirmed")
        return {
            "latency_p50_ms": round(percentile(single, 50) * 1000, 2),
            "latency_p99_ms": round(percentile(single, 99) * 1000, 2),
            "latency_samples": len(single),
            "reservations_per_s": round((done - errors) / elapsed, 1),
            "under_load_p50_ms": round(percentile(loaded, 50) * 1000, 2),
            "under_load_p99_ms": round(percentile(loaded, 99) * 1000, 2),
            "concurrent_members": concurrency,
            "errors": errors,
            "refused_by_status": refused,
            "host_confirmed": confirmed,
        }
    finally:
        await home.stop()
        await host.stop()
        await home.close_session()
        await host.close_session()


async def host_count(host: ProcessNode) -> int:
    slots = (await host.api.ok("GET", "/api/v1/slots"))["items"]
    return sum(s["reserved"] for s in slots)


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")
    with tempfile.TemporaryDirectory(prefix="gemella-bench-") as tmp:
        booked = await reservations(Path(tmp), args.members, args.seconds)
    bare = await two_hop_rate(args.members, args.seconds / 2)
    emit(
        {
            "benchmark": "booking",
            "machine": machine(),
            **booked,
            **bare,
            "ratio_to_bare_two_hop": round(booked["reservations_per_s"] / bare["bare_two_hop_per_s"], 3),
            "goal_latency_p99_ms": 30,
            "goal_ratio": 0.4,
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--members", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
