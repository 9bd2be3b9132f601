"""HTTP routes of the front desk (operator): today's guests from twins, check-in and no-show."""

from __future__ import annotations

from aiohttp import web

from node.web.auth import require_operator
from node.web.errors import json_response

from .routes import booking

routes = web.RouteTableDef()


@routes.get("/api/v1/guests")
async def guests(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).frontdesk.list(request.query.get("date")))


@routes.post("/api/v1/guests/{id}/check-in")
async def check_in(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).frontdesk.record(request.match_info["id"], "checked_in"))


@routes.post("/api/v1/guests/{id}/no-show")
async def no_show(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).frontdesk.record(request.match_info["id"], "no_show"))
