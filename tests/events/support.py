"""Shared steps of the events tests: spaces, bodies, listings and what a twin can read."""

from __future__ import annotations

from typing import Any

from tests.support.nodes import InProcessNode, twin

NYC_ZONE, LONDON_ZONE, MILAN_ZONE = "America/New_York", "Europe/London", "Europe/Rome"
SPRING = {"from": "2027-03-01", "to": "2027-04-30"}


def body(**fields: Any) -> dict[str, Any]:
    """An event in the publishing space's local time (default: Tuesday 16 March 2027, 18:00-20:00)."""
    return {"title": "Founders' meetup", "starts_at": "2027-03-16T18:00", "ends_at": "2027-03-16T20:00"} | fields


async def nyc_london(nodes: Any) -> tuple[InProcessNode, InProcessNode]:
    nyc = await nodes("NYC", NYC_ZONE)
    london = await nodes("London", LONDON_ZONE)
    await twin(nyc, london)
    return nyc, london


async def publish(node: InProcessNode, **fields: Any) -> dict[str, Any]:
    created: dict[str, Any] = await node.api.ok("POST", "/api/v1/events", body(**fields))
    return created


async def listing(node: InProcessNode, **query: str) -> list[dict[str, Any]]:
    params = "&".join(f"{k}={v}" for k, v in (SPRING | query).items())
    result = await node.api.ok("GET", f"/api/v1/events?{params}")
    items: list[dict[str, Any]] = result["items"]
    return items


async def versions_at(node: InProcessNode, origin: InProcessNode) -> dict[str, int]:
    """What `node` stores of `origin`'s events: id -> version."""
    stored = await node.node.store.objects.list("Event", origin=origin.url, limit=100_000)
    return {o.id: o.version for o in stored}


async def feed_as(reader: InProcessNode, origin: InProcessNode) -> list[dict[str, Any]]:
    """`origin`'s feed as `reader` may read it (a signed GET from reader's own node)."""
    resp = await reader.node.client.get(origin.url + "/federation/v1/feed?after=0&limit=1000")
    assert resp.status == 200, resp.body
    return [i["envelope"]["object"] for i in resp.json()["items"]]


async def member_token(node: InProcessNode) -> str:
    """A member token of `node` (made directly in its store: members are the booking feature's)."""
    async with node.node.write() as work:
        return await node.node.store.tokens.store(work.tx, "member", member_id="m-test")
