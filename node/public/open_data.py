"""GET /open-data/...: the DCAT-AP_IT catalogue and its datasets, as CSV and JSON.

Everything here is computed from public facts (the profile, the public events) and from the
signed receipts, with small figures suppressed (node/public/stats.py). The JSON and the CSV
of a dataset hold the same figures; an empty CSV cell is a suppressed figure.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from aiohttp import web

from node.booking import BOOKING
from node.events import EVENTS
from node.http.keys import NODE
from node.http.pages.render import render
from node.i18n import _

from . import catalog as dcat
from .pages import TWIN_PROFILES, event_item, jsonld_markup, names_of, open_graph
from .space import SpaceView, space_view
from .stats import FIGURES, Month, months, published, receipts_file

routes = web.RouteTableDef()
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
LICENCE_HEADER = "Link"


@routes.get("/open-data/")
async def index(request: web.Request) -> web.Response:
    node = request.app[NODE]
    view = await space_view(node, request.app[BOOKING])
    listed = [m.month for m in await _months(request)]
    context = {
        "space": view,
        "datasets": dcat.DATASETS,
        "months": listed,
        "settings": node.settings.open_data,
        "jsonld": jsonld_markup([await _catalog(request)]),
        "og": open_graph(_("Open data"), view.name, f"{node.id}/open-data/", "website"),
    }
    return render(request, "public_open_data.html", context, who=None)


@routes.get("/open-data/catalog.jsonld")
async def catalog(request: web.Request) -> web.Response:
    return _answer(request, await _catalog(request), "application/ld+json")


@routes.get("/open-data/{name:(events|space|exchanges)}.{fmt:(csv|json)}")
async def dataset(request: web.Request) -> web.Response:
    name, fmt = request.match_info["name"], request.match_info["fmt"]
    rows: list[dict[str, Any]]
    if name == "events":
        document, rows = await _events(request)
    elif name == "space":
        document, rows = _space(await space_view(request.app[NODE], request.app[BOOKING]))
    else:
        document, rows = await _exchanges(request)
    if fmt == "json":
        return _answer(request, document, "application/json")
    return _csv(request, rows)


@routes.get("/open-data/receipts-{month}.json")
async def receipts(request: web.Request) -> web.Response:
    month = request.match_info["month"]
    node = request.app[NODE]
    found = next((m for m in await _months(request) if m.month == month), None) if MONTH.match(month) else None
    if found is None:
        raise web.HTTPNotFound()
    return _answer(request, receipts_file(found, node.id), "application/json")


async def _months(request: web.Request) -> list[Month]:
    return await months(request.app[NODE], request.app[BOOKING], request.app[EVENTS])


async def _catalog(request: web.Request) -> dict[str, Any]:
    node = request.app[NODE]
    listed = [m.month for m in await _months(request)]
    return dcat.catalog(node.settings, node.clock.now().date().isoformat(), listed)


async def _events(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    node = request.app[NODE]
    names = names_of(await space_view(node, request.app[BOOKING]))
    rows = []
    for event in await request.app[EVENTS].public.list():
        item = event_item(event, names)
        rows.append(
            {
                "id": item["id"],
                "url": item["url"],
                "title": event.title,
                "starts_at": item["starts_at"],
                "ends_at": item["ends_at"],
                "timezone": item["timezone"],
                "status": item["status"],
                "place": item["place"],
                "online": bool(event.online_url) or event.status == "moved_online",
                "rehosted_from": event.exported_from.origin if event.exported_from else "",
                "tags": " ".join(event.tags),
            }
        )
    return {"publisher": node.id, "events": rows}, rows


def _space(view: SpaceView) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    profile = view.profile
    place = {
        "name": view.name,
        "url": view.url,
        "street_address": profile.street_address,
        "postal_code": profile.postal_code,
        "locality": profile.locality or (view.location or ""),
        "region": profile.region,
        "country": profile.country,
        "timezone": view.timezone,
    }
    hours = [
        {"day": day, "opens": h.split("-")[0], "closes": h.split("-")[1]}
        for day, hs in profile.opening_hours.items()
        for h in hs
    ]
    document = {
        **place,
        "opening_hours": hours,
        "resources": view.resources,
        "twins": [{"id": t.id, "name": t.name} for t in view.twins],
    }
    rows = [{**place, **hour} for hour in hours] or [{**place, "day": "", "opens": "", "closes": ""}]
    return document, rows


async def _exchanges(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    node = request.app[NODE]
    view = await space_view(node, request.app[BOOKING])
    profiles = {p.id: p for p in await request.app[TWIN_PROFILES].all()}
    countries = {twin: p.country for twin, p in profiles.items()}
    names = names_of(view)
    shown = [published(m, countries, view.profile.country or "ZZ", names) for m in await _months(request)]
    document = {"publisher": node.id, "suppressed": "figures from 1 to 4 are null", "months": shown}
    rows = []
    ours = view.profile.country or "ZZ"
    for month in shown:
        for t in month["twins"]:
            rows.append(_row(month, "twin", t["twin"], ours, t["country"], t))
        for p in month["country_pairs"]:
            rows.append(_row(month, "country_pair", "", p["country"], p["twin_country"], p))
    return document, rows


def _row(month: dict[str, Any], scope: str, twin: str, here: str, there: str, f: dict[str, Any]) -> dict[str, Any]:
    """One CSV line: the month, what it is about, the figures, and the digests it can be checked by."""
    digests = {"digest_given": f.get("digest_given", ""), "digest_taken": f.get("digest_taken", "")}
    place = {"scope": scope, "twin": twin, "country": here, "twin_country": there}
    return {"month": month["month"], **place, **{k: f[k] for k in FIGURES}, "digest": month["digest"], **digests}


def _answer(request: web.Request, document: Any, content_type: str) -> web.Response:
    response = web.json_response(document, content_type=content_type)
    return _public(request, response)


def _csv(request: web.Request, rows: list[dict[str, Any]]) -> web.Response:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    response = web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8")
    return _public(request, response)


def _public(request: web.Request, response: web.Response) -> web.Response:
    """Open data: anyone may read it, cache it a little, and fetch it from another site."""
    licence = request.app[NODE].settings.open_data.licence_url
    response.headers.update(
        {
            "Cache-Control": "max-age=300",
            "Access-Control-Allow-Origin": "*",
            LICENCE_HEADER: f'<{licence}>; rel="license"',
        }
    )
    return response
