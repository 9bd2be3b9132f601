"""No signed request can be replayed after a restart, not even one created in the future."""

from __future__ import annotations

import time

import aiohttp

from node.config import load_settings
from node.store import Store
from protocol.httpsig import sign_request
from tests.support.nodes import eventually, twin


async def send(url: str, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
        return resp.status


async def test_replay__a_request_created_in_the_future_is_refused_again_after_a_restart(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    url = nyc.url + "/federation/v1/feed?after=0"
    created = int(time.time()) + 200  # within the 300-second window, ahead of the clock
    headers = sign_request("GET", url, {}, b"", london.node.keys.current, london.node.client.keyid, created=created)
    assert await send(url, headers) == 200
    await nyc.stop()
    await nyc.start()
    assert await send(url, headers) == 401, "the restarted node must not take the same request again"


async def test_replay__after_a_clean_restart_honest_requests_go_through_within_a_second(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    assert (await london.node.client.get(nyc.url + "/federation/v1/feed?after=0")).status == 200
    await nyc.stop()
    await nyc.start()
    # The stored bound is the newest request's second, not start time plus the 300-second window.
    assert nyc.node.nonces.floor <= int(time.time()) + 1

    async def status() -> int:
        return (await london.node.client.get(nyc.url + "/federation/v1/feed?after=0")).status

    await eventually(status, 200)


async def older_version(nyc, bound: int | None) -> None:
    """Leave the database as a version that kept nonces in memory left it: no shared floor yet,
    and `bound` as that version's stored bound (or none, as the versions before it)."""
    await nyc.stop()
    store = await Store(load_settings(nyc.directory, {}).database_url).open()  # SQLite or PostgreSQL
    async with store.db.transaction() as tx:
        await tx.execute("DELETE FROM counters WHERE name IN ('replay_floor', 'nonce_floor')")
        if bound is not None:
            await tx.execute("INSERT INTO counters (name, value) VALUES ('replay_floor', ?)", (bound,))
    await store.close()
    await nyc.start()


async def test_replay__a_node_that_ran_before_without_a_stored_bound_waits_out_the_window(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    await older_version(nyc, None)
    assert nyc.node.nonces.floor >= nyc.node.started_at + 300


async def test_replay__the_bound_an_older_version_stored_becomes_every_workers_floor(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    bound = int(time.time()) + 100  # an older version accepted a request created this far ahead
    await older_version(nyc, bound)
    assert nyc.node.nonces.floor == bound + 1
    assert await nyc.node.store.nonces.get_floor() == bound + 1, "stored where every worker reads it"
    url = nyc.url + "/federation/v1/feed?after=0"
    headers = sign_request("GET", url, {}, b"", london.node.keys.current, london.node.client.keyid, created=bound)
    assert await send(url, headers) == 401
