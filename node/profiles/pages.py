"""Member pages of profile cards: my card (edit, choose fields and audience, withdraw) and the directory."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
