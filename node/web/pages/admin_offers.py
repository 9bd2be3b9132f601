"""Operator page: standing offers, a resource offered to one twin on a weekly schedule
(weekdays, hours, dates, exceptions), listed with how far they are published; withdrawn from
a date on. All through the booking service's offers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.booking.offer_schedule import WEEKDAYS, OfferBody
from node.http.pages.forms import build, integer, read_form, read_multi
from node.http.pages.messages import operator_sentence
from node.http.pages.operator import act, operator_only, render_admin
from node.http.pages.render import flash, redirect
from node.http.pages.timefmt import day_names
from node.i18n import _, ngettext
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED
from protocol.problems import Problem

from .week import active_twins

routes = web.RouteTableDef()


@routes.get("/admin/offers")
@operator_only
async def offers(request: web.Request, who: Principal) -> web.Response:
    return await _page(request, who)


@routes.post("/admin/offers")
@operator_only
async def add(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    exceptions = [d.strip() for d in fields.get("exceptions", "").replace("\n", ",").split(",") if d.strip()]
    values = {
        "resource_id": fields.get("resource_id"),
        "twin": fields.get("twin"),
        "seats": integer(fields, "seats"),
        "weekdays": await read_multi(request, "weekday"),
        "from_time": fields.get("from_time"),
        "to_time": fields.get("to_time"),
        "start_date": fields.get("start_date"),
        "end_date": fields.get("end_date") or None,
        "exceptions": exceptions,
    }
    try:
        made = await request.app[ASSEMBLED].booking.offers.create(build(OfferBody, values))
    except Problem as problem:
        message = flash(operator_sentence(problem, _("make the standing offer")), "error")
        return await _page(request, who, message=message, form=fields)
    text = ngettext(
        "Standing offer made: %(num)s occurrence is published now, the rest as its day comes within reach.",
        "Standing offer made: %(num)s occurrences are published now, the rest as their days come within reach.",
        made["published"],
    )
    return redirect(request, f"/admin/offers#offer-{made['id']}", flash(text))


@routes.post("/admin/offers/{id}/withdraw")
@operator_only
async def withdraw(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)

    async def run() -> str:
        done = await request.app[ASSEMBLED].booking.offers.withdraw(
            request.match_info["id"], fields.get("from") or None
        )
        return ngettext(
            "Withdrawn from that date: %(num)s occurrence; the members who had booked are told through their space.",
            "Withdrawn from that date: %(num)s occurrences; the members who had booked are told through their space.",
            done["withdrawn"],
        )

    return await act(request, "/admin/offers", _("withdraw the standing offer"), run)


async def _page(
    request: web.Request, who: Principal, *, message: dict[str, str] | None = None, form: dict[str, str] | None = None
) -> web.Response:
    node = request.app[ASSEMBLED]
    booking = node.booking
    twins = await active_twins(node)
    names = {peer: twin.name for peer, twin in twins.items()}
    resources = {r["id"]: r["name"] for r in await booking.resources.list()}
    items: list[dict[str, Any]] = []
    for offer in await booking.offers.list():
        days = ", ".join(day_names()[WEEKDAYS.index(d)] for d in offer["weekdays"])
        items.append(
            {
                **offer,
                "days": days,
                "twin_name": names.get(offer["twin"], offer["twin"]),
                "resource_name": resources.get(offer["resource_id"], offer["resource_id"]),
            }
        )
    context = {
        "offers": items,
        "resources": await booking.resources.list(),
        "twins": list(twins.values()),
        "weekdays": list(zip(WEEKDAYS, day_names(), strict=True)),
        "form": form or {},
        "today": booking.offers.today().isoformat(),
    }
    return render_admin(request, "admin_offers.html", context, who, "/admin/offers", message=message)
