"""HTTP routes of hosting twins' members for months (operator): the front desk (guests,
check-in, no-show) and standing offers."""

from __future__ import annotations

from aiohttp import web

from node.http.auth import require_operator
from node.http.errors import json_response, parse_body

from .offer_schedule import OfferBody
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


@routes.post("/api/v1/offers")
async def add_offer(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).offers.create(await parse_body(request, OfferBody)), status=201)


@routes.get("/api/v1/offers")
async def list_offers(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response({"items": await booking(request).offers.list()})


@routes.delete("/api/v1/offers/{id}")
async def withdraw_offer(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).offers.withdraw(request.match_info["id"], request.query.get("from")))
