"""Introductions between members of twin spaces (issue 14): asked at home, answered at the host,
e-mail addresses exchanged only on acceptance. `install` adds routes, pages and inbox rules.

The package itself imports nothing heavy: erasure (node/people) reads `store` alone.
"""

from __future__ import annotations

from aiohttp import web

from node.core import Node


def install(app: web.Application, node: Node) -> None:
    from node.booking.store import MemberRepository

    from . import pages, routes
    from .exchange import Exchange
    from .service import INTRODUCTIONS, Introductions

    service = app[INTRODUCTIONS] = Introductions(node, MemberRepository(node.store.db), node.profiles)
    exchange = Exchange(service)

    async def stop(app: web.Application) -> None:
        await exchange.stop()

    node.on_open.append(exchange.install)
    app.on_shutdown.append(stop)
    app.add_routes(routes.routes)
    app.add_routes(pages.routes)


__all__ = ["install"]
