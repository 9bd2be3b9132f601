"""Members as people: e-mail sign-in and invitations, CSV import, "My account", their data.

`install` adds the routes and pages and creates the services when the node opens.
"""

from __future__ import annotations

from aiohttp import web

from node.core import Node

from . import account_pages, import_page, import_routes, pages, routes, unsubscribe
from .service import PEOPLE, People


def install(app: web.Application, node: Node) -> None:
    app[PEOPLE] = People(node)
    app.add_routes(import_routes.routes)
    app.add_routes(routes.routes)
    app.add_routes(pages.routes)
    app.add_routes(account_pages.routes)
    app.add_routes(import_page.routes)
    app.add_routes(unsubscribe.routes)


__all__ = ["PEOPLE", "People", "install"]
