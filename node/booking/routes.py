"""HTTP routes of the booking feature: the local API (operator and members) and the two
federation calls a home node makes at a host. Handlers parse, authenticate, delegate."""

from __future__ import annotations

import hashlib

from aiohttp import web

from node.federation.client import RESERVATIONS_PATH
from node.http.auth import require_member, require_operator, require_user
from node.http.errors import json_response, parse_body, read_json
from node.http.keys import BODY, PEER
from protocol.problems import Problem, ProblemType

from . import BOOKING
from .home import ReserveBody, view
from .ics import member_calendar
from .members import MemberBody
from .resources import ResourceBody
from .service import Booking
from .slots import SlotBody

routes = web.RouteTableDef()


def booking(request: web.Request) -> Booking:
    service: Booking = request.app[BOOKING]
    return service


# -- resources and slots (operator) -------------------------------------------------------------


@routes.post("/api/v1/resources")
async def add_resource(request: web.Request) -> web.Response:
    await require_operator(request)
    resource = await booking(request).resources.add(await parse_body(request, ResourceBody))
    return json_response(resource.view(), status=201)


@routes.get("/api/v1/resources")
async def list_resources(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response({"items": await booking(request).resources.list()})


@routes.post("/api/v1/slots")
async def offer_slot(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).slots.offer(await parse_body(request, SlotBody)), status=201)


@routes.get("/api/v1/slots")
async def list_slots(request: web.Request) -> web.Response:
    await require_operator(request)
    items = await booking(request).slots.list_own(request.query.get("from"), request.query.get("to"))
    return json_response({"items": items})


@routes.delete("/api/v1/slots/{id}")
async def withdraw_slot(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).slots.withdraw(request.match_info["id"]))


@routes.get("/api/v1/twins/{id:.+}/slots")
async def twin_slots(request: web.Request) -> web.Response:
    """What a twin offers us: a member or the operator."""
    await require_user(request)
    result = await booking(request).slots.twin_slots(
        request.match_info["id"], request.query.get("from"), request.query.get("to")
    )
    return json_response(result)


# -- members (operator) ----------------------------------------------------------------------


@routes.post("/api/v1/members")
async def add_member(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response(await booking(request).members.add(await parse_body(request, MemberBody)), status=201)


@routes.get("/api/v1/members")
async def list_members(request: web.Request) -> web.Response:
    await require_operator(request)
    return json_response({"items": await booking(request).members.list()})


# -- reservations abroad (member) ----------------------------------------------------------------


@routes.put("/api/v1/reservations/{id}")
async def reserve(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    body = await parse_body(request, ReserveBody)
    status, result = await booking(request).home.reserve(who.member_id, request.match_info["id"], body)
    return json_response(result, status=status)


@routes.delete("/api/v1/reservations/{id}")
async def cancel(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    return json_response(await booking(request).home.cancel(who.member_id, request.match_info["id"]))


@routes.post("/api/v1/reservations/{id}/confirm")
async def confirm(request: web.Request) -> web.Response:
    """Take the seats a host offers from its waitlist (before the offer expires)."""
    who = await require_member(request)
    assert who.member_id is not None
    status, result = await booking(request).home.confirm(who.member_id, request.match_info["id"])
    return json_response(result, status=status)


@routes.get("/api/v1/reservations")
async def my_reservations(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    return json_response({"items": await booking(request).home.list_for(who.member_id)})


@routes.get("/api/v1/reservations.ics")
async def my_calendar(request: web.Request) -> web.Response:
    """A member's reservations for calendar apps: the calendar secret in the URL, or a member token."""
    service = booking(request)
    secret = request.query.get("secret")
    if secret is not None:
        member = await service.members.by_calendar_secret(secret)
        if member is None:
            raise Problem(ProblemType.UNAUTHORIZED, "this calendar URL is not (or no longer) valid")
    else:
        who = await require_member(request)
        assert who.member_id is not None
        member = await service.members.get(who.member_id)
    body = await member_calendar(service.node, member, await service.home.repo.list_for_member(member.id))
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="text/calendar", charset="utf-8", headers=headers)


@routes.get("/api/v1/reservations/{id}")
async def my_reservation(request: web.Request) -> web.Response:
    who = await require_member(request)
    assert who.member_id is not None
    desk = booking(request).home
    return json_response(view(await desk.get_for(who.member_id, request.match_info["id"]), desk.zone))


# -- the ledger (operator) -----------------------------------------------------------------------


@routes.get("/api/v1/ledger")
async def ledger(request: web.Request) -> web.Response:
    await require_operator(request)
    query = request.query
    with_receipts = query.get("receipts", "0").lower() in ("1", "true", "yes")
    return json_response(await booking(request).ledger.report(query.get("twin"), query.get("period"), with_receipts))


# -- federation: a twin's home node asks us, the host --------------------------------------------


@routes.put(RESERVATIONS_PATH + "/{id}")
async def host_reserve(request: web.Request) -> web.Response:
    raw = await read_json(request, request[BODY])
    status, receipt = await booking(request).host.reserve(request[PEER], request.match_info["id"], raw)
    return web.Response(status=status, body=receipt, content_type="application/json")


@routes.post(RESERVATIONS_PATH + "/{id}/confirm")
async def host_confirm(request: web.Request) -> web.Response:
    """The home confirms seats offered to its member from a waitlist."""
    raw = await read_json(request, request[BODY])
    status, receipt = await booking(request).host.confirm(request[PEER], request.match_info["id"], raw)
    return web.Response(status=status, body=receipt, content_type="application/json")


@routes.delete(RESERVATIONS_PATH + "/{id}")
async def host_cancel(request: web.Request) -> web.Response:
    return json_response(await booking(request).host.cancel(request[PEER], request.match_info["id"]))
