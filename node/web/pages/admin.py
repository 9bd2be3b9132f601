"""Operator pages: sign-in, the twinnings (with the peer's key fingerprint and the agreement's
life cycle) and delivery health per twin. Actions call the twinning service, as the API does."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from node.http.answers import Delivery, Twin
from node.http.pages.access import handle_sign_in, handle_sign_out
from node.http.pages.forms import optional, read_form
from node.http.pages.operator import act, operator_only, render_admin, terms_text
from node.i18n import _
from node.plain import validation_problem
from node.store.tokens import Principal
from node.web.api_twins import delivery_view, twin_view
from node.web.keys import ASSEMBLED
from protocol.keys import format_fingerprint
from protocol.models import Terms
from protocol.problems import Problem, ProblemType

routes = web.RouteTableDef()


@routes.post("/admin/signin")
async def sign_in(request: web.Request) -> web.Response:
    return await handle_sign_in(request, "operator")


@routes.post("/admin/signout")
async def sign_out(request: web.Request) -> web.Response:
    return await handle_sign_out(request, "operator")


@routes.get("/admin")
@operator_only
async def overview(request: web.Request, who: Principal) -> web.Response:
    node = request.app[ASSEMBLED]
    twins = [_with_words(await twin_view(node, t)) for t in await node.store.twinnings.list()]
    members = await node.booking.members.list()
    context = {
        "twins": twins,
        "me": {
            "id": node.id,
            "name": node.settings.node.name,
            "timezone": node.settings.node.timezone,
            "kid": node.keys.current.kid,
            "fingerprint": format_fingerprint(node.fingerprint()),
        },
        "counts": {
            "active": sum(1 for t in twins if t["status"] == "active"),
            "waiting": sum(1 for t in twins if t["status"] == "pending"),
            "members": len(members),
            "outbox": sum(t["delivery"]["outbox_depth"] for t in twins if t["status"] in ("active", "suspended")),
        },
    }
    return render_admin(request, "admin_twins.html", context, who, "/admin")


@routes.post("/admin/twins")
@operator_only
async def propose(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    url = fields.get("url", "").rstrip("/")

    async def run() -> str:
        offer, wanted = _terms(fields, "offer"), _terms(fields, "request")
        if not url.startswith(("http://", "https://")):
            raise Problem(ProblemType.VALIDATION_ERROR, "url: the other node's address starts with http:// or https://")
        twinning = await request.app[ASSEMBLED].twinning.propose(url, offer, wanted, optional(fields, "message"))
        view = await twin_view(request.app[ASSEMBLED], twinning)
        return _(
            "Proposed a twinning to %(space)s. Its key fingerprint is %(fingerprint)s: check it with the other "
            "operator. The twinning is active once they accept.",
            space=view.peer_name or url,
            fingerprint=view.peer_fingerprint,
        )

    return await act(request, "/admin", _("propose the twinning"), run)


@routes.post("/admin/twins/{id}/{action:accept|decline|suspend|resume|end}")
@operator_only
async def change(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    twinning_id, action = request.match_info["id"], request.match_info["action"]
    service = request.app[ASSEMBLED].twinning

    async def run() -> str:
        if action == "accept":
            twinning = await service.accept(twinning_id)
        else:
            twinning = await service.change(twinning_id, action, optional(fields, "reason"))
        peer = await request.app[ASSEMBLED].store.peers.get(twinning.peer_id)
        name = peer.name if peer is not None else twinning.peer_id
        return _done(action, name)

    return await act(request, "/admin", _doing(action), run)


@routes.get("/admin/delivery")
@operator_only
async def delivery(request: web.Request, who: Principal) -> web.Response:
    node = request.app[ASSEMBLED]
    twinnings = {t.peer_id: t for t in reversed(await node.store.twinnings.list())}
    peers = {p for p, t in twinnings.items() if t.status in ("active", "suspended")}
    peers |= set((await node.store.outbox.list_depths()).keys())
    rows = []
    for peer in sorted(peers):
        view = await delivery_view(node, peer)
        row = await node.store.peers.get(peer)
        twinning = twinnings.get(peer)
        rows.append(
            {
                **view.model_dump(mode="json"),
                "name": row.name if row else peer,
                "status": twinning.status if twinning else "ended",
                "health": _health(view),
            }
        )
    return render_admin(request, "admin_delivery.html", {"rows": rows}, who, "/admin/delivery")


def _done(action: str, name: str) -> str:
    done = {
        "accept": _("The twinning with %(space)s is accepted.", space=name),
        "decline": _("The twinning with %(space)s is declined.", space=name),
        "suspend": _("The twinning with %(space)s is suspended.", space=name),
        "resume": _("The twinning with %(space)s is resumed.", space=name),
        "end": _("The twinning with %(space)s is ended.", space=name),
    }
    return done[action]


def _doing(action: str) -> str:
    """What failed, for "Could not ...": a whole phrase per action."""
    doing = {
        "accept": _("accept the twinning"),
        "decline": _("decline the twinning"),
        "suspend": _("suspend the twinning"),
        "resume": _("resume the twinning"),
        "end": _("end the twinning"),
    }
    return doing[action]


def _health(view: Delivery) -> str:
    if view.storage.refused:
        return "over_quota"
    if view.tries and view.last_error:
        return "failing"
    if view.outbox_depth and view.lag_seconds > 60:
        return "late"
    return "ok"


def _with_words(view: Twin) -> dict[str, Any]:
    shown = view.model_dump(mode="json")
    terms = shown["terms"]
    return {**shown, "gives": terms_text(terms["we_give"]), "receives": terms_text(terms["we_receive"])}


def _terms(fields: dict[str, str], name: str) -> Terms | None:
    text = fields.get(name, "")
    if not text:
        return None
    try:
        return Terms.model_validate(json.loads(text))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise validation_problem(exc, name) from exc
        raise Problem(ProblemType.VALIDATION_ERROR, f"{name}: not valid JSON ({exc})") from exc
