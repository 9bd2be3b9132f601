"""The "My account" page: a member sees and renews their calendar address and API token,
chooses whether to get reminders, downloads their data and can delete their account."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from node.http.pages.access import member_only
from node.http.pages.forms import read_form
from node.http.pages.render import flash, redirect, render, simple_page
from node.http.pages.sessions import clear_session_cookie
from node.i18n import _
from node.store.tokens import Principal

from .web import people

routes = web.RouteTableDef()


@routes.get("/account")
@member_only
async def account(request: web.Request, member_id: str) -> web.Response:
    return await account_page(request, member_id)


@routes.post("/account/calendar")
@member_only
async def renew_calendar(request: web.Request, member_id: str) -> web.Response:
    url = await people(request).accounts.renew_calendar(member_id)
    message = flash(_("Your calendar has a new address. The old one has stopped working: update your calendar app."))
    return await account_page(request, member_id, message=message, calendar_url=url)


@routes.post("/account/token")
@member_only
async def renew_token(request: web.Request, member_id: str) -> web.Response:
    token = await people(request).accounts.renew_token(member_id)
    message = flash(_("Here is your new API token. It is shown only now; your earlier token has stopped working."))
    return await account_page(request, member_id, message=message, token=token)


@routes.post("/account/reminders")
@member_only
async def reminders(request: web.Request, member_id: str) -> web.Response:
    wanted = (await read_form(request)).get("wanted") == "yes"
    await people(request).accounts.set_optional_mail(member_id, wanted)
    text = _("You will get a reminder the day before each visit.") if wanted else _("You will get no more reminders.")
    return redirect(request, "/account", flash(text))


@routes.get("/account/export")
@member_only
async def export(request: web.Request, member_id: str) -> web.Response:
    data = await people(request).erasure.export(member_id)
    headers = {"Content-Disposition": 'attachment; filename="my-data.json"'}
    return web.json_response(data, headers=headers, dumps=_dumps)


@routes.post("/account/delete")
@member_only
async def delete(request: web.Request, member_id: str) -> web.Response:
    node = people(request).node
    await people(request).erasure.erase(member_id)
    response = simple_page(
        request,
        200,
        _("Your account is deleted"),
        _(
            "%(space)s no longer holds your name, e-mail address or tokens, and the spaces you "
            "visited are told to delete your name. Your future reservations abroad are cancelled.",
            space=node.settings.node.name,
        ),
    )
    clear_session_cookie(response, node)
    return response


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


async def account_page(
    request: web.Request, member_id: str, *, message: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    accounts = people(request).accounts
    member = await accounts.member(member_id)
    context = {
        "member": member,
        "calendar_url": extra.get("calendar_url") or accounts.calendar_url(member),
        "token": extra.get("token"),
        "mail": accounts.node.mail.enabled,
    }
    who = Principal(role="member", member_id=member_id)
    return render(request, "account.html", context, who=who, flash_now=message)
