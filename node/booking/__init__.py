"""Reserving space abroad (resources, slots, members, reservations, ledger). Installed by `install`."""

from __future__ import annotations

from aiohttp import web

from node.core import Node
from node.web.keys import NODE

from .hosting_routes import routes as hosting_routes
from .routes import routes
from .service import Booking


def install(app: web.Application, node: Node) -> None:
    """Add this feature's routes to `app` and its services/inbox acceptors to `node.on_open`."""

    def open_booking(opened: Node) -> None:
        service = opened.services["booking"] = Booking(opened)
        service.register()

    async def close_booking(app: web.Application) -> None:
        # on_shutdown runs before the node (and its database) is closed by the cleanup context.
        service = app[NODE].services.get("booking")
        if service is not None:
            await service.close()

    app.add_routes(routes)
    app.add_routes(hosting_routes)
    node.on_open.append(open_booking)
    app.on_shutdown.append(close_booking)
