"""The aiohttp application: `create_app(settings)` builds it; nothing happens at import time."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import structlog
from aiohttp import web

from node.assembly import AssembledNode
from node.clock import Clock
from node.config import Settings
from node.http.auth import federation_auth_middleware
from node.http.errors import Handler, problem_middleware
from node.http.keys import (
    NODE,
    PEER_ITEMS_LIMITER,
    PEER_LIMITER,
    SIGN_IN_LIMITER,
    STRANGER_LIMITER,
    UNVERIFIED_LIMITER,
)
from node.ratelimit import Limit, StrangerLimiter

from . import api_twins, federation_routes, public
from .keys import ASSEMBLED
from .server import KEEPALIVE_SECONDS, deadline_middleware

log = structlog.get_logger("node.web")
__all__ = ["KEEPALIVE_SECONDS", "Extension", "create_app", "default_extensions"]

# What adds routes, pages and web state to the application (the features' HTTP faces, the demo's
# mail sink, a benchmark's timer). The features themselves are built by `AssembledNode`.
Extension = Callable[[web.Application, AssembledNode], None]


def create_app(
    settings: Settings, *, clock: Clock | None = None, extensions: list[Extension] | None = None
) -> web.Application:
    app = web.Application(
        client_max_size=settings.limits.max_body_bytes,
        middlewares=[timing_middleware, problem_middleware, deadline_middleware, federation_auth_middleware],
    )
    node = AssembledNode(settings, clock=clock)
    app[NODE] = app[ASSEMBLED] = node
    _install_limits(app, node)
    app.add_routes(public.routes)
    app.add_routes(federation_routes.routes)
    app.add_routes(api_twins.routes)
    for extend in [*default_extensions(), *(extensions or [])]:
        extend(app, node)
    app.cleanup_ctx.append(_node_lifecycle)
    return app


def _install_limits(app: web.Application, node: AssembledNode) -> None:
    """The budgets of twins, strangers and addresses. On PostgreSQL several workers may serve the
    node, so the buckets are in the database and a budget spent at one worker is spent at all;
    a SQLite node is one process, and its buckets stay in memory, costing no query."""
    limits = node.settings.limits
    shared = node.store.buckets if node.store.db.dialect == "postgresql" else None
    app[PEER_LIMITER] = Limit("peer", limits.peer_requests_per_second, limits.peer_burst, shared)
    app[PEER_ITEMS_LIMITER] = node.peer_items  # the pulls of the twin's feed take from it too
    app[STRANGER_LIMITER] = StrangerLimiter(limits.stranger_proposals_per_minute / 60.0, shared)
    app[UNVERIFIED_LIMITER] = Limit("unverified", limits.unverified_requests_per_minute / 60.0, 30, shared)
    app[SIGN_IN_LIMITER] = Limit("sign_in", limits.sign_ins_per_minute / 60.0, 10, shared)


def default_extensions() -> list[Extension]:
    from . import features, pages

    return [features.install_routes, pages.install, features.install_public, _install_openapi]


def _install_openapi(app: web.Application, node: AssembledNode) -> None:
    """GET /api/v1/openapi.json, built from every model on first request: an idle node need not
    hold the document's machinery in memory."""

    async def serve(request: web.Request) -> web.StreamResponse:
        from . import openapi

        return await openapi.serve(request)

    app.router.add_get("/api/v1/openapi.json", serve)


async def _node_lifecycle(app: web.Application) -> AsyncIterator[None]:
    """The node and all its features open before the first request and close after the last."""
    from .features import expose

    node = app[ASSEMBLED]
    await node.open()
    expose(app, node)
    log.info("node_started", node=node.id, kid=node.keys.current.kid)
    yield
    log.info("node_stopping", node=node.id)
    await node.close()


@web.middleware
async def timing_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    request.app[NODE].metrics.requests.labels(route=route, status=str(response.status)).observe(
        time.perf_counter() - started
    )
    return response
