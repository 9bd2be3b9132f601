"""Members as people: e-mail sign-in and invitations, CSV import, "My account", their data.

`install` adds the routes and pages and creates the services when the node opens.
"""

from __future__ import annotations

from aiohttp import web

from node.core import Node

from . import pages, routes
from .service import PEOPLE, People


def install(app: web.Application, node: Node) -> None:
    app[PEOPLE] = People(node)
    app.add_routes(routes.routes)
    app.add_routes(pages.routes)


__all__ = ["PEOPLE", "People", "install"]
