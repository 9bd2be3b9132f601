"""The public pages: the space (`/space`, and `/` for visitors when so configured), one page
per public event (`/events/{id}`), and the network of twinned spaces (`/network`).

No sign-in, and nothing about members: a page reads the profile, the resources, the twins'
names and the public events (the same list as /calendar.ics), never a reservation or a member.
Each page carries schema.org JSON-LD and OpenGraph tags for search engines and link previews.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from markupsafe import Markup

from node.booking import BOOKING
from node.events import EVENTS, event_text, event_url
from node.http.keys import NODE
from node.http.pages.access import signin_page
from node.http.pages.render import render
from node.i18n import _
from protocol.models import Event

from .events import event_jsonld
from .network import TwinProfiles
from .space import SpaceView, space_jsonld, space_view

routes = web.RouteTableDef()
UPCOMING = 20  # events listed on the space's page
TWIN_PROFILES = web.AppKey("twin_profiles", TwinProfiles)


@routes.get("/space")
async def space(request: web.Request) -> web.Response:
    return await space_page(request)


@routes.get("/space.jsonld")
async def space_document(request: web.Request) -> web.Response:
    """The space's schema.org document on its own: what twins read for their network page."""
    view = await space_view(request.app[NODE], request.app[BOOKING])
    return web.json_response(
        space_jsonld(view), content_type="application/ld+json", headers={"Cache-Control": "max-age=300"}
    )


@routes.get("/signin")
async def signin(request: web.Request) -> web.Response:
    """The member sign-in form, one click from the public page."""
    return await signin_page(request, "member")


async def space_page(request: web.Request) -> web.Response:
    node = request.app[NODE]
    view = await space_view(node, request.app[BOOKING])
    events = await request.app[EVENTS].public.upcoming()
    shown = [event_item(e, names_of(view)) for e in events[:UPCOMING]]
    documents = [
        space_jsonld(view),
        *(event_jsonld(e, node.id, view.name, view.profile, view.location) for e in events[:UPCOMING]),
    ]
    context = {
        "space": view,
        "events": shown,
        "jsonld": jsonld_markup(documents),
        "og": open_graph(view.name, view.profile.description or view.location or view.name, view.url, "website"),
    }
    return render(request, "public_space.html", context, who=None)


@routes.get("/events/{id}")
async def event_page(request: web.Request) -> web.Response:
    node = request.app[NODE]
    public = request.app[EVENTS].public
    event = await public.find(request.match_info["id"])
    if event is None:
        raise web.HTTPNotFound()
    # A series is shown at its next occurrence, as the space's page lists it.
    event = next((e for e in await public.upcoming() if e.id == event.id), event)
    view = await space_view(node, request.app[BOOKING])
    item = event_item(event, names_of(view))
    context = {
        "space": view,
        "event": item,
        # An event the operator recorded after it began was not announced beforehand: say so.
        "recorded_late": await request.app[EVENTS].repo.is_recorded_late(event.id),
        "jsonld": jsonld_markup([event_jsonld(event, node.id, view.name, view.profile, view.location)]),
        "og": open_graph(item["title"], item["summary"] or view.name, item["url"], "article"),
    }
    return render(request, "public_event.html", context, who=None)


@routes.get("/network")
async def network(request: web.Request) -> web.Response:
    node = request.app[NODE]
    view = await space_view(node, request.app[BOOKING])
    twins = sorted(await request.app[TWIN_PROFILES].all(), key=lambda t: t.name.casefold())
    context = {
        "space": view,
        "twins": twins,
        "jsonld": jsonld_markup([space_jsonld(view)]),
        "og": open_graph(_("%(space)s and its twins", space=view.name), view.name, f"{node.id}/network", "website"),
    }
    return render(request, "public_network.html", context, who=None)


def names_of(view: SpaceView) -> dict[str, str]:
    return {view.id: view.name, **{t.id: t.name for t in view.twins}}


def event_item(event: Event, names: dict[str, str]) -> dict[str, Any]:
    """What a public page shows of one event, in the reader's language where the origin gave it."""
    text = event_text(event.model_dump(mode="json", include={"title", "summary", "language", "translations"}))
    origin = event.exported_from.origin if event.exported_from else None
    return {
        "id": event.id,
        "url": event_url(event.origin, event.id),
        "title": text.title,
        "summary": text.summary,
        "description": event.description,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "timezone": event.timezone,
        "status": event.status,
        "place": ", ".join(p for p in (event.room, event.venue, event.address) if p),
        "online_url": event.online_url,
        "recurring": bool(event.rrule),
        "tags": event.tags,
        "rehosted_from": (names.get(origin, origin), f"{origin}/space") if origin else None,
    }


def jsonld_markup(documents: list[dict[str, Any]]) -> Markup:
    """JSON-LD for a <script> element: no `<`, `>` or `&` can close it or start markup."""
    text = json.dumps(documents[0] if len(documents) == 1 else documents, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def open_graph(title: str, description: str, url: str, kind: str) -> dict[str, str]:
    return {"og:title": title, "og:description": description[:300], "og:url": url, "og:type": kind}
