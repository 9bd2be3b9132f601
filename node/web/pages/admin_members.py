"""Operator pages: this space's members. A new member's token is shown once, on the answer
to the form that created it (never stored, never put in a redirect or a cookie)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.booking.members import MemberBody
from node.http.pages.forms import build, read_form
from node.http.pages.messages import operator_sentence
from node.http.pages.operator import operator_only, render_admin
from node.http.pages.render import flash
from node.i18n import _
from node.store.tokens import Principal
from node.web.keys import ASSEMBLED
from protocol.problems import Problem

routes = web.RouteTableDef()


@routes.get("/admin/members")
@operator_only
async def members(request: web.Request, who: Principal) -> web.Response:
    return await _page(request, who)


@routes.post("/admin/members")
@operator_only
async def add(request: web.Request, who: Principal) -> web.Response:
    fields = await read_form(request)
    taken = await _holder_of(request, fields.get("email", ""))
    if taken is not None:
        text = (
            f"Could not add the member: {taken['display_name']} already has the e-mail address "
            f"{fields.get('email')} here, and each member has their own address."
        )
        return await _page(request, who, message=flash(text, "error"), form=fields)
    try:
        body = build(MemberBody, {"display_name": fields.get("display_name"), "email": fields.get("email")})
        created = await request.app[ASSEMBLED].booking.members.add(body)
    except Problem as problem:
        message = flash(operator_sentence(problem, _("add the member")), "error")
        return await _page(request, who, message=message, form=fields)
    text = _("Added %(name)s. Give them the token below now: it is shown only this once.", name=created["display_name"])
    return await _page(request, who, message=flash(text), created=created)


async def _page(
    request: web.Request,
    who: Principal,
    *,
    message: dict[str, str] | None = None,
    created: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    items = await request.app[ASSEMBLED].booking.members.list()
    context = {"members": items, "created": created, "form": form or {}, "mail": request.app[ASSEMBLED].mail.enabled}
    return render_admin(request, "admin_members.html", context, who, "/admin/members", message=message)


async def _holder_of(request: web.Request, email: str) -> dict[str, Any] | None:
    """The member who already has this e-mail address, if any (the page says so, in a sentence)."""
    wanted = email.strip().casefold()
    for item in await request.app[ASSEMBLED].booking.members.list():
        if wanted and str(item.get("email", "")).casefold() == wanted:
            return dict(item)
    return None
