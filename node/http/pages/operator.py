"""What every operator page shares: the sign-in gate, rendering, and running an action."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from node.i18n import N_, _, ngettext
from node.store.tokens import Principal
from node.words import per_period, resource_kind, units
from protocol.models import Terms
from protocol.problems import Problem

from .access import signed_in, signin_page
from .messages import operator_sentence
from .render import flash, redirect, render

OperatorHandler = Callable[[web.Request, Principal], Awaitable[web.Response]]

SECTIONS = (  # labels translated where the navigation is drawn
    ("/admin", N_("Twinnings")),
    ("/admin/events", N_("Events")),
    ("/admin/space", N_("Resources & slots")),
    ("/admin/offers", N_("Standing offers")),
    ("/admin/guests", N_("Front desk")),
    ("/admin/members", N_("Members")),
    ("/admin/people", N_("People")),
    ("/admin/introductions", N_("Introductions")),
    ("/admin/delivery", N_("Delivery")),
    ("/admin/ledger", N_("Ledger")),
    ("/admin/profile", N_("Public profile")),
    ("/admin/mail", N_("Mail")),
    ("/admin/fediverse", N_("Fediverse")),
)


def operator_only(handler: OperatorHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The operator's page or action; anyone else gets the operator sign-in."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.Response:
        who = await signed_in(request, "operator")
        if who is None:
            if request.method == "GET":
                return await signin_page(request, "operator")
            return redirect(request, "/admin", flash(_("Please sign in again: your session has ended."), "info"))
        return await handler(request, who)

    return wrapped


def render_admin(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    who: Principal,
    section: str,
    *,
    message: dict[str, str] | None = None,
) -> web.Response:
    context = {"sections": SECTIONS, "section": section, **context}
    return render(request, template, context, who=who, flash_now=message)


async def act(request: web.Request, back: str, what: str, action: Callable[[], Awaitable[str]]) -> web.Response:
    """Run an operator action; back to `back` with its sentence, or with the problem in words."""
    try:
        done = await action()
    except Problem as problem:
        return redirect(request, back, flash(operator_sentence(problem, what), "error"))
    return redirect(request, back, flash(done, "success"))


def terms_text(terms: dict[str, Any]) -> dict[str, str]:
    """An agreement's terms in one direction, in words: allowances and rules (each a whole phrase)."""
    parsed = Terms.model_validate(terms)
    allowances = ", ".join(
        _(
            "%(kind)s: %(amount)s %(period)s",
            kind=resource_kind(a.kind),
            amount=units(a.amount, a.unit),
            period=per_period(a.period),
        )
        for a in parsed.allowances
    )
    r = parsed.rules
    rules = ", ".join(
        (
            ngettext("book up to %(num)s day ahead", "book up to %(num)s days ahead", r.book_ahead_days),
            ngettext("%(num)s hour's notice", "%(num)s hours' notice", r.min_notice_hours),
            ngettext("cancel until %(num)s hour before", "cancel until %(num)s hours before", r.cancel_until_hours),
            ngettext("at most %(num)s seat each", "at most %(num)s seats each", r.max_seats_per_reservation),
        )
    )
    return {"allowances": allowances or _("no allowance (the slots' seats are the limit)"), "rules": rules}
