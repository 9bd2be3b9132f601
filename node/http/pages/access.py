"""Sign-in and sign-out pages for members (at /) and the operator (at /admin)."""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable

from aiohttp import web

from node.http.auth import SESSION_COOKIE, principal
from node.http.keys import NODE, SIGN_IN_LIMITER
from node.i18n import _, ngettext
from node.ratelimit import address_key
from node.retry import retry_after_header
from node.store.tokens import Principal

from .forms import read_form
from .language import keep_chosen_language
from .render import flash, redirect, render
from .sessions import Role, SignInRefused, clear_session_cookie, set_session_cookie, sign_in, sign_out

HOME: dict[Role, str] = {"member": "/", "operator": "/admin"}


async def signed_in(request: web.Request, role: Role) -> Principal | None:
    """The member (with a member id) or the operator behind this request, else None."""
    who = await principal(request)
    if who is None:
        return None
    if role == "member":
        return who if who.member_id is not None else None
    return who if who.role == "operator" else None


async def signin_page(request: web.Request, role: Role, error: str | None = None) -> web.Response:
    """The sign-in form; says so when a session cookie is there but its session has ended."""
    who = await principal(request)
    ended = SESSION_COOKIE in request.cookies and who is None
    message = None
    if error:
        message = flash(error, "error")
    elif ended:
        message = flash(_("Your session has ended. Please sign in again."), "info")
    context = {
        "role": role,
        "action": "/signin" if role == "member" else "/admin/signin",
        "other": _other_role_note(who, role),
        "email_signin": role == "member" and request.app[NODE].mail.enabled,
        "oidc_signin": request.app[NODE].settings.oidc.issuer is not None,
    }
    # Rendered without a principal: the form is bound to the pre-session cookie, as sign-in posts.
    response = render(request, "signin.html", context, who=None, flash_now=message)
    if ended:
        clear_session_cookie(response, request.app[NODE])
    return response


def _other_role_note(who: Principal | None, role: Role) -> str | None:
    if who is None:
        return None
    if role == "member" and who.role == "operator":
        return _("You are signed in as the operator. Members sign in here; the operator pages are at /admin.")
    if role == "operator" and who.member_id is not None:
        return _("You are signed in as a member. The operator signs in here with the operator token.")
    return None


async def handle_sign_in(request: web.Request, role: Role) -> web.Response:
    fields = await read_form(request)
    node = request.app[NODE]
    # Failed sign-ins are counted per address: a whole office signing in is fine, guessing is not.
    address, limiter = address_key(request.remote), request.app[SIGN_IN_LIMITER]
    wait = await limiter.pending(address)
    if wait:
        seconds = max(1, math.ceil(wait))
        refused = await signin_page(
            request,
            role,
            ngettext(
                "Too many failed sign-ins from your network. Try again in %(num)s second.",
                "Too many failed sign-ins from your network. Try again in %(num)s seconds.",
                seconds,
            ),
        )
        refused.set_status(429)
        refused.headers["Retry-After"] = retry_after_header(seconds)
        return refused
    try:
        session = await sign_in(node, fields.get("token", ""), role)
    except SignInRefused as refused:
        await limiter.take(address)
        return await signin_page(request, role, str(refused))
    # A session this browser held before ends now: one browser, one live session.
    await sign_out(node, request.cookies.get(SESSION_COOKIE))
    if session.member_id is not None:
        await keep_chosen_language(request, session.member_id)
    response = redirect(request, HOME[role])
    set_session_cookie(response, node, session)
    return response


async def handle_sign_out(request: web.Request, role: Role) -> web.Response:
    node = request.app[NODE]
    await sign_out(node, request.cookies.get(SESSION_COOKIE))
    response = redirect(request, HOME[role], flash(_("You are signed out."), "info"))
    clear_session_cookie(response, node)
    return response


MemberHandler = Callable[[web.Request, str], Awaitable[web.Response]]


def member_only(handler: MemberHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A member's page or form, called with their id; anyone else gets the sign-in (a form: back to it)."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.Response:
        who = await signed_in(request, "member")
        if who is None or who.member_id is None:
            if request.method == "GET":
                return await signin_page(request, "member")
            return redirect(request, "/", flash(_("Please sign in again: your session has ended."), "info"))
        return await handler(request, who.member_id)

    return wrapped
