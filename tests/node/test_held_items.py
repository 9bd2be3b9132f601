"""Items a twin refuses for the moment (PROTOCOL.md section 11) stay in the outbox and are
sent again later, with backoff; items it refuses for good are not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.support.nodes import eventually, free_port, twin
from tests.support.objects import make_event, publish, versions

PROBLEMS = "https://gemellaggio.org/problems/"


class Refusing:
    """At a twin's public URL: forwards everything, but answers the first `refusals` inbox
    batches itself, refusing every item with `problem`."""

    def __init__(self, problem: str, refusals: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = ""
        self.problem, self.refusals = problem, refusals
        self.inbox_posts = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.path == "/federation/v1/inbox" and self.refusals > 0:
            self.refusals -= 1
            self.inbox_posts += 1
            items = (await request.json())["items"]
            problem = {"type": PROBLEMS + self.problem, "title": "refused", "status": 401}
            results = [{"index": i, "status": "rejected", "problem": problem} for i in range(len(items))]
            return web.json_response({"results": results}, status=202)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self._session.request(
            request.method, self.target + request.path_qs, data=body or None, headers=headers
        ) as resp:
            payload = await resp.read()
            return web.Response(status=resp.status, body=payload, headers={"Content-Type": resp.content_type})


@pytest.fixture
async def refusing() -> AsyncIterator[Refusing]:
    proxy = Refusing("unknown-key", refusals=0)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def pending(node: Any, peer: str) -> int:
    return len(await node.node.store.outbox.pending(peer, "inbox", 500))


async def setup(nodes: Any, refusing: Refusing) -> tuple[Any, Any]:
    # London reads no feed after activation: only NYC's pushes can bring it the event.
    london = await nodes("London", url=refusing.url, config={"delivery": {"pull_interval_seconds": 3600}})
    refusing.target = london.local
    nyc = await nodes("NYC")
    await twin(nyc, london)
    return nyc, london


async def test_delivery__an_item_refused_for_the_moment_is_sent_again_until_taken(nodes, refusing):
    nyc, london = await setup(nodes, refusing)
    refusing.problem, refusing.refusals = "unknown-key", 3
    await publish(nyc, make_event(nyc.url, "held"))
    await eventually(lambda: versions(london, "Event", nyc.url), {"held": 1}, timeout=20)
    assert refusing.inbox_posts == 3 and await pending(nyc, london.url) == 0


async def test_delivery__an_item_refused_for_good_leaves_the_outbox(nodes, refusing):
    nyc, london = await setup(nodes, refusing)
    refusing.problem, refusing.refusals = "validation-error", 1
    await publish(nyc, make_event(nyc.url, "refused"))
    await eventually(lambda: _posts(refusing), 1, timeout=20)
    await eventually(lambda: pending(nyc, london.url), 0, timeout=20)
    assert await versions(london, "Event", nyc.url) == {}


async def _posts(refusing: Refusing) -> int:
    return refusing.inbox_posts
