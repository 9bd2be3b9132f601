"""Operator pages: this space's events (publish, update, cancel), the twins' events (export:
re-host one here) and copies whose origin changed. All through the events service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from node.events.bodies import EventCreate, EventPatch, ExportBody
from node.events.service import EventService
from node.events.views import EventViews
from node.http.pages.forms import build, day_param, integer, read_form, read_multi, validated
from node.http.pages.messages import operator_sentence
from node.http.pages.operator import act, operator_only, render_admin
from node.http.pages.render import flash, redirect
from node.http.pages.timefmt import clock, day_names, parse, wall_input
from node.i18n import LANGUAGES, _
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED
from protocol.models import Event
from protocol.problems import Problem

from .event_form import (
    WEEKDAYS,
    check_zone,
    describe_rule,
    form_of_rule,
    repeat_choices,
    rule_from_form,
    zone_choices,
)
from .week import active_twins
from .wording import published_sentence

routes = web.RouteTableDef()

SPAN_DAYS = 14
TEXT_FIELDS = ("title", "summary", "description", "venue", "room", "address", "online_url", "language", "rrule")
# Optional fields an emptied form field clears.
CLEARABLE = (*TEXT_FIELDS[1:], "capacity", "tags", "translations")


def _events(request: web.Request) -> EventService:
    service: EventService = request.app[ASSEMBLED].events
    return service


@routes.get("/admin/events")
@operator_only
async def events(request: web.Request, who: Principal) -> web.Response:
    return await _page(request, who)


@routes.post("/admin/events")
@operator_only
async def publish(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    try:
        values = await _event_values(request, fields)
        event = await _events(request).create(build(EventCreate, values))
    except Problem as problem:
        message = flash(operator_sentence(problem, _("publish the event")), "error")
        return await _page(request, who, message=message, form=fields)
    return redirect(request, f"/admin/events#event-{event.id}", flash(_published(event)))


@routes.get("/admin/events/{id}")
@operator_only
async def edit(request: web.Request, who: Principal) -> web.Response:
    try:
        event = await _events(request).own(request.match_info["id"])
    except Problem:
        raise web.HTTPNotFound() from None
    twins = list((await active_twins(request.app[ASSEMBLED])).values())
    context = {"event": event, "form": _form_of(event), "twins": twins, **form_choices()}
    return render_admin(request, "admin_event_edit.html", context, who, "/admin/events")


@routes.post("/admin/events/{id}")
@operator_only
async def update(request: web.Request, who: Principal) -> web.Response:
    event_id = request.match_info["id"]
    fields = await read_form(request)

    async def run() -> str:
        current = await _events(request).own(event_id)
        values = await _event_values(request, fields, current.timezone)
        values["status"] = fields.get("status") or None
        values["translations"] = _beside_unshown(values["translations"], current)
        _keep_times_as_shown(values, current, request.app[ASSEMBLED].settings.node.timezone)
        # An emptied optional field is sent as null: the service clears it.
        patch = validated(EventPatch, {k: v for k, v in values.items() if v is not None or k in CLEARABLE})
        before = current.version
        event = await _events(request).update(event_id, patch)
        if event.version == before:
            return _("Nothing changed in “%(title)s”, so nothing was sent to the twins.", title=event.title)
        return _(
            "Saved “%(title)s”: %(published)s The twins in its audience get the change.",
            title=event.title,
            published=published_sentence(event.version),
        )

    return await act(request, f"/admin/events/{event_id}", _("save the event"), run)


@routes.post("/admin/events/{id}/cancel")
@operator_only
async def cancel(request: web.Request, who: Principal) -> web.Response:
    event_id = request.match_info["id"]

    async def run() -> str:
        event = await _events(request).cancel(event_id)
        return _("Cancelled “%(title)s”. It stays visible as cancelled, here and at the twins.", title=event.title)

    return await act(request, "/admin/events", _("cancel the event"), run)


@routes.post("/admin/events/{id}/export")
@operator_only
async def export(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)

    async def run() -> str:
        same_moment = fields.get("same_moment") == "1"
        values: dict[str, Any] = {"origin": fields.get("origin") or None, "room": fields.get("room") or None}
        values.update(same_moment=same_moment, starts_at=None if same_moment else fields.get("starts_at") or None)
        body = build(ExportBody, values)
        copy = await _events(request).exports.export(request.match_info["id"], body)
        return _(
            "“%(title)s” is now hosted here too, and announced to the twins (the original's space included).",
            title=copy.title,
        )

    return await act(request, "/admin/events", _("host the event here"), run)


@routes.post("/admin/events/{id}/resolve")
@operator_only
async def resolve(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    action = "follow" if fields.get("action") == "follow" else "keep"

    async def run() -> str:
        event = await _events(request).exports.resolve(request.match_info["id"], action)
        if action == "follow":
            return _("“%(title)s” follows the change.", title=event.title)
        return _("“%(title)s” stays as it was.", title=event.title)

    return await act(request, "/admin/events", _("answer the change"), run)


async def _page(
    request: web.Request, who: Principal, *, message: dict[str, str] | None = None, form: dict[str, str] | None = None
) -> web.Response:
    node = request.app[ASSEMBLED]
    zone = node.settings.node.timezone
    start = day_param(request.query.get("from"), node.clock.now().astimezone(ZoneInfo(zone)).date())
    views = EventViews(_events(request))
    end = start + timedelta(days=SPAN_DAYS)
    listing = await views.listing("all", start.isoformat(), end.isoformat())
    ours, theirs = _split(listing["items"], node.id)
    context = {
        "ours": ours,
        "theirs": theirs,
        "flags": (await views.flags())["items"],
        "twins": list((await active_twins(node)).values()),
        "form": form or {},
        "start": start,
        "end": end,
        "one_day": timedelta(days=1),
        "truncated": listing["truncated"],
        "previous": (start - timedelta(days=SPAN_DAYS)).isoformat(),
        "next": end.isoformat(),
        **form_choices(),
    }
    return render_admin(request, "admin_events.html", context, who, "/admin/events", message=message)


def _split(items: list[dict[str, Any]], here: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(ours, the twins'), one line per event (the first occurrence in the window)."""
    seen: set[tuple[str, str]] = set()
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    for item in items:
        key = (item["origin"], item["id"])
        if key in seen:
            continue
        seen.add(key)
        if not item["local"] and (item.get("exported_from") or {}).get("origin") == here:
            continue  # a twin re-hosting one of ours: shown as "also hosted at" on ours, not as theirs
        item["hosted_here"] = any(a["origin"] == here for a in item.get("also_at", []))
        item["repeats_text"] = describe_rule(item.get("rrule"), item["starts_at"], item["timezone"])
        item["hosted_elsewhere"] = [
            {"name": a["name"], "time": clock(parse(a["starts_at"])), "zone": a["timezone"]}
            for a in item.get("also_at", [])
            if a["origin"] != here and a["status"] != "cancelled"
        ]
        item["same_wall_time"] = wall_input(item["starts_at"], item["timezone"])
        (ours if item["local"] else theirs).append(item)
    return ours, theirs


async def _event_values(request: web.Request, fields: dict[str, str], zone_now: str | None = None) -> dict[str, Any]:
    here = request.app[ASSEMBLED].settings.node.timezone
    values: dict[str, Any] = {name: fields.get(name) or None for name in TEXT_FIELDS}
    values.update(
        starts_at=fields.get("starts_at", ""),
        ends_at=fields.get("ends_at", ""),
        timezone=check_zone(fields.get("timezone"), {here, zone_now or here}),
        capacity=integer(fields, "capacity"),
        tags=[t.strip() for t in fields.get("tags", "").split(",") if t.strip()] or None,
    )
    chosen = await read_multi(request, "audience_twin")
    values["audience"] = chosen if fields.get("audience") == "listed" else "all"
    zone = values["timezone"] or here
    values["rrule"] = rule_from_form(fields, await read_multi(request, "repeat_day"), zone)
    values["translations"] = _translations(fields)
    return values


def _translations(fields: dict[str, str]) -> dict[str, dict[str, str]] | None:
    """The title and summary given in other languages (the form has a pair per language the pages speak)."""
    given = {
        code: {"title": fields.get(f"title_{code}", ""), "summary": fields.get(f"summary_{code}", "")}
        for code in LANGUAGES
    }
    return {code: text for code, text in given.items() if text["title"] or text["summary"]} or None


def _beside_unshown(shown: dict[str, dict[str, str]] | None, event: Event) -> dict[str, dict[str, str]] | None:
    """The form's translations with the event's others (set through the API: "de", "es-419"),
    which the form has no field for and so must not remove."""
    unshown = {tag: text.model_dump() for tag, text in (event.translations or {}).items() if tag not in LANGUAGES}
    return {**unshown, **(shown or {})} or None


def _keep_times_as_shown(values: dict[str, Any], event: Event, here: str) -> None:
    """Leave out the times sent back as the form showed them: the form holds minutes and no
    offset, so it cannot say 01:30:20, nor which 01:30 of a night the clocks go back; the
    instants stay as they are."""
    if (values["timezone"] or here) != event.timezone:
        return
    if values["starts_at"] != wall_input(event.starts_at.isoformat(), event.timezone):
        return  # a new start: the end is read as shown too, or it would keep the old duration
    values["starts_at"] = None
    if values["ends_at"] == wall_input(event.ends_at.isoformat(), event.timezone):
        values["ends_at"] = None


def form_choices() -> dict[str, Any]:
    """What the event form offers: time zones (places only), repeat options, weekdays."""
    return {
        "zones": zone_choices(),
        "repeats": repeat_choices(),
        "weekdays": list(zip(WEEKDAYS, day_names(), strict=True)),
    }


def _form_of(event: Event) -> dict[str, Any]:
    """An event's fields as the edit form shows them: wall times in its zone."""
    values: dict[str, Any] = {name: getattr(event, name) or "" for name in TEXT_FIELDS}
    values.update(
        starts_at=wall_input(event.starts_at.isoformat(), event.timezone),
        ends_at=wall_input(event.ends_at.isoformat(), event.timezone),
        timezone=event.timezone,
        capacity="" if event.capacity is None else str(event.capacity),
        tags=", ".join(event.tags),
        status=event.status,
        audience="all" if event.audience == "all" else "listed",
        audience_twins=[] if event.audience == "all" else list(event.audience),
        **form_of_rule(event.rrule, event.timezone),
    )
    values["repeats_text"] = describe_rule(event.rrule, values["starts_at"], event.timezone)
    for code, text in (event.translations or {}).items():
        values[f"title_{code}"], values[f"summary_{code}"] = text.title, text.summary
    return values


def _published(event: Event) -> str:
    return _("Published “%(title)s”. The twins in its audience receive it within seconds.", title=event.title)
