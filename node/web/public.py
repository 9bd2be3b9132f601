"""Public endpoints: the node document, health, metrics, and GET /api/v1/node."""

from __future__ import annotations

import ipaddress

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from node.clock import parse_iso
from node.http import answers as a
from node.http.auth import require_operator
from node.http.errors import json_response
from node.web.keys import ASSEMBLED
from protocol.keys import format_fingerprint

routes = web.RouteTableDef()


@routes.get("/.well-known/gemellaggio")
async def node_document(request: web.Request) -> web.Response:
    return json_response(request.app[ASSEMBLED].document(), headers={"Cache-Control": "max-age=60"})


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    node = request.app[ASSEMBLED]
    await node.store.db.is_answering()
    return json_response(a.Health(status="ok", node=node.id))


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text; it names every twin, so only for the operator token or allowed networks."""
    node = request.app[ASSEMBLED]
    if not _local_reader(request, node.settings.metrics.allow):
        await require_operator(request)
    depth = await node.store.outbox.list_depths()
    now = node.clock.now()
    for peer, (count, oldest) in depth.items():
        node.metrics.outbox_depth.labels(peer=peer).set(count)
        node.metrics.delivery_lag.labels(peer=peer).set((now - parse_iso(oldest)).total_seconds() if oldest else 0)
    for peer in await node.store.twinnings.list_active_peers():
        if peer not in depth:
            node.metrics.outbox_depth.labels(peer=peer).set(0)
            node.metrics.delivery_lag.labels(peer=peer).set(0)
    body = generate_latest(node.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _local_reader(request: web.Request, allow: tuple[str, ...]) -> bool:
    # A reverse proxy on the same machine makes every request look local: what it forwarded is not.
    if any(h in request.headers for h in ("Forwarded", "X-Forwarded-For", "X-Real-IP")):
        return False
    try:
        address = ipaddress.ip_address((request.remote or "").partition("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network, strict=False) for network in allow)


@routes.get("/api/v1/node")
async def about(request: web.Request) -> web.Response:
    node = request.app[ASSEMBLED]
    return json_response(
        a.NodeInfo(
            id=node.id,
            name=node.settings.node.name,
            timezone=node.settings.node.timezone,
            location=node.settings.node.location,
            kid=node.keys.current.kid,
            fingerprint=format_fingerprint(node.fingerprint()),
        )
    )
