"""Items a twin refuses for the moment (PROTOCOL.md section 11) stay in the outbox and are
sent again later, with backoff; items it refuses for good are not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.support.nodes import eventually, twin
from tests.support.objects import make_event, publish, versions
from tests.support.proxy import ForwardingProxy

PROBLEMS = "https://gemellaggio.org/problems/"


class Refusing(ForwardingProxy):
    """At a twin's public URL: forwards everything, but answers the first `refusals` inbox
    batches itself, refusing every item with `problem`."""

    def __init__(self, problem: str, refusals: int) -> None:
        super().__init__()
        self.problem, self.refusals = problem, refusals
        self.inbox_posts = 0

    async def intercept(self, request: web.Request, body: bytes) -> web.StreamResponse | None:
        if request.path == "/federation/v1/inbox" and self.refusals > 0:
            self.refusals -= 1
            self.inbox_posts += 1
            items = (await request.json())["items"]
            problem = {"type": PROBLEMS + self.problem, "title": "refused", "status": 401}
            results = [{"index": i, "status": "rejected", "problem": problem} for i in range(len(items))]
            return web.json_response({"results": results}, status=202)
        return None


@pytest.fixture
async def refusing() -> AsyncIterator[Refusing]:
    proxy = Refusing("unknown-key", refusals=0)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def pending(node: Any, peer: str) -> int:
    return len(await node.node.store.outbox.list_pending(peer, "inbox", 500))


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
