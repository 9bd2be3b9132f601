"""A twin's feed whose cursor does not advance ends the pull with an error instead of looping."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from protocol.envelope import seal
from protocol.problems import Problem
from tests.support.nodes import InProcessNode, eventually, twin
from tests.support.objects import make_event, versions
from tests.support.proxy import ForwardingProxy


class StuckFeed(ForwardingProxy):
    """At a twin's public URL: forwards everything to the twin, but its feed answers the same
    full page, at the same seq, however far the reader says it has read."""

    def __init__(self) -> None:
        super().__init__()
        self.page: list[dict] = []
        self.feed_requests = 0

    async def intercept(self, request: web.Request, body: bytes) -> web.StreamResponse | None:
        if request.path == "/federation/v1/feed" and self.page:
            self.feed_requests += 1
            limit = int(request.query.get("limit", "500"))
            return web.json_response({"items": (self.page * limit)[:limit]})
        return None


@pytest.fixture
async def stuck():
    proxy = StuckFeed()
    await proxy.start()
    yield proxy
    await proxy.stop()


async def test_feed__page_that_does_not_advance_ends_the_pull_with_an_error(nodes, stuck):
    nyc = await nodes("NYC", url=stuck.url)
    stuck.target = nyc.local
    stuck.page = [
        {"seq": 1, "envelope": seal(make_event(nyc.url, "same"), nyc.node.keys.current).model_dump(mode="json")}
    ]
    # No pull of its own but the one at activation: neither on a timer nor as a retry after the
    # failed pull backs off, so the count below is the explicit pull's alone.
    quiet = {"pull_interval_seconds": 3600, "backoff_base_seconds": 3600, "backoff_cap_seconds": 3600}
    london = await nodes("London", config={"delivery": quiet})
    await twin(nyc, london)
    # London pulls once when the twinning becomes active: two pages, and the repeated one ends it.
    # The second page is read while the first is applied, and the cursor moves past the first
    # page only after its objects are stored: wait for the cursor, not for the objects, or the
    # explicit pull below may start from cursor 0 and read two pages itself.
    await eventually(lambda: _cursor(london, nyc.url), 1)
    await eventually(lambda: _count(stuck), 2)
    assert await versions(london, "Event", nyc.url) == {"same": 1}
    link = london.node.federation.link(nyc.url)
    before = stuck.feed_requests
    with pytest.raises(Problem, match="did not advance past 1"):
        await asyncio.wait_for(link.pull_feed(page_size=10), 30)  # a guard only: the old code looped here
    assert stuck.feed_requests == before + 1, "from the stored cursor (1), the first page already does not advance"
    assert (await london.node.store.peer_state.get(nyc.url)).feed_cursor == 1


async def _count(stuck: StuckFeed) -> int:
    return stuck.feed_requests


async def _cursor(node: InProcessNode, peer_id: str) -> int:
    return (await node.node.store.peer_state.get(peer_id)).feed_cursor


async def test_feed__page_without_valid_seq_is_refused(nodes, stuck):
    nyc = await nodes("NYC", url=stuck.url)
    stuck.target = nyc.local
    london = await nodes("London")
    await twin(nyc, london)
    envelope = seal(make_event(nyc.url, "x"), nyc.node.keys.current).model_dump(mode="json")
    link = london.node.federation.link(nyc.url)
    for page in ([{"seq": "1", "envelope": envelope}], [{"envelope": envelope}], [{"seq": 0, "envelope": envelope}]):
        stuck.page = page
        with pytest.raises(Problem, match="feed"):
            await link.pull_feed()
    assert await versions(london, "Event", nyc.url) == {}
