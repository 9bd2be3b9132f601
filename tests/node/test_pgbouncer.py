"""A node whose database is reached through PgBouncer in transaction mode: it keeps no session
state between transactions (each may run on another server connection), so it twins, hosts a
reservation and refuses a replay exactly as it does on a direct connection; and `gemella db
check --signatures` reads its database through it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import aiohttp
import pytest

from protocol.httpsig import sign_request
from tests.booking.support import (
    add_member,
    add_resource,
    days_ahead,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)
from tests.support.pgbouncer import Bouncer, installed
from tests.support.postgres import missing, require, running_cluster

NY = "America/New_York"


@pytest.fixture
def bouncer() -> Iterator[Bouncer]:
    require()
    if installed() is None:
        missing(RuntimeError("PgBouncer is not installed (Debian: apt-get install pgbouncer)"))
    started = Bouncer(running_cluster()).start()
    yield started
    started.stop()


async def test_pgbouncer__a_node_behind_it_twins_hosts_a_reservation_and_refuses_a_replay(nodes, bouncer) -> None:
    url = bouncer.database()
    nyc = await nodes("NYC", NY, config={"storage": {"database_url": url}})
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 4)
    day = days_ahead(NY, 5)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 2)
    member = await add_member(london, "Ada")
    await wait_remaining(london, nyc, slot["id"], member, 2)
    for _ in range(3):  # the host runs the same statements again and again: nothing may be prepared
        status, receipt = await reserve(london, member, slot_id=slot["id"], seats=1)
        assert status in (201, 409), receipt
    rows = await nyc.node.store.db.fetch_all("SELECT seats FROM hosted_reservations WHERE status = 'confirmed'")
    assert sum(row["seats"] for row in rows) == 2

    path = "/federation/v1/feed?after=0"
    headers = sign_request("GET", nyc.url + path, {}, b"", london.node.keys.current, london.node.client.keyid)
    async with aiohttp.ClientSession() as session:
        async with session.get(nyc.local + path, headers=headers) as first:
            assert first.status == 200
        async with session.get(nyc.local + path, headers=headers) as again:
            assert again.status == 401 and (await again.json())["type"].endswith("/replay")
    assert f":{bouncer.port}/" in nyc.node.settings.database_url, "the node spoke to PgBouncer, not the server"
    command = [sys.executable, "-m", "node.cli", "db", "check", str(nyc.directory), "--signatures"]
    checked = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and "stored signed objects verify" in checked.stdout, checked.stderr
    assert "prepared statement" not in bouncer.log()
