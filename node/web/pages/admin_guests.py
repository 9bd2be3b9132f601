"""Operator page: the front desk. Twins' members expected here today and in the week after,
by name and home space, in this space's time; check-in and no-show with one click; printable
(the navigation and the buttons are left off the paper)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiohttp import web

from node.booking.frontdesk import parse_day
from node.http.pages.forms import read_form
from node.http.pages.messages import operator_sentence
from node.http.pages.operator import act, operator_only, render_admin
from node.http.pages.render import flash
from node.http.pages.timefmt import date_range, long_day, parse, span
from node.i18n import _
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED
from protocol.problems import Problem

routes = web.RouteTableDef()
WEEK = 7


@routes.get("/admin/guests")
@operator_only
async def guests(request: web.Request, who: Principal) -> web.Response:
    desk = request.app[ASSEMBLED].booking.frontdesk
    message: dict[str, str] | None = None
    try:
        first = parse_day(request.query["date"]) if request.query.get("date") else desk.today()
    except Problem as problem:
        message, first = flash(operator_sentence(problem, _("show the guests")), "error"), desk.today()
    listing = await desk.list(first.isoformat(), WEEK)
    context = {
        "days": _by_day(listing["items"], first),
        "first": first.isoformat(),
        "range_label": date_range(first, first + timedelta(days=WEEK - 1)),
        "previous": (first - timedelta(days=WEEK)).isoformat(),
        "next": (first + timedelta(days=WEEK)).isoformat(),
        "today": desk.today().isoformat(),
    }
    return render_admin(request, "admin_guests.html", context, who, "/admin/guests", message=message)


@routes.post("/admin/guests/{id}/check-in")
@operator_only
async def check_in(request: web.Request, who: Principal) -> web.Response:
    return await _record(request, "checked_in")


@routes.post("/admin/guests/{id}/no-show")
@operator_only
async def no_show(request: web.Request, who: Principal) -> web.Response:
    return await _record(request, "no_show")


async def _record(request: web.Request, attendance: str) -> web.Response:
    fields = await read_form(request)
    back = "/admin/guests"
    if fields.get("date"):
        back += f"?date={parse_day(fields['date']).isoformat()}"
    desk = request.app[ASSEMBLED].booking.frontdesk

    async def run() -> str:
        guest = await desk.record(request.match_info["id"], attendance)
        if attendance == "checked_in":
            return _("%(name)s is checked in.", name=guest["display_name"])
        name, home = guest["display_name"], guest["home_name"]
        return _("%(name)s is recorded as a no-show; %(home)s is told.", name=name, home=home)

    what = _("check the guest in") if attendance == "checked_in" else _("record the no-show")
    return await act(request, back, what, run)


def _by_day(items: list[dict[str, Any]], first: date) -> list[dict[str, Any]]:
    """Each day of the week from `first` with its guests (a stay over several days shows on its first)."""
    guests: list[list[dict[str, Any]]] = [[] for _ in range(WEEK)]
    for item in items:
        index = max(0, (parse(item["starts_at"]).date() - first).days)
        if index < WEEK:
            guests[index].append({**item, "time": span(item["starts_at"], item["ends_at"])})
    days = [first + timedelta(days=n) for n in range(WEEK)]
    return [{"label": long_day(d), "iso": d.isoformat(), "guests": g} for d, g in zip(days, guests, strict=True)]
