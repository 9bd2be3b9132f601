"""How the profile feature's handlers reach its service: through the node on the application."""

from __future__ import annotations

from aiohttp import web

from . import CARDS
from .service import ProfileService


def cards(request: web.Request) -> ProfileService:
    return request.app[CARDS]
