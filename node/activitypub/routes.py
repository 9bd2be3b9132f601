"""The bridge's HTTP face: WebFinger, NodeInfo, the actor and its collections, the Event objects,
the inbox, and the operator's API for followers and blocked instances.

When `activitypub.enabled` is false every route answers 404, as if the bridge did not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel, Field

from node.clock import iso
from node.http.auth import require_operator
from node.http.errors import json_response, parse_body
from node.http.keys import UNVERIFIED_LIMITER
from node.public import load_profile
from node.ratelimit import address_key
from protocol.problems import Problem, ProblemType

from . import FEDIVERSE, documents
from .bridge import Bridge
from .inbox import receive

routes = web.RouteTableDef()
JRD = "application/jrd+json"


def _bridge(request: web.Request) -> Bridge:
    bridge = request.app.get(FEDIVERSE)
    if bridge is None:
        raise Problem(ProblemType.NOT_FOUND, "this node is not on the fediverse")
    assert isinstance(bridge, Bridge)
    return bridge


def _ap(document: dict[str, Any], content_type: str = documents.CONTENT_TYPE) -> web.Response:
    response = json_response(document)
    response.content_type = content_type
    return response


@routes.get("/.well-known/webfinger")
async def webfinger(request: web.Request) -> web.Response:
    bridge = _bridge(request)
    urls = bridge.urls
    if request.query.get("resource") not in (f"acct:{urls.username}@{urls.host}", urls.actor):
        raise Problem(ProblemType.NOT_FOUND, "no such account here")
    return _ap(documents.webfinger(urls), JRD)


@routes.get("/.well-known/nodeinfo")
async def nodeinfo_links(request: web.Request) -> web.Response:
    base = _bridge(request).urls.base
    schema = "http://nodeinfo.diaspora.software/ns/schema/2.1"
    return json_response({"links": [{"rel": schema, "href": f"{base}/nodeinfo/2.1"}]})


@routes.get("/nodeinfo/2.1")
async def nodeinfo(request: web.Request) -> web.Response:
    bridge = _bridge(request)
    posts = sum(1 for d in (await bridge.store.list_published()).values() if d)
    schema = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    response = json_response(documents.nodeinfo(len(await bridge.store.list_followers()), posts))
    response.headers["Content-Type"] = schema
    return response


@routes.get("/ap/actor")
async def actor(request: web.Request) -> web.Response:
    bridge = _bridge(request)
    settings = bridge.node.settings
    profile = load_profile(settings.directory)
    return _ap(documents.actor(bridge.urls, settings.node.name, profile, bridge.public_pem))


@routes.get("/ap/icon.svg")
async def icon(request: web.Request) -> web.Response:
    name = _bridge(request).node.settings.node.name
    return web.Response(text=documents.icon_svg(name), content_type="image/svg+xml")


@routes.get("/ap/outbox")
async def outbox(request: web.Request) -> web.Response:
    bridge = _bridge(request)
    items = []
    for obj in (await bridge.event_objects()).values():
        times = await bridge.store.get_published_times(obj["id"].rsplit("/", 1)[-1])
        first, last = times or (iso(bridge.node.clock.now()),) * 2
        items.append(documents.activity(bridge.urls, "Create", obj, first, last))
    return _ap(_collection(bridge.urls.outbox, items, ordered=True))


@routes.get("/ap/followers")
async def followers(request: web.Request) -> web.Response:
    bridge = _bridge(request)
    count = len(await bridge.store.list_followers())  # who follows is the followers' business: only the count
    return _ap(_collection(bridge.urls.followers, None, ordered=True, total=count))


@routes.get("/ap/events/{id}")
async def event(request: web.Request) -> web.Response:
    bridge = _bridge(request)
    obj = (await bridge.event_objects()).get(request.match_info["id"])
    if obj is None:
        raise Problem(ProblemType.NOT_FOUND, "no public event with this id")
    return _ap({"@context": documents.CONTEXT} | obj)


@routes.post("/ap/inbox")
async def inbox(request: web.Request) -> web.Response:
    """Each refused POST is charged to its address, as a twin's unverified request is: a stranger
    cannot make the node fetch keys without limit. So is each Follow taken: it costs an Accept,
    signed with the RSA key and sent, and a stranger's server could otherwise ask for them
    without end (following again and again)."""
    bridge = _bridge(request)
    address, unverified = address_key(request.remote), request.app[UNVERIFIED_LIMITER]
    wait = await unverified.pending(address)
    if wait:
        raise Problem(ProblemType.RATE_LIMITED, "too many unverified requests from this address", retry_after=wait)
    try:
        followed = await receive(bridge, request, await request.read())
    except Problem:
        await unverified.take(address)
        raise
    if followed:
        await unverified.take(address)
    return web.Response(status=202)


def _collection(
    url: str, items: list[dict[str, Any]] | None, *, ordered: bool, total: int | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": documents.CONTEXT,
        "id": url,
        "type": "OrderedCollection" if ordered else "Collection",
        "totalItems": len(items) if items is not None else total,
    }
    if items is not None:
        document["orderedItems"] = items
    return document


class BlockBody(BaseModel):
    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")


@routes.get("/api/v1/activitypub/followers")
async def list_followers(request: web.Request) -> web.Response:
    await require_operator(request)
    bridge = _bridge(request)
    rows = [
        {"actor": f.actor, "inbox": f.inbox, "host": f.host, "since": f.since}
        for f in await bridge.store.list_followers()
    ]
    return json_response({"followers": rows, "pending_deliveries": await bridge.store.count_pending()})


@routes.delete("/api/v1/activitypub/followers")
async def remove_follower(request: web.Request) -> web.Response:
    await require_operator(request)
    actor = request.query.get("actor", "")
    if not await _bridge(request).store.delete_follower(actor):
        raise Problem(ProblemType.NOT_FOUND, "no follower with this actor")
    return json_response({"removed": actor})


@routes.get("/api/v1/activitypub/blocks")
async def list_blocks(request: web.Request) -> web.Response:
    await require_operator(request)
    bridge = _bridge(request)
    return json_response(
        {"blocked": sorted(await bridge.store.list_blocked() | set(bridge.settings.blocked_instances))}
    )


@routes.post("/api/v1/activitypub/blocks")
async def block(request: web.Request) -> web.Response:
    await require_operator(request)
    bridge = _bridge(request)
    body = await parse_body(request, BlockBody)
    host = (urlsplit(f"//{body.host}").hostname or "").lower()
    await bridge.store.store_block(host, iso(bridge.node.clock.now()))
    return json_response({"blocked": host}, status=201)


@routes.delete("/api/v1/activitypub/blocks/{host}")
async def unblock(request: web.Request) -> web.Response:
    await require_operator(request)
    host = request.match_info["host"].lower()
    await _bridge(request).store.delete_block(host)
    return json_response({"unblocked": host})
