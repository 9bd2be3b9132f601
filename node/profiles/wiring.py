"""Installs profile cards on a node: the service, the inbox rule, the routes and pages."""

from __future__ import annotations

from aiohttp import web

from node.core import Node

from . import pages, routes
from .service import PROFILES, ProfileService


def install(app: web.Application, node: Node) -> None:
    service = app[PROFILES] = ProfileService(node)

    def open_profiles(opened: Node) -> None:
        opened.inbox.accept("MemberProfile", service.acceptor())

    async def close_profiles(app: web.Application) -> None:
        await node.profiles.purge.flush()

    node.on_open.append(open_profiles)
    app.on_shutdown.append(close_profiles)
    app.add_routes(routes.routes)
    app.add_routes(pages.routes)
