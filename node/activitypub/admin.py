"""/admin/fediverse: the operator sees the space's fediverse address and its followers, removes a
follower, and blocks or unblocks an instance. The same actions as /api/v1/activitypub/."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from node.clock import iso
from node.http.pages.forms import read_form
from node.http.pages.operator import operator_only, render_admin
from node.http.pages.render import flash, redirect
from node.i18n import _
from node.store.tokens import Principal

from . import FEDIVERSE

routes = web.RouteTableDef()
PAGE = "/admin/fediverse"


@routes.get(PAGE)
@operator_only
async def page(request: web.Request, who: Principal) -> web.Response:
    bridge = request.app.get(FEDIVERSE)
    context: dict[str, object] = {"enabled": bridge is not None}
    if bridge is not None:
        context |= {
            "handle": f"@{bridge.urls.username}@{bridge.urls.host}",
            "followers": await bridge.store.list_followers(),
            "blocked": sorted(await bridge.store.list_blocked()),
            "configured": sorted(bridge.settings.blocked_instances),
            "pending": await bridge.store.count_pending(),
        }
    return render_admin(request, "admin_fediverse.html", context, who, PAGE)


@routes.post(PAGE + "/remove")
@operator_only
async def remove(request: web.Request, who: Principal) -> web.Response:
    bridge = request.app.get(FEDIVERSE)
    actor = (await read_form(request)).get("actor", "")
    if bridge is None or not await bridge.store.delete_follower(actor):
        return redirect(request, PAGE, flash(_("That follower was already gone."), "error"))
    return redirect(request, PAGE, flash(_("The follower is removed and gets nothing more from this space.")))


@routes.post(PAGE + "/block")
@operator_only
async def block(request: web.Request, who: Principal) -> web.Response:
    bridge = request.app.get(FEDIVERSE)
    text = (await read_form(request)).get("host", "").strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    if bridge is None or not host or len(host) > 253:
        return redirect(request, PAGE, flash(_("Write the instance's address, such as mastodon.example."), "error"))
    await bridge.store.store_block(host, iso(bridge.node.clock.now()))
    return redirect(request, PAGE, flash(_("The instance is blocked: its followers are removed and it gets nothing.")))


@routes.post(PAGE + "/unblock")
@operator_only
async def unblock(request: web.Request, who: Principal) -> web.Response:
    bridge = request.app.get(FEDIVERSE)
    host = (await read_form(request)).get("host", "")
    if bridge is not None:
        await bridge.store.delete_block(host)
    return redirect(request, PAGE, flash(_("The instance is no longer blocked.")))
