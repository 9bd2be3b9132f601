"""Pages of e-mail sign-in: ask for a code, type it, or open the mailed link.

A mailed link opens a page with a button rather than signing in at once: mail scanners
follow links in mails, and must not use up a single-use link.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from node.auth import open_session
from node.http.auth import SESSION_COOKIE
from node.http.keys import NODE
from node.http.pages.forms import read_form
from node.http.pages.language import keep_chosen_language
from node.http.pages.messages import problem_title
from node.http.pages.operator import act, operator_only
from node.http.pages.render import flash, redirect, render, simple_page
from node.http.pages.sessions import set_session_cookie, sign_out
from node.i18n import _, ngettext
from node.store.tokens import Principal
from protocol.problems import Problem, ProblemType

from .routes import BINDING_COOKIE, bind
from .web import people

routes = web.RouteTableDef()


@routes.post("/signin/email")
async def ask(request: web.Request) -> web.Response:
    fields = await read_form(request)
    email = fields.get("email", "")
    binding = request.cookies.get(BINDING_COOKIE) or secrets.token_urlsafe(32)
    if "@" not in email or len(email) > 254:
        return redirect(request, "/", flash(_("Please type your whole e-mail address, like ada@example.org."), "error"))
    await people(request).signin.request(email, binding)
    response = render(request, "signin_code.html", {"email": email}, who=None)
    bind(request, response, binding)
    return response


@routes.post("/signin/code")
async def type_code(request: web.Request) -> web.Response:
    fields = await read_form(request)
    email = fields.get("email", "")
    try:
        signed = await people(request).signin.verify(email, fields.get("code", ""), _binding(request))
    except Problem as problem:
        message = flash(problem.detail or problem_title(problem), "error")
        status = 429 if problem.kind is ProblemType.RATE_LIMITED else 401
        return render(request, "signin_code.html", {"email": email}, who=None, flash_now=message, status=status)
    return await _signed_in(request, signed.member_id)


@routes.get("/signin/link/{secret}")
async def link(request: web.Request) -> web.Response:
    try:
        found = await people(request).signin.check_link(request.match_info["secret"], _binding(request))
    except Problem as problem:
        return simple_page(request, problem.status, _("This link cannot sign you in"), problem.detail or "")
    context = {"action": request.path, "invitation": found.purpose == "invitation"}
    return render(request, "signin_link.html", context, who=None)


@routes.post("/signin/link/{secret}")
async def use_link(request: web.Request) -> web.Response:
    try:
        signed = await people(request).signin.open_link(request.match_info["secret"], _binding(request))
    except Problem as problem:
        return simple_page(request, problem.status, _("This link cannot sign you in"), problem.detail or "")
    return await _signed_in(request, signed.member_id)


@routes.post("/admin/members/{id}/invite")
@operator_only
async def invite(request: web.Request, who: Principal) -> web.Response:
    member_id = request.match_info["id"]

    async def run() -> str:
        await people(request).signin.invite(member_id)
        return _("The invitation is on its way: a mail with a sign-in link that works once, within 7 days.")

    return await act(request, "/admin/members", _("send the invitation"), run)


@routes.post("/admin/members/{id}/remove")
@operator_only
async def remove(request: web.Request, who: Principal) -> web.Response:
    member_id = request.match_info["id"]

    async def run() -> str:
        done = await people(request).erasure.erase(member_id)
        if done["hosts"]:
            return ngettext(
                "The member is erased: their name, e-mail, tokens, sessions and mails are deleted, and the "
                "%(num)s space they visited is told to delete their name.",
                "The member is erased: their name, e-mail, tokens, sessions and mails are deleted, and the "
                "%(num)s spaces they visited are told to delete their name.",
                len(done["hosts"]),
            )
        return _("The member is erased: their name, e-mail, tokens, sessions and mails are deleted.")

    return await act(request, "/admin/members", _("remove the member"), run)


def _binding(request: web.Request) -> str:
    return request.cookies.get(BINDING_COOKIE, "")


async def _signed_in(request: web.Request, member_id: str) -> web.Response:
    node = request.app[NODE]
    session = await open_session(node, "member", member_id)
    await sign_out(node, request.cookies.get(SESSION_COOKIE))  # one browser, one live session
    await keep_chosen_language(request, member_id)  # as a token's sign-in does: their mails follow it
    response = redirect(request, "/", flash(_("You are signed in."), "success"))
    set_session_cookie(response, node, session)
    return response
