"""Operator pages: this space's resources, the slots it offers each twin (offer, withdraw),
and what each twin offers us. All through the booking service."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from node.booking.resources import DAYS, ResourceBody
from node.booking.slots import SlotBody
from node.http.pages.forms import build, day_param, integer, read_form
from node.http.pages.messages import operator_sentence
from node.http.pages.operator import act, operator_only, render_admin
from node.http.pages.render import flash, redirect
from node.http.pages.timefmt import date_range
from node.i18n import _, ngettext
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED
from protocol.problems import Problem

from .week import active_twins

routes = web.RouteTableDef()

SPAN_DAYS = 7
WEEKDAYS = DAYS[:5]


@routes.get("/admin/space")
@operator_only
async def space(request: web.Request, who: Principal) -> web.Response:
    return await _page(request, who)


@routes.post("/admin/resources")
@operator_only
async def add_resource(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    try:
        hours = fields.get("weekday_hours")
        body = build(
            ResourceBody,
            {
                "kind": fields.get("kind"),
                "name": fields.get("name"),
                "capacity": integer(fields, "capacity"),
                "opening_hours": {day: [hours] for day in WEEKDAYS} if hours else None,
            },
        )
        resource = await request.app[ASSEMBLED].booking.resources.add(body)
    except Problem as problem:
        message = flash(operator_sentence(problem, _("add the resource")), "error")
        return await _page(request, who, message=message, form=fields)
    text = ngettext(
        "Added %(name)s (%(num)s seat).", "Added %(name)s (%(num)s seats).", resource.capacity, name=resource.name
    )
    return redirect(request, "/admin/space#resources-head", flash(text))


@routes.post("/admin/slots")
@operator_only
async def offer(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    try:
        body = build(
            SlotBody,
            {
                "resource_id": fields.get("resource_id"),
                "twin_id": fields.get("twin_id"),
                "starts_at": fields.get("starts_at"),
                "ends_at": fields.get("ends_at"),
                "seats": integer(fields, "seats"),
            },
        )
        slot = await request.app[ASSEMBLED].booking.slots.offer(body)
    except Problem as problem:
        message = flash(operator_sentence(problem, _("offer the slot")), "error")
        return await _page(request, who, message=message, form=fields)
    starts = datetime.fromisoformat(slot["starts_at"])
    text = ngettext(
        "Offered %(num)s seat of %(resource)s.",
        "Offered %(num)s seats of %(resource)s.",
        slot["seats"],
        resource=slot["resource"]["name"],
    )
    return redirect(request, f"/admin/space?from={starts.date().isoformat()}#slot-{slot['id']}", flash(text))


@routes.post("/admin/slots/{id}/withdraw")
@operator_only
async def withdraw(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    back = "/admin/space" + (f"?from={fields['from']}" if fields.get("from") else "")

    async def run() -> str:
        result = await request.app[ASSEMBLED].booking.slots.withdraw(request.match_info["id"])
        told = len(result.get("notified", []))
        if told:
            return ngettext(
                "Withdrew the slot. Reservations on it were cancelled and %(num)s home space told.",
                "Withdrew the slot. Reservations on it were cancelled and %(num)s home spaces told.",
                told,
            )
        return _("Withdrew the slot.")

    return await act(request, back, _("withdraw the slot"), run)


async def _page(
    request: web.Request, who: Principal, *, message: dict[str, str] | None = None, form: dict[str, str] | None = None
) -> web.Response:
    node = request.app[ASSEMBLED]
    booking = node.booking
    zone = ZoneInfo(node.settings.node.timezone)
    start = day_param(request.query.get("from"), node.clock.now().astimezone(zone).date())
    begin, end = _bounds(start, zone)
    twins = await active_twins(node)
    ours = await booking.slots.list_own(begin.isoformat(), end.isoformat())
    offered_to_us = {}
    for twin in twins.values():
        offered = await booking.slots.twin_slots(twin.twinning_id, begin.isoformat(), end.isoformat())
        offered_to_us[twin.name] = offered["items"]
    context = {
        "resources": await booking.resources.list(),
        "twins": list(twins.values()),
        "ours": _by_twin(ours, twins),
        "offered_to_us": offered_to_us,
        "form": form or {},
        "start": start,
        "title": date_range(start, start + timedelta(days=SPAN_DAYS - 1)),
        "previous": (start - timedelta(days=SPAN_DAYS)).isoformat(),
        "next": (start + timedelta(days=SPAN_DAYS)).isoformat(),
        "default_start": f"{start + timedelta(days=1)}T09:00",
        "default_end": f"{start + timedelta(days=1)}T18:00",
    }
    return render_admin(request, "admin_space.html", context, who, "/admin/space", message=message)


def _bounds(start: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    begin = datetime.combine(start, time(), tzinfo=zone)
    return begin, datetime.combine(start + timedelta(days=SPAN_DAYS), time(), tzinfo=zone)


def _by_twin(slots: list[dict[str, Any]], twins: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for slot in slots:
        twin = twins.get(slot["twin"])
        grouped[twin.name if twin else slot["twin"]].append(slot)
    return dict(grouped)
