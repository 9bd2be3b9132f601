"""bench/postgresql.py's node phase: one node (the host) on SQLite, on PostgreSQL with one worker
and on PostgreSQL with three (`gemella run --workers 3`), each measured the same way in one run:

- reservations abroad per second: members of a twin (one process on SQLite, the same for every
  case) reserve at the host in a closed loop, as bench/booking.py does;
- inbox objects per second: this script, holding the twin's key, pushes pre-signed events to
  the host's inbox in batches of BATCH from PUSHERS connections at once (so that several
  workers can take them), and counts those the host applied.

CPU milliseconds of the host's processes (all workers, not PostgreSQL's) per reservation and
per object are given beside the rates.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench._common import median, progress
from bench.booking import SEATS_PER_SLOT, SLOTS, TERMS, closed_loop, cpu_seconds
from node.clock import Clock
from node.config import FederationSection
from node.federation.client import FederationClient
from node.keystore import KeyStore
from protocol.envelope import seal
from tests.support.nodes import BaseNode, ProcessNode, make_node_dir, twin, wait_until_up
from tests.support.objects import make_event
from tests.support.postgres import Cluster, create_database

BATCH = 100
PUSHERS = 6
MEMBERS = 30
GENEROUS = {
    "log": {"level": "warning"},
    "delivery": {"pull_interval_seconds": 3600.0},
    "limits": {"twin_max_objects": 10_000_000, "twin_max_bytes": 10 * 1024**3},
}


class Host(BaseNode):
    """The measured node: `gemella run DIR [--workers N]` as a child process."""

    process: subprocess.Popen[bytes]

    @classmethod
    async def start(cls, root: Path, database_url: str | None, workers: int) -> Host:
        config = GENEROUS if database_url is None else {**GENEROUS, "storage": {"database_url": database_url}}
        directory, port, token, url = await make_node_dir(root, "Host", config=config)
        host = cls(directory, "Host", port, token, url)
        command = [sys.executable, "-m", "node.cli", "run", str(directory)]
        # Its first line goes to stderr: stdout is the benchmark's JSON.
        command += ["--workers", str(workers)] if workers > 1 else []
        host.process = subprocess.Popen(command, stdout=sys.stderr)
        await wait_until_up(host.local + "/healthz", host.process, timeout=120)
        return host

    def pids(self) -> list[int]:
        """The processes that serve: the workers (the supervisor itself only waits)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = [int(p) for p in children.read_text().split()] if children.exists() else []
        return workers or [self.process.pid]

    async def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(self.process.wait, 60)
        await self.close_session()


async def booking_setup(host: BaseNode, home: BaseNode) -> tuple[list[str], list[dict[str, Any]]]:
    await twin(host, home, offer=TERMS, request=TERMS)
    slots, day = [], date.today() + timedelta(days=20)
    for index in range(SLOTS):
        body = {"kind": "desk", "name": f"Desks {index}", "capacity": SEATS_PER_SLOT}
        resource = await host.api.ok("POST", "/api/v1/resources", body)
        start = (day + timedelta(days=index)).isoformat()
        slot = {"resource_id": resource["id"], "twin_id": home.url, "seats": SEATS_PER_SLOT}
        slot |= {"starts_at": f"{start}T09:00", "ends_at": f"{start}T17:00"}
        slots.append((await host.api.ok("POST", "/api/v1/slots", slot))["id"])
    body = {"display_name": "Member", "email": "m@example.org"}
    people = [
        await home.api.ok("POST", "/api/v1/members", {**body, "email": f"m{i}@example.org"}) for i in range(MEMBERS)
    ]
    return slots, people


async def reservations(host: Host, home: BaseNode, seconds: float) -> dict[str, float]:
    slots, people = await booking_setup(host, home)

    async def reserve(session: aiohttp.ClientSession, worker: int) -> bool:
        body = {"slot_id": slots[worker % len(slots)], "twin_id": host.url, "seats": 1}
        headers = {"Authorization": f"Bearer {people[worker]['token']}"}
        async with session.put(f"{home.local}/api/v1/reservations/{uuid.uuid4()}", json=body, headers=headers) as resp:
            await resp.read()
            return resp.status == 201

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=MEMBERS + 10)) as session:
        await closed_loop(session, [0], 1.0, reserve)  # warm up
        pids = host.pids()
        cpu, started = cpu_seconds(pids), time.perf_counter()
        done, _, errors = await closed_loop(session, list(range(MEMBERS)), seconds, reserve)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds(pids) - cpu
    return {"per_s": round((done - errors) / elapsed, 1), "host_cpu_ms_each": round(1000 * cpu / max(1, done), 2)}


def signed_batches(home: BaseNode, objects: int) -> list[dict[str, Any]]:
    """Events of the twin, signed with its key before the clock starts (signing is the twin's work)."""
    key = KeyStore.load(home.directory / "keys").current
    tag = uuid.uuid4().hex[:8]
    envelopes = [seal(make_event(home.url, f"bench-{tag}-{i}"), key).model_dump(mode="json") for i in range(objects)]
    return [{"items": envelopes[i : i + BATCH]} for i in range(0, objects, BATCH)]


async def inbox(host: Host, home: BaseNode, objects: int) -> dict[str, float]:
    batches = signed_batches(home, objects)
    key = KeyStore.load(home.directory / "keys").current
    settings = FederationSection(allow_private_addresses=True)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=PUSHERS)) as session:
        client = FederationClient(session, home.url, key, settings, 60.0, Clock())
        applied = 0

        async def push() -> None:
            nonlocal applied
            while batches:
                resp = await client.post_inbox(host.url, batches.pop())
                applied += sum(r.get("status") != "rejected" for r in resp.json()["results"])

        pids = host.pids()
        cpu, started = cpu_seconds(pids), time.perf_counter()
        await asyncio.gather(*(push() for _ in range(PUSHERS)))
        elapsed, cpu = time.perf_counter() - started, cpu_seconds(pids) - cpu
    return {
        "per_s": round(applied / elapsed, 1),
        "applied": applied,
        "host_cpu_ms_each": round(1000 * cpu / max(1, applied), 3),
    }


async def one_case(root: Path, database_url: str | None, workers: int, seconds: float, objects: int) -> dict[str, Any]:
    home = await ProcessNode.create(root, "Home", config=GENEROUS)
    host = await Host.start(root, database_url, workers)
    try:
        booked = await reservations(host, home, seconds)
        pushed = await inbox(host, home, objects)
    finally:
        await host.stop()
        await home.stop()
        await home.close_session()
    return {"reservations_abroad": booked, "inbox_objects": pushed}


async def nodes_phase(seconds: float, objects: int, repeats: int) -> dict[str, Any]:
    """Each case `repeats` times, the cases interleaved; the median of each figure."""
    cluster = Cluster().start()
    cases = {"sqlite_1_process": (False, 1), "postgresql_1_worker": (True, 1), "postgresql_3_workers": (True, 3)}
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    try:
        for round_ in range(repeats):
            for name, (on_postgresql, workers) in cases.items():
                progress(f"nodes round {round_ + 1}/{repeats}: host {name}")
                url = create_database(cluster.admin_url, f"host_{round_}_{name}") if on_postgresql else None
                with tempfile.TemporaryDirectory(prefix="gemella-bench-") as tmp:
                    samples[name].append(await one_case(Path(tmp), url, workers, seconds, objects))
    finally:
        cluster.stop()
    return {name: _medians(found) for name, found in samples.items()}


def _medians(found: list[dict[str, Any]]) -> dict[str, Any]:
    return {part: {key: median([f[part][key] for f in found]) for key in found[0][part]} for part in found[0]}
