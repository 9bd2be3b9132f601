"""How the people feature's handlers reach its services: through the node on the application."""

from __future__ import annotations

from aiohttp import web

from . import PEOPLE
from .service import People


def people(request: web.Request) -> People:
    return request.app[PEOPLE]
