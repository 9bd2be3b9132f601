"""Reservations abroad: member-to-receipt latency and reservations per second over two nodes,
beside a bare two-hop aiohttp request loop (client -> server A -> server B) measured in the
same run, with the same topology (A and B are child processes, as the two nodes are).

    python bench/booking.py [--seconds 3] [--repeats 3] [--members 50] [--profile-home FILE]
        [--profile-host FILE]

Rounds alternate (reservations, the bare loop, then the floor) so that all see the same load
from whatever else runs on the machine; each ratio is per round, the figure their median. The
floor is the bare loop plus the Ed25519 signatures and verifications the protocol makes on each
hop of a reservation (raw libsodium calls): the part of a reservation no implementation of this
protocol can avoid. `floor_ratio` (floor / bare loop) says how close to the bare loop any
implementation could come; `ratio_to_floor` how close this one is. CPU
milliseconds per call (both servers, all their threads) are reported beside the rates: on a
shared machine they move less than rates do; the host's and the home's shares are also reported
on their own (`host_cpu_ms_per_reservation`, `home_cpu_ms_per_reservation`). With
`--profile-home FILE` (`--profile-host FILE`) py-spy (`pip install py-spy`, not a dependency of
the node) samples the home (host) process through the rounds and writes its stacks to FILE
(collapsed: one stack and its count a line).

Each reservation is: member -> home (token, pending row, member pass, signed request) ->
host (request signature, the request's object signature, one transaction, signed receipt;
the slot's new `remaining` published after it, at most twice a second per busy slot) -> home
(receipt verified and stored) -> member. Prints one JSON object; progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
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

from bench._common import emit, machine, median, percentile, progress
from node.logs import configure_logging
from tests.support.nodes import ProcessNode, free_port, twin, wait_until_up

QUIET = {"log": {"level": "warning"}, "delivery": {"pull_interval_seconds": 3600.0}}
TERMS = {"allowances": [], "rules": {"book_ahead_days": 730, "min_notice_hours": 0, "max_seats_per_reservation": 10}}
SLOTS = 8
SEATS_PER_SLOT = 10_000

# What a reservation's protocol signs and verifies on each hop, counted in a real exchange by
# tests/booking/test_reservation_costs.py (which keeps these figures true). The home (A): the
# request's envelope and its RFC 9421 signature signed, the host's receipt verified. The host (B):
# the request's RFC 9421 signature and its envelope verified, the receipt signed. The member pass
# is signed once per half-life at home and verified once at the host (kept by its signature), and
# the slot's new `remaining` is pushed at most twice a second per busy slot: neither is per
# reservation under load, so neither is in the floor.
HOME_SIGNS, HOME_VERIFIES = 2, 1
HOST_SIGNS, HOST_VERIFIES = 1, 2
SIGNED_BYTES = 600  # about a request's or a receipt's canonical bytes (a signature base is shorter)

# A trivial aiohttp server: B answers a small JSON document; A asks B, then answers the same.
# With `signs` and `verifies` (the floor), each hop also makes that many raw libsodium Ed25519
# signatures and verifications per request: B before it answers, A before it asks B (signs)
# and after B answered (verifies), as the home and the host do.
TWO_HOP = """
import sys, aiohttp
from aiohttp import web
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
role, port, upstream = sys.argv[1], int(sys.argv[2]), sys.argv[3]
signs, verifies, size = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
public, secret = crypto_sign_seed_keypair(bytes(32))
signed = crypto_sign(b"x" * size, secret)
def sign():
    for _ in range(signs):
        crypto_sign(b"y" * size, secret)
def verify():
    for _ in range(verifies):
        crypto_sign_open(signed, public)
async def b(request):
    await request.read()
    verify()
    sign()
    return web.json_response({"ok": True, "id": request.match_info["id"]})
async def a(request):
    body = await request.read()
    sign()
    url = upstream + "/hop/" + request.match_info["id"]
    async with request.app["session"].put(url, data=body, headers={"Content-Type": "application/json"}) as r:
        answer = await r.json()
    verify()
    return web.json_response(answer, status=201)
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


class TwoHop:
    """The bare two-hop loop: A and B as child processes, as the two nodes are. With `crypto`,
    the floor: the same loop making the protocol's Ed25519 operations on each hop."""

    def __init__(self, crypto: bool = False) -> None:
        self.b_port, self.a_port = free_port(), free_port()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.home = (HOME_SIGNS, HOME_VERIFIES) if crypto else (0, 0)
        self.host = (HOST_SIGNS, HOST_VERIFIES) if crypto else (0, 0)

    async def start(self) -> None:
        size = str(SIGNED_BYTES)
        b_ops, a_ops = [str(n) for n in self.host], [str(n) for n in self.home]
        self.procs = [
            subprocess.Popen([sys.executable, "-c", TWO_HOP, "b", str(self.b_port), "-", *b_ops, size]),
            subprocess.Popen(
                [sys.executable, "-c", TWO_HOP, "a", str(self.a_port), f"http://127.0.0.1:{self.b_port}", *a_ops, size]
            ),
        ]
        for port, proc in ((self.b_port, self.procs[0]), (self.a_port, self.procs[1])):
            await wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(10)

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self.procs]

    async def call(self, session: aiohttp.ClientSession, _: int) -> bool:
        payload = {"slot_id": "s", "seats": 1, "padding": "x" * 200}
        async with session.put(f"http://127.0.0.1:{self.a_port}/hop/{uuid.uuid4()}", json=payload) as resp:
            await resp.read()
            return resp.status == 201


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes, all threads (bench/postgresql_workers.py too)."""
    return sum(cpu_by_process(pids))


def cpu_by_process(pids: list[int]) -> list[float]:
    """User + system CPU time of each process (all its threads), in the order given."""
    ticks = []
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks.append(int(fields[11]) + int(fields[12]))
    return [t / os.sysconf("SC_CLK_TCK") for t in ticks]


async def measured(
    session: aiohttp.ClientSession, workers: list[Any], seconds: float, call: Any, pids: list[int]
) -> dict[str, Any]:
    """One closed-loop round: rate, latencies, and the servers' CPU time per call (all of them,
    and each one's in the order of `pids`)."""
    cpu_before, started = cpu_by_process(pids), time.perf_counter()
    done, latencies, errors = await closed_loop(session, workers, seconds, call)
    elapsed = time.perf_counter() - started
    cpu = [after - before for before, after in zip(cpu_before, cpu_by_process(pids), strict=True)]
    return {
        "rate": (done - errors) / elapsed,
        "latencies": latencies,
        "errors": errors,
        "cpu_ms": 1000 * sum(cpu) / done,
        "cpu_ms_each": [1000 * c / done for c in cpu],
    }


def profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling process `pid` (all its threads, native frames left out) into `output`,
    in py-spy's raw (collapsed stacks) format; stopped with SIGINT, it writes the file."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--threads", "--rate", "1000"]
    return subprocess.Popen([*command, "--nonblocking", "-o", str(output)], stdout=subprocess.DEVNULL)


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


async def rounds(
    root: Path, concurrency: int, seconds: float, repeats: int, profiles: tuple[Path | None, Path | None]
) -> dict[str, Any]:
    """Reservations and the bare two-hop loop measured in alternating rounds, so that both see
    the same neighbours' load; ratios are taken per round, then the median."""
    host, home, slots, people = await setup_nodes(root, concurrency)
    bare, floor = TwoHop(), TwoHop(crypto=True)
    await bare.start()
    await floor.start()
    refused: dict[int, int] = {}

    async def reserve(session: aiohttp.ClientSession, worker: int) -> bool:
        body = {"slot_id": slots[worker % len(slots)], "twin_id": host.url, "seats": 1}
        headers = {"Authorization": f"Bearer {people[worker]['token']}"}
        async with session.put(f"{home.local}/api/v1/reservations/{uuid.uuid4()}", json=body, headers=headers) as resp:
            await resp.read()
            if resp.status != 201:
                refused[resp.status] = refused.get(resp.status, 0) + 1
            return resp.status == 201

    assert host.process is not None and home.process is not None
    node_pids = [host.process.pid, home.process.pid]
    workers = list(range(concurrency))
    booked: list[dict[str, Any]] = []
    hops: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    try:
        connector = aiohttp.TCPConnector(limit=concurrency + 10)
        async with aiohttp.ClientSession(connector=connector) as session:
            await closed_loop(session, [0], 1.0, reserve)  # warm up
            await closed_loop(session, [0] * concurrency, 0.5, bare.call)
            await closed_loop(session, [0] * concurrency, 0.5, floor.call)
            progress("latency: one member at a time for 3 s")
            single = await measured(session, [0], 3.0, reserve, node_pids)
            bare_single = await measured(session, [0], 1.0, bare.call, bare.pids)
            pids = (home.process.pid, host.process.pid)
            spies = [
                profiler(pid, path.resolve()) for pid, path in zip(pids, profiles, strict=True) if path is not None
            ]
            for round_ in range(1, repeats + 1):
                progress(
                    f"round {round_}/{repeats}: {concurrency} members, the bare two-hop, the floor, {seconds} s each"
                )
                booked.append(await measured(session, workers, seconds, reserve, node_pids))
                hops.append(await measured(session, workers, seconds, bare.call, bare.pids))
                floors.append(await measured(session, workers, seconds, floor.call, floor.pids))
            for spy in spies:
                spy.send_signal(signal.SIGINT)
                await asyncio.to_thread(spy.wait, 30)
            pushed = await slot_versions_pushed(session, host)
        confirmed = await host_count(host)
    finally:
        bare.stop()
        floor.stop()
        await home.stop()
        await host.stop()
        await home.close_session()
        await host.close_session()
    loaded = [latency for r in booked for latency in r["latencies"]]
    pairs = list(zip(booked, hops, strict=True))
    floor_pairs = list(zip(floors, hops, strict=True))
    errors = sum(r["errors"] for r in booked)
    return {
        "latency_p50_ms": round(percentile(single["latencies"], 50) * 1000, 2),
        "latency_p99_ms": round(percentile(single["latencies"], 99) * 1000, 2),
        "latency_samples": len(single["latencies"]),
        "reservations_per_s": round(median([r["rate"] for r in booked]), 1),
        "under_load_p50_ms": round(percentile(loaded, 50) * 1000, 2),
        "under_load_p99_ms": round(percentile(loaded, 99) * 1000, 2),
        "concurrent_members": concurrency,
        "errors": errors,
        "refused_by_status": refused,
        "host_confirmed": confirmed,
        "slot_versions_pushed_per_reservation": round(pushed / max(1, confirmed), 3),
        "cpu_ms_per_reservation": round(median([r["cpu_ms"] for r in booked]), 3),
        "host_cpu_ms_per_reservation": round(median([r["cpu_ms_each"][0] for r in booked]), 3),
        "home_cpu_ms_per_reservation": round(median([r["cpu_ms_each"][1] for r in booked]), 3),
        "bare_two_hop_per_s": round(median([r["rate"] for r in hops]), 1),
        "bare_two_hop_p50_ms": round(percentile(bare_single["latencies"], 50) * 1000, 2),
        "bare_two_hop_p99_ms": round(percentile(bare_single["latencies"], 99) * 1000, 2),
        "bare_cpu_ms_per_two_hop": round(median([r["cpu_ms"] for r in hops]), 3),
        "ratio_to_bare_two_hop": round(median([b["rate"] / h["rate"] for b, h in pairs]), 3),
        "ratio_per_round": [round(b["rate"] / h["rate"], 3) for b, h in pairs],
        "cpu_ratio_to_bare_two_hop": round(median([h["cpu_ms"] / b["cpu_ms"] for b, h in pairs]), 3),
        "floor_per_s": round(median([r["rate"] for r in floors]), 1),
        "floor_ratio": round(median([f["rate"] / h["rate"] for f, h in floor_pairs]), 3),
        "floor_ratio_per_round": [round(f["rate"] / h["rate"], 3) for f, h in floor_pairs],
        "floor_cpu_ms": round(median([r["cpu_ms"] for r in floors]), 3),
        "floor_ed25519_per_hop": {"home": [HOME_SIGNS, HOME_VERIFIES], "host": [HOST_SIGNS, HOST_VERIFIES]},
        "ratio_to_floor": round(median([b["rate"] / f["rate"] for b, f in zip(booked, floors, strict=True)]), 3),
    }


async def host_count(host: ProcessNode) -> int:
    slots = (await host.api.ok("GET", "/api/v1/slots"))["items"]
    return sum(s["reserved"] for s in slots)


async def slot_versions_pushed(session: aiohttp.ClientSession, host: ProcessNode) -> int:
    """Objects the host pushed to the home over the whole run: the slots' new `remaining` (the
    receipts travel as answers), a cost each reservation shares."""
    headers = {"Authorization": f"Bearer {host.token}"}
    async with session.get(f"{host.local}/metrics", headers=headers) as resp:
        text = await resp.text()
    counts = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith("gemella_delivered_items_total")]
    return sum(int(float(count)) for count in counts)


async def main(args: argparse.Namespace) -> None:
    configure_logging("warning", "console")
    with tempfile.TemporaryDirectory(prefix="gemella-bench-") as tmp:
        result = await rounds(
            Path(tmp), args.members, args.seconds, args.repeats, (args.profile_home, args.profile_host)
        )
    emit(
        {
            "benchmark": "booking",
            "machine": machine(),
            **result,
            "ratio_method": "median over rounds of reservations/s divided by bare two-hop/s of the round right after",
            "cpu_ratio_method": "bare two-hop CPU ms per call / reservation CPU ms (both servers, all threads)",
            "floor_method": "the bare two-hop with the protocol's raw libsodium signs and verifies on each hop "
            "([signs, verifies]); floor_ratio: its rate / the bare two-hop's of the same round, median",
            "goal_latency_p99_ms": 15,
            "goal_ratio": 0.4,
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--profile-home", type=Path, default=None, help="write the home's py-spy stacks here")
    parser.add_argument("--profile-host", type=Path, default=None, help="write the host's py-spy stacks here")
    asyncio.run(main(parser.parse_args()))
