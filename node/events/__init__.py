"""Events across twins (announce, update, cancel, export, calendars). Installed by `install`."""

from __future__ import annotations

from aiohttp import web

from node.core import Node
from node.retraction import guard

from .routes import routes
from .service import EventService


def install(app: web.Application, node: Node) -> None:
    """Add this feature's routes to `app` and its services/inbox acceptors to `node.on_open`."""
    app.add_routes(routes)
    node.on_open.append(_open)


def _open(node: Node) -> None:
    service = node.services["events"] = EventService(node)
    # Replaces the default Event rule (visibility only) with one that also indexes and flags.
    # Versions a twin retracted from us stay out (node/retraction.py).
    node.inbox.accept("Event", guard(node.store, service.acceptor()))


__all__ = ["EventService", "install"]
