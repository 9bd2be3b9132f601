"""The space's public face: pages anyone may read (the space, its public events, its network
of twins) and open data for municipalities (a DCAT-AP_IT catalogue, datasets, receipt hashes).

Reusable pieces for other public readers (ActivityPub, feeds): `events.public_events`,
`events.event_url`, `events.event_jsonld`, `space.space_view`, `space.space_jsonld`.
`install` is one of node/web/app.py's default extensions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from node.core import Node


def install(app: web.Application, node: Node) -> None:
    """The public pages' and the open data's routes, and the cache of the twins' profiles."""
    from . import admin, open_data, pages
    from .network import TwinProfiles

    app[pages.TWIN_PROFILES] = TwinProfiles(node)
    for module in (pages, open_data, admin):
        app.add_routes(module.routes)


__all__ = ["install"]
