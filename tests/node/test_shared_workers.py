"""Two workers of one node on one database: a request accepted by one is a replay at the other,
and a budget spent at one is spent at the other (on PostgreSQL, where workers share buckets).

The second worker is a second application built from the node's own directory, listening on
another port, as `gemella run --workers 2` or a second process of the operator's would.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from node.config import load_settings
from node.web.app import create_app
from node.web.server import NodeRunner
from protocol.envelope import seal
from protocol.httpsig import sign_request
from tests.support.nodes import InProcessNode, free_port, twin
from tests.support.objects import make_event
from tests.support.postgres import on_postgresql

Worker = Callable[[InProcessNode], Awaitable[str]]


@pytest.fixture
async def second_worker() -> AsyncIterator[Worker]:
    """`await second_worker(node)`: the local base URL of another worker serving `node`."""
    runners: list[web.AppRunner] = []

    async def start(node: InProcessNode) -> str:
        settings = load_settings(node.directory, {})
        runner = NodeRunner(create_app(settings), settings)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


async def send(method: str, base: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, base + path, headers=headers, data=body) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


def signed(sender: InProcessNode, receiver: InProcessNode, method: str, path: str, body: bytes = b"") -> dict[str, str]:
    """Headers signed by `sender` for `receiver`'s public URL, whichever worker they reach."""
    headers = {"Content-Type": "application/json"} if body else {}
    key, keyid = sender.node.keys.current, sender.node.client.keyid
    return headers | sign_request(method, receiver.url + path, headers, body, key, keyid)


async def test_replay__a_request_taken_by_one_worker_is_refused_by_the_other(nodes, second_worker: Worker) -> None:
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    other = await second_worker(nyc)
    path = "/federation/v1/feed?after=0"
    headers = signed(london, nyc, "GET", path)
    assert (await send("GET", nyc.local, path, headers))[0] == 200
    status, problem = await send("GET", other, path, headers)
    assert status == 401 and problem["type"].endswith("/replay")
    fresh = signed(london, nyc, "GET", path)
    assert (await send("GET", other, path, fresh))[0] == 200, "the other worker serves honest requests"


@pytest.mark.skipif(not on_postgresql(), reason="a SQLite node is one process: its buckets stay in memory")
async def test_rate_limit__a_twins_budget_spent_at_one_worker_is_spent_at_the_other(
    nodes, second_worker: Worker
) -> None:
    strict = {"limits": {"peer_items_per_second": 0.01, "peer_item_burst": 600}}
    nyc, london = await nodes("NYC"), await nodes("London", config=strict)
    await twin(nyc, london)
    other = await second_worker(london)
    key, path = nyc.node.keys.current, "/federation/v1/inbox"

    def batch(prefix: str, count: int) -> bytes:
        items = [seal(make_event(nyc.url, f"{prefix}{i}", 1), key).model_dump(mode="json") for i in range(count)]
        return json.dumps({"items": items}).encode()

    body = batch("a", 500)
    assert (await send("POST", london.local, path, signed(nyc, london, "POST", path, body), body))[0] == 202
    body = batch("b", 200)
    status, problem = await send("POST", other, path, signed(nyc, london, "POST", path, body), body)
    assert status == 429 and problem["type"].endswith("/rate-limited"), "500 of 600 were spent at the first"


@pytest.mark.skipif(not on_postgresql(), reason="a SQLite node is one process: its buckets stay in memory")
async def test_rate_limit__an_address_refused_at_one_worker_is_refused_at_the_other(
    nodes, second_worker: Worker
) -> None:
    nyc = await nodes("NYC", config={"limits": {"unverified_requests_per_minute": 0.1}})
    other = await second_worker(nyc)
    path = "/federation/v1/feed?after=0"
    refused = [(await send("GET", nyc.local, path, {}))[0] for _ in range(30)]
    assert set(refused) == {401}, "unsigned: refused, and charged to the address"
    status, problem = await send("GET", other, path, {})
    assert status == 429 and problem["type"].endswith("/rate-limited")
