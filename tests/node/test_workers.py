"""`gemella run --workers 3` on PostgreSQL: three real processes behind one address, and a twin.

- 200 reservations at once for 5 seats, decided by whichever worker each request reaches: 5.
- A worker killed mid-delivery loses nothing the node acknowledged, and the twin stores each
  version once: another worker takes the rows over once the dead worker's claim lapses.
- A twin reading the feed while writers on every worker commit never skips a change.
- Each periodic job runs in one worker (node/store/leases.py).
- A signed request replayed to the other workers is refused by each (node/store/nonces.py).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest
import pytest_asyncio
from aiohttp import web

from protocol.httpsig import sign_request
from tests.booking.support import add_member, add_resource, days_ahead, kind_of, offer, reserve, terms, wall
from tests.support.nodes import (
    BaseNode,
    InProcessNode,
    eventually,
    make_node_dir,
    twin,
    wait_until_up,
)
from tests.support.objects import versions
from tests.support.proxy import ForwardingProxy

pytestmark = pytest.mark.asyncio(loop_scope="module")

WORKERS = 3
LEASE = 2.0  # seconds: a killed worker's claims lapse quickly
DAY = "2027-03-10"


class WorkersNode(BaseNode):
    """`gemella run DIR --workers 3` as a child process (the supervisor and its workers)."""

    process: subprocess.Popen[bytes]

    @classmethod
    async def create(cls, root: Path, name: str, database_url: str) -> WorkersNode:
        config = {"storage": {"database_url": database_url, "lease_seconds": LEASE}}
        directory, port, token, url = await make_node_dir(root, name, config=config)
        node = cls(directory, name, port, token, url)
        log = open(directory / "node.log", "ab")  # noqa: SIM115 (the child keeps it)
        command = [sys.executable, "-m", "node.cli", "run", str(directory), "--workers", str(WORKERS)]
        # GEMELLA_SOAK is the test harness's, not a setting: the node would read it as a config override.
        env = {**{k: v for k, v in os.environ.items() if k != "GEMELLA_SOAK"}, "PYTHONUNBUFFERED": "1"}
        node.process = subprocess.Popen(command, stdout=log, stderr=log, env=env)
        await wait_until_up(node.local + "/healthz", node.process, timeout=90)
        await eventually(node.count_workers, WORKERS, timeout=30)
        return node

    async def count_workers(self) -> int:
        return len(self.workers())

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    async def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, 30)

    def log_text(self) -> str:
        return (self.directory / "node.log").read_text(errors="replace")


class SlowInbox(ForwardingProxy):
    """At the twin's URL: holds each push to its inbox for a while before forwarding it."""

    hold = 0.0  # seconds; a test sets it

    async def intercept(self, request: web.Request, body: bytes) -> web.StreamResponse | None:
        if request.path.endswith("/inbox") and self.hold:
            await asyncio.sleep(self.hold)
        return None


@dataclass
class Pair:
    host: WorkersNode  # three workers on PostgreSQL
    away: InProcessNode  # its twin, whose public URL is `proxy`
    proxy: SlowInbox
    database_url: str


@pytest.fixture(scope="module")
def module_postgres_url() -> str:
    """conftest's `postgres_url`, once for the module: starting three workers is the slow part."""
    from tests.support.postgres import new_database_url, require

    require()
    return new_database_url()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pair(tmp_path_factory: pytest.TempPathFactory, module_postgres_url: str) -> AsyncIterator[Pair]:
    root = tmp_path_factory.mktemp("workers")
    proxy = SlowInbox()
    await proxy.start()
    host = await WorkersNode.create(root, "Host", module_postgres_url)
    away = await InProcessNode.create(root, "Away", url=proxy.url)
    proxy.target = away.local
    try:
        await twin(host, away, offer=terms(("desk", "day", 500, "month")), request=terms())
        yield Pair(host, away, proxy, module_postgres_url)
    finally:
        await away.stop()
        await away.close_session()
        code = await host.stop()
        await host.close_session()
        await proxy.stop()
    assert code == 0, host.log_text()[-3000:]


def _sql(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


async def _fresh_connection(node: BaseNode, method: str, path: str, body: Any) -> tuple[int, Any]:
    """One request on a connection of its own, so the kernel may hand it to any worker."""
    headers = {"Authorization": f"Bearer {node.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, node.local + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


async def test_run__three_workers_give_five_seats_to_exactly_five_of_two_hundred(pair: Pair) -> None:
    host, away = pair.host, pair.away
    hall = await add_resource(host, "desk", 5, name="Hall")
    day = days_ahead("UTC", 6)
    slot = await offer(host, hall["id"], away.url, wall(day, 9), wall(day, 17), 5)
    members = [await add_member(away, f"Member {i}") for i in range(100)]
    await eventually(lambda: versions(away, "Slot", host.url), lambda found: slot["id"] in found)

    results = await asyncio.gather(*(reserve(away, m, slot_id=slot["id"]) for m in members for _ in range(2)))

    # On a loaded machine the home may stop waiting for the host (202: pending, asked again later).
    outcomes = Counter(status if status < 300 else kind_of(body) for status, body in results)
    assert set(outcomes) <= {201, 202, "slot-full"} and outcomes[201] <= 5

    async def at_home() -> dict[str, int]:
        rows = await away.node.store.db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM home_reservations WHERE target_id = ? GROUP BY status", (slot["id"],)
        )
        return {r["status"]: r["n"] for r in rows}

    assert await eventually(at_home, {"confirmed": 5, "rejected": 195}, timeout=60)
    confirmed = _sql(pair.database_url, "SELECT COUNT(*) FROM hosted_reservations WHERE status = 'confirmed'")
    assert confirmed == [(5,)]


async def test_run__a_feed_reader_never_skips_a_change_while_every_worker_writes(pair: Pair) -> None:
    host, away = pair.host, pair.away
    rng = random.Random(17)
    written: set[str] = set()
    seen: set[str] = set()
    cursor, done = 0, asyncio.Event()

    async def follow() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            answer = await away.node.client.get_feed(host.url, cursor, 500)
            if answer.status != 200:  # busy (a loaded machine): read again, as a twin would
                await asyncio.sleep(0.2)
                continue
            page = answer.json()["items"]
            for item in page:
                seen.add(item["envelope"]["object"]["id"])
                cursor = max(cursor, item["seq"])
            if finished and not page:
                return

    reading = asyncio.create_task(follow())
    for round_ in range(4):  # rounds of concurrent writes of random size, each on a fresh connection
        batch = [_event(f"Round {round_} talk {i}", i) for i in range(rng.randint(10, 25))]
        answers = await asyncio.gather(*(_fresh_connection(host, "POST", "/api/v1/events", b) for b in batch))
        assert all(status == 201 for status, _ in answers)
        written |= {body["id"] for _, body in answers}
    done.set()
    await reading
    assert written <= seen, f"the reader skipped {sorted(written - seen)}"


async def test_run__each_periodic_job_is_held_by_one_live_worker(pair: Pair) -> None:
    async def holders() -> dict[str, str]:
        return dict(await asyncio.to_thread(_sql, pair.database_url, "SELECT name, holder FROM job_leases"))

    wanted = {f"pull:{pair.away.url}", "booking-waitlist", "booking-retrier"}
    held = await eventually(holders, lambda found: wanted <= set(found))
    pids = {int(holder.split(":")[1]) for holder in held.values()}
    assert pids <= set(pair.host.workers())


async def test_run__a_signed_request_is_taken_once_whichever_workers_it_is_replayed_to(pair: Pair) -> None:
    """The same signed request on 20 fresh connections: the kernel spreads them over the three
    workers (all 20 on one would happen about once in 10^9 runs), and only the first is taken."""
    host, away = pair.host, pair.away
    path = "/federation/v1/feed?after=0"
    headers = sign_request("GET", host.url + path, {}, b"", away.node.keys.current, away.node.client.keyid)
    answers = []
    for _ in range(20):
        async with aiohttp.ClientSession() as session, session.get(host.local + path, headers=headers) as resp:
            answers.append((resp.status, (await resp.json()).get("type", "") if resp.status != 200 else ""))
    assert answers[0][0] == 200
    assert all(status == 401 and kind.endswith("/replay") for status, kind in answers[1:]), answers


async def test_run__a_worker_killed_mid_delivery_loses_nothing_and_the_twin_stores_each_version_once(
    pair: Pair,
) -> None:
    host, away = pair.host, pair.away
    pair.proxy.hold = 1.0  # the twin is slow: deliveries are under way when the worker dies
    created = await asyncio.gather(
        *(_fresh_connection(host, "POST", "/api/v1/events", _event(f"Talk {i}", i)) for i in range(30))
    )
    assert all(status == 201 for status, _ in created)
    acknowledged = {body["id"] for _, body in created}

    claimers = await eventually(lambda: _claimers(pair.database_url), bool, timeout=10)
    victim = int(next(iter(claimers)).split(":")[1])
    assert victim in host.workers()
    os.kill(victim, signal.SIGKILL)
    pair.proxy.hold = 0.0

    await eventually(lambda: _outbox_depth(pair.database_url), 0, timeout=30)
    held = await versions(away, "Event", host.url)
    assert acknowledged <= set(held) and {held[i] for i in acknowledged} == {1}
    stored = await away.node.store.db.fetch_all(
        "SELECT id, version, COUNT(*) AS n FROM objects WHERE origin = ? AND type = 'Event' GROUP BY id, version",
        (host.url,),
    )
    assert {r["n"] for r in stored} == {1}  # every version of every event stored once
    await eventually(host.count_workers, WORKERS)  # the dead worker was replaced
    assert "worker_died" in host.log_text()


async def _claimers(url: str) -> set[str]:
    rows = await asyncio.to_thread(_sql, url, "SELECT DISTINCT claimed_by FROM outbox WHERE claimed_by IS NOT NULL")
    return {r[0] for r in rows}


async def _outbox_depth(url: str) -> int:
    return int((await asyncio.to_thread(_sql, url, "SELECT COUNT(*) FROM outbox"))[0][0])


def _event(title: str, i: int) -> dict[str, Any]:
    minute = f"{i % 60:02d}"
    return {"title": title, "starts_at": f"{DAY}T18:{minute}", "ends_at": f"{DAY}T19:{minute}"}
