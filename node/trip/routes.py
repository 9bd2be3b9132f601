"""API and page of the trip view. Handlers parse, authenticate, delegate."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StrictBool

from node.booking import MemberRepository
from node.http.auth import require_member
from node.http.errors import json_response, parse_body
from node.http.pages.access import member_only
from node.http.pages.forms import read_form
from node.http.pages.render import flash, redirect, render
from node.http.pages.timefmt import date_range
from node.i18n import _
from node.store.tokens import Principal
from protocol.problems import Problem, ProblemType

from . import TRIP
from .service import TripView

routes = web.RouteTableDef()


class SharingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    share: StrictBool  # true or false: not 0, "yes" or 0.0


def trip(request: web.Request) -> TripView:
    return request.app[TRIP]


async def _member_id(request: web.Request) -> str:
    who = await require_member(request)
    assert who.member_id is not None
    return who.member_id


@routes.get("/api/v1/trip")
async def plan(request: web.Request) -> web.Response:
    member_id = await _member_id(request)
    query = request.query
    return json_response(
        await trip(request).plan(member_id, query.get("origin", ""), query.get("from", ""), query.get("to", ""))
    )


@routes.get("/api/v1/trip/sharing")
async def sharing(request: web.Request) -> web.Response:
    return json_response(await trip(request).sharing(await _member_id(request)))


@routes.put("/api/v1/trip/sharing")
async def set_sharing(request: web.Request) -> web.Response:
    member_id = await _member_id(request)
    body = await parse_body(request, SharingBody)
    return json_response(await trip(request).set_sharing(member_id, body.share))


# -- the page ----------------------------------------------------------------------------------------


@routes.get("/trip")
@member_only
async def page(request: web.Request, member_id: str) -> web.Response:
    view = trip(request)
    query = request.query
    origin, first, last = query.get("origin", ""), query.get("from", ""), query.get("to", "")
    found: dict[str, Any] | None = None
    note = None
    if origin or first or last:
        try:
            found = await view.plan(member_id, origin, first, last)
        except Problem as problem:
            note = flash(_trip_sentence(problem), "error")
    context = {
        "dates": date_range(date.fromisoformat(found["from"]), date.fromisoformat(found["to"])) if found else "",
        "twins": await _twins(view),
        "origin": origin,
        "first": first,
        "last": last,
        "trip": found,
        "sharing": (await view.sharing(member_id))["share"],
        "member": await MemberRepository(view.node.store.db).get(member_id),
    }
    who = Principal(role="member", member_id=member_id)
    return render(request, "member_trip.html", context, who=who, flash_now=note, status=400 if note else 200)


@routes.post("/trip/sharing")
@member_only
async def page_sharing(request: web.Request, member_id: str) -> web.Response:
    wanted = (await read_form(request)).get("share") == "yes"
    await trip(request).set_sharing(member_id, wanted)
    if wanted:
        text = _("Members of your space now see your trips: where you have a reservation, and on which days.")
    else:
        text = _("Your trips are yours alone again.")
    return redirect(request, "/trip", flash(text))


async def _twins(view: TripView) -> list[dict[str, str]]:
    twins = []
    for peer_id in await view.node.store.twinnings.list_active_peers():
        peer = await view.node.store.peers.get(peer_id)
        twins.append({"id": peer_id, "name": peer.name if peer is not None else peer_id})
    return sorted(twins, key=lambda t: t["name"].casefold())


def _trip_sentence(problem: Problem) -> str:
    if problem.kind is ProblemType.NOT_TWINNED:
        return _("Choose one of your twin spaces.")
    return _("Choose the first and last day of your trip, at most 31 days apart.")
