"""Member pages: the week of the twins' slots and events, reserving and cancelling abroad,
"my reservations". Every action goes through the booking service, as the JSON API does."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from node.booking import HomeDesk
from node.booking.home import ReserveBody
from node.http.pages.access import handle_sign_in, handle_sign_out, signed_in, signin_page
from node.http.pages.forms import build, day_param, integer, read_form, safe_back
from node.http.pages.messages import Situation, member_sentence
from node.http.pages.render import csrf_token_for, flash, fragment, redirect, render
from node.http.pages.timefmt import when, zone_label
from node.i18n import _, ngettext
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED
from protocol.problems import Problem, ProblemType

from .reservations import describe_reservations, peer_name
from .week import FILTERS, build_week, shown_filters

routes = web.RouteTableDef()


@routes.get("/")
async def calendar(request: web.Request) -> web.Response:
    who = await signed_in(request, "member")
    if who is None:
        if request.app[ASSEMBLED].settings.public.visitors_home == "space":
            from node.public.pages import space_page  # the public page, sign-in one click away

            return await space_page(request)
        return await signin_page(request, "member")
    node = request.app[ASSEMBLED]
    today = node.clock.now().astimezone(ZoneInfo(node.settings.node.timezone)).date()
    start = day_param(request.query.get("from"), today)
    shown = shown_filters(request.query.getall("show", []))
    week = await build_week(node, _member_id(who), start, shown)
    filtered = len(shown) < len(FILTERS)
    filter_query = "".join(f"&show={f}" for f in shown) if filtered else ""
    grid = fragment(
        request,
        "_week_grid.html",
        {
            "week": week,
            "new_id": lambda: str(uuid.uuid4()),
            "back": request.path_qs,
            "csrf_token": csrf_token_for(request, who),
        },
    )
    context = {
        "week": week,
        "grid": grid,
        "member": await _member(request, who),
        "is_today": start == today,
        "filters": [(value, _(label)) for value, label in FILTERS],
        "filtered": filtered,
        "filter_query": filter_query,
    }
    return render(request, "member_week.html", context, who=who)


@routes.get("/reservations")
async def my_reservations(request: web.Request) -> web.Response:
    who = await signed_in(request, "member")
    if who is None:
        return await signin_page(request, "member")
    node = request.app[ASSEMBLED]
    items = await node.booking.home.list_for(_member_id(who))
    upcoming, earlier = await describe_reservations(node, items)
    context = {"upcoming": upcoming, "earlier": earlier, "member": await _member(request, who)}
    return render(request, "member_reservations.html", context, who=who)


@routes.post("/signin")
async def sign_in(request: web.Request) -> web.Response:
    return await handle_sign_in(request, "member")


@routes.post("/signout")
async def sign_out(request: web.Request) -> web.Response:
    return await handle_sign_out(request, "member")


@routes.post("/reserve")
async def reserve(request: web.Request) -> web.Response:
    who = await signed_in(request, "member")
    if who is None:
        return redirect(request, "/", flash(_("Please sign in to reserve."), "info"))
    node = request.app[ASSEMBLED]
    fields = await read_form(request)
    back = safe_back(fields.get("back"), "/")
    target = "event" if fields.get("event_id") else "slot"
    host = fields.get("twin", "")
    where = Situation(host=await peer_name(node, host), zone=node.settings.node.timezone, target=target)
    try:
        body = build(
            ReserveBody,
            {
                "slot_id": fields.get("slot_id") or None,
                "event_id": fields.get("event_id") or None,
                "twin_id": host or None,
                "seats": integer(fields, "seats", default=1),
                "waitlist": fields.get("waitlist") == "1",
            },
        )
        status, result = await node.booking.home.reserve(
            _member_id(who), fields.get("reservation_id") or str(uuid.uuid4()), body
        )
    except Problem as problem:
        return redirect(request, back, flash(member_sentence(problem, where), "error"))
    return redirect(request, back, _reserved_message(status, result, where))


@routes.post("/reservations/{id}/cancel")
async def cancel(request: web.Request) -> web.Response:
    """DELETE /api/v1/reservations/{id} as a form: the same call, answered with a sentence."""

    async def run(desk: HomeDesk, member_id: str, reservation_id: str) -> dict[str, str]:
        result = await desk.cancel(member_id, reservation_id)
        return _cancelled_message(result, await _where(request, result["host"]))

    return await _on_own_reservation(request, run)


@routes.post("/reservations/{id}/confirm")
async def confirm(request: web.Request) -> web.Response:
    """Take the seat a host offers from its waitlist: POST /api/v1/reservations/{id}/confirm as a form."""

    async def run(desk: HomeDesk, member_id: str, reservation_id: str) -> dict[str, str]:
        _status, result = await desk.confirm(member_id, reservation_id)
        return _reserved_message(201, result, await _where(request, result["host"]))

    return await _on_own_reservation(request, run)


Action = Callable[[HomeDesk, str, str], Awaitable[dict[str, str]]]


async def _on_own_reservation(request: web.Request, action: Action) -> web.Response:
    """Run the home desk's call the API makes on one of the member's reservations, and answer as a
    page does: back where the form was, with what happened in words."""
    who = await signed_in(request, "member")
    if who is None:
        return redirect(request, "/", flash(_("Please sign in again."), "info"))
    fields = await read_form(request)
    back = safe_back(fields.get("back"), "/reservations")
    desk = request.app[ASSEMBLED].booking.home
    reservation_id = request.match_info["id"]
    try:
        # Only the member's own reservation: another member's id is "not found", as in the API.
        return redirect(request, back, await action(desk, _member_id(who), reservation_id))
    except Problem as problem:
        if problem.kind is ProblemType.NOT_FOUND:
            return redirect(request, back, flash(_("There is no such reservation among yours."), "error"))
        held = await desk.get_for(_member_id(who), reservation_id)  # to name its host in the sentence
        return redirect(request, back, flash(member_sentence(problem, await _where(request, held.host)), "error"))


async def _where(request: web.Request, host: str) -> Situation:
    node = request.app[ASSEMBLED]
    return Situation(host=await peer_name(node, host), zone=node.settings.node.timezone, target="reservation")


def _cancelled_message(result: dict[str, Any], where: Situation) -> dict[str, str]:
    times = result.get("host_time")
    if result.get("waitlist") and not result.get("receipt"):
        text = _("You left the waitlist at %(host)s.", host=where.host)
    elif times:
        text = _(
            "Cancelled your reservation at %(host)s for %(when)s. The seat is given back.",
            host=where.host,
            when=when(times["starts_at"], times["ends_at"]),
        )
    else:
        text = _("Cancelled your reservation at %(host)s. The seat is given back.", host=where.host)
    return flash(text, "success")


def _reserved_message(status: int, result: dict[str, Any], where: Situation) -> dict[str, str]:
    if result.get("status") == "waiting":
        text = _(
            "%(host)s has no seat left, so you are on its waitlist, number %(position)s in line. If a seat comes "
            "free it is held for you for a while: we tell you by mail and under My reservations.",
            host=where.host,
            position=result.get("position"),
        )
        return flash(text, "info")
    if status == 202:
        return flash(
            _(
                "%(host)s has not answered yet, so your reservation is pending. We keep asking and it will show "
                "as confirmed (or not) under My reservations; you need not ask again.",
                host=where.host,
            ),
            "info",
        )
    if result.get("status") == "cancelled":
        return flash(_("This reservation was cancelled earlier; make a new one if you want the place again."), "info")
    times = result.get("host_time")
    seats = result.get("seats", 1)
    if not times:
        text = ngettext(
            "Reserved %(num)s seat at %(host)s. It is in My reservations and in your calendar feed.",
            "Reserved %(num)s seats at %(host)s. It is in My reservations and in your calendar feed.",
            seats,
            host=where.host,
        )
        return flash(text, "success")
    text = ngettext(
        "Reserved %(num)s seat at %(host)s for %(when)s (%(zone)s time). It is in My reservations "
        "and in your calendar feed.",
        "Reserved %(num)s seats at %(host)s for %(when)s (%(zone)s time). It is in My reservations "
        "and in your calendar feed.",
        seats,
        host=where.host,
        when=when(times["starts_at"], times["ends_at"]),
        zone=zone_label(times["timezone"]),
    )
    return flash(text, "success")


def _member_id(who: Principal) -> str:
    assert who.member_id is not None
    return who.member_id


async def _member(request: web.Request, who: Principal) -> Any:
    return await request.app[ASSEMBLED].booking.members.get(_member_id(who))
