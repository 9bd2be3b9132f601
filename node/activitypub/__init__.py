"""The ActivityPub bridge: each space is `@username@host` on the fediverse, publishing its public
events (Create/Update/Delete of Event) to its followers. Apart from the twin protocol: its own
RSA key, its own tables, draft-cavage signatures. `install` is one of node/web/app.py's default
extensions; with `activitypub.enabled: false` nothing starts and every route answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from node.core import Node


def install(app: web.Application, node: Node) -> None:
    from node.web.keys import NODE

    from . import admin
    from .bridge import Bridge
    from .routes import routes

    def open_bridge(opened: Node) -> None:
        if opened.settings.activitypub.enabled:
            bridge = opened.services["activitypub"] = Bridge(opened)
            bridge.start()

    async def close_bridge(app: web.Application) -> None:
        bridge = app[NODE].services.get("activitypub")
        if bridge is not None:
            await bridge.stop()

    app.add_routes(routes)
    app.add_routes(admin.routes)
    node.on_open.append(open_bridge)
    app.on_shutdown.append(close_bridge)


__all__ = ["install"]
