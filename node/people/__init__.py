"""Members as people: e-mail sign-in and invitations, CSV import, "My account", their data.

`install` adds the routes and pages and creates the services when the node opens.
"""

from __future__ import annotations

from aiohttp import web

from node.auth import routes as oidc
from node.core import Node

from . import account_pages, import_page, import_routes, pages, routes, unsubscribe
from .erasure import erasure_acceptor
from .service import PEOPLE, People


def install(app: web.Application, node: Node) -> None:
    service = app[PEOPLE] = People(node)

    def open_people(opened: Node) -> None:
        opened.inbox.accept("MemberErasure", erasure_acceptor(opened))
        service.chores.start()

    async def close_people(app: web.Application) -> None:
        await service.chores.stop()

    oidc.install(app, node)
    node.on_open.append(open_people)
    app.on_shutdown.append(close_people)
    app.add_routes(import_routes.routes)
    app.add_routes(routes.routes)
    app.add_routes(pages.routes)
    app.add_routes(account_pages.routes)
    app.add_routes(import_page.routes)
    app.add_routes(unsubscribe.routes)


__all__ = ["PEOPLE", "People", "install"]
