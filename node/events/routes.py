"""HTTP handlers of the events API and the public calendar: parse, authenticate, delegate."""

from __future__ import annotations

from aiohttp import web

from node.http.auth import require_operator, require_user
from node.http.errors import json_response, parse_body

from . import EVENTS
from .bodies import EventCreate, EventPatch, ExportBody, ResolveBody
from .service import EventService
from .views import EventViews

routes = web.RouteTableDef()


def _service(request: web.Request) -> EventService:
    service: EventService = request.app[EVENTS]
    return service


def _views(request: web.Request) -> EventViews:
    return EventViews(_service(request))


@routes.post("/api/v1/events")
async def create(request: web.Request) -> web.Response:
    await require_operator(request)
    body = await parse_body(request, EventCreate)
    event = await _service(request).create(body)
    return json_response(await _views(request).one(event), status=201)


@routes.get("/api/v1/events")
async def listing(request: web.Request) -> web.Response:
    await require_user(request)
    query = request.query
    return json_response(await _views(request).listing(query.get("origin"), query.get("from"), query.get("to")))


@routes.get("/api/v1/events/flags")
async def flags(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await _views(request).flags())


@routes.get("/api/v1/events/{id}")
async def show(request: web.Request) -> web.Response:
    await require_user(request)
    views = _views(request)
    event = await views.find(request.match_info["id"], request.query.get("origin"))
    return json_response(await views.one(event))


@routes.patch("/api/v1/events/{id}")
async def update(request: web.Request) -> web.Response:
    await require_operator(request)
    patch = await parse_body(request, EventPatch)
    event = await _service(request).update(request.match_info["id"], patch)
    return json_response(await _views(request).one(event))


@routes.delete("/api/v1/events/{id}")
async def cancel(request: web.Request) -> web.Response:
    await require_operator(request)
    event = await _service(request).cancel(request.match_info["id"])
    return json_response(await _views(request).one(event))


@routes.post("/api/v1/events/{id}/export")
async def export(request: web.Request) -> web.Response:
    await require_operator(request)
    body = await parse_body(request, ExportBody) if request.body_exists else ExportBody()
    event = await _service(request).exports.export(request.match_info["id"], body)
    return json_response(await _views(request).one(event), status=201)


@routes.post("/api/v1/events/{id}/flags/resolve")
async def resolve(request: web.Request) -> web.Response:
    await require_operator(request)
    body = await parse_body(request, ResolveBody)
    event = await _service(request).exports.resolve(request.match_info["id"], body.action)
    return json_response(await _views(request).one(event))


@routes.get("/calendar.ics")
async def calendar(request: web.Request) -> web.Response:
    """Public: subscribe to it. Same content, same bytes: the ETag lets calendar apps poll cheaply."""
    built = await _service(request).public_calendar.current()
    headers = {"ETag": built.etag, "Cache-Control": "max-age=300"}
    if built.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=built.body, content_type="text/calendar", charset="utf-8", headers=headers)
