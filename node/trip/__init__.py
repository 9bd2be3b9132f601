"""The trip view (issue 14): one twin's slots, events and people for the days of a visit."""

from __future__ import annotations

from aiohttp import web

from node.core import Node

from . import routes
from .service import TRIP, TripView


def install(app: web.Application, node: Node) -> None:
    app[TRIP] = TripView(node, node.profiles)
    app.add_routes(routes.routes)


__all__ = ["TRIP", "TripView", "install"]
